import GraphCore
import Partitioning
import Testing
import TestSupport

@Suite("METIS partitioning")
struct METISPartitionerTests {
    /// Two 4-cliques joined by one bridge edge 3 — 4:
    ///   {0,1,2,3} —— {4,5,6,7}
    func twoCliques() throws -> CSRGraph {
        var pairs: [(Int, Int)] = []
        for base in [0, 4] { for i in 0..<4 { for j in (i + 1)..<4 { pairs.append((base + i, base + j)) } } }
        pairs.append((3, 4))
        return try GraphBuilder.build(Fixtures.edgeList(pairs, numNodes: 8))
    }

    @Test func bisectionCutsTheBridge() throws {
        let p = try METISPartitioner.partition(try twoCliques(), parts: 2, seed: 1)
        #expect(p.edgeCut == 1)
        #expect(p.partSizes == [4, 4])
        #expect(Set(p.parts[0..<4]).count == 1 && Set(p.parts[4..<8]).count == 1)
        #expect(p.parts[0] != p.parts[4])
        #expect(p.haloSizes(in: try twoCliques()) == [1, 1])
    }

    @Test func onePartSkipsMETIS() throws {
        let p = try METISPartitioner.partition(try twoCliques(), parts: 1)
        #expect(p.parts == [Int32](repeating: 0, count: 8))
        #expect(p.edgeCut == 0)
        #expect(p.newID == Array(0..<8))
    }

    @Test func invalidPartCounts() throws {
        let g = try twoCliques()
        #expect(throws: PartitionError.invalidPartCount(parts: 9, numNodes: 8)) { try METISPartitioner.partition(g, parts: 9) }
        #expect(throws: PartitionError.invalidPartCount(parts: 0, numNodes: 8)) { try METISPartitioner.partition(g, parts: 0) }
    }

    @Test(arguments: [2, 3, 5, 8])
    func permutationMakesPartsContiguous(parts: Int) throws {
        let g = try GraphBuilder.build(Fixtures.randomEdgeList(numNodes: 200, numEdges: 800, seed: 3))
        let p = try METISPartitioner.partition(g, parts: parts, seed: 7)
        #expect(Set(p.newID) == Set(0..<200))
        for u in 0..<200 {
            let part = Int(p.parts[u])
            #expect(p.newID[u] >= p.partOffsets[part] && p.newID[u] < p.partOffsets[part + 1])
        }
        // Same seed, same answer.
        #expect(try METISPartitioner.partition(g, parts: parts, seed: 7) == p)
        // The cut equals a direct count over edges.
        var cut = 0
        for u in 0..<200 { for v in g.neighbors(of: u) where u < Int(v) && p.parts[u] != p.parts[Int(v)] { cut += 1 } }
        #expect(p.edgeCut == cut)
    }

    @Test func directedInputIsSymmetrisedFirst() throws {
        let g = try GraphBuilder.build(Fixtures.edgeList([(0, 1), (1, 2), (2, 3), (3, 0), (4, 5), (5, 6), (6, 7), (7, 4)], numNodes: 8),
                                       options: .directed)
        let p = try METISPartitioner.partition(g, parts: 2, seed: 3)
        #expect(p.partSizes == [4, 4])
    }
}

@Suite("Partition statistics")
struct PartitionStatisticsTests {
    @Test func seedsZeroAndOneDiffer() throws {
        // METIS seeds srand(), where 0 and 1 coincide; the engine's mix must separate them.
        let g = try GraphBuilder.build(Fixtures.randomEdgeList(numNodes: 400, numEdges: 1600, seed: 11))
        let partitions = try (0..<4).map { try METISPartitioner.partition(g, parts: 4, seed: $0).parts }
        #expect(partitions[0] != partitions[1])
        #expect(Set(partitions).count >= 3)
    }

    @Test func cutFractionOnDirectedInputUsesSymmetrisedEdges() throws {
        // Path 0 → 1 → 2 → 3 listed in both directions except 2 → 3: 3 undirected edges.
        let g = try GraphBuilder.build(Fixtures.edgeList([(0, 1), (1, 0), (1, 2), (2, 1), (2, 3)], numNodes: 4),
                                       options: .directed)
        let p = try METISPartitioner.partition(g, parts: 2, seed: 2)
        #expect(p.numEdges == 3)
        #expect(p.edgeCut == 1)
        #expect(abs(p.cutFraction - 1.0 / 3) < 1e-12)
    }

    @Test func emptyPartsAreReported() {
        // Hand-made assignment: 4 nodes in parts 0 and 2 of 3.
        let g = try! GraphBuilder.build(Fixtures.edgeList([(0, 1), (2, 3)], numNodes: 4))
        let p = GraphPartition(parts: [0, 0, 2, 2], numParts: 3, graph: g)
        #expect(p.emptyParts == [1])
        #expect(p.partSizes == [2, 0, 2])
        #expect(p.imbalance == 1.5)
        #expect(p.numEdges == 2 && p.edgeCut == 0)
    }
}
