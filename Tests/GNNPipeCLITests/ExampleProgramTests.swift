import Foundation
import Testing
import TestSupport

/// The README's library example is the built `Examples/DistributedCora/main.swift`, word for
/// word, and it trains Cora under `mpirun -n 4` through `import GraphLearning` alone.
@Suite("distributed library example", .serialized)
struct ExampleProgramTests {
    @Test func readmeShowsTheBuiltProgram() throws {
        let root = Fixtures.repositoryRoot
        let program = try String(contentsOf: root.appendingPathComponent("Examples/DistributedCora/main.swift"), encoding: .utf8)
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(readme.contains("```swift\n" + program + "```"), "README.md must show Examples/DistributedCora/main.swift verbatim")
        // The project's library alone, in about 30 lines.
        #expect(program.split(separator: "\n").filter { $0.hasPrefix("import ") } == ["import GraphLearning"])
        #expect(program.split(separator: "\n").count <= 30)
    }

    @Test func theProgramTrainsCoraOnFourRanks() throws {
        let binary = CommandRunner.productsDirectory.appendingPathComponent("distributed-cora").path
        let r = try CommandRunner.runPath("/usr/bin/env", ["timeout", "--kill-after=10", "600", "mpirun", "-n", "4", binary, "graphs/cora", "3"],
                                          directory: Fixtures.repositoryRoot, environment: CommandRunner.mpiEnvironment)
        #expect(r.status == 0, "\(r.stderr)")
        let result = r.stdout.split(separator: "\n").filter { $0.hasPrefix("best epoch") }
        #expect(result.count == 1, "stdout was: \(r.stdout)")
        let accuracy = result.first.flatMap { Double($0.split(separator: " ").last ?? "") } ?? -1
        #expect(accuracy > 0 && accuracy <= 1)
    }

    /// A dataset that is not there: one error line from rank 0 (naming the folder), a non-zero
    /// status, no crash.
    @Test func aSetUpErrorIsReportedOnce() throws {
        let binary = CommandRunner.productsDirectory.appendingPathComponent("distributed-cora").path
        let r = try CommandRunner.runPath("/usr/bin/env", ["timeout", "--kill-after=10", "300", "mpirun", "-n", "2", binary, "graphs/nope", "3"],
                                          directory: Fixtures.repositoryRoot, environment: CommandRunner.mpiEnvironment)
        #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
        #expect(r.stderr.components(separatedBy: "error: ").count == 2 && r.stderr.contains("graphs/nope"), "stderr was: \(r.stderr)")
        #expect(!r.stderr.contains("Fatal error"), "\(r.stderr)")
    }

    /// Under mpirun a diverging run stops on every rank at the same epoch with exit 1 and the
    /// error naming --lr, its records written by rank 0 first (issue 16b item 3).
    @Test func aDivergingDistributedRunStopsOnEveryRank() throws {
        let binary = CommandRunner.productsDirectory.appendingPathComponent("gnnpipe").path
        let metrics = TemporaryFiles.folder().appendingPathComponent("m.jsonl").path
        let r = try CommandRunner.runPath("/usr/bin/env", ["timeout", "--kill-after=10", "300", "mpirun", "-n", "2", binary, "train", "graphs/cora",
                                                           "--parallelism", "pipeline", "--model", "gcn", "--chunks", "2", "--epochs", "4",
                                                           "--lr", "1e30", "-q", "--metrics", metrics],
                                          directory: Fixtures.repositoryRoot, environment: CommandRunner.mpiEnvironment)
        #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
        let match = r.stderr.firstMatch(of: #/loss became NaN at epoch (\d+): training diverged \(lower --lr, now 1e\+30\)/#)
        #expect(match != nil, "\(r.stderr)")
        let records = (try? String(contentsOfFile: metrics, encoding: .utf8))?.split(separator: "\n") ?? []
        if let match { #expect(records.count == Int(match.1), "\(records)") }
        #expect(!r.stderr.contains("Fatal error"), "\(r.stderr)")
    }
}
