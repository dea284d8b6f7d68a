import DistributedTraining
import Foundation
import GraphLearning
import Testing
import TestSupport

@Suite struct DecompositionTests {
    /// 6 nodes, edges 0-1 1-2 2-3 3-4 4-5 0-3; chunks {1,2} {0,3} {4,5}.
    static func tiny() throws -> (CSRGraph, Decomposition) {
        let edges = Fixtures.edgeList([(0, 1), (1, 2), (2, 3), (3, 4), (4, 5), (0, 3)], numNodes: 6)
        let adjacency = try GraphBuilder.build(edges, options: .undirected)
        return (adjacency, try Decomposition(part: [0, 0, 1, 1, 1, 0], numParts: 2, chunk: [1, 0, 0, 1, 2, 2], numChunks: 3))
    }

    @Test func staleFractionAndHalos() throws {
        let (adjacency, d) = try Self.tiny()
        // Reads of a later chunk in the order 0, 1, 2: 1→0 (chunk 0 reads chunk 1), 2→3, 3→4.
        let s = d.staleFraction(adjacency: adjacency)
        #expect(s.staleEntries == 3 && s.entries == 12 && s.fraction == 0.25)
        // In the order 2, 1, 0 the other direction of each cut edge is stale.
        #expect(d.staleFraction(adjacency: adjacency, order: [2, 1, 0]).staleEntries == 3)
        #expect(d.chunkHaloSizes(adjacency: adjacency) == [2, 3, 1])
        #expect(d.chunkSizes == [2, 2, 2] && d.partSizes == [3, 3])
    }

