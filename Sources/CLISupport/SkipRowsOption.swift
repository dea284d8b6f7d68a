import ArgumentParser

/// `--skip-rows N`: the lines at the top of an edge list to skip unread (a header such as
/// `source,target`). Every tool that reads edge lists takes it, so a file is read the same way
/// by all of them: an unskipped header above integer ids is an error naming the line
/// (``GraphIO/EdgeListReader``), never an edge between two phantom nodes.
public struct SkipRowsOption: ParsableArguments {
    @Option(parsing: .signedNumber, help: ArgumentHelp(
        "Skip the first N lines of the edge list (a header); every line counts, comments too. A header above integer ids is an error until skipped.",
        valueName: "N"))
    public var skipRows = 0

    public init() {}

    public func validate() throws {
        if skipRows < 0 { throw ValidationError("--skip-rows must be ≥ 0, got \(skipRows)") }
    }
}
