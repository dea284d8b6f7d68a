import Foundation

/// Runs a built executable of this package and captures its output.
public struct CommandResult: Sendable {
    public let status: Int32
    public let stdout: String
    public let stderr: String
}

public enum CommandRunner {
    /// The folder holding the built products (next to the test bundle).
    public static var productsDirectory: URL {
        Bundle.main.bundleURL
    }

    /// Runs `executable` (a product name like `graphlearning`) with `arguments`, in `directory`.
    public static func run(_ executable: String, _ arguments: [String], directory: URL? = nil,
                           environment: [String: String] = [:]) throws -> CommandResult {
        try runPath(productsDirectory.appendingPathComponent(executable).path, arguments,
                    directory: directory, environment: environment)
    }

    /// Runs the program at `path` with `arguments`.
    public static func runPath(_ path: String, _ arguments: [String], directory: URL? = nil,
                               environment: [String: String] = [:]) throws -> CommandResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read both pipes concurrently so neither fills up and blocks the child.
        let errData = LockedData()
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) { errData.set(err.fileHandleForReading.readDataToEndOfFile()) }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return CommandResult(status: process.terminationStatus,
                             stdout: String(decoding: outData, as: UTF8.self),
                             stderr: String(decoding: errData.get(), as: UTF8.self))
    }

    /// A fresh temporary folder.
    public static func temporaryDirectory() throws -> URL {
        TemporaryFiles.folder()
    }

    /// Whether `mpirun` is on the PATH.
    public static var hasMPIRun: Bool {
        (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").contains {
            FileManager.default.isExecutableFile(atPath: "\($0)/mpirun")
        }
    }

    /// Environment that lets Open MPI run as root and oversubscribe cores (test machines).
    public static let mpiEnvironment: [String: String] = [
        "OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
        "OMPI_MCA_rmaps_base_oversubscribe": "1", "OPENBLAS_NUM_THREADS": "1",
    ]
}

private final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    func set(_ d: Data) { lock.lock(); data = d; lock.unlock() }
    func get() -> Data { lock.lock(); defer { lock.unlock() }; return data }
}