    @Test func badAssignmentsAreErrors() throws {
        #expect(throws: DistributedTrainingError.self) { try Decomposition(part: [0, 0, 0], numParts: 1, chunk: [0, 0, 2], numChunks: 3) }
        #expect(throws: DistributedTrainingError.self) { try Decomposition(part: [0, 1, 5], numParts: 2, chunk: [0, 0, 0], numChunks: 1) }
        let error = #expect(throws: DistributedTrainingError.self) {
            try Decomposition(part: [0, 0, 0], numParts: 1, chunk: [0, 0, 2], numChunks: 3)
        }
        #expect(error?.description == "1 of the 3 chunks has no node (3 nodes); use fewer chunks")
    }

    /// The cuts balance stored entries and rows at once: on a skewed R-MAT graph (with isolated
    /// nodes) every chunk and every part carries close to its share of `Σ (degree + 1)` and of
    /// the nodes (METIS allows 3% imbalance; the bound leaves room for its coarsening), where a
    /// node-balanced cut does not balance the entries.
    @Test func cutsBalanceEntriesOnASkewedGraph() throws {
        let adjacency = try GraphBuilder.build(GraphGenerator.rmat(scale: 12, edgeFactor: 8, seed: 5))
        let work = Decomposition.workWeights(adjacency)
        let total = work.reduce(0) { $0 + Int($1) }
        func heaviest(_ ids: [Int32], _ k: Int) -> Double {
            var sums = [Int](repeating: 0, count: k)
            for (u, c) in ids.enumerated() { sums[Int(c)] += Int(work[u]) }
            return Double(sums.max()!) / (Double(total) / Double(k))
        }
        func largest(_ ids: [Int32], _ k: Int) -> Double {
            var sizes = [Int](repeating: 0, count: k)
            for c in ids { sizes[Int(c)] += 1 }
            return Double(sizes.max()!) / (Double(ids.count) / Double(k))
        }
        #expect((0..<adjacency.numRows).contains { adjacency.degree(of: $0) == 0 }, "the graph has isolated nodes")
        let pipeline = try Decomposition.metis(adjacency: adjacency, parts: 1, chunks: 8, seed: 1)
        #expect(heaviest(pipeline.chunk, 8) < 1.1 && largest(pipeline.chunk, 8) < 1.1)
        let hybrid = try Decomposition.metis(adjacency: adjacency, parts: 2, chunks: 4, seed: 1)
        #expect(heaviest(hybrid.part, 2) < 1.1 && largest(hybrid.part, 2) < 1.1)
        #expect(largest(hybrid.chunk, 4) < 1.1)
        let unweighted = try METISPartitioner.partition(adjacency, parts: 8, seed: 1).parts
        #expect(heaviest(unweighted, 8) > heaviest(pipeline.chunk, 8))
    }

    /// Nested METIS: with G = 1 the chunks are METIS's C-way cut of the whole graph, with C = 1
    /// the parts its G-way cut; nested chunks never mix parts unevenly (every chunk's nodes are
    /// split over the parts).
    @Test func nestedCutsReduceToThePureModes() throws {
        let adjacency = Cora.data.adjacency
        let pipeline = try Decomposition.metis(adjacency: adjacency, parts: 1, chunks: 8, seed: 2)
        let work = Decomposition.balanceWeights(adjacency), k = Decomposition.balanceConstraints
        #expect(pipeline.chunk == (try METISPartitioner.partition(adjacency, parts: 8, seed: 2, vertexWeights: work, constraints: k)).parts)
        let graph = try Decomposition.metis(adjacency: adjacency, parts: 4, chunks: 1, seed: 2)
        #expect(graph.part == (try METISPartitioner.partition(adjacency, parts: 4, seed: 2, vertexWeights: work, constraints: k)).parts)
        let hybrid = try Decomposition.metis(adjacency: adjacency, parts: 2, chunks: 4, seed: 2)
        for c in 0..<4 {
            let perPart = (0..<2).map { g in (0..<adjacency.numNodes).filter { hybrid.chunk[$0] == c && hybrid.part[$0] == g }.count }
            #expect(perPart.allSatisfy { $0 > 250 }, "chunk \(c): \(perPart)")
        }
        #expect([pipeline, graph, hybrid].allSatisfy { $0.nodesMovedToEmptyParts == 0 && $0.nodesMovedToEmptyChunks == 0 })
    }

    /// The decomposition counts the nodes moved into empty parts and chunks as METIS's cuts
    /// report them: two edges 0-1, 2-3 in 3 chunks (libmetis 5.1.0 leaves one empty), and the
    /// same graph as 2 parts of 2 sub-chunks; explicit assignments count none.
    @Test func movesIntoEmptyChunksAreCounted() throws {
        let adjacency = try GraphBuilder.build(Fixtures.edgeList([(0, 1), (2, 3)], numNodes: 4), options: .undirected)
        let work = Decomposition.balanceWeights(adjacency), k = Decomposition.balanceConstraints
        let direct = try METISPartitioner.partition(adjacency, parts: 3, seed: 0, vertexWeights: work, constraints: k)
        let chunked = try Decomposition.metis(adjacency: adjacency, parts: 1, chunks: 3, seed: 0)
        #expect(chunked.chunk == direct.parts)
        #expect(chunked.nodesMovedToEmptyChunks == direct.verticesMovedToEmptyParts && chunked.nodesMovedToEmptyParts == 0)
        #expect(direct.verticesMovedToEmptyParts == 1, "libmetis 5.1.0 leaves one of the 3 chunks empty")
        let nested = try Decomposition.metis(adjacency: adjacency, parts: 2, chunks: 2, seed: 0)
        #expect(nested.chunkSizes.allSatisfy { $0 == 2 } && nested.partSizes == [2, 2])
        #expect(try Decomposition(part: [0, 0, 0, 0], numParts: 1, chunk: [0, 1, 2, 2], numChunks: 3).nodesMovedToEmptyChunks == 0)
    }
}

