import DenseMath
import Foundation
import GraphIO
import ArgumentParser

/// Wall-clock seconds taken by `body`, with its result.
public func timed<T>(_ body: () throws -> T) rethrows -> (T, Double) {
    let start = DispatchTime.now().uptimeNanoseconds
    let value = try body()
    return (value, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
}

/// Peak resident memory of this process in MiB (Linux `VmHWM`), or 0 where unavailable.
public func peakMemoryMiB() -> Double { ResidentMemory.peakMiB() }

/// `12,345` style grouping of an integer.
public func formatCount(_ n: Int) -> String {
    let digits = String(n.magnitude)
    var out = ""
    for (i, c) in digits.reversed().enumerated() {
        if i > 0 && i % 3 == 0 { out.append(",") }
        out.append(c)
    }
    return (n < 0 ? "-" : "") + String(out.reversed())
}

/// `1 node`, `2 nodes`: a grouped count with its noun in singular or plural.
public func counted(_ n: Int, _ singular: String, _ plural: String? = nil) -> String {
    "\(formatCount(n)) \(n == 1 ? singular : (plural ?? singular + "s"))"
}

/// `path` as one word a POSIX shell reads back unchanged, for commands printed as hints:
/// as is when it has only letters, digits and `_ . / - + , : @ %`, else in single quotes (`'` as `'\''`).
public func shellWord(_ path: String) -> String {
    let plain = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./-+,:@%")
    if !path.isEmpty && path.allSatisfy(plain.contains) { return path }
    return "'" + path.replacingOccurrences(of: "'", with: "'\\''") + "'"
}

/// Checks, before any work, that an output file can be created at `path`: its folder exists,
/// accepts new files, and the path is not a folder. `extensions` (e.g. `["npy", "tsv"]`)
/// restricts the file type; `what` names the file in the message when its folder refuses it
/// (`--metrics /proc/m.jsonl: cannot create the metrics file in '/proc': …`).
/// - Throws: ``CommandFailure`` with exit code 64 (usage error).
public func checkOutputPath(_ path: String, option: String, extensions: [String] = [], what: String = "files") throws {
    if !extensions.isEmpty && !extensions.contains(where: { path.hasSuffix("." + $0) }) {
        throw CommandFailure("\(option) \(path): the file name must end in \(extensions.map { "." + $0 }.joined(separator: " or "))", code: 64)
    }
    var isFolder: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
        throw CommandFailure("\(option) \(path) is a folder; give a file name", code: 64)
    }
    let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
    if !FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) {
        throw CommandFailure("\(option) \(path): the output folder '\(folder)' does not exist", code: 64)
    }
    if !isFolder.boolValue {
        throw CommandFailure(notAFolderMessage(option: option, path: path, file: folder), code: 64)
    }
    try probeWritable(folder: folder, option: option, path: path, what: what)
}

/// The one message for an output that needs a folder where a file is: `file` is `path` itself
/// (`--checkpoint notes.txt is a file, not a folder`) or the existing file on its way
/// (`--save notes.txt/model: 'notes.txt' is a file, not a folder`).
public func notAFolderMessage(option: String, path: String, file: String) -> String {
    file == path ? "\(option) \(path) is a file, not a folder" : "\(option) \(path): '\(file)' is a file, not a folder"
}

/// Creates and removes a probe file in `folder`: permission bits do not tell (root, read-only
/// mounts, /proc). The message names `path`, `what` could not be created and what was
/// expected, besides the system's reason (on /proc a bare "No such file or directory").
/// - Throws: ``CommandFailure`` with exit code 64.
func probeWritable(folder: String, option: String, path: String, what: String = "files") throws {
    var template = Array("\(folder)/.graphlearning-probe-XXXXXX".utf8CString)
    let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    if fd < 0 {
        let reason = String(cString: strerror(errno))
        throw CommandFailure("\(option) \(path): cannot create \(what) in '\(folder)': \(reason) (expected a folder that accepts new files)", code: 64)
    }
    close(fd)
    template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
}

/// Checks, before any work, that an output folder can be used: an existing folder must accept
/// new files; a missing one needs an existing, writable parent (it is created later).
/// - Throws: `ValidationError` (exit 64) naming the option and the problem.
public func validateOutputFolder(_ path: String, option: String) throws {
    do {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) {
            guard isFolder.boolValue else { throw CommandFailure(notAFolderMessage(option: option, path: path, file: path), code: 64) }
            try probeWritable(folder: path, option: option, path: path)
        } else {
            let parent = URL(fileURLWithPath: path).deletingLastPathComponent().path
            guard FileManager.default.fileExists(atPath: parent, isDirectory: &isFolder) else {
                throw CommandFailure("\(option) \(path): the parent folder '\(parent)' does not exist", code: 64)
            }
            guard isFolder.boolValue else {
                throw CommandFailure(notAFolderMessage(option: option, path: path, file: parent), code: 64)
            }
            try probeWritable(folder: parent, option: option, path: path)
        }
    } catch let failure as CommandFailure {
        throw ValidationError(failure.message)
    }
}

/// Checks, before any work, that `path` can become a folder together with any missing parents
/// (created later): the nearest existing ancestor must be a writable folder. Errors name `path`,
/// not the ancestor that was probed.
/// - Throws: `ValidationError` (exit 64).
public func validateFolderToCreate(_ path: String, option: String) throws {
    var existing = path
    while !FileManager.default.fileExists(atPath: existing) {
        let parent = FilePaths.parent(of: existing)
        if parent == existing || parent.isEmpty { existing = "."; break }
        existing = parent
    }
    var isFolder: ObjCBool = false
    if existing != path, FileManager.default.fileExists(atPath: existing, isDirectory: &isFolder), !isFolder.boolValue {
        throw ValidationError(notAFolderMessage(option: option, path: path, file: existing))
    }
    do {
        try validateOutputFolder(existing, option: option)
    } catch let error as ValidationError {
        throw ValidationError(error.message.replacingOccurrences(of: "\(option) \(existing)", with: "\(option) \(path)"))
    }
}


/// Writes a line to stderr.
public func printToStandardError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// ``checkOutputPath(_:option:extensions:)`` for use in `validate()`: the problem becomes a
/// `ValidationError`, so it is reported as a usage error (exit 64).
public func validateOutputPath(_ path: String, option: String, extensions: [String] = [], what: String = "files") throws {
    do {
        try checkOutputPath(path, option: option, extensions: extensions, what: what)
    } catch let failure as CommandFailure {
        throw ValidationError(failure.message)
    }
}
