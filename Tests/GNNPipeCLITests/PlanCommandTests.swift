import Foundation
import Testing
import TestSupport

/// `gnnpipe plan`: one row per mode with the exact bytes, a recommendation, usage errors with 64.
@Suite struct PlanCommandTests {
    @Test func plansEveryModeOnCora() throws {
        let r = try CommandRunner.run("gnnpipe", ["plan", "graphs/cora", "--ranks", "4", "--layers", "8", "--bandwidth", "1gbit"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        for mode in ["pipeline 4 × 1", "hybrid 2 × 2", "graph 1 × 4"] {
            #expect(lines.contains { $0.hasPrefix(mode) }, "\(mode) missing in \(r.stdout)")
        }
        #expect(lines.contains { $0.hasPrefix("recommendation: ") })
        // The pipeline's bytes per link: a middle stage sends its N rows forward and backward,
        // 2 · 2708 · 64 · 4 bytes = 1.3 MiB per epoch (as in BENCHMARKS.md, GNNPipe).
        let pipeline = try #require(lines.first { $0.hasPrefix("pipeline 4 × 1") })
        #expect(pipeline.split(separator: " ").contains("1.3"), "\(pipeline)")
    }

    @Test(arguments: [(["--ranks", "0"], "--ranks must be at least 1"), (["--ranks", "4", "--bandwidth", "fast"], "bandwidth 'fast'"),
                      (["--ranks", "4", "--delay", "soon"], "delay 'soon'"), (["--ranks", "4", "--shared-cores", "0"], "--shared-cores"),
                      (["--ranks", "4", "--link-profile", "/nonexistent/link.json"], "--link-profile /nonexistent/link.json: no such file"),
                      (["--ranks", "4", "--link-profile", "/tmp"], "--link-profile /tmp is a folder"),
                      (["--ranks", "4", "--link-profile", "/dev/null"], "--link-profile /dev/null is not a regular file"),
                      (["--ranks", "4", "--link-profile", ""], "--link-profile needs the file"),
                      (["--ranks", "4", "--link-profile", "/dev/null", "--delay", "1ms"], "it replaces --bandwidth and --delay")])
    func badOptionsAreUsageErrors(_ arguments: [String], _ message: String) throws {
        let r = try CommandRunner.run("gnnpipe", ["plan", "graphs/cora"] + arguments)
        #expect(r.status == 64 && r.stderr.contains(message), "\(r.status) \(r.stderr)")
    }
}
