import ArgumentParser
import DenseMath
import Foundation
import Logging

// The run options every tool shares, each declared once here so that its spelling, help text,
// default rule and validation are the same in every command that takes it. A command lists the
// groups it uses under the title ``runOptionsTitle``, so `--help` shows them as one section:
//
//     @OptionGroup(title: runOptionsTitle) var seed: SeedOption<EmbedRun>
//     @OptionGroup(title: runOptionsTitle) var threads: ThreadsOption
//     @OptionGroup(title: runOptionsTitle) var output: QuietOption
//     @OptionGroup(title: runOptionsTitle) var log: LogLevelOption
//     @OptionGroup(title: runOptionsTitle) var metrics: MetricsOption<EmbedRun>

/// The title of the help section that holds the shared run options.
public let runOptionsTitle = "Run options"

// MARK: - --seed

/// What `--seed` drives in one command, and its default; the help of ``SeedOption`` says both.
public protocol SeedDescription {
    /// The random draws the seed drives, e.g. `"the random projection"`.
    static var seedDraws: String { get }
    /// The seed when `--seed` is not given, or `nil` when the command has its own rule
    /// (``defaultSeedText`` then says it).
    static var defaultSeed: UInt64? { get }
    /// The default as the help prints it (by default the number).
    static var defaultSeedText: String { get }
}

extension SeedDescription {
    public static var defaultSeedText: String { defaultSeed.map(String.init) ?? "none" }
}

/// `--seed N`: the seed of every random draw of the run, an integer in 0…2^64−1 in every tool.
/// Results depend on it and on nothing else random (not on the thread count).
public struct SeedOption<Command: SeedDescription>: ParsableArguments {
    @Option(parsing: .signedNumber, help: ArgumentHelp(
        "Seed of every random draw (\(Command.seedDraws)): the same seed gives the same results (default: \(Command.defaultSeedText)).",
        valueName: "seed"))
    public var seed: UInt64?

    public init() {}

    /// The seed given, or the command's default.
    public var value: UInt64 {
        guard let value = seed ?? Command.defaultSeed else {
            preconditionFailure("\(Command.self) has no default seed; read `seed` instead")
        }
        return value
    }
}

// MARK: - --threads

/// `--threads N`: worker threads of this process. Results never depend on it.
///
/// Default: all cores of the host; under a launcher (mpirun, srun) the host's cores divided by
/// the ranks it runs there (at least 1; 1 when the launcher does not say how many ranks share
/// the host), so several ranks on one host do not oversubscribe it.
public struct ThreadsOption: ParsableArguments {
    @Option(parsing: .signedNumber, help: ArgumentHelp(
        "Worker threads of this process (default: all cores; under mpirun, the host's cores divided by its ranks). Results do not depend on it.",
        valueName: "n"))
    public var threads: Int?

    public init() {}

    public func validate() throws {
        if let threads, threads < 1 {
            throw ValidationError("--threads must be at least 1, got \(threads) (leave it out to use all cores)")
        }
    }

    /// The thread count given, or the default described above.
    public var count: Int { threads ?? Self.defaultCount }

    /// All cores, or under a launcher the host's cores divided by the ranks on this host.
    public static var defaultCount: Int {
        guard Launcher.rank != nil else { return Parallel.defaultThreadCount }
        guard let local = Launcher.ranksOnThisHost, local > 0 else { return 1 }
        return max(1, Parallel.defaultThreadCount / local)
    }
}

/// What an MPI launcher (Open MPI's mpirun, srun with PMIx, PMI) tells a process through its
/// environment before `MPI_Init`.
public enum Launcher {
    /// This process's rank, or `nil` when no launcher started it.
    public static var rank: Int? {
        first(of: ["OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK"])
    }

    /// The number of ranks of the job, if the launcher says.
    public static var size: Int? {
        first(of: ["OMPI_COMM_WORLD_SIZE", "PMIX_SIZE", "PMI_SIZE"])
    }

    /// The number of ranks on this host, if the launcher says (Open MPI, MPICH/Hydra).
    public static var ranksOnThisHost: Int? {
        first(of: ["OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS"])
    }

