import ArgumentParser
import Foundation
import Logging

// The two run options that decide what reaches the terminal, `-q` and `--log-level`; every
// command that prints more than its results takes both, as ``OutputOptions`` (see
// RunOptions.swift for the others). The rule, the same in every tool:
//
// - stdout: the results the command was run for (scores, tables, statistics), and, unless
//   `--quiet`, the run's progress (epoch lines);
// - stderr: errors and warnings, always; notes (`note: …`), lines for a human about the run
//   (seconds, peak memory, `wrote FILE`) and info log lines, which are level info: shown when
//   the level is info or lower (the default; `--quiet` raises it to warning, `--log-level`
//   sets it); the progress bar on a terminal, unless `--quiet`.

// MARK: - --quiet

/// `-q, --quiet`: only the results reach the terminal.
public struct QuietOption: ParsableArguments {
    @Flag(name: .shortAndLong,
          help: "Print only the results: no progress bar, epoch lines, notes, timing lines or info log lines (warnings and errors still show).")
    public var quiet = false

    public init() {}
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

/// `--log-level LEVEL`: the lowest level of the lines on stderr: log lines (``ToolLogHandler``)
/// and, at level info, notes and timing lines (``OutputOptions``).
public struct LogLevelOption: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Lowest level of the lines on stderr; notes and timing lines are info (default: info; warning with --quiet; under mpirun, warning on ranks other than 0).",
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

// MARK: - both

/// `-q, --quiet` and `--log-level`, in that order: what of a run reaches the terminal (the rule
/// at the top of this file).
///
/// ```swift
/// @OptionGroup(title: runOptionsTitle) var output: OutputOptions
/// output.printNote("the largest part is 4% above the mean")   // note: … on stderr
/// output.note("load 0.12 s, peak memory 80 MiB")              // the line as it is
/// ```
public struct OutputOptions: ParsableArguments {
    @OptionGroup public var quietOption: QuietOption
    @OptionGroup public var logLevelOption: LogLevelOption

    public init() {}

    /// `--quiet`: no progress (epoch lines, progress bar), and the level's default is warning.
    public var quiet: Bool { quietOption.quiet }

    /// The lowest level shown on stderr: `--log-level`, else warning with `--quiet`, else info.
    public var level: Logger.Level { logLevelOption.level(quiet: quiet) }

    /// Whether notes and timing lines (level info) reach stderr.
    public var showsNotes: Bool { level <= .info }

    /// Writes `text` and a newline to stderr when ``showsNotes`` (timing lines, `wrote FILE`).
    public func note(_ text: String) {
        if showsNotes { printToStandardError(text) }
    }

    /// Writes `note: message` to stderr when ``showsNotes``.
    public func printNote(_ message: String) {
        if showsNotes { ToolMain.printNote(message) }
    }

    /// A logger at ``level`` writing to stderr with `prefix` (``LogLevelOption/makeLogger(prefix:label:quiet:)``).
    public func makeLogger(prefix: String, label: String) -> Logger {
        logLevelOption.makeLogger(prefix: prefix, label: label, quiet: quiet)
    }
}
