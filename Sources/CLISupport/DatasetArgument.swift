import ArgumentParser
import Foundation

// MARK: - the dataset argument (first positional argument, or the older --dataset)

/// What the dataset argument of one command is; the help of ``DatasetArgument`` says it.
public protocol DatasetDescription {
    /// What the path names, e.g. `"HGB dataset: a folder or its .zip"`.
    static var datasetHelp: String { get }
    /// The dataset when none is given, or `nil` when one is required.
    static var defaultDataset: String? { get }
    /// The argument's name in the usage line and help (default `dataset`; `graph`, `edges`).
    static var valueName: String { get }
    /// Whether the help mentions `--dataset` (default: yes, in the tools where it was the
    /// spelling before the positional argument; it stays hidden in the others).
    static var mentionsDatasetOption: Bool { get }
}

extension DatasetDescription {
    public static var valueName: String { "dataset" }
    public static var mentionsDatasetOption: Bool { true }
}

/// The dataset as the first positional argument (`rphgnn train graphs/hgb/ACM.zip`), with the
/// older `--dataset PATH` still accepted so existing commands and scripts keep working (in every
/// command that takes a dataset, graph or edge list, so the spelling works in every tool). Both
/// naming the same file (`graphs/x`, `./graphs/x`, `graphs/x/`, the absolute path, a symbolic
/// link to it) is accepted; both naming different files is a usage error (exit 64).
public struct DatasetArgument<Command: DatasetDescription>: ParsableArguments {
    @Argument(help: ArgumentHelp(
        Command.datasetHelp + (Command.defaultDataset.map { " Default: \($0)." } ?? "")
            + (Command.mentionsDatasetOption ? " (--dataset PATH, the older spelling, is accepted too.)" : ""),
        valueName: Command.valueName), completion: .file())
    public var positional: String?

    @Option(name: .customLong("dataset"), help: .hidden, completion: .file())
    public var option: String?

    public init() {}

    public func validate() throws {
        if let positional, let option, OutputSafety.resolved(positional) != OutputSafety.resolved(option) {
            throw ValidationError("the dataset is given twice, as the argument '\(positional)' and as --dataset '\(option)'; give it once")
        }
        if positional == nil && option == nil && Command.defaultDataset == nil {
            throw ValidationError("Missing expected argument '<\(Command.valueName)>' (give the \(Command.valueName) as the first argument)")
        }
        // One rule in every tool: a dataset, graph or edge list that does not exist is a usage
        // error (exit 64) in the same words, before any option of the command is looked at.
        // (Whether it is a folder or a file of the right kind is each command's own check.)
        if let given = positional ?? option {
            if !FileManager.default.fileExists(atPath: given) {
                throw ValidationError("dataset '\(given)' does not exist")
            }
        } else if let fallback = Command.defaultDataset, !FileManager.default.fileExists(atPath: fallback) {
            throw ValidationError("the default dataset '\(fallback)' does not exist in \(FileManager.default.currentDirectoryPath); give a dataset")
        }
    }

    /// The dataset given (either way), or the command's default.
    public var path: String {
        guard let path = positional ?? option ?? Command.defaultDataset else {
            preconditionFailure("validate() refuses a missing dataset")
        }
        return path
    }
}
