import Foundation

/// Where the files of an HGB dataset live: a folder, or a `.zip` whose members may sit under a
/// top-level folder (`ACM.zip` holds `ACM/node.dat`, …).
struct HGBSource {
    private enum Storage {
        case folder(String)
        case zip(ZipReader, prefix: String)
    }

    private let storage: Storage
    /// The path the caller gave.
    let path: String

    /// Opens a folder or a `.zip` file holding `node.dat`. In a folder, every file may be
    /// gzip-compressed instead (`link.dat.gz`; ``FileBytes`` inflates it).
    /// - Throws: ``GraphIOError/fileNotFound(_:)`` for a missing path or a dataset without
    ///   `node.dat`; ``GraphIOError/archive(file:message:)`` for a file that is not a zip archive.
    init(_ path: String) throws(GraphIOError) {
        self.path = path
        if FileBytes.isFolder(path) {
            storage = .folder(path)
            return
        }
        if !FileBytes.exists(path) { throw .fileNotFound(path) }
        let zip = try ZipReader(path)
        // The shallowest node.dat decides the dataset folder inside the archive.
        let candidates = zip.memberPaths.filter {
            ($0 == "node.dat" || $0.hasSuffix("/node.dat")) && !$0.hasPrefix("__MACOSX/")
        }
        guard let nodeFile = candidates.min(by: { ($0.split(separator: "/").count, $0) < ($1.split(separator: "/").count, $1) }) else {
            throw .fileNotFound("\(path)/node.dat")
        }
        storage = .zip(zip, prefix: String(nodeFile.dropLast("node.dat".count)))
    }

    /// The name used for `file` in error messages: `folder/file` (`folder/file.gz` when only
    /// that, gzip-compressed, exists) or `archive.zip/member`.
    func displayName(_ file: String) -> String {
        switch storage {
        case let .folder(folder):
            let plain = folder.hasSuffix("/") ? folder + file : folder + "/" + file
            return !FileBytes.exists(plain) && FileBytes.exists(plain + ".gz") ? plain + ".gz" : plain
        case let .zip(_, prefix):
            return "\(path)/\(prefix)\(file)"
        }
    }

    /// Whether the dataset has `file` (in a folder, plain or as `file.gz`).
    func contains(_ file: String) -> Bool {
        switch storage {
        case .folder: FileBytes.exists(displayName(file))
        case let .zip(zip, prefix): zip.memberPaths.contains(prefix + file)
        }
    }

    /// The content of `file`.
    /// - Throws: ``GraphIOError/fileNotFound(_:)`` (named as in ``displayName(_:)``) and the
    ///   read or archive errors.
    func read(_ file: String) throws(GraphIOError) -> [UInt8] {
        switch storage {
        case .folder: try FileBytes.read(displayName(file))
        case let .zip(zip, prefix): try zip.read(prefix + file)
        }
    }
}
