import Foundation
import Testing
import TestSupport

/// Two test hosts as network namespaces (`launch/netns-cluster.sh`), Open MPI over TCP between
/// them: a short pipeline training runs across the link, and the bytes show on the veth
/// counters. Skipped, with its reason, only where network namespaces cannot be made.
@Suite("gnnpipe across network-namespace hosts", .serialized)
struct NetnsClusterTests {
    static let script = Fixtures.repositoryRoot.appendingPathComponent("launch/netns-cluster.sh").path

    /// Whether this machine lets us make a namespace (root and iproute2).
    static let namespacesWork: Bool = {
        guard getuid() == 0,
              let add = try? CommandRunner.runPath("/usr/bin/env", ["ip", "netns", "add", "gtprobe"]), add.status == 0 else { return false }
        _ = try? CommandRunner.runPath("/usr/bin/env", ["ip", "netns", "delete", "gtprobe"])
        return true
    }()

    static func cluster(_ arguments: [String], dir: String) throws -> CommandResult {
        try CommandRunner.runPath("/usr/bin/env", ["bash", script] + arguments + ["--prefix", "gt", "--net", "7", "--dir", dir])
    }

    /// Bytes each host's link carried, by host.
    static func counters(_ dir: String) throws -> [String: (sent: Int, received: Int)] {
        let r = try cluster(["counters"], dir: dir)
        var out: [String: (Int, Int)] = [:]
        for line in r.stdout.split(separator: "\n").dropFirst() {
            let f = line.split(separator: "\t")
            if f.count == 3, let s = Int(f[1]), let v = Int(f[2]) { out[String(f[0])] = (s, v) }
        }
        return out
    }

    @Test(.enabled(if: namespacesWork, "network namespaces cannot be made here (they need root and iproute2's ip netns)"))
    func pipelineTrainingCrossesTheLink() throws {
        let dir = try CommandRunner.temporaryDirectory().path
        let up = try Self.cluster(["up", "2", "--rate", "1gbit"], dir: dir)
        defer {
            _ = try? Self.cluster(["down"], dir: dir)
            let left = (try? CommandRunner.runPath("/usr/bin/env", ["ip", "netns", "list"]))?.stdout ?? ""
            #expect(!left.contains("gthost") && !left.contains("gthead"), "namespaces left: \(left)")
        }
        try #require(up.status == 0, "\(up.stderr)")
        let hostfile = up.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(hostfile == dir + "/hostfile")
        let before = try Self.counters(dir)
        let metrics = dir + "/m.jsonl"
        let gnnpipe = CommandRunner.productsDirectory.appendingPathComponent("gnnpipe").path
        let r = try CommandRunner.runPath("/usr/bin/env", ["timeout", "--kill-after=10", "300", "bash",
                                                          Fixtures.repositoryRoot.appendingPathComponent("launch/gnnpipe-hostfile.sh").path,
                                                          hostfile, "2", "train", GNNPipeMPITests.cora, "--model", "gcnii", "--layers", "2",
                                                          "--hidden", "8", "--epochs", "2", "--chunks", "2", "--metrics", metrics],
                                          directory: Fixtures.repositoryRoot, environment: ["GNNPIPE": gnnpipe])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("(analytic ×1.000)"))
        let after = try Self.counters(dir)
        let epochs = try GNNPipeMPITests.records(metrics).epochs
        let training = epochs.reduce(0) { $0 + ($1["training_bytes"] as? Int ?? 0) }
        #expect(training > 0)
        // Each host's link carried at least the training rows its rank sent (plus MPI headers,
        // evaluation rows, collectives and Open MPI's own control traffic).
        for (rank, host) in ["gthost1", "gthost2"].enumerated() {
            let sent = (after[host]?.sent ?? 0) - (before[host]?.sent ?? 0)
            let ranks = epochs.flatMap { $0["ranks"] as? [[String: Any]] ?? [] }.filter { $0["rank"] as? Int == rank }
            let rankBytes = ranks.reduce(0) { $0 + ($1["bytes_sent"] as? Int ?? 0) }
            #expect(rankBytes > 0 && sent >= rankBytes, "\(host): link carried \(sent) bytes, rank \(rank) sent \(rankBytes)")
        }
    }
}
