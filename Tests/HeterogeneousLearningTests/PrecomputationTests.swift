import DenseMath
import Foundation
import GraphCore
import GraphIO
import HeterogeneousLearning
import RealModule
import Testing

/// Records the projection requests (the closure escapes, so a class holds the list).
final class RequestLog: @unchecked Sendable {
    var requests: [ProjectionRequest] = []
}

@Suite("RpHGNN pre-computation")
struct PrecomputationTests {
    /// Two paper nodes and two author nodes, HGB-style with both directions as link types:
    ///
    /// ```
    ///   p0 ── a0        X_P = [[1, 0],      X_A = [[1, 1],
    ///    └─── a1 ── p1         [0, 1]]             [2, 0]]
    /// ```
    static func tinyGraph() -> (HeterogeneousGraph, [Matrix?]) {
        var g = HeterogeneousGraph(nodeTypes: [.init(name: "paper", count: 2), .init(name: "author", count: 2)])
        let pa = try! CSRGraph(numRows: 2, numColumns: 2, rowOffsets: [0, 2, 3], columnIndices: [0, 1, 1])
        try! g.addRelation(.init(name: "pa", sourceType: 0, targetType: 1, adjacency: pa))
        try! g.addRelation(.init(name: "ap", sourceType: 1, targetType: 0, adjacency: pa.transposed()))
        return (g, [Matrix(rows: 2, cols: 2, values: [1, 0, 0, 1]), Matrix(rows: 2, cols: 2, values: [1, 1, 2, 0])])
    }

    static func identity(_ request: ProjectionRequest) -> Matrix {
        var m = Matrix(rows: request.inputDim, cols: request.outputDim)
        for i in 0..<min(m.rows, m.cols) { m[i, i] = 1 }
        return m
    }

