import ClassificationMetrics
import DenseMath
import Dispatch
import Foundation
import GraphCore
import GraphKernels
import NeuralNet

/// Which student LightHGNN distils (Feng et al., ICLR 2024).
public enum StudentKind: String, Sendable, CaseIterable {
    /// LightHGNN (§4.1): vertex-level soft labels only.
    case light
    /// LightHGNN+ (§4.2): plus hyperedge-level soft labels on reliably sampled hyperedges.
    case lightPlus = "light+"
}

/// Which hypergraph teacher is distilled.
public enum TeacherKind: String, Sendable, CaseIterable {
    /// Two-layer HGNN (Feng et al., AAAI 2019), LightHGNN's transductive default.
    case hgnn
}

/// Where the teacher and the student may look (LightHGNN §5, following GLNN).
public enum TrainingSetting: String, Sendable, CaseIterable {
    /// Every vertex and the whole hypergraph are seen in training; test labels are hidden.
    case transductive
    /// A fraction of the test vertices is held out of the teacher's hypergraph and the student's
    /// training rows, and scored as unseen (inductive) vertices.
    case production
}

/// Hyperparameters of teacher, plain MLP and student training. Defaults are the LightHGNN
/// reference code's (`trans_config.yaml`).
public struct LightHGNNConfiguration: Sendable, Equatable {
    /// Teacher hidden width (32).
    public var teacherHidden = 32
    /// Student / MLP hidden width (128).
    public var studentHidden = 128
    /// Dropout of teacher and student (0.5).
    public var dropout: Float = 0.5
    /// Adam learning rate (0.01).
    public var learningRate: Float = 0.01
    /// Adam L2 weight decay on every parameter (5e-4).
    public var weightDecay: Float = 5e-4
    /// Full-batch epochs per model (200); the best-validation epoch is kept.
    public var epochs = 200
    /// λ, the weight of the label loss in the student's loss (0: soft labels only).
    public var lambda: Float = 0
    /// τ of the hyperedge loss (1).
    public var tau: Float = 1
    /// T of the `trueKL` vertex loss (1).
    public var temperature: Float = 1
    /// ℓ, the feature-noise level of the reliability score (1).
    public var noiseLevel: Float = 1
    /// The KD divergence (see ``KDLoss``); default ``KDLoss/reference``.
    public var kdLoss: KDLoss = .reference
    /// Training vertices per class (20).
    public var trainPerClass = 20
    /// Validation vertices per class (100).
    public var validationPerClass = 100
    /// Fraction of test vertices held out in the production setting (0.9).
    public var inductiveFraction = 0.9
    /// Worker threads for SpMM, GEMM row blocks and element-wise kernels.
    public var threads = 1

    public init() {}

    /// - Throws: ``HypergraphLearningError/invalidParameter(_:)`` for an out-of-range value.
    public func validate() throws(HypergraphLearningError) {
        if teacherHidden < 1 || studentHidden < 1 { throw .invalidParameter("hidden widths must be at least 1") }
        if !(dropout >= 0 && dropout < 1) { throw .invalidParameter("dropout must be in [0, 1)") }
        if !(learningRate > 0 && learningRate.isFinite) { throw .invalidParameter("learning rate must be positive") }
        if !(weightDecay >= 0 && weightDecay.isFinite) { throw .invalidParameter("weight decay must be ≥ 0") }
        if epochs < 1 { throw .invalidParameter("epochs must be at least 1") }
        if !(lambda >= 0 && lambda <= 1) { throw .invalidParameter("lambda must be in [0, 1]") }
        if !(tau > 0 && tau.isFinite) { throw .invalidParameter("tau must be positive") }
        if !(temperature > 0 && temperature.isFinite) { throw .invalidParameter("temperature must be positive") }
        if !(noiseLevel >= 0 && noiseLevel.isFinite) { throw .invalidParameter("noise level must be ≥ 0") }
        if trainPerClass < 1 || validationPerClass < 1 { throw .invalidParameter("train and validation sizes must be at least 1 per class") }
        if !(inductiveFraction >= 0 && inductiveFraction < 1) { throw .invalidParameter("inductive fraction must be in [0, 1)") }
        if threads < 1 { throw .invalidParameter("threads must be at least 1") }
    }
}

