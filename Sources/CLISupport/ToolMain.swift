import ArgumentParser
import Foundation

/// Shared entry point of the command-line tools: parses arguments, runs the command, and turns
/// a thrown error into one `error: …` line on stderr and a non-zero exit.
///
/// Usage errors (bad options) keep swift-argument-parser's message and exit code 64; `--help`
/// and `--version` print to stdout and exit 0; any other error exits 1 (or a
/// ``CommandFailure``'s own code) after printing its description. A run whose output could not
/// be written to stdout (full disk, `> /dev/full`) ends with an error and exit 1 instead of 0
/// (``StandardOutput/failure()``). SIGINT, SIGTERM and SIGHUP remove the run's temporary files
/// before the process dies of the signal (``InterruptCleanup``).
public enum ToolMain {
    public static func run<Root: ParsableCommand>(_ root: Root.Type, arguments: [String]? = nil) -> Never {
        InterruptCleanup.install()
        StandardOutput.lineBuffer()
        do {
            var command = try root.parseAsRoot(arguments)
            try command.run()
            exitChecked()
        } catch let failure as CommandFailure {
            printError(failure.message)
            exit(failure.code)
        } catch {
            let code = root.exitCode(for: error)
            var message = root.fullMessage(for: error)
            if code == .success {
                if !message.isEmpty { print(message) }
                exitChecked()
            }
            if message.hasPrefix("Error: ") { message = String(message.dropFirst("Error: ".count)) }
            if message.hasPrefix("error: ") { message = String(message.dropFirst("error: ".count)) }
            printError(message)
            exit(code.rawValue)
        }
    }

    /// Exits 0, or 1 with an error when a write to stdout failed.
    private static func exitChecked() -> Never {
        if let failure = StandardOutput.failure() {
            printError(failure)
            exit(1)
        }
        exit(0)
    }

    /// Writes `error: message` to stderr.
    public static func printError(_ message: String) {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    }

    /// Writes `note: message` to stderr.
    public static func printNote(_ message: String) {
        FileHandle.standardError.write(Data("note: \(message)\n".utf8))
    }
}

/// An error with a ready message and exit code, for failures found by the tool itself.
public struct CommandFailure: Error, CustomStringConvertible {
    public let message: String
    public let code: Int32
    public init(_ message: String, code: Int32 = 1) {
        self.message = message
        self.code = code
    }
    public var description: String { message }
}
