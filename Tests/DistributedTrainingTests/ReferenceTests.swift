import DistributedTraining
import Foundation
import GraphLearning
import Testing
import TestSupport

/// One rank with C chunks against ``ReferencePipeline``, the semantics written out slowly in
/// Double: per-epoch losses to 1e-5 relative and weights to 1e-4 (‖Δw‖∞/‖w‖∞) after 5 epochs,
/// the float-vs-double gap of 5 Adam steps. A reference that reads every row fresh is far
/// outside those bounds, so the comparison does see staleness.
@Suite struct ReferenceTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var architecture: GNNArchitecture
        var options: PipelineOptions
        var testDescription: String {
            "\(architecture) C=\(options.chunks) \(options.staleGradients) warm-up \(options.warmupEpochs) m \(options.historyMomentum) shuffle \(options.shuffleChunks)"
        }
    }

    static let cases: [Case] = [GNNArchitecture.gcn, .gcnii].flatMap { a in
        [1, 2, 4, 8].flatMap { c in
            [StaleGradientMode.drop, .defer].map { Case(architecture: a, options: PipelineOptions(chunks: c, staleGradients: $0)) }
        } + [Case(architecture: a, options: PipelineOptions(chunks: 4, staleGradients: .defer, warmupEpochs: 1,
                                                             historyMomentum: 0.5, shuffleChunks: true))]
    }

    @Test(arguments: cases)
    func oneRankWithChunksFollowsTheDefinition(_ c: Case) throws {
        let (adjacency, task) = try Toy.problem(nodes: 40, edges: 110)
        let configuration = Toy.configuration(c.architecture, layers: 3, task: task)
        let decomposition = try Toy.decomposition(adjacency, chunks: c.options.chunks)
        let engine = try InProcess.train(configuration, adjacency, task, grid: .pipeline(ranks: 1), pipeline: c.options,
                                         decomposition: decomposition, epochs: 5)
        let reference = try ReferencePipeline(configuration: configuration, adjacency: adjacency, task: task,
                                              chunkOf: decomposition.chunk, options: c.options, learningRate: 0.01)
        let expected = (0..<5).map { _ in reference.step() }
        #expect(InProcess.lossDifference(engine.losses, expected) <= 1e-5, "engine \(engine.losses), reference \(expected)")
        #expect(Self.weightDifference(engine, reference) <= 1e-4, "weights differ by \(Self.weightDifference(engine, reference))")
    }

    /// The check can fail: a reference that reads every row fresh (no historical embeddings)
    /// is at least 100 × the tolerance away on losses or weights for every chunked case.
    @Test(arguments: [GNNArchitecture.gcn, .gcnii])
    func aReferenceWithoutStalenessDoesNotMatch(_ architecture: GNNArchitecture) throws {
        let (adjacency, task) = try Toy.problem(nodes: 40, edges: 110)
        let configuration = Toy.configuration(architecture, layers: 3, task: task)
        for chunks in [2, 4, 8] {
            let decomposition = try Toy.decomposition(adjacency, chunks: chunks)
            let options = PipelineOptions(chunks: chunks)
            let engine = try InProcess.train(configuration, adjacency, task, grid: .pipeline(ranks: 1), pipeline: options,
                                             decomposition: decomposition, epochs: 5)
            let wrong = try ReferencePipeline(configuration: configuration, adjacency: adjacency, task: task,
                                              chunkOf: decomposition.chunk, options: options, learningRate: 0.01, rule: .everythingFresh)
            let losses = (0..<5).map { _ in wrong.step() }
            let lossGap = InProcess.lossDifference(engine.losses, losses), weightGap = Self.weightDifference(engine, wrong)
            #expect(lossGap > 1e-3 || weightGap > 1e-2, "C=\(chunks): loss gap \(lossGap), weight gap \(weightGap)")
        }
    }

    static func weightDifference(_ engine: RunOutcome, _ reference: ReferencePipeline) -> Double {
        let model = try! GNNModel(configuration: reference.configuration)
        var worst = 0.0
        for (k, p) in model.parameters.enumerated() {
            let expected = reference.weights[k].flatMap { $0 }
            guard let got = engine.weights[p.name] else { Issue.record("no parameter \(p.name)"); continue }
            let scale = max(1e-12, expected.reduce(0) { max($0, abs($1)) })
            worst = max(worst, zip(got, expected).reduce(0) { max($0, abs(Double($1.0) - $1.1)) } / scale)
        }
        return worst
    }
}