/// A hypergraph node-classification dataset: hypergraph, features and one class per vertex.
public struct HypergraphDataset: Sendable {
    /// The hypergraph the teacher sees (duplicates merged and singletons added as wanted).
    public let hypergraph: Hypergraph
    /// Vertex features `[numVertices × dim]` (already normalised as wanted).
    public let features: NodeFeatures
    /// Class of each vertex, `[numVertices]`, −1 for unlabelled.
    public let labels: [Int32]
    /// Number of classes.
    public let numClasses: Int

    /// - Throws: ``HypergraphLearningError/shapeMismatch(_:)`` when features, labels and
    ///   hypergraph disagree on the vertex count, or a label is ≥ `numClasses`;
    ///   ``HypergraphLearningError/nonFiniteValues(_:)`` for a NaN or infinite feature (training
    ///   on it would end at chance accuracy).
    public init(hypergraph: Hypergraph, features: Matrix, labels: [Int32], numClasses: Int) throws(HypergraphLearningError) {
        guard features.rows == hypergraph.numVertices else {
            throw .shapeMismatch("features have \(features.rows) rows, the hypergraph has \(hypergraph.numVertices) vertices")
        }
        if let first = features.values.firstIndex(where: { !$0.isFinite }) {
            let count = features.values.reduce(0) { $0 + ($1.isFinite ? 0 : 1) }
            throw .nonFiniteValues("the features hold \(count) NaN or infinite value\(count == 1 ? "" : "s") (the first in row \(first / max(features.cols, 1)))")
        }
        guard labels.count == hypergraph.numVertices else {
            throw .shapeMismatch("\(labels.count) labels for \(hypergraph.numVertices) vertices")
        }
        if let bad = labels.first(where: { $0 >= numClasses }) {
            throw .shapeMismatch("label \(bad) is not below the class count \(numClasses)")
        }
        self.hypergraph = hypergraph
        self.features = NodeFeatures(features)
        self.labels = labels
        self.numClasses = numClasses
    }

    /// Number of vertices.
    public var numVertices: Int { hypergraph.numVertices }
}

/// One training epoch of one of the three models, as ``LightHGNNTrainer/run(_:seed:student:teacher:setting:onEpoch:)``
/// reports it.
public struct LightHGNNEpochRecord: Sendable {
    /// The three models trained for each seed.
    public enum Model: String, Sendable { case teacher, mlp, student }
    /// The seed of the run.
    public var seed: UInt64
    /// Which model this epoch trained.
    public var model: Model
    /// 1-based epoch.
    public var epoch: Int
    /// The training loss of the epoch's step (the model's loss on the training vertices, with
    /// distillation terms for the student).
    public var loss: Float
    /// Accuracy on the validation vertices after the step (evaluation mode).
    public var validationAccuracy: Double
    /// Whether this epoch became the best so far (the one kept).
    public var isBest: Bool
    /// Seconds since this model's training began.
    public var seconds: Double

    func with(seed: UInt64, model: Model) -> LightHGNNEpochRecord {
        var r = self
        r.seed = seed
        r.model = model
        return r
    }
}

/// The outcome of training one model: scores per evaluation set and the chosen epoch.
public struct ModelReport: Sendable {
    /// Scores by evaluation set: `"test"` (transductive), or `"trans"`, `"ind"`, `"prod"`
    /// (production: observed test, held-out test, all test vertices).
    public var scores: [String: ClassificationScores]
    /// Validation accuracy at the kept epoch.
    public var validationAccuracy: Double
    /// The kept (best-validation) epoch, 1-based (as every tool's `epoch` records).
    public var bestEpoch: Int
    /// Wall-clock seconds of training, including per-epoch validation.
    public var seconds: Double
}

/// Everything one seed produced.
public struct SeedReport {
    /// The seed of the split, weights, dropout, noise and sampling.
    public var seed: UInt64
    /// The HGNN teacher.
    public var teacher: ModelReport
    /// The MLP trained on labels only.
    public var mlp: ModelReport
    /// The distilled student.
    public var student: ModelReport
    /// The trained student (best-validation state).
    public var studentModel: MLPStudent
    /// The student's evaluation-mode logits on every vertex `[numVertices × numClasses]`.
    public var studentLogits: Matrix
    /// Mean ρ over hyperedges (LightHGNN+ only).
    public var meanReliability: Double?
    /// The split used.
    public var split: VertexSplit
}

