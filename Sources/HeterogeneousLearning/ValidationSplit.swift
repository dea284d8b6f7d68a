import DenseMath
import GraphIO

/// A training/validation split carved from the labelled nodes of HGB's `label.dat`.
public struct ValidationSplit: Sendable, Equatable {
    /// Training nodes, ascending.
    public let train: [Int]
    /// Validation nodes, ascending.
    public let validation: [Int]

    /// Splits the labelled nodes of `labels`, holding out `fraction` for validation, as RpHGNN's
    /// reference code does (20 %, `ceil(fraction · n)` nodes).
    ///
    /// Single-label: stratified by class (scikit-learn's `train_test_split(stratify=…)`): every
    /// class gives `fraction` of its nodes, rounded so the total is exact (largest remainders,
    /// ties to the smaller class id). Multi-label: a plain random subset (the reference code
    /// uses a random permutation for IMDB). Nodes are shuffled with `SplitMix64(seed:)`.
    /// - Throws: ``HeterogeneousLearningError/invalidInput(_:)`` when `fraction` is not in
    ///   (0, 1) or fewer than two nodes are labelled.
    public static func make(labels: NodeLabels, fraction: Double, seed: UInt64) throws(HeterogeneousLearningError) -> ValidationSplit {
        guard fraction > 0 && fraction < 1 else { throw .invalidInput("validation fraction must be in (0, 1), got \(fraction)") }
        let nodes = labels.labelledNodes
        guard nodes.count >= 2 else { throw .invalidInput("need at least 2 labelled nodes for a validation split, found \(nodes.count)") }
        var rng = SplitMix64(seed: seed, stream: 0x5A11_7000)
        let total = min(nodes.count - 1, Int((fraction * Double(nodes.count)).rounded(.up)))
        var validation: [Int] = []
        if labels.isMultiLabel {
            validation = Array(shuffled(nodes, &rng).prefix(total))
        } else {
            var byClass = [[Int]](repeating: [], count: labels.numClasses)
            for u in nodes { byClass[Int(labels.labels(of: u).first!)].append(u) }
            let exact = byClass.map { fraction * Double($0.count) }
            var take = exact.map { Int($0.rounded(.down)) }
            let order = byClass.indices.sorted { (exact[$0] - Double(take[$0]), -$0) > (exact[$1] - Double(take[$1]), -$1) }
            var missing = total - take.reduce(0, +)
            for c in order where missing > 0 && take[c] < byClass[c].count {
                take[c] += 1
                missing -= 1
            }
            for (c, members) in byClass.enumerated() {
                validation += shuffled(members, &rng).prefix(take[c])
            }
        }
        let held = Set(validation)
        return ValidationSplit(train: nodes.filter { !held.contains($0) }, validation: validation.sorted())
    }

    /// Fisher–Yates shuffle driven by `rng`.
    static func shuffled(_ values: [Int], _ rng: inout SplitMix64) -> [Int] {
        var a = values
        if a.count < 2 { return a }
        for i in stride(from: a.count - 1, to: 0, by: -1) {
            a.swapAt(i, rng.nextInt(below: i + 1))
        }
        return a
    }

    public init(train: [Int], validation: [Int]) {
        self.train = train
        self.validation = validation
    }
}