@Suite struct RankPlanTests {
    /// Own and remote rows, slots and chunk blocks of the tiny graph, by hand.
    @Test func tinyPlanByHand() throws {
        let (adjacency, d) = try DecompositionTests.tiny()
        let op = GNNModel.graphOperator(for: .gcn, adjacency: adjacency, adjacencyIsSymmetric: true)
        let p0 = RankPlan(graphOperator: op, decomposition: d, member: 0, squareBlocks: false, keepsWhole: false)
        // Part 0 = {0, 1, 5}: chunk 0 {1}, chunk 1 {0}, chunk 2 {5}; it reads 2 (from 1), 3 (from 0), 4 (from 5).
        #expect(p0.localOriginal == [1, 0, 5, 2, 3, 4])
        #expect(p0.ownOffsets == [0, 1, 2, 3])
        #expect(p0.localChunk == [0, 1, 2, 0, 1, 2])
        #expect(p0.localOwner == [0, 0, 0, 1, 1, 1])
        // Own rows read by another chunk: 1 (chunk 0) by 0 (chunk 1, later: its gradient waits),
        // 0 (chunk 1) by 1 (chunk 0, earlier: read from history); 5 only by 4, in its own
        // chunk. Each remote row is read only by the chunk it belongs to (2 by 1 in chunk 0, 3 by 0
        // in chunk 1, 4 by 5 in chunk 2): read fresh, so pending rows and no history.
        #expect(p0.historySlot == [-1, 0, -1, -1, -1, -1] && p0.historySlotCount == 1 && p0.ownHistoryRows == [1])
        #expect(p0.pendingSlot == [0, -1, -1, 1, 2, 3] && p0.pendingSlotCount == 4 && p0.pendingRows == [[0], [], []])
        // Deferred stale gradients: 0's historical read leaves a gradient to wait for too.
        let deferred = RankPlan(graphOperator: op, decomposition: d, member: 0, squareBlocks: false, keepsWhole: false, deferred: true)
        #expect(deferred.pendingSlot == [0, 1, -1, 2, 3, 4] && deferred.pendingRows == [[0], [1], []])
        // Any order: every row another chunk reads has both.
        let shuffled = RankPlan(graphOperator: op, decomposition: d, member: 0, squareBlocks: false, keepsWhole: false, fixedOrder: false)
        #expect(shuffled.historySlot == [0, 1, -1, 2, 3, 4] && shuffled.pendingSlot == [0, 1, -1, 2, 3, 4])
        #expect(p0.blocks[0].columnOriginal == [0, 1, 2])   // row 1 reads 0, 1, 2
        #expect(p0.blocks[1].columnOriginal == [0, 1, 3])   // row 0 reads 0, 1, 3
        #expect(p0.blocks[2].columnOriginal == [4, 5])      // row 5 reads 4, 5
        #expect(p0.blocks[1].matrix.numRows == 1 && p0.blocks[1].matrix.numColumns == 3)
        // Every block row equals the whole operator's row, in the same column order.
        for c in 0..<3 {
            let b = p0.blocks[c]
            for (r, i) in b.rows.enumerated() {
                let v = Int(p0.localOriginal[i])
                #expect(b.matrix.neighbors(of: r).map { b.columnOriginal[Int($0)] } == Array(op.matrix.neighbors(of: v)))
                #expect(b.matrix.edgeWeights(of: r) == op.matrix.edgeWeights(of: v))
            }
        }
    }