    static func expectClose(_ m: Matrix, _ expected: [Float], tolerance: Float = 1e-5,
                            sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(m.values.count == expected.count, sourceLocation: sourceLocation)
        for (a, b) in zip(m.values, expected) {
            #expect(a.isApproximatelyEqual(to: b, absoluteTolerance: tolerance), "\(m.values) vs \(expected)",
                    sourceLocation: sourceLocation)
        }
    }

    /// K = 2 with identity projections, worked out by hand.
    ///
    /// Mean operators of `pa` (ap is its transpose and is dropped):
    /// F = D⁻¹Aᵀ (paper → author): a0 = p0, a1 = (p0 + p1)/2;  B = D⁻¹A: p0 = (a0 + a1)/2, p1 = a1.
    ///
    /// Iteration 0, on paper:  odd = B X_A = [[1.5, .5], [2, 0]]
    ///                          even = B F X_P = B [[1, 0], [.5, .5]] = [[.75, .25], [.5, .5]]
    ///              on author: odd = F X_P = [[1, 0], [.5, .5]]
    ///                          even = F B X_A = F [[1.5, .5], [2, 0]] = [[1.5, .5], [1.75, .25]]
    /// Squash (R = I): X_P¹ = rownorm(odd) + rownorm(even)
    ///   p0: [1.5, .5]/√2.5 + [.75, .25]/√.625 = 2 · [.9486833, .3162278] = [1.8973666, .6324555]
    ///   p1: [1, 0] + [.7071068, .7071068]                                = [1.7071068, .7071068]
    /// X_A¹: a0: [1, 0] + [.9486833, .3162278]                            = [1.9486833, .3162278]
    ///       a1: [.7071068, .7071068] + [1.75, .25]/√3.125 = + [.9899495, .1414214] = [1.6970563, .8485282]
    /// Iteration 1, on paper:  odd = B X_A¹ = [[(1.9486833 + 1.6970563)/2, (.3162278 + .8485282)/2], a1¹]
    ///                             = [[1.8228698, .5823780], [1.6970563, .8485282]]
    ///                          F X_P¹ = [p0¹, (p0¹ + p1¹)/2] = [[1.8973666, .6324555], [1.8022367, .6697812]]
    ///                          even = B F X_P¹ = [[1.8498016, .6511183], [1.8022367, .6697812]]
    /// No squash after the last iteration.
    @Test func evenOddPropagationAndSquashingByHand() throws {
        let (graph, features) = Self.tinyGraph()
        let log = RequestLog()
        let out = try RpHGNNPrecomputation.compute(
            graph: graph, features: features, targetType: 0,
            options: PrecomputationOptions(iterations: 2, randomFeatureDim: 4, includeInput: true, seed: 1), threads: 1,
            projection: { log.requests.append($0); return Self.identity($0) })
        #expect(out.numNodes == 2)
        #expect(out.groups.map(\.name) == ["pa.odd", "pa.even"])
        #expect(out.groups.map(\.hops) == [2, 3])
        #expect(out.groups.map(\.dim) == [2, 2])
        // Rows: node; columns: hop slots side by side.
        Self.expectClose(out.groups[0].values, [1.5, 0.5, 1.8228698, 0.5823780,
                                                2.0, 0.0, 1.6970563, 0.8485282])
        Self.expectClose(out.groups[1].values, [1, 0, 0.75, 0.25, 1.8498016, 0.6511183,
                                                0, 1, 0.50, 0.50, 1.8022367, 0.6697812])
        // Squashing ran in iteration 0 only: odd and even for paper and for author.
        #expect(log.requests.allSatisfy { $0.iteration == 0 })
        #expect(Set(log.requests.map { "\($0.nodeType)\($0.parity)" }) == ["0odd", "0even", "1odd", "1even"])
    }

    /// Without the raw-input slot the even group has K slots and starts at hop 2.
    @Test func withoutInputSlot() throws {
        let (graph, features) = Self.tinyGraph()
        let out = try RpHGNNPrecomputation.compute(
            graph: graph, features: features, targetType: 0,
            options: PrecomputationOptions(iterations: 1, randomFeatureDim: 4, includeInput: false, seed: 1), threads: 1,
            projection: Self.identity)
        #expect(out.groups.map(\.hops) == [1, 1])
        Self.expectClose(out.groups[1].values, [0.75, 0.25, 0.5, 0.5])
    }

    /// A same-type relation is made symmetric (A ∪ Aᵀ) and its HGB reverse (`ref`) dropped:
    ///
    /// ```
    /// p0 → p1 → p2 (cite)     P = D⁻¹(A ∪ Aᵀ): p0 = p1, p1 = (p0 + p2)/2, p2 = p1
    /// X = [1, 2, 4]ᵀ:  odd = P X = [2, 2.5, 2],  even = P odd = [2.5, 2, 2.5]
    /// ```
    @Test func sameTypeRelationIsSymmetrised() throws {
        var g = HeterogeneousGraph(nodeTypes: [.init(name: "paper", count: 3)])
        let cite = try CSRGraph(numRows: 3, numColumns: 3, rowOffsets: [0, 1, 2, 2], columnIndices: [1, 2])
        try g.addRelation(.init(name: "cite", sourceType: 0, targetType: 0, adjacency: cite))
        try g.addRelation(.init(name: "ref", sourceType: 0, targetType: 0, adjacency: cite.transposed()))
        let operators = RelationOperators.make(from: g)
        #expect(operators.map(\.name) == ["cite"])
        #expect(operators[0].forward == operators[0].backward)
        let out = try RpHGNNPrecomputation.compute(
            graph: g, features: [Matrix(rows: 3, cols: 1, values: [1, 2, 4])], targetType: 0,
            options: PrecomputationOptions(iterations: 1, randomFeatureDim: 4, includeInput: false, seed: 1), threads: 1)
        #expect(out.groups.map(\.name) == ["cite.odd", "cite.even"])
        Self.expectClose(out.groups[0].values, [2, 2.5, 2])
        Self.expectClose(out.groups[1].values, [2.5, 2, 2.5])
    }

    /// A bipartite relation whose reverse is not an exact transpose keeps both directions.
    @Test func relationsWithoutAnExactReverseAreKept() throws {
        var g = HeterogeneousGraph(nodeTypes: [.init(name: "p", count: 2), .init(name: "a", count: 2)])
        let pa = try CSRGraph(numRows: 2, numColumns: 2, rowOffsets: [0, 1, 2], columnIndices: [0, 1])
        let ap = try CSRGraph(numRows: 2, numColumns: 2, rowOffsets: [0, 1, 2], columnIndices: [1, 0])
        try g.addRelation(.init(name: "pa", sourceType: 0, targetType: 1, adjacency: pa))
        try g.addRelation(.init(name: "ap", sourceType: 1, targetType: 0, adjacency: ap))
        #expect(RelationOperators.make(from: g).map(\.name) == ["pa", "ap"])
    }

    /// Mean aggregation ignores link weights and leaves isolated nodes at zero.
    @Test func meanOperatorsIgnoreWeightsAndIsolatedNodes() throws {
        var g = HeterogeneousGraph(nodeTypes: [.init(name: "p", count: 3), .init(name: "a", count: 2)])
        let pa = try CSRGraph(numRows: 3, numColumns: 2, rowOffsets: [0, 2, 3, 3], columnIndices: [0, 1, 1], weights: [5, 1, 2])
        try g.addRelation(.init(name: "pa", sourceType: 0, targetType: 1, adjacency: pa))
        let op = RelationOperators.make(from: g)[0]
        #expect(op.backward.weights == [0.5, 0.5, 1])  // rows of p: p2 has no author
        #expect(op.backward.degree(of: 2) == 0)
        #expect(op.forward.weights == [1, 0.5, 0.5])   // a0 ← p0; a1 ← p0, p1
    }

    /// A random heterogeneous graph with three types, one of them without features.
    static func randomGraph(seed: UInt64) -> (HeterogeneousGraph, [Matrix?]) {
        var rng = SplitMix64(seed: seed)
        let counts = [30, 20, 8]
        var g = HeterogeneousGraph(nodeTypes: zip(["p", "a", "t"], counts).map { .init(name: $0, count: $1) })
        for (name, s, t, edges) in [("pa", 0, 1, 50), ("pt", 0, 2, 40), ("pp", 0, 0, 30)] {
            var pairs = Set<[Int]>()
            for _ in 0..<edges { pairs.insert([rng.nextInt(below: counts[s]), rng.nextInt(below: counts[t])]) }
            let sorted = pairs.sorted { ($0[0], $0[1]) < ($1[0], $1[1]) }
            var offsets = [Int](repeating: 0, count: counts[s] + 1)
            for p in sorted { offsets[p[0] + 1] += 1 }
            for i in 0..<counts[s] { offsets[i + 1] += offsets[i] }
            let adjacency = try! CSRGraph(numRows: counts[s], numColumns: counts[t], rowOffsets: offsets,
                                          columnIndices: sorted.map { Int32($0[1]) })
            try! g.addRelation(.init(name: name, sourceType: s, targetType: t, adjacency: adjacency))
        }
        func random(_ rows: Int, _ cols: Int) -> Matrix {
            Matrix(rows: rows, cols: cols, values: (0..<(rows * cols)).map { _ in rng.nextGaussian() })
        }
        return (g, [random(30, 6), random(20, 5), nil])
    }

    @Test func sameSeedGivesIdenticalTensors() throws {
        let (g, f) = Self.randomGraph(seed: 3)
        let options = PrecomputationOptions(iterations: 3, randomFeatureDim: 7, includeInput: true, seed: 42)
        let a = try RpHGNNPrecomputation.compute(graph: g, features: f, targetType: 0, options: options, threads: 1)
        let b = try RpHGNNPrecomputation.compute(graph: g, features: f, targetType: 0, options: options, threads: 1)
        #expect(a == b)
        // Thread count does not change the tensors.
        let c = try RpHGNNPrecomputation.compute(graph: g, features: f, targetType: 0, options: options, threads: 3)
        #expect(a == c)
        var other = options
        other.seed = 43
        let d = try RpHGNNPrecomputation.compute(graph: g, features: f, targetType: 0, options: other, threads: 1)
        #expect(a.groups.map(\.name) == d.groups.map(\.name))
        #expect(a.groups[0].values != d.groups[0].values)
        // Hop 1 of the odd groups involves no projection, so it does not depend on the seed.
        let w = a.groups[0].dim
        for u in 0..<a.numNodes {
            #expect(Array(a.groups[0].values.values[(u * 3 * w)..<(u * 3 * w + w)]) == Array(d.groups[0].values.values[(u * 3 * w)..<(u * 3 * w + w)]))
        }
        // K iterations give K odd slots and K + 1 even slots; 3 relations touch the target.
        #expect(a.groups.map(\.name) == ["pa.odd", "pa.even", "pt.odd", "pt.even", "pp.odd", "pp.even"])
        #expect(a.groups.map(\.hops) == [3, 4, 3, 4, 3, 4])
        #expect(a.groups.map(\.dim) == [5, 6, 7, 6, 6, 6])
    }

    /// Cost is linear in K: every iteration but the last squashes the same tensors, so the
    /// number of projections is (K − 1) times that of one iteration.
    @Test func projectionsGrowLinearlyWithK() throws {
        let (g, f) = Self.randomGraph(seed: 3)
        var counts: [Int] = []
        for k in [2, 3, 5] {
            let log = RequestLog()
            _ = try RpHGNNPrecomputation.compute(
                graph: g, features: f, targetType: 0,
                options: PrecomputationOptions(iterations: k, randomFeatureDim: 4, includeInput: false, seed: 1), threads: 1,
                projection: { log.requests.append($0); return Self.identity($0) })
            #expect(Set(log.requests.map(\.iteration)) == Set(0..<(k - 1)))
            counts.append(log.requests.count)
        }
        // pa: 2 tensors on p and 2 on a; pt: 2 on p, 2 on t; pp: 2 on p → 10 per iteration.
        #expect(counts == [10, 20, 40])
    }

    /// A type without features gets seeded Gaussian features N(0, 1)/√E; its odd group is their mean.
    @Test func featurelessTypeGetsSeededRandomFeatures() throws {
        let (g, f) = Self.randomGraph(seed: 5)
        let options = PrecomputationOptions(iterations: 1, randomFeatureDim: 16, includeInput: false, seed: 9)
        let x0 = RpHGNNPrecomputation.inputFeatures(graph: g, features: f, options: options)
        #expect(x0[0] == f[0]! && x0[1] == f[1]!)
        #expect(x0[2].rows == 8 && x0[2].cols == 16)
        #expect(x0[2] == RpHGNNPrecomputation.inputFeatures(graph: g, features: f, options: options)[2])
        let out = try RpHGNNPrecomputation.compute(graph: g, features: f, targetType: 0, options: options, threads: 1)
        let termOdd = try #require(out.groups.first { $0.name == "pt.odd" })
        #expect(termOdd.dim == 16)
        // Slot 0 of pt.odd is the mean of each paper's terms' random features.
        let pt = g.relations[1].adjacency
        for u in 0..<30 {
            let terms = pt.neighbors(of: u).map(Int.init)
            for j in 0..<16 {
                let mean = terms.isEmpty ? 0 : terms.reduce(Float(0)) { $0 + x0[2][$1, j] } / Float(terms.count)
                #expect(termOdd.values[u, j].isApproximatelyEqual(to: mean, absoluteTolerance: 1e-6))
            }
        }
        // Statistics of many random features: mean 0, variance 1/E.
        let big = RandomProjection.gaussianFeatures(count: 4000, dim: 16, seed: 1, stream: 2)
        let n = Double(big.values.count)
        let mean = big.values.reduce(0.0) { $0 + Double($1) } / n
        let variance = big.values.reduce(0.0) { $0 + Double($1) * Double($1) } / n - mean * mean
        #expect(abs(mean) < 0.01)
        #expect(abs(variance - 1.0 / 16) < 0.003)
    }

    /// Achlioptas' sparse matrix: entries ±√3 with probability 1/6 each, 0 with 2/3.
    @Test func sparseSignProjectionHasTheRightEntries() {
        let r = RandomProjection.sparseSign(rows: 300, cols: 400, seed: 11, stream: 5, threads: 2)
        let s = Float(3).squareRoot()
        #expect(r.values.allSatisfy { $0 == 0 || $0 == s || $0 == -s })
        let n = Double(r.values.count)
        let plus = Double(r.values.filter { $0 > 0 }.count) / n, minus = Double(r.values.filter { $0 < 0 }.count) / n
        // Binomial standard deviation at n = 120000 is 0.0011; allow about 5σ.
        #expect(abs(plus - 1.0 / 6) < 0.006)
        #expect(abs(minus - 1.0 / 6) < 0.006)
        #expect(r == RandomProjection.sparseSign(rows: 300, cols: 400, seed: 11, stream: 5, threads: 1))
        #expect(r != RandomProjection.sparseSign(rows: 300, cols: 400, seed: 11, stream: 6, threads: 1))
    }

    @Test func badInputsThrow() {
        let (graph, features) = Self.tinyGraph()
        let options = PrecomputationOptions(iterations: 2, randomFeatureDim: 4, includeInput: true, seed: 1)
        #expect(throws: HeterogeneousLearningError.invalidInput("1 feature matrices for 2 node types")) {
            try RpHGNNPrecomputation.compute(graph: graph, features: [features[0]], targetType: 0, options: options)
        }
        #expect(throws: HeterogeneousLearningError.invalidInput("target node type 2 is not in 0..<2")) {
            try RpHGNNPrecomputation.compute(graph: graph, features: features, targetType: 2, options: options)
        }
        var zero = options
        zero.iterations = 0
        #expect(throws: HeterogeneousLearningError.invalidInput("the number of iterations K must be at least 1, got 0")) {
            try RpHGNNPrecomputation.compute(graph: graph, features: features, targetType: 0, options: zero)
        }
        #expect(throws: HeterogeneousLearningError.invalidInput("features of node type 'author' have 3 rows, the type has 2 nodes")) {
            try RpHGNNPrecomputation.compute(graph: graph, features: [features[0], Matrix(rows: 3, cols: 2)], targetType: 0, options: options)
        }
        let lonely = HeterogeneousGraph(nodeTypes: [.init(name: "p", count: 2)])
        #expect(throws: HeterogeneousLearningError.invalidInput("target node type 'p' has no relation")) {
            try RpHGNNPrecomputation.compute(graph: lonely, features: [nil], targetType: 0, options: options)
        }
    }
}
