import Foundation

/// Temporary folders for tests, all under one folder per test process that is removed when the
/// process exits, so test runs leave nothing behind in the system temporary folder.
public enum TemporaryFiles {
    private static let root: String = {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("graphlearning-tests-\(ProcessInfo.processInfo.processIdentifier)").path
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: TemporaryFiles.rootPath) }
        return path
    }()

    /// The per-process root (created on first use).
    public static var rootPath: String { root }

    /// A fresh empty folder.
    public static func folder() -> URL {
        let url = URL(fileURLWithPath: root).appendingPathComponent(UUID().uuidString)
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
