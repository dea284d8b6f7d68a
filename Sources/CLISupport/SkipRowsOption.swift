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

/// The options of text edge lists that a PyG edge_index `.npy` input cannot take, refused as
/// usage errors (exit 64) naming the flags as spelt on the command line, in every tool that
/// reads an edge list: the reader's own check backs them up.
public enum EdgeIndexInput {
    /// Whether `path` names a PyG edge_index file (`.npy`) rather than a text edge list.
    public static func isEdgeIndex(_ path: String) -> Bool {
        path.lowercased().hasSuffix(".npy")
    }

    /// Throws for `--skip-rows N` (N > 0), `--weighted` and `--id-mode string` with an
    /// edge_index `.npy` input; pass `nil` for an option the command does not have.
    public static func refuseTextOptions(_ path: String, skipRows: Int?, weighted: Bool? = nil, idModeString: Bool? = nil) throws {
        guard isEdgeIndex(path) else { return }
        if let skipRows, skipRows != 0 {
            throw ValidationError("--skip-rows \(skipRows) applies to text edge lists; '\(path)' is a PyG edge_index .npy, which has no header lines")
        }
        if weighted == true {
            throw ValidationError("--weighted: '\(path)' is a PyG edge_index .npy, which holds no edge weights (PyG keeps them in a separate edge_weight array); leave out --weighted")
        }
        if idModeString == true {
            throw ValidationError("--id-mode string applies to text edge lists; the node ids of '\(path)', a PyG edge_index .npy, are integers (use --id-mode integer or automatic)")
        }
    }
}
