import DistributedTraining
import Foundation
import GraphLearning
import Testing
import TestSupport

@Suite struct AccountingTests {
    @Test func analyticVolumesFollowTheFormulas() {
        // Cora-like: 2 graph layers of width 1433 and 16, halos 10 + 20 + 30.
        #expect(CommunicationModel.graphParallelFloats(layerWidths: [1433, 16], haloSizes: [10, 20, 30])
                == 2 * 1433 * 60 + 2 * 16 * 60)
        // 4 stages, 2,708 nodes, width 64 at each of the 3 boundaries: 2 · 3 · 2708 · 64.
        #expect(CommunicationModel.pipelineFloats(numNodes: 2708, boundaryWidths: [64, 64, 64]) == 1_039_872)
    }

    /// With one chunk the halo protocol moves graph parallelism's `2 · Σ_g |B_g|` rows per layer.
    @Test func oneChunkHaloRowsAreTheGraphParallelHalo() throws {
        let adjacency = Cora.data.adjacency
        let d = try Decomposition.metis(adjacency: adjacency, parts: 4, chunks: 1, seed: 1)
        let pattern = GNNModel.graphOperator(for: .gcn, adjacency: adjacency, adjacencyIsSymmetric: true).matrix
        let rows = CommunicationModel.haloRowsPerLayer(pattern: pattern, decomposition: d, order: [0], deferred: false)
        #expect(rows == 2 * Int64(d.partHaloSizes(adjacency: adjacency).reduce(0, +)))
    }

    /// The per-rank memory terms: S pipeline stages split one rank's history tables by layers
    /// (same rows, L/S layers each), keep the whole operator each, and their statistics carry
    /// the terms through the 18-number encoding.
    @Test func stageTablesSplitTheOneRankTables() throws {
        let (adjacency, task) = try Toy.problem(nodes: 60, edges: 200)
        let configuration = Toy.configuration(.gcn, layers: 4, task: task)
        let decomposition = try Toy.decomposition(adjacency, chunks: 4)
        func state(_ stages: Int) throws -> [RankStateBytes] {
            let outcome = try InProcess.train(configuration, adjacency, task, grid: RankGrid(stages: stages, groupSize: 1),
                                              pipeline: PipelineOptions(chunks: 4), decomposition: decomposition, epochs: 1)
            return outcome.statistics[0].map(\.stateBytes)
        }
        let one = try state(1)[0], two = try state(2), four = try state(4)
        #expect(one.tables > 0 && one.graphOperator > 0)
        #expect(two.map(\.tables).reduce(0, +) == one.tables)
        #expect(four.map(\.tables).reduce(0, +) == one.tables)
        #expect(four.allSatisfy { $0.graphOperator == one.graphOperator })
        var stats = RankEpochStatistics(rank: 3, epoch: 2)
        stats.stateBytes = RankStateBytes(graphOperator: 1 << 40, features: 7, tables: 123_456_789)
        #expect(RankEpochStatistics(encoded: stats.encoded) == stats)
    }

    @Test func traceFileIsValidChromeTraceJSON() throws {
        let a = TraceRecorder(rank: 0, enabled: true)
        a.record("forward \"c0\"", category: "forward", start: a.origin + 1_000, end: a.origin + 3_500, args: ["chunk": 0])
        let b = TraceRecorder(rank: 1, enabled: true)
        b.record("backward", category: "backward", start: b.origin, end: b.origin + 2_000)
        let off = TraceRecorder(rank: 2, enabled: false)
        off.record("ignored", category: "x", start: 0, end: 1)
        let data = TraceRecorder.traceFile(parts: [a.encodedEvents(), b.encodedEvents(), off.encodedEvents()])
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let events = try #require(json["traceEvents"] as? [[String: Any]])
        let complete = events.filter { $0["ph"] as? String == "X" }
        #expect(complete.count == 2)
        #expect(complete[0]["name"] as? String == "forward \"c0\"")
        #expect(complete[0]["ts"] as? Double == 1.0)
        #expect(complete[0]["dur"] as? Double == 2.5)
        #expect(complete[1]["tid"] as? Int == 1)
        #expect(events.filter { $0["ph"] as? String == "M" }.count == 3)
    }
}
