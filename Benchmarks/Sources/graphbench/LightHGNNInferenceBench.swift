import ArgumentParser
import Foundation
import GraphLearning

/// Inference time of the LightHGNN student MLP against the HGNN teacher on a random hypergraph
/// (issue 7; notes §12). Prints one JSON line; `Benchmarks/lighthgnn_bench.py` runs it next to
/// DHG on the same hyperedges.
///
/// The hypergraph follows DHG's `hypergraph_Gnm(n, m, "low_order_first")`: m distinct hyperedges,
/// size k = 2 + j with probability ∝ 3^-j, members uniform without replacement. Weights are random
/// (inference time does not depend on training).
struct LightHGNNInferenceBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lighthgnn-infer",
        abstract: "Time student MLP vs HGNN teacher inference on a random hypergraph (one JSON line).")

    @Option(help: "Vertices.") var vertices = 55_000
    @Option(help: "Hyperedges (distinct).") var hyperedges = 55_000
    @Option(help: "Feature dimension.") var dim = 500
    @Option(help: "Fraction of non-zero features (1 = dense).") var density = 1.0
    @Option(help: "Classes.") var classes = 7
    @Option(help: "Worker threads.") var threads = Parallel.defaultThreadCount
    @Option(help: "Timed repetitions after one warm-up; the median is reported.") var repeats = 5
    @Option(help: "Single vertices classified in the new-vertex case.") var singles = 200
    @Option(help: "Write the hyperedges here as <prefix>.members.npy (int32) and <prefix>.offsets.npy (int64).")
    var export: String?
    @Option(help: "Seed of the hypergraph, features and weights.") var seed: UInt64 = 1

    func run() throws {
        BLAS.setThreadCount(1)  // GEMMs are split into row blocks on the engine's threads
        let edges = Self.gnm(vertices: vertices, hyperedges: hyperedges, seed: seed)
        if let export {
            let members = edges.flatMap { $0.map(Int32.init) }
            var offsets: [Int64] = [0]
            for e in edges { offsets.append(offsets.last! + Int64(e.count)) }
            try NPY.write(members, shape: [members.count], to: export + ".members.npy")
            try NPY.write(offsets, shape: [offsets.count], to: export + ".offsets.npy")
        }
        var rng = SplitMix64(seed: seed ^ 0xFEA7)
        var x = Matrix(rows: vertices, cols: dim)
        let density = self.density  // read once: the option's getter is slow in a 27.5M-step loop
        for i in x.values.indices where density >= 1 || rng.nextUnitDouble() < density { x.values[i] = rng.nextUnitFloat() }
        let features = NodeFeatures(x, sparseThreshold: density < 1 ? 0.5 : 0)
        let teacher = HGNNTeacher(inputDim: dim, numClasses: classes, seed: seed)
        let student = MLPStudent(inputDim: dim, numClasses: classes, seed: seed)

        func median(_ body: () throws -> Void) rethrows -> Double {
            try body()  // warm-up
            var times: [Double] = []
            for _ in 0..<repeats { times.append(try seconds(body)) }
            return times.sorted()[times.count / 2]
        }

        var checksum = 0.0
        // (a) student: features only.
        let studentSeconds = median { checksum += Double(student.predict(features, threads: threads).values[0]) }
        // (c) teacher, cold: structure (dedup, singletons, degrees, operator) + forward.
        var hypergraph: Hypergraph! = nil
        let coldSeconds = try median {
            let h = try Hypergraph(hyperedges: edges, numVertices: vertices, mergeDuplicates: true, addSingletons: true)
            let context = HypergraphContext(operator: HGNNOperator(h), isTraining: false, threads: threads)
            checksum += Double(teacher.forward(features, context: context).values[0])
            hypergraph = h
        }
        let buildSeconds = try median {
            let h = try Hypergraph(hyperedges: edges, numVertices: vertices, mergeDuplicates: true, addSingletons: true)
            checksum += Double(HGNNOperator(h).scatter.nnz)
        }
        // (b) teacher, operator cached.
        let op = HGNNOperator(hypergraph)
        let cached = HypergraphContext(operator: op, isTraining: false, threads: threads)
        let cachedSeconds = median { checksum += Double(teacher.forward(features, context: cached).values[0]) }

        // (d) single new vertices: the student needs its feature row; the teacher needs its 2-hop
        // hyperedge neighbourhood (sub-hypergraph build + operator + forward on it).
        var pick = SplitMix64(seed: seed ^ 0x51)
        let targets = (0..<singles).map { _ in pick.nextInt(below: vertices) }
        let rows = targets.map { features.selecting(rows: [$0]) }
        let singleStudent = median {
            for r in rows { checksum += Double(student.predict(r, threads: 1).values[0]) }
        } / Double(singles)
        var neighborhoodSizes = 0
        let singleTeacher = try median {
            neighborhoodSizes = 0
            for v in targets {
                let (local, sub) = try Self.twoHopHypergraph(of: v, in: hypergraph)
                let context = HypergraphContext(operator: HGNNOperator(sub), isTraining: false, threads: 1)
                let z = teacher.forward(features.selecting(rows: local), context: context)
                checksum += Double(z.values[0])
                neighborhoodSizes += local.count
            }
        } / Double(singles)

        emit(["tool": "graphlearning", "task": "lighthgnn-infer", "vertices": vertices, "hyperedges_generated": edges.count,
              "hyperedges_with_singletons": hypergraph.numHyperedges, "incidences": hypergraph.incidence.nnz,
              "dim": dim, "density": density, "classes": classes, "threads": threads, "repeats": repeats,
              "student_seconds": studentSeconds, "teacher_cached_seconds": cachedSeconds,
              "teacher_cold_seconds": coldSeconds, "structure_build_seconds": buildSeconds,
              "single_student_seconds": singleStudent, "single_teacher_seconds": singleTeacher,
              "mean_two_hop_vertices": Double(neighborhoodSizes) / Double(max(singles, 1)),
              "checksum": checksum.isFinite ? 1 : 0])
    }

    /// DHG's `hypergraph_Gnm(n, m, "low_order_first")` with a SplitMix64 stream.
    static func gnm(vertices n: Int, hyperedges m: Int, seed: UInt64) -> [[Int]] {
        var rng = SplitMix64(seed: seed)
        let maxK = min(n, 40)  // 3^-38 of the mass lies beyond; DHG's list runs to n
        var weights = (2...maxK).map { Foundation.pow(3.0, -Double($0 - 2)) }
        let total = weights.reduce(0, +)
        weights = weights.map { $0 / total }
        var seen = Set<[Int]>()
        var edges: [[Int]] = []
        while edges.count < m {
            var u = rng.nextUnitDouble(), k = 2
            for w in weights { if u < w { break }; u -= w; k += 1 }
            k = min(k, maxK)
            var members = Set<Int>()
            while members.count < k { members.insert(rng.nextInt(below: n)) }
            let e = members.sorted()
            if seen.insert(e).inserted { edges.append(e) }
        }
        return edges
    }

    /// The 2-hop neighbourhood of v (v, the members of its hyperedges, and the members of
    /// theirs, ascending) and the hypergraph of the hyperedges touching it, restricted to it.
    /// Visits only hyperedges incident to the neighbourhood.
    static func twoHopHypergraph(of v: Int, in h: Hypergraph) throws -> ([Int], Hypergraph) {
        var ring: Set<Int> = [v]
        for _ in 0..<2 {
            var next = ring
            for u in ring { for e in h.incidence.neighbors(of: u) { for w in h.members.neighbors(of: Int(e)) { next.insert(Int(w)) } } }
            ring = next
        }
        let local = ring.sorted()
        var index: [Int: Int] = [:]
        for (i, u) in local.enumerated() { index[u] = i }
        var touched = Set<Int32>()
        for u in local { for e in h.incidence.neighbors(of: u) { touched.insert(e) } }
        let edges = touched.sorted().map { e in h.members.neighbors(of: Int(e)).compactMap { index[Int($0)] } }
        return (local, try Hypergraph(hyperedges: edges, numVertices: local.count, mergeDuplicates: true, addSingletons: true))
    }
}
