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
}