/// Trains the HGNN teacher, a plain MLP and the LightHGNN / LightHGNN+ student for one seed,
/// as the reference `trans_train.py` / `prod_train.py` do.
///
/// 1. Teacher: Adam on CE over the training vertices, keep the best-validation epoch; its
///    evaluation-mode logits z_t are then fixed.
/// 2. MLP: the student architecture trained on CE only (λ = 1, no teacher).
/// 3. Student: `λ·CE + (1 − λ)·(KD_v + KD_h)`, KD_v over every (observed) vertex, KD_h over the
///    hyperedges sampled each epoch by reliability (LightHGNN+ only); see ``Distillation``.
///
/// All three run full batch: every training step forwards every (observed) vertex.
public struct LightHGNNTrainer {
    /// Hyperparameters of all three models.
    public var configuration: LightHGNNConfiguration
    /// Called with one line per finished model (for a CLI log); never prints itself.
    public var progress: (@Sendable (String) -> Void)?

    public init(configuration: LightHGNNConfiguration = .init(), progress: (@Sendable (String) -> Void)? = nil) {
        self.configuration = configuration
        self.progress = progress
    }

    /// Runs teacher, MLP and student for `seed`, calling `onEpoch` after every training epoch
    /// of each of the three (for per-epoch records such as `--metrics`).
    /// - Throws: ``HypergraphLearningError`` for a bad configuration or a split that the labels
    ///   cannot supply.
    public func run(_ data: HypergraphDataset, seed: UInt64, student kind: StudentKind,
                    teacher teacherKind: TeacherKind = .hgnn,
                    setting: TrainingSetting = .transductive,
                    onEpoch: (LightHGNNEpochRecord) -> Void = { _ in }) throws(HypergraphLearningError) -> SeedReport {
        try configuration.validate()
        let cfg = configuration
        let split = try VertexSplit.perClass(labels: data.labels, numClasses: data.numClasses,
                                             trainPerClass: cfg.trainPerClass,
                                             validationPerClass: cfg.validationPerClass, seed: seed)
        let fullOperator = HGNNOperator(data.hypergraph)

        // The training view: all vertices (transductive) or the observed ones (production).
        let view: TrainingView
        switch setting {
        case .transductive:
            view = TrainingView(features: data.features, labels: data.labels, hypergraph: data.hypergraph,
                                operator: fullOperator, train: split.train, validation: split.validation)
        case .production:
            let prod = ProductionSplit(split, inductiveFraction: cfg.inductiveFraction, seed: seed)
            let sub = try HypergraphConstruction.induced(data.hypergraph, on: prod.observed)
            let idx = prod.observedIndices
            view = TrainingView(features: data.features.selecting(rows: prod.observed),
                                labels: prod.observed.map { data.labels[$0] }, hypergraph: sub,
                                operator: HGNNOperator(sub), train: Array(idx.train),
                                validation: Array(idx.validation), production: prod)
        }

        // 1. Teacher.
        let teacher = HGNNTeacher(inputDim: data.features.dim, hiddenDim: cfg.teacherHidden, numClasses: data.numClasses,
                                  dropout: cfg.dropout, weightDecay: cfg.weightDecay, seed: SplitMix64.mix(seed ^ 0x71))
        let teacherFit = try fit(teacher, view: view, report: { onEpoch($0.with(seed: seed, model: .teacher)) }, contextFor: { training, epoch in
            HypergraphContext(operator: view.hgnnOperator, isTraining: training, step: epoch, threads: cfg.threads)
        }, loss: { logits, _ in
            LossWithGradient(Loss.softmaxCrossEntropy(logits: logits, labels: view.labels, mask: view.train))
        })
        let teacherLogits = teacher.forward(view.features, context: HypergraphContext(operator: view.hgnnOperator, isTraining: false, threads: cfg.threads))
        var teacherScores: [String: ClassificationScores] = [:]
        if let prod = view.production {
            teacherScores["trans"] = ClassificationScores(logits: teacherLogits, labels: view.labels,
                                                          nodes: Array(prod.observedIndices.test))
            let full = teacher.forward(data.features, context: HypergraphContext(operator: fullOperator, isTraining: false, threads: cfg.threads))
            teacherScores["ind"] = ClassificationScores(logits: full, labels: data.labels, nodes: prod.inductiveTest)
            teacherScores["prod"] = ClassificationScores(logits: full, labels: data.labels, nodes: split.test)
        } else {
            teacherScores["test"] = ClassificationScores(logits: teacherLogits, labels: data.labels, nodes: split.test)
        }
        let teacherReport = ModelReport(scores: teacherScores, validationAccuracy: teacherFit.validation,
                                        bestEpoch: teacherFit.epoch, seconds: teacherFit.seconds)
        progress?("seed \(seed) teacher \(teacherKind.rawValue): \(Self.describe(teacherReport))")

        // 2. Plain MLP on labels only.
        let mlp = makeStudent(data, seed: SplitMix64.mix(seed ^ 0x3A))
        let mlpFit = try fit(mlp, view: view, report: { onEpoch($0.with(seed: seed, model: .mlp)) }, contextFor: { training, epoch in
            LayerContext(isTraining: training, step: epoch, threads: cfg.threads)
        }, loss: { logits, _ in
            LossWithGradient(Loss.softmaxCrossEntropy(logits: logits, labels: view.labels, mask: view.train))
        })
        let mlpReport = ModelReport(scores: scoreStudent(mlp, data: data, split: split, view: view),
                                    validationAccuracy: mlpFit.validation, bestEpoch: mlpFit.epoch, seconds: mlpFit.seconds)
        progress?("seed \(seed) MLP: \(Self.describe(mlpReport))")

        // 3. Student.
        let student = makeStudent(data, seed: SplitMix64.mix(seed ^ 0x5D))
        let allRows = Array(0..<view.features.numVertices)
        var reliability: HyperedgeReliability?
        var mean: HyperedgeMean?
        var teacherHyperedge: Matrix?
        if kind == .lightPlus {
            let m = HyperedgeMean(view.hypergraph)
            mean = m
            reliability = HyperedgeReliability(teacher: teacher, features: view.features, operator: view.hgnnOperator,
                                               mean: m, noiseLevel: cfg.noiseLevel, seed: SplitMix64.mix(seed ^ 0x4E),
                                               threads: cfg.threads)
            teacherHyperedge = m.apply(Distillation.softmax(teacherLogits), threads: cfg.threads)
        }
        let studentFit = try fit(student, view: view, report: { onEpoch($0.with(seed: seed, model: .student)) }, contextFor: { training, epoch in
            LayerContext(isTraining: training, step: epoch, threads: cfg.threads)
        }, loss: { logits, epoch in
            var total = Distillation.vertexLoss(studentLogits: logits, teacherLogits: teacherLogits, mask: allRows,
                                                mode: cfg.kdLoss, temperature: cfg.temperature)
            if let reliability, let mean, let teacherHyperedge {
                let h = Distillation.hyperedgeLoss(studentLogits: logits, teacherHyperedgeProbabilities: teacherHyperedge,
                                                   mean: mean, kept: reliability.sample(epoch: epoch), mode: cfg.kdLoss,
                                                   tau: cfg.tau, threads: cfg.threads)
                total.value += h.value
                Kernels.axpby(1, h.gradient, 1, &total.gradient, threads: cfg.threads)
            }
            if cfg.lambda > 0 {
                let ce = Loss.softmaxCrossEntropy(logits: logits, labels: view.labels, mask: view.train)
                total.value = cfg.lambda * ce.value + (1 - cfg.lambda) * total.value
                Kernels.axpby(cfg.lambda, ce.gradient, 1 - cfg.lambda, &total.gradient, threads: cfg.threads)
            }
            return total
        })
        let studentLogits = student.predict(data.features, threads: cfg.threads)
        let studentReport = ModelReport(scores: scoreStudent(student, data: data, split: split, view: view, logits: studentLogits),
                                        validationAccuracy: studentFit.validation, bestEpoch: studentFit.epoch,
                                        seconds: studentFit.seconds)
        progress?("seed \(seed) student \(kind.rawValue): \(Self.describe(studentReport))")

        let meanRho = reliability.map { r in r.reliability.reduce(0.0) { $0 + Double($1) } / Double(max(r.reliability.count, 1)) }
        return SeedReport(seed: seed, teacher: teacherReport, mlp: mlpReport, student: studentReport,
                          studentModel: student, studentLogits: studentLogits, meanReliability: meanRho, split: split)
    }