    private static func first(of names: [String]) -> Int? {
        let environment = ProcessInfo.processInfo.environment
        return names.lazy.compactMap { environment[$0].flatMap(Int.init) }.first
    }
}

// MARK: - --metrics

/// What one command writes to `--metrics`; the help of ``MetricsOption`` says it.
public protocol MetricsDescription {
    /// The records, e.g. `"one record per epoch, then a summary record"`.
    static var metricsRecords: String { get }
}

/// `--metrics FILE`: the run's records as JSON Lines, each written as it happens
/// (``MetricsWriter``): the file is replaced by the run's first record and appended to after.
public struct MetricsOption<Command: MetricsDescription>: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Write \(Command.metricsRecords) to this file as JSON Lines, each as it happens: the run's first record replaces the file, later ones are appended (a non-finite number is written as null).",
        valueName: "file.jsonl"), completion: .file(extensions: ["jsonl"]))
    public var metrics: String?

    public init() {}

    /// Checks, before any data is read, that the file can be created (its folder exists and
    /// accepts new files; the message names the file and what was expected), unless it lies in
    /// a folder the run creates later (`createdFolder`, e.g. a checkpoint folder; its parent is
    /// checked by that option). Every command with `--metrics` calls it from `validate()`.
    /// - Throws: `ValidationError` (exit 64).
    public func validate(createdFolder: String?) throws {
        guard let metrics else { return }
        if let createdFolder, OutputSafety.willBeCreated(metrics, inside: createdFolder) { return }
        try validateOutputPath(metrics, option: "--metrics", what: "the metrics file")
    }
}

// MARK: - all of them

/// The five run options of a command that trains or embeds (`fastrp embed`, `gnnpipe train`,
/// `rphgnn train`, `lighthgnn train`, …): `--seed`, `--threads`, `--quiet`, `--log-level`,
/// `--metrics`, in that order.
///
/// ```swift
/// @OptionGroup(title: runOptionsTitle) var run: RunOptions<EmbedRun>
/// ```
public struct RunOptions<Command: SeedDescription & MetricsDescription>: ParsableArguments {
    @OptionGroup public var seedOption: SeedOption<Command>
    @OptionGroup public var threadsOption: ThreadsOption
    @OptionGroup public var outputOptions: OutputOptions
    @OptionGroup public var metricsOption: MetricsOption<Command>

    public init() {}

    /// `--seed`, or the command's default.
    public var seed: UInt64 { seedOption.value }
    /// `--threads`, or the default (``ThreadsOption/defaultCount``).
    public var threads: Int { threadsOption.count }
    /// `--quiet`.
    public var quiet: Bool { outputOptions.quiet }
    /// `--metrics`.
    public var metrics: String? { metricsOption.metrics }

    /// A logger at `--log-level` (``OutputOptions/makeLogger(prefix:label:)``).
    public func makeLogger(prefix: String, label: String) -> Logger {
        outputOptions.makeLogger(prefix: prefix, label: label)
    }

    /// Writes `text` to stderr at level info: a timing line, `wrote FILE` (``OutputOptions/note(_:)``).
    public func note(_ text: String) { outputOptions.note(text) }

    /// Writes `note: message` to stderr at level info (``OutputOptions/printNote(_:)``).
    public func printNote(_ message: String) { outputOptions.printNote(message) }
}

// MARK: - the tools' shared grammar, for their top-level help

/// The paragraph that closes every tool's top-level `--help` (after a blank line): the shape
/// all commands share and how to get shell completion.
public func sharedGrammarHelp(tool: String) -> String {
    """

    Every command that reads a graph or dataset takes it as the first argument, and the \
    run options (--seed, --threads, -q/--quiet, --log-level, --metrics) are spelt and mean \
    the same in every command that takes them: -q and --log-level in every command that \
    prints more than its results, the others where they apply (RUN OPTIONS in each \
    command's help; the README has the table). Shell completion: `\(tool) --generate-completion-script bash` (or zsh, fish); the README \
    says where to put it.
    """
}
