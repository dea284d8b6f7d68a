import DistributedTraining
@testable import DistributedTraining
import Foundation
import GraphLearning
import Testing
import TestSupport

/// `gnnpipe plan`'s model (issue 12 item 4): what it says exactly (bytes, kept state) equals what
/// the trainer does; the schedule simulation and the link units by hand.
@Suite struct PlannerTests {
    /// For every candidate on P = 4 ranks, the predicted bytes of every rank equal the trainer's
    /// analytic (= measured) bytes, and the predicted kept state its reported state.
    @Test func bytesAndStateAreWhatTheTrainerReports() throws {
        let (adjacency, task) = try Toy.problem(nodes: 64, edges: 220)
        let configuration = Toy.configuration(.gcnii, layers: 4, task: task)
        let settings = EpochPlanner.Settings(ranks: 4, chunks: 4, link: LinkModel(bitsPerSecond: 1e9))
        let predictions = try EpochPlanner.predict(configuration: configuration, adjacency: adjacency, features: task.features,
                                                   settings: settings)
        #expect(predictions.map(\.name) == ["pipeline 4 × 1", "hybrid 2 × 2", "graph 1 × 4"])
        for p in predictions {
            let outcome = try InProcess.train(configuration, adjacency, task, grid: p.grid, pipeline: PipelineOptions(chunks: p.chunks),
                                              decomposition: nil, epochs: 1)
            let stats = outcome.statistics[0]
            #expect(p.rankBytes == stats.map(\.analyticBytesSent), "\(p.name)")
            #expect(p.rankBytes == stats.map(\.bytesSent), "\(p.name)")
            #expect(p.rankStates == stats.map(\.stateBytes), "\(p.name)")
            #expect(p.epochSeconds > 0 && p.computeSeconds > 0 && p.peakBytes > p.state.total)
        }
    }

    /// S = 2, C = 2, every forward 1 s, backward 2 s, transfer 0.5 s: forwards end at 1, 2
    /// (stage 0) and 2.5, 3.5 (stage 1); backward of chunk 1 on stage 1 3.5 → 5.5, on stage 0
    /// 6 → 8; chunk 0 on stage 1 5.5 → 7.5, on stage 0 8 → 10; then the all-reduce's delays.
    @Test func fillDrainByHand() {
        let one = [[1.0, 1.0], [1.0, 1.0]], two = [[2.0, 2.0], [2.0, 2.0]], half = [[0.5, 0.5]]
        #expect(StepCosts.simulate(forward: one, backward: two, boundary: half, ranks: 2, delay: 0) == 10)
        #expect(StepCosts.simulate(forward: one, backward: two, boundary: half, ranks: 4, delay: 0.25) == 11)
        // One stage: the sum of its steps.
        #expect(StepCosts.simulate(forward: [[1, 2, 3]], backward: [[4, 5, 6]], boundary: [], ranks: 1, delay: 1) == 21)
    }

    @Test func linkUnitsAreThoseOfTc() throws {
        #expect(try LinkModel(rate: "1gbit").bitsPerSecond == 1e9)
        #expect(try LinkModel(rate: "100mbit").bitsPerSecond == 1e8)
        #expect(try LinkModel(rate: "10Gbit").bitsPerSecond == 1e10)
        #expect(try LinkModel(rate: "2mbps").bitsPerSecond == 16e6)
        #expect(try LinkModel(rate: "1gbit", delay: "0.1ms").delaySeconds == 1e-4)
        #expect(try LinkModel(rate: "1gbit", delay: "50us").seconds(bytes: 125_000) == 50e-6 + 1e-3)
        #expect(try LinkModel(rate: "1gbit").seconds(bytes: 0) == 0)
        for bad in ["fast", "1", "-1gbit", "0gbit", "gbit"] {
            #expect(throws: DistributedTrainingError.self) { try LinkModel(rate: bad) }
        }
        #expect(throws: DistributedTrainingError.self) { try LinkModel(rate: "1gbit", delay: "soon") }
    }
}
