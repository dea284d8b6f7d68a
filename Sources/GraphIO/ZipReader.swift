import Foundation
import ZIPFoundation

/// Read access to the members of a `.zip` file through ZIPFoundation (stored and deflated
/// members, ZIP64), with errors mapped to ``GraphIOError``.
struct ZipReader {
    /// The archive's path as the caller gave it.
    let path: String
    private let archive: Archive

    /// Opens the archive at `path` for reading.
    /// - Throws: ``GraphIOError/fileNotFound(_:)``, ``GraphIOError/isDirectory(_:)``,
    ///   ``GraphIOError/archive(file:message:)`` when it is not a readable zip file.
    init(_ path: String) throws(GraphIOError) {
        if !FileBytes.exists(path) { throw .fileNotFound(path) }
        if FileBytes.isFolder(path) { throw .isDirectory(path) }
        do {
            archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        } catch {
            // ZIPFoundation's error names (missingEndOfCentralDirectoryRecord, …) mean nothing to
            // a user: a damaged download is the usual cause.
            throw .archive(file: path, message: "truncated or not a zip archive (no readable central directory); download or copy it again")
        }
        self.path = path
    }

    /// Paths of the file members (folders and links left out), in archive order.
    var memberPaths: [String] {
        archive.compactMap { $0.type == .file ? $0.path : nil }
    }

    /// The uncompressed content of member `member`, checked against its CRC-32.
    /// - Throws: ``GraphIOError/fileNotFound(_:)`` naming `archive/member` when it is absent;
    ///   ``GraphIOError/archive(file:message:)`` when it cannot be decompressed or its
    ///   checksum is wrong.
    func read(_ member: String) throws(GraphIOError) -> [UInt8] {
        guard let entry = archive[member], entry.type == .file else { throw .fileNotFound("\(path)/\(member)") }
        var data: [UInt8] = []
        // The header's size is a hint only: a damaged header may claim terabytes.
        data.reserveCapacity(Int(min(entry.uncompressedSize, 1 << 26)))
        let checksum: CRC32
        do {
            checksum = try archive.extract(entry, bufferSize: 1 << 20, skipCRC32: false) { data.append(contentsOf: $0) }
        } catch {
            throw .archive(file: "\(path)/\(member)", message: "cannot extract: the archive is truncated or damaged")
        }
        guard checksum == entry.checksum else {
            throw .archive(file: "\(path)/\(member)", message: "CRC-32 mismatch (the archive is corrupt)")
        }
        return data
    }
}
