import ArgumentParser
import Foundation
import GraphIO

/// Guards against an output option that names one of the run's own inputs.
public enum OutputSafety {
    /// Refuses (usage error, exit 64) an output path that names one of `inputs` (path and what
    /// it is, e.g. `("graphs/cora/edges.tsv", "the edge list")`): the same resolved path (`./x`,
    /// `dir/../x`, symbolic links) or the same file (device and inode, which also catches hard
    /// links). Writing it would replace that input.
    /// - Throws: `ValidationError` naming both paths.
    public static func refuseOverwriting(_ output: String, option: String, inputs: [(path: String, what: String)]) throws {
        var outputStatus = stat()
        let outputExists = stat(output, &outputStatus) == 0
        for input in inputs {
            var inputStatus = stat()
            let sameInode = outputExists && stat(input.path, &inputStatus) == 0
                && inputStatus.st_dev == outputStatus.st_dev && inputStatus.st_ino == outputStatus.st_ino
            if sameInode || resolved(input.path) == resolved(output) {
                throw ValidationError("\(option) \(output) is the same file as \(input.what) \(input.path); writing it would replace it: choose another file")
            }
        }
    }

    /// The files a dataset argument stands for, as `inputs` for ``refuseOverwriting(_:option:inputs:)``:
    /// the path itself when it is a file (e.g. a zip archive), else the files named `fileNames`
    /// that exist directly in the folder.
    public static func datasetFiles(_ dataset: String, fileNames: [String]) -> [(path: String, what: String)] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dataset, isDirectory: &isFolder) else { return [] }
        guard isFolder.boolValue else { return [(dataset, "the dataset")] }
        // Every input may also be gzip-compressed (name.gz).
        return fileNames.flatMap { [$0, $0 + ".gz"] }.map { (dataset + "/" + $0, "the dataset file") }
            .filter { FileManager.default.fileExists(atPath: $0.0) }
    }

    /// Whether `output` lies directly in `folder` and `folder` does not exist yet (the run creates
    /// it, so the output's folder cannot be probed now; probe `folder`'s nearest existing parent).
    public static func willBeCreated(_ output: String, inside folder: String) -> Bool {
        !FileManager.default.fileExists(atPath: folder) && resolved(FilePaths.parent(of: output)) == resolved(folder)
    }

    /// `path` absolute, without `.`/`..` components, a trailing slash or symbolic links: two
    /// spellings of one file give the same string.
    static func resolved(_ path: String) -> String {
        URL(fileURLWithPath: path).resolvingSymlinksInPath().standardizedFileURL.path
    }
}