    // MARK: - Internals

    /// Rows, labels and hypergraph a model trains on.
    struct TrainingView {
        var features: NodeFeatures
        var labels: [Int32]
        var hypergraph: Hypergraph
        var hgnnOperator: HGNNOperator
        var train: [Int]
        var validation: [Int]
        var production: ProductionSplit?

        init(features: NodeFeatures, labels: [Int32], hypergraph: Hypergraph, operator: HGNNOperator,
             train: [Int], validation: [Int], production: ProductionSplit? = nil) {
            self.features = features
            self.labels = labels
            self.hypergraph = hypergraph
            self.hgnnOperator = `operator`
            self.train = train
            self.validation = validation
            self.production = production
        }
    }

    func makeStudent(_ data: HypergraphDataset, seed: UInt64) -> MLPStudent {
        MLPStudent(inputDim: data.features.dim, hiddenDim: configuration.studentHidden, numClasses: data.numClasses,
                   dropout: configuration.dropout, weightDecay: configuration.weightDecay, seed: seed)
    }

    /// Full-batch Adam for `configuration.epochs` epochs, keeping the state of the first epoch
    /// with the highest validation accuracy (the reference's `best_state`).
    func fit(_ model: some FeatureClassifier, view: TrainingView, report: (LightHGNNEpochRecord) -> Void,
             contextFor: (Bool, Int) -> LayerContext,
             loss: (Matrix, Int) -> LossWithGradient) throws(HypergraphLearningError) -> (epoch: Int, validation: Double, seconds: Double) {
        let start = DispatchTime.now().uptimeNanoseconds
        let adam = Adam(parameters: model.parameters, learningRate: configuration.learningRate)
        var best = -1.0, bestEpoch = 0
        var bestState = model.state()
        for epoch in 0..<configuration.epochs {
            let context = contextFor(true, epoch)
            let logits = model.forward(view.features, context: context)
            let l = loss(logits, epoch)
            model.network.zeroGradients()
            model.backward(l.gradient, features: view.features, context: context)
            adam.step()
            let eval = model.forward(view.features, context: contextFor(false, epoch))
            let acc = Metrics.accuracy(logits: eval, labels: view.labels, mask: view.validation)
            let isBest = acc > best
            if isBest {
                best = acc
                bestEpoch = epoch + 1
                bestState = model.state()
            }
            report(LightHGNNEpochRecord(seed: 0, model: .teacher, epoch: epoch + 1, loss: l.value, validationAccuracy: acc,
                                        isBest: isBest,
                                        seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9))
            // A diverged fit stops (its epochs reported) instead of training on with NaN weights.
            if !l.value.isFinite {
                throw .nonFiniteValues("the training loss became \(l.value.isNaN ? "NaN" : "infinite") at epoch \(epoch + 1): training diverged (lower --lr, now \(configuration.learningRate))")
            }
        }
        try! model.load(bestState)  // the snapshot came from this model
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return (bestEpoch, best, seconds)
    }