    /// Fixed order 0 … C−1: a remote row has a history row exactly when it is received into
    /// history, and a pending row exactly when its gradient goes back to its owner (the lists
    /// derive that from the readers independently of the slots); with warm-up epochs every
    /// remote row has a pending row (unchunked passes send every remote gradient).
    @Test(arguments: [(2, 4, false), (3, 8, true), (2, 1, false)])
    func fixedOrderSlotsAreWhatTheListsUse(_ parts: Int, _ chunks: Int, _ deferred: Bool) throws {
        let adjacency = Cora.data.adjacency
        let d = try Decomposition.metis(adjacency: adjacency, parts: parts, chunks: chunks, seed: 5)
        let op = GNNModel.graphOperator(for: .gcnii, adjacency: adjacency, adjacencyIsSymmetric: true)
        for g in 0..<parts {
            let plan = RankPlan(graphOperator: op, decomposition: d, member: g, squareBlocks: false, keepsWhole: false,
                                deferred: deferred)
            let lists = plan.exchangeLists(order: Array(0..<chunks), deferred: deferred)
            let received = Set(lists.historyReceive.joined()), sentBack = Set(lists.backwardSend.joined().joined())
            let remote = plan.ownCount..<plan.localCount
            #expect(Set(remote.filter { plan.historySlot[$0] >= 0 }.map { Int32($0) }) == Set(received))
            #expect(Set(remote.filter { plan.pendingSlot[$0] >= 0 }.map { Int32($0) }) == Set(sentBack))
            if chunks > 1 { #expect(received.count < plan.remoteCount, "some remote row is read only fresh") }
            let warm = RankPlan(graphOperator: op, decomposition: d, member: g, squareBlocks: false, keepsWhole: true,
                                deferred: deferred)
            #expect(remote.allSatisfy { warm.pendingSlot[$0] >= 0 })
        }
    }

    /// For every pair of members, what one sends at each step is, in order, what the other
    /// receives; every remote row a chunk reads arrives, fresh or historical, by the read rule.
    @Test(arguments: [(2, 4, false), (3, 4, true), (2, 1, false), (4, 8, true)])
    func listsMirrorEachOther(_ parts: Int, _ chunks: Int, _ deferred: Bool) throws {
        let adjacency = Cora.data.adjacency
        let d = try Decomposition.metis(adjacency: adjacency, parts: parts, chunks: chunks, seed: 4)
        let op = GNNModel.graphOperator(for: .gcn, adjacency: adjacency, adjacencyIsSymmetric: true)
        let plans = (0..<parts).map { RankPlan(graphOperator: op, decomposition: d, member: $0, squareBlocks: false, keepsWhole: false,
                                               fixedOrder: false, deferred: deferred) }
        let order = PipelineSchedule.chunkOrder(epoch: 3, chunks: chunks, shuffled: true, seed: 1)
        var position = [Int](repeating: 0, count: chunks)
        for (i, c) in order.enumerated() { position[c] = i }
        let lists = plans.map { $0.exchangeLists(order: order, deferred: deferred) }
        for g in 0..<parts {
            for q in 0..<parts where q != g {
                func ids(_ p: RankPlan, _ rows: [Int32]) -> [Int32] { rows.map { p.localOriginal[Int($0)] } }
                #expect(ids(plans[q], lists[q].historySend[g]) == ids(plans[g], lists[g].historyReceive[q]))
                for i in 0..<chunks {
                    #expect(ids(plans[q], lists[q].forwardSend[i][g]) == ids(plans[g], lists[g].forwardReceive[i][q]))
                    #expect(ids(plans[g], lists[g].backwardSend[i][q]) == ids(plans[q], lists[q].backwardReceive[i][g]))
                }
            }
            // Every remote column of chunk c at position i arrives before it is read.
            let p = plans[g]
            var freshBy = [Int](repeating: Int.max, count: p.localCount), hasHistory = [Bool](repeating: false, count: p.localCount)
            for i in 0..<chunks { for q in 0..<parts { for u in lists[g].forwardReceive[i][q] { freshBy[Int(u)] = min(freshBy[Int(u)], i) } } }
            for q in 0..<parts { for u in lists[g].historyReceive[q] { hasHistory[Int(u)] = true } }
            for c in 0..<chunks {
                for u in p.blocks[c].columns where Int(u) >= p.ownCount {
                    let owner = position[Int(p.localChunk[Int(u)])]
                    if owner <= position[c] { #expect(freshBy[Int(u)] <= position[c]) } else { #expect(hasHistory[Int(u)]) }
                }
            }
        }
    }
}

@Suite struct StageLayoutTests {
    @Test func gcniiBlocksSplitEvenlyWithInputAndOutputLayers() throws {
        let model = try GNNModel(configuration: GNNConfiguration(architecture: .gcnii, inputDim: 10, hiddenDim: 8,
                                                                 numClasses: 3, layers: 10, dropout: 0.5))
        let layout = try StageLayout(model: model, stages: 4)
        #expect(layout.inputLayers == 0..<4)
        #expect(layout.blocks[0].layers == 4..<7)
        #expect(layout.outputLayers == 34..<36)
        #expect((0..<4).map { layout.graphLayers(ofStage: $0) } == [0..<2, 2..<5, 5..<7, 7..<10])
        #expect(layout.boundaryWidths == [8, 8, 8])
        #expect(!layout.readsFeatures(0))
        // Parameters: the input layers replicated on every stage (summed over the world), each
        // stage's blocks in its group, the output layers on the last stage.
        let owned = (0..<4).map { layout.parameterLayers(ofStage: $0) }
        #expect(owned.allSatisfy { $0.world == Array(0..<4) })
        #expect(owned[0].group == Array(4..<10) && owned[3].group == Array(25..<36))
        #expect(owned.flatMap(\.group).sorted() == Array(4..<36), "every other layer in exactly one group")
        // One stage: nothing replicated, the group updates everything.
        let single = try StageLayout(model: model, stages: 1).parameterLayers(ofStage: 0)
        #expect(single.group == Array(0..<36) && single.world.isEmpty)
    }

    @Test func moreStagesThanGraphLayersIsAnError() throws {
        let model = try GNNModel(configuration: GNNConfiguration(architecture: .gcn, inputDim: 10, hiddenDim: 8,
                                                                 numClasses: 3, layers: 2, dropout: 0.5))
        let layout = try StageLayout(model: model, stages: 2)
        #expect(layout.blocks.map(\.layers) == [0..<3, 3..<5] && layout.boundaryWidths == [8])
        #expect(layout.readsFeatures(0) && !layout.readsFeatures(1))
        #expect(layout.parameterLayers(ofStage: 0) == (Array(0..<3), []) && layout.parameterLayers(ofStage: 1) == (Array(3..<5), []))
        let error = #expect(throws: DistributedTrainingError.self) { try StageLayout(model: model, stages: 3) }
        #expect(error?.description == "3 pipeline stages need at least 3 graph layers; the model has 2")
    }

    @Test func gridsPlaceRanks() throws {
        let g = try RankGrid.hybrid(ranks: 6, stages: 2)
        #expect(g.groupSize == 3 && g.stage(ofRank: 4) == 1 && g.member(ofRank: 4) == 1 && g.rank(stage: 1, member: 2) == 5)
        #expect(throws: DistributedTrainingError.self) { try RankGrid.hybrid(ranks: 6, stages: 4) }
    }
}

@Suite struct ScheduleTests {
    /// GPipe fill/drain, S = 3, C = 4: the ticks, bubbles and rendered grid by hand.
    @Test func fillDrainByHand() {
        let s = PipelineSchedule(stages: 3, order: [0, 1, 2, 3])
        #expect(s.ticks == 12 && abs(s.bubbleFraction - 2.0 / 6.0) < 1e-12)
        let stage1 = s.steps(stage: 1)
        #expect(stage1.map(\.tick) == [1, 2, 3, 4, 7, 8, 9, 10])
        #expect(stage1.map(\.bubbleBefore) == [1, 0, 0, 0, 2, 0, 0, 0])
        #expect(stage1.filter { $0.phase == .backward }.map(\.chunk) == [3, 2, 1, 0])
        #expect(s.steps(stage: 2).map(\.bubbleBefore) == [2, 0, 0, 0, 0, 0, 0, 0])
        #expect(s.steps(stage: 0).map(\.bubbleBefore) == [0, 0, 0, 0, 4, 0, 0, 0])
        #expect(s.rendered() == """
            stage 0  F0 F1 F2 F3 ·  ·  ·  ·  B3 B2 B1 B0
            stage 1  ·  F0 F1 F2 F3 ·  ·  B3 B2 B1 B0 ·
            stage 2  ·  ·  F0 F1 F2 F3 B3 B2 B1 B0 ·  ·
            """)
    }

    /// Every stage runs each chunk's forward after the stage before it and its backward after
    /// the stage after it; every stage idles 2(S − 1) ticks.
    @Test(arguments: [(1, 1), (2, 8), (4, 16), (5, 3)])
    func dependenciesHold(_ stages: Int, _ chunks: Int) {
        let order = PipelineSchedule.chunkOrder(epoch: 2, chunks: chunks, shuffled: true, seed: 9)
        #expect(order.sorted() == Array(0..<chunks))
        let s = PipelineSchedule(stages: stages, order: order)
        for stage in 0..<stages {
            let steps = s.steps(stage: stage)
            #expect(steps.reduce(0) { $0 + $1.bubbleBefore } + (s.ticks - 1 - steps.last!.tick) == 2 * (stages - 1))
            guard stage > 0 else { continue }
            let before = s.steps(stage: stage - 1)
            for (a, b) in zip(steps, before) where a.phase == .forward { #expect(a.tick > b.tick && a.chunk == b.chunk) }
            let after = steps.filter { $0.phase == .backward }, earlier = before.filter { $0.phase == .backward }
            for (a, b) in zip(after, earlier) { #expect(a.tick < b.tick && a.chunk == b.chunk) }
        }
    }

    @Test func chunkOrdersAreSeededAndFixedWhenNotShuffled() {
        #expect(PipelineSchedule.chunkOrder(epoch: 5, chunks: 6, shuffled: false, seed: 1) == [0, 1, 2, 3, 4, 5])
        let a = PipelineSchedule.chunkOrder(epoch: 5, chunks: 6, shuffled: true, seed: 1)
        #expect(a == PipelineSchedule.chunkOrder(epoch: 5, chunks: 6, shuffled: true, seed: 1))
        #expect(a != PipelineSchedule.chunkOrder(epoch: 6, chunks: 6, shuffled: true, seed: 1))
    }
}
