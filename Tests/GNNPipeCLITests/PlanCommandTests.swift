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

    /// Extreme but valid links are predicted, not simulated forever (a 1 bit/s link, a 100 s delay hung).
    @Test(arguments: [["--bandwidth", "1bit"], ["--delay", "100s"]])
    func extremeLinksArePredicted(_ link: [String]) throws {
        let gnnpipe = CommandRunner.productsDirectory.appendingPathComponent("gnnpipe").path
        let r = try CommandRunner.runPath("/usr/bin/env", ["timeout", "120", gnnpipe, "plan", "graphs/cora", "--ranks", "2", "--layers", "2", "--threads", "1"] + link,
                                          directory: Fixtures.repositoryRoot)
        #expect(r.status == 0 && r.stdout.contains("recommendation: "), "\(r.status) \(r.stderr)")
    }

    /// More threads per rank than this machine has cores: predicted, with a note that says how.
    @Test func threadsBeyondTheCoresAreNoted() throws {
        let r = try CommandRunner.run("gnnpipe", ["plan", "graphs/cora", "--ranks", "2", "--layers", "2", "--threads", "1000"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("note: --threads 1000 is more than this machine's") && r.stderr.contains("(perfect scaling assumed)"), "\(r.stderr)")
        #expect(r.stdout.contains("1,000 threads per rank"), "\(r.stdout)")
    }

    /// More ranks than nodes is a usage error naming --ranks.
    @Test func moreRanksThanNodes() throws {
        let r = try CommandRunner.run("gnnpipe", ["plan", "graphs/cora", "--ranks", "5000"])
        #expect(r.status == 64 && r.stderr.contains("--ranks 5000: more ranks than the 2,708 nodes of graphs/cora"), "\(r.status) \(r.stderr)")
    }

    /// The hint for a missing profile prints a command a shell can run: the path as one word, read back unchanged.
    @Test(arguments: ["/nonexistent/link.json", "/nonexistent/my link.json", "/nonexistent/it's $HOME;`x`.json"])
    func theMissingProfileHintIsOneShellWord(_ path: String) throws {
        let r = try CommandRunner.run("gnnpipe", ["plan", "graphs/cora", "--ranks", "2", "--link-profile", path])
        #expect(r.status == 64, "\(r.stderr)")
        let marker = "gnnpipe probe-link -o "
        let hint = try #require(r.stderr.range(of: marker).map { String(r.stderr[$0.upperBound...]) }, "\(r.stderr)")
        let word = try #require(hint.range(of: ")", options: .backwards).map { String(hint[..<$0.lowerBound]) })
        let echo = Process()
        echo.executableURL = URL(fileURLWithPath: "/bin/sh")
        echo.arguments = ["-c", "printf %s " + word]
        let out = Pipe()
        echo.standardOutput = out
        try echo.run()
        echo.waitUntilExit()
        #expect(String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) == path, "\(word)")
    }

    /// A symbolic link is judged by what it points to: one to a device is a usage error, one to a profile is read.
    @Test func aLinkIsJudgedByItsTarget() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("plan-link-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let device = folder.appendingPathComponent("device.json").path
        try FileManager.default.createSymbolicLink(atPath: device, withDestinationPath: "/dev/null")
        let r = try CommandRunner.run("gnnpipe", ["plan", "graphs/cora", "--ranks", "2", "--link-profile", device])
        #expect(r.status == 64 && r.stderr.contains("--link-profile \(device) is not a regular file"), "\(r.status) \(r.stderr)")
        let profile = folder.appendingPathComponent("measured.json").path, link = folder.appendingPathComponent("link.json").path
        try Data(#"{"format": "gnnpipe link profile", "version": 1, "ranks": 2, "hosts": 2, "repetitions": 1, "samples": [ {"link_bytes": 1024, "message_bytes": 1024, "pattern": "halo", "seconds": 0.001}, {"link_bytes": 1048576, "message_bytes": 1048576, "pattern": "halo", "seconds": 0.01}, {"link_bytes": 1024, "message_bytes": 1024, "pattern": "pipeline", "seconds": 0.001}, {"link_bytes": 1048576, "message_bytes": 1048576, "pattern": "pipeline", "seconds": 0.01} ]}"#.utf8)
            .write(to: URL(fileURLWithPath: profile))
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: profile)
        let q = try CommandRunner.run("gnnpipe", ["plan", "graphs/cora", "--ranks", "2", "--layers", "2", "--link-profile", link])
        #expect(q.status == 0 && q.stdout.contains("links as probe-link measured them (\(link): 2 ranks on 2 hosts)"), "\(q.status) \(q.stderr)")
    }
}