    func scoreStudent(_ model: MLPStudent, data: HypergraphDataset, split: VertexSplit, view: TrainingView,
                      logits given: Matrix? = nil) -> [String: ClassificationScores] {
        let logits = given ?? model.predict(data.features, threads: configuration.threads)
        guard let prod = view.production else {
            return ["test": ClassificationScores(logits: logits, labels: data.labels, nodes: split.test)]
        }
        return ["trans": ClassificationScores(logits: logits, labels: data.labels, nodes: prod.observedTest),
                "ind": ClassificationScores(logits: logits, labels: data.labels, nodes: prod.inductiveTest),
                "prod": ClassificationScores(logits: logits, labels: data.labels, nodes: split.test)]
    }

    static func describe(_ r: ModelReport) -> String {
        let sets = r.scores.keys.sorted().map { key in
            let s = r.scores[key]!
            return "\(key) acc \(pct(s.accuracy)) micro-F1 \(pct(s.microF1)) macro-F1 \(pct(s.macroF1))"
        }
        return sets.joined(separator: ", ") + " (val \(pct(r.validationAccuracy)) @ epoch \(r.bestEpoch), \(r.seconds.formatted2) s)"
    }

    static func pct(_ x: Double) -> String { (x * 100).formatted2 }
}

extension Double {
    /// Two decimals, e.g. `68.05`.
    var formatted2: String { String(format: "%.2f", self) }
}
