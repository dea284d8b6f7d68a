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
            #expect(p.coRunFactor == 1, "no shared cores: no co-run slowdown")
        }
        // Emulated hosts on 2 cores: the factor is measured, at least 1.
        var shared = settings
        shared.sharedCores = 2
        let emulated = try EpochPlanner.predict(configuration: configuration, adjacency: adjacency, features: task.features,
                                                settings: shared)
        for p in emulated { #expect(p.coRunFactor >= 1 && p.coRunFactor.isFinite, "\(p.name)") }
    }

    /// S = 2, C = 2, every forward 1 s, backward 2 s, transfer 0.5 s: forwards end at 1, 2
    /// (stage 0) and 2.5, 3.5 (stage 1); backward of chunk 1 on stage 1 3.5 → 5.5, on stage 0
    /// 6 → 8; chunk 0 on stage 1 5.5 → 7.5, on stage 0 8 → 10.
    @Test func fillDrainByHand() {
        let stage0: [PlanOperation] = [.compute(1), .send(message: 0, seconds: 0.5), .compute(1), .send(message: 1, seconds: 0.5),
                                       .receive(message: 11), .compute(2), .receive(message: 10), .compute(2)]
        let stage1: [PlanOperation] = [.receive(message: 0), .compute(1), .receive(message: 1), .compute(1),
                                       .compute(2), .send(message: 11, seconds: 0.5), .compute(2), .send(message: 10, seconds: 0.5)]
        #expect(TimelineSimulation.run([stage0, stage1], sharedCores: nil) == 10)
        // One core for both: stage 1's first forward shares it with stage 0's second (1.5 → 2.5, then alone until 3);
        // stage 1 alone until 6.5, where its last backward (1.5 s left) shares with stage 0's first until 9.5;
        // stage 0 finishes that one at 10 and its last backward, after ∂c0 arrived at 10, at 12.
        let shared = TimelineSimulation.run([stage0, stage1], sharedCores: 1)
        #expect(abs(shared - 12) < 1e-9, "\(shared)")
    }

    /// The same schedule with rendezvous messages: each moves only from its sender's next
    /// communication operation. Stage 0's chunk 0 leaves at 2 (its send of chunk 1), chunk 1 at 2
    /// (its first receive): both arrive at 2.5, stage 1 forwards 2.5 → 4.5 and runs its backward of
    /// chunk 1 until 6.5, of chunk 0 until 8.5; ∂c1 leaves at 8.5 (the send of ∂c0), ∂c0 at 8.5 (the
    /// end of its timeline): stage 0 runs its backwards 9 → 11 → 13.
    @Test func rendezvousMessagesWaitForTheSendersNextCall() {
        let stage0: [PlanOperation] = [.compute(1), .rendezvousSend(message: 0, seconds: 0.5), .compute(1),
                                       .rendezvousSend(message: 1, seconds: 0.5), .receive(message: 11), .compute(2),
                                       .receive(message: 10), .compute(2)]
        let stage1: [PlanOperation] = [.receive(message: 0), .compute(1), .receive(message: 1), .compute(1), .compute(2),
                                       .rendezvousSend(message: 11, seconds: 0.5), .compute(2), .rendezvousSend(message: 10, seconds: 0.5)]
        #expect(TimelineSimulation.run([stage0, stage1], sharedCores: nil) == 13)
    }

    /// The trainer polls the transport after every layer: a rendezvous message starts moving at
    /// the end of the sender's next compute, not only at its next communication. Stage 0 sends
    /// at 1, computes 1 → 2 (then m0 moves, arriving at 2.5) and on to 4; stage 1 computes
    /// 2.5 → 5.5. Moving only at the end of stage 0's timeline would give 4.5 + 3 = 7.5.
    @Test func rendezvousMessagesMoveAfterTheSendersNextLayer() {
        let stage0: [PlanOperation] = [.compute(1), .rendezvousSend(message: 0, seconds: 0.5), .compute(1), .compute(1), .compute(1)]
        let stage1: [PlanOperation] = [.receive(message: 0), .compute(3)]
        #expect(TimelineSimulation.run([stage0, stage1], sharedCores: nil) == 5.5)
    }

    /// A rank's messages share its link: two 1 s messages sent at 0 arrive at 1 and 2; messages
    /// of two ranks do not queue behind each other.
    @Test func aRanksMessagesQueueOnItsLink() {
        let sender: [PlanOperation] = [.send(message: 0, seconds: 1), .send(message: 1, seconds: 1)]
        #expect(TimelineSimulation.run([sender, [.receive(message: 0), .receive(message: 1)]], sharedCores: nil) == 2)
        #expect(TimelineSimulation.run([sender, [.receive(message: 0), .compute(0.5)]], sharedCores: nil) == 1.5)
        let two: [[PlanOperation]] = [[.send(message: 0, seconds: 1)], [.send(message: 1, seconds: 1)], [.receive(message: 0), .receive(message: 1)]]
        #expect(TimelineSimulation.run(two, sharedCores: nil) == 1)
    }

    /// Kernels far shorter than the time already simulated still end: after a 10⁹ s exchange (a
    /// 1 bit/s link), 10⁻⁷ s of compute rounds away in `now + remainder` (the simulation ran forever).
    @Test func shortKernelsAfterLongTransfersEnd() {
        let rank: [PlanOperation] = [.exchange(key: 0, members: 2, seconds: 1e9), .compute(1e-7), .compute(1e-7), .exchange(key: 1, members: 2, seconds: 1)]
        for cores in [nil, 1] as [Int?] {
            let t = TimelineSimulation.run([rank, rank], sharedCores: cores)
            #expect(t >= 1e9 + 1 && t <= 1e9 + 1.001, "\(t)")
        }
    }

    /// Processor sharing and collectives by hand.
    @Test func sharingAndExchangesByHand() {
        // 2 cores, 3 ranks computing 1, 1, 2 s: all at 2/3 until 1.5, then the last alone: 2.5.
        let three: [[PlanOperation]] = [[.compute(1)], [.compute(1)], [.compute(2)]]
        #expect(abs(TimelineSimulation.run(three, sharedCores: 2) - 2.5) < 1e-9)
        #expect(TimelineSimulation.run(three, sharedCores: nil) == 2)
        // An exchange waits for its last member, then both are on the link for 0.5 s.
        let pair: [[PlanOperation]] = [[.compute(1), .exchange(key: 0, members: 2, seconds: 0.5), .compute(1)],
                                       [.compute(3), .exchange(key: 0, members: 2, seconds: 0.5), .compute(1)]]
        #expect(TimelineSimulation.run(pair, sharedCores: nil) == 4.5)
        // One core: both at 1/2 until 2, rank 1 alone until 4, link until 4.5, both at 1/2 until 6.5.
        #expect(abs(TimelineSimulation.run(pair, sharedCores: 1) - 6.5) < 1e-9)
        // A co-run factor 1.5 slows kernels while two or more cores compute: 3 ranks at 2/3 / 1.5 = 4/9 until 2.25,
        // then the last one alone at full speed for its remaining 1 s.
        #expect(abs(TimelineSimulation.run(three, sharedCores: 2, coRunFactor: 1.5) - 3.25) < 1e-9)
        #expect(abs(TimelineSimulation.run([[.compute(1)]], sharedCores: 2, coRunFactor: 1.5) - 1) < 1e-9)
        // Two threads per rank count twice.
        #expect(abs(TimelineSimulation.run([[.compute(1)], [.compute(1)]], sharedCores: 2, threads: 2) - 2) < 1e-9)
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

    /// Printed rates read back as a rate (probe-link's hint printed 0mbit for a slow link):
    /// random rates from 1 bit/s to 100 Gbit/s, within the rounding of the unit, by hand at the edges.
    @Test func printedRatesReadBack() throws {
        #expect(LinkModel.tcRate(bitsPerSecond: 761.4e6) == "761mbit")
        #expect(LinkModel.tcRate(bitsPerSecond: 400e3) == "400kbit")
        #expect(LinkModel.tcRate(bitsPerSecond: 3) == "1kbit")
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let rate = pow(10, Double.random(in: 0...11, using: &rng))
            let text = LinkModel.tcRate(bitsPerSecond: rate)
            let back = try LinkModel(rate: text).bitsPerSecond
            let unit = rate >= 1e6 ? 1e6 : 1e3
            #expect(abs(back - max(rate, 1e3)) <= unit / 2 + 1e-6 * rate, "\(rate) → \(text) → \(back)")
        }
    }
}
