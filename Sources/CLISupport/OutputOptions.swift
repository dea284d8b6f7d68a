import ArgumentParser
import Foundation
import Logging

// The run options that decide what reaches the terminal (see RunOptions.swift for the others).

// MARK: - --quiet

/// `-q, --quiet`: only the results reach the terminal.
public struct QuietOption: ParsableArguments {
    @Flag(name: .shortAndLong,
          help: "Print only the results: no progress bar, epoch lines, notes, timing lines or info log lines (warnings and errors still show).")
    public var quiet = false

    public init() {}

    /// Writes `text` and a newline to stderr unless `--quiet` (notes, timing lines).
    public func note(_ text: String) {
        if !quiet { printToStandardError(text) }
    }
}

// MARK: - --log-level

/// The levels of `--log-level`, swift-log's names.
public enum LogLevel: String, CaseIterable, ExpressibleByArgument, Sendable {
    case trace, debug, info, notice, warning, error, critical

    /// swift-log's level of the same name.
    public var level: Logger.Level {
        switch self {
        case .trace: .trace
        case .debug: .debug
        case .info: .info
        case .notice: .notice
        case .warning: .warning
        case .error: .error
        case .critical: .critical
        }
    }
}

/// `--log-level LEVEL`: the lowest level of the log lines on stderr (``ToolLogHandler``).
public struct LogLevelOption: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Lowest level of the log lines on stderr (default: info; warning with --quiet; under mpirun, warning on ranks other than 0).",
        valueName: "level"))
    public var logLevel: LogLevel?

    public init() {}

    /// The level given, else `warning` with `--quiet` and `info` without.
    public func level(quiet: Bool) -> Logger.Level {
        logLevel?.level ?? (quiet ? .warning : .info)
    }

    /// Sends this process's log lines to stderr prefixed by `prefix` (``ToolLogHandler``) and
    /// returns a logger at ``level(quiet:)``.
    public func makeLogger(prefix: String, label: String, quiet: Bool) -> Logger {
        ToolLogHandler.bootstrap(prefix: prefix)
        var logger = Logger(label: label)
        logger.logLevel = level(quiet: quiet)
        return logger
    }
}
