import ArgumentParser
import Foundation

/// Shared entry point of the command-line tools: parses arguments, runs the command, and turns
/// a thrown error into one `error: …` line on stderr and a non-zero exit.
///
/// Usage errors (bad options) keep swift-argument-parser's message and exit code 64; `--help`
/// and `--version` exit 0. Any other error exits 1 after printing its description.
public enum ToolMain {
    public static func run<Root: ParsableCommand>(_ root: Root.Type, arguments: [String]? = nil) -> Never {
        do {
            var command = try root.parseAsRoot(arguments)
            try command.run()
            exit(0)
        } catch let error as CommandFailure {
            printError(error.message)
            exit(error.code)
        } catch let error as any CustomStringConvertible & Error where !isArgumentParserError(error) {
            printError(error.description)
            exit(1)
        } catch {
            root.exit(withError: error)
        }
    }

    /// Writes `error: message` to stderr.
    public static func printError(_ message: String) {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    }

    /// Writes `note: message` to stderr.
    public static func printNote(_ message: String) {
        FileHandle.standardError.write(Data("note: \(message)\n".utf8))
    }

    private static func isArgumentParserError(_ error: any Error) -> Bool {
        error is ValidationError || error is CleanExit || error is ExitCode
            || String(reflecting: type(of: error)).hasPrefix("ArgumentParser.")
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
