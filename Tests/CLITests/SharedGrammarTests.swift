import Foundation
import Testing
import TestSupport

/// The grammar every tool shares (issue 16), checked on the five binaries side by side: the
/// same option gives the same behaviour and the same words in each.
@Suite("shared grammar of the five tools")
struct SharedGrammarTests {
    /// A command of each tool that takes `--metrics`, on a bundled dataset (run from the
    /// repository root).
    static let metricsCommands: [(tool: String, arguments: [String])] = [
        ("graphlearning", ["summary", "graphs/karate"]),
        ("graphlearning", ["partition", "graphs/karate", "-k", "2"]),
        ("fastrp", ["embed", "graphs/karate/edges.tsv", "-o", "/tmp/never-written.npy"]),
        ("fastrp", ["link-prediction", "graphs/karate/edges.tsv"]),
        ("fastrp", ["evaluate", "--embeddings", "e.npy", "--labels", "graphs/karate/labels.tsv"]),
        ("gnnpipe", ["train", "graphs/cora", "--epochs", "1"]),
        ("rphgnn", ["train", "graphs/hgb/ACM.zip", "--epochs", "1", "--no-cache"]),
        ("lighthgnn", ["train", "graphs/cocitation-cora", "--epochs", "1", "--seed", "0"]),
    ]

    /// `--metrics` in a folder that accepts no files (/proc, even for root) is a usage error that
    /// names the file and what was expected, in every tool, before any data is read.
    @Test(arguments: metricsCommands.indices)
    func unwritableMetricsFileIsNamedBeforeLoading(index: Int) throws {
        let (tool, arguments) = Self.metricsCommands[index]
        let r = try CommandRunner.run(tool, arguments + ["--metrics", "/proc/m.jsonl"], directory: Fixtures.repositoryRoot)
        #expect(r.status == 64, "\(tool) \(arguments): \(r.stderr)")
        let expected = "error: --metrics /proc/m.jsonl: cannot create the metrics file in '/proc': No such file or directory (expected a folder that accepts new files)"
        #expect(r.stderr.hasPrefix(expected), "\(tool) \(arguments): \(r.stderr)")
        #expect(r.stdout.isEmpty, "\(tool) \(arguments) ran before refusing: \(r.stdout)")
        #expect(!r.stderr.contains(" info "), "\(tool) \(arguments) loaded data before refusing: \(r.stderr)")
    }
}
