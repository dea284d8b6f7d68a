import Foundation

/// gzip-compressed copies of test inputs, written by the system's `gzip` program: an
/// implementation independent of the reader under test.
public enum GzipFiles {
    /// Writes `target` (default `path + ".gz"`) holding `path` compressed by `gzip -n -<level>`,
    /// keeps `path`, and returns the target's path.
    @discardableResult
    public static func compress(_ path: String, to target: String? = nil, level: Int = 6) throws -> String {
        let output = target ?? path + ".gz"
        guard FileManager.default.createFile(atPath: output, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "cannot create \(output)"])
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        defer { try? handle.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["gzip", "-n", "-c", "-\(level)", path]
        process.standardOutput = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "gzip \(path) exited with \(process.terminationStatus)"])
        }
        return output
    }

    /// The gzip bytes of `bytes`.
    public static func compress(bytes: [UInt8], level: Int = 6) throws -> [UInt8] {
        let folder = TemporaryFiles.folder().path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let plain = folder + "/data"
        try Data(bytes).write(to: URL(fileURLWithPath: plain))
        return Array(try Data(contentsOf: URL(fileURLWithPath: compress(plain, level: level))))
    }
}
