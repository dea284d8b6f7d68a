import DenseMath
import Dispatch
#if canImport(Glibc)
import Glibc
#endif
import GraphCore
import GraphKernels
import Logging

/// A `[n × dim]` working matrix that passes share by reference (pointers are taken per pass).
final class MatrixSlot {
    var matrix: Matrix?
    init() {}
}

/// Runs FastRP's propagation with as few `[n × dim]` matrices as the weights allow.
///
/// Nᵢ is computed from Nᵢ₋₁ in one pass over the rows of P. The same pass folds the retired
/// Nᵢ₋₂ into the accumulator and may write Nᵢ over Nᵢ₋₂'s rows (row u is read before it is
/// overwritten, and no other row reads it). The accumulator is the first dense Nⱼ to retire
/// (scaled in place); the last product is never stored: each row goes straight into the sum.
/// When H₀ is very sparse it is kept as sparse rows, and N₁ = P·H₀ is stored only while N₂ is
/// computed: its term in the sum is recomputed from H₀ row by row in a later pass.
struct Propagation {
    let graph: CSRGraph
    let setup: FastRP.Setup
    let configuration: FastRP.Configuration
    let threads: Int
    let logger: Logger?
    let progress: ((FastRP.Progress) -> Void)?
    /// Test hook: build H₀ densely even when it is very sparse.
    var forceDenseInitialVectors = false
    /// Distributed runs: computes `A · X` for a dense input X of the own rows (halo rows
    /// fetched from their owners). `nil` in one process (SpMM over the whole graph).
    var haloProduct: HaloProduct? = nil

    private let slots = [MatrixSlot(), MatrixSlot(), MatrixSlot()]
    private var liveMatrices = 0
    private var peakMatrices = 0

    init(graph: CSRGraph, setup: FastRP.Setup, configuration: FastRP.Configuration, threads: Int,
         logger: Logger?, progress: ((FastRP.Progress) -> Void)?) {
        self.graph = graph
        self.setup = setup
        self.configuration = configuration
        self.threads = threads
        self.logger = logger
        self.progress = progress
    }

    /// Nⱼ: sparse rows, or a dense matrix in a slot that may be recomputable as `P · source`.
    enum Rows {
        case sparse(SparseRows)
        case dense(slot: Int, product: ProductTerm?)
    }

    /// Rows `P · source` (source sparse), with their inverse norms; added to the sum without
    /// being stored.
    struct ProductTerm {
        let source: SparseRows
        var inverseNorms: [Float]
    }

    /// A term of the sum that is not a dense slot.
    enum PendingTerm {
        case rows(SparseRows, Float)
        case product(ProductTerm, Float)
    }

    /// How the accumulator's row starts in a pass.
    enum AccumulatorStart {
        /// Keep its value.
        case keep
        /// It holds a retired Nⱼ: replace it by `weight · ‖Nⱼ[u]‖⁻¹ Nⱼ[u]`.
        case scaleInPlace(Float)
        /// A fresh matrix: start from 0.
        case zero
    }

    /// Rows computed here (all nodes in one process; a rank's own rows when distributed).
    var n: Int { setup.localRows }
    var dim: Int { configuration.dimension }

    /// The weight of Nⱼ in the sum (j = 0 is H₀, weighted by the self-influence).
    func weight(_ j: Int) -> Float { j == 0 ? configuration.nodeSelfInfluence : configuration.iterationWeights[j - 1] }

    mutating func run() throws(EmbeddingError) -> FastRP.Result {
        let k = configuration.iterationWeights.count
        let generator = InitialVectors(setup: setup, configuration: configuration)
        var stepSeconds: [Double] = []
        var clock = DispatchTime.now().uptimeNanoseconds
        func lap() -> Double {
            let now = DispatchTime.now().uptimeNanoseconds
            defer { clock = now }
            return Double(now - clock) / 1e9
        }

        let sparseStart = setup.features == nil && generator.density <= 1.0 / 8 && !forceDenseInitialVectors && setup.numNodes > 0
        var input: Rows
        if sparseStart {
            input = .sparse(generator.sparseRows(threads: threads))
        } else {
            let slot = allocate()
            slots[slot].matrix!.values.withUnsafeMutableBufferPointer { out in
                let base = out.baseAddress
                Parallel.forEachRange(total: n, count: threads) { rows in
                    if let base { generator.fillDense(base, rows: rows) }
                }
            }
            input = .dense(slot: slot, product: nil)
        }
        stepSeconds.append(lap())
        logger?.debug("step 0: H₀ \(sparseStart ? "sparse" : "dense") (s = \(setup.s)), \(stepSeconds[0]) s")
        progress?(FastRP.Progress(completed: 0, total: k))

        var retiring: (rows: Rows, weight: Float)? = nil
        var pending: [PendingTerm] = []
        var accumulator: Int? = nil

        if k == 0 {
            // Only the self-influence term: σ · ‖H₀[u]‖⁻¹ H₀[u].
            let slot = materialize(input)
            try pass(input: nil, output: nil, accumulator: slot, start: .scaleInPlace(weight(0)), retire: nil,
                     pending: [], inputTerm: nil, rowWeight: nil, recordNorms: false)
            accumulator = slot
        }
        for i in stride(from: 1, through: k, by: 1) {
            let last = i == k
            var start = AccumulatorStart.keep
            var retireTerm: (slot: Int, weight: Float)? = nil
            var reusable: Int? = nil
            if let (rows, w) = retiring {
                switch rows {
                case let .sparse(s):
                    if w != 0 { pending.append(.rows(s, w)) }
                case let .dense(slot, product?):
                    if w != 0 { pending.append(.product(product, w)) }
                    reusable = slot
                case let .dense(slot, nil):
                    if accumulator != nil {
                        if w != 0 { retireTerm = (slot, w) }
                        reusable = slot
                    } else if w != 0 || !pending.isEmpty {
                        accumulator = slot
                        start = .scaleInPlace(w)
                    } else {
                        reusable = slot
                    }
                }
                retiring = nil
            }
            var inputTerm: (slot: Int, weight: Float)? = nil
            var output: Int? = nil
            if last {
                let w = weight(i - 1)
                switch input {
                case let .sparse(s): if w != 0 { pending.append(.rows(s, w)) }
                case let .dense(slot, _): if w != 0 { inputTerm = (slot, w) }
                }
                if accumulator == nil {
                    accumulator = reusable ?? allocate()
                    start = .zero
                }
            } else {
                output = reusable ?? allocate()
            }
            // N₁ from a sparse H₀ is recomputable: keep its row norms to add it later.
            var sparseSource: SparseRows? = nil
            if case let .sparse(s) = input, !last { sparseSource = s }
            let norms = try pass(input: input, output: output, accumulator: accumulator, start: start, retire: retireTerm,
                             pending: pending, inputTerm: inputTerm, rowWeight: last ? weight(i) : nil,
                             recordNorms: sparseSource != nil)
            if accumulator != nil { pending = [] }
            if let unused = reusable, unused != output, unused != accumulator { release(unused) }
            if last {
                if case let .dense(slot, _) = input, slot != accumulator { release(slot) }
            } else {
                retiring = (input, weight(i - 1))
                input = .dense(slot: output!, product: sparseSource.map { ProductTerm(source: $0, inverseNorms: norms) })
            }
            stepSeconds.append(lap())
            logger?.debug("step \(i): N\(i) \(stepSeconds.last!) s")
            progress?(FastRP.Progress(completed: i, total: k))
        }

        let slot = accumulator!
        var embeddings = slots[slot].matrix!
        for s in slots { s.matrix = nil }
        if configuration.standardizeColumns {
            if let haloProduct {
                try haloProduct.standardize(&embeddings, firstRow: setup.firstRow, threads: threads)
            } else {
                ColumnStandardization.standardize(&embeddings, threads: threads)
            }
        }
        return FastRP.Result(embeddings: embeddings, stepSeconds: stepSeconds,
                             sparseInitialVectors: sparseStart, peakDenseMatrices: peakMatrices)
    }

    // MARK: - Slots

    /// A new `[n × dim]` matrix in a free slot. Unless `zeroed`, its values are left for the
    /// next pass to write (every pass writes every row of its output), so the first touch of
    /// the pages happens in parallel in that pass.
    mutating func allocate(zeroed: Bool = false) -> Int {
        let slot = slots.firstIndex { $0.matrix == nil }!
        slots[slot].matrix = zeroed ? Matrix(rows: n, cols: dim) : Matrix(rows: n, cols: dim, values: Self.unwritten(count: n * dim))
        liveMatrices += 1
        peakMatrices = max(peakMatrices, liveMatrices)
        return slot
    }

    mutating func release(_ slot: Int) {
        slots[slot].matrix = nil
        liveMatrices -= 1
    }

    /// A dense copy of `rows` in a new slot (sparse), or its slot (dense).
    mutating func materialize(_ rows: Rows) -> Int {
        switch rows {
        case let .dense(slot, _): return slot
        case let .sparse(s):
            let slot = allocate(zeroed: true)
            let dim = dim
            slots[slot].matrix!.values.withUnsafeMutableBufferPointer { out in
                for u in 0..<n {  // own rows (a distributed rank's sparse H₀ has halo rows after them)
                    for e in s.offsets[u]..<s.offsets[u + 1] { out[u * dim + Int(s.columns[e])] = s.values[e] }
                }
            }
            return slot
        }
    }

    /// Storage for `count` floats that the caller overwrites before reading, advised to use
    /// transparent huge pages (as DenseMath's matrices are) when large.
    /// (Empty: `[]`; see the note on the shared empty-array storage in DenseMath's HugePages.)
    static func unwritten(count: Int) -> [Float] {
        guard count > 0 else { return [] }
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            #if canImport(Glibc)
            let bytes = count * MemoryLayout<Float>.stride
            let huge = 2 << 20
            if bytes >= 4 << 20, let base = buffer.baseAddress {
                let start = (UInt(bitPattern: base) + UInt(huge) - 1) & ~UInt(huge - 1)
                let end = (UInt(bitPattern: base) + UInt(bytes)) & ~UInt(huge - 1)
                if end > start { _ = madvise(UnsafeMutableRawPointer(bitPattern: start), Int(end - start), MADV_HUGEPAGE) }
            }
            #endif
            initialized = count
        }
    }

    // MARK: - One pass

    /// One pass over the rows of `P · input` (or over the accumulator alone when `input` is nil).
    ///
    /// For each row u, in this order: start the accumulator row (`start`), add the retired
    /// term, the pending terms, and on the last pass the input term and
    /// `rowWeight · ‖row‖⁻¹ row`; then store the row in `output`.
    /// - Returns: `1/‖row u‖` of every product row when `recordNorms`, else `[]`.
    /// Distributed (``haloProduct``): the product of a dense input is computed first, column
    /// block by column block, into a `[n × dim]` destination, then each row is copied to
    /// scratch and handled as above. The destination is the output slot when the pass does not
    /// read it, else the accumulator when it starts from zero, else an extra matrix.
    @discardableResult
    mutating func pass(input: Rows?, output: Int?, accumulator: Int?, start: AccumulatorStart,
                       retire: (slot: Int, weight: Float)?, pending: [PendingTerm],
                       inputTerm: (slot: Int, weight: Float)?, rowWeight: Float?, recordNorms: Bool) throws(EmbeddingError) -> [Float] {
        var productFailure: EmbeddingError? = nil
        var extra: [Float]? = nil
        var destinationSlot: Int? = nil
        if haloProduct != nil, case .dense? = input {
            var startsAtZero = false
            if case .zero = start { startsAtZero = true }
            if let output, output != retire?.slot, output != accumulator {
                destinationSlot = output
            } else if let accumulator, startsAtZero, accumulator != inputTerm?.slot, accumulator != retire?.slot {
                destinationSlot = accumulator
            } else {
                extra = Self.unwritten(count: n * dim)
                peakMatrices = max(peakMatrices, liveMatrices + 1)
            }
        }
        var writable = [false, false, false]
        if let output { writable[output] = true }
        if let accumulator { writable[accumulator] = true }
        let haloProduct = haloProduct
        var inputMatrix: Matrix? = nil
        if case let .dense(slot, _) = input { inputMatrix = slots[slot].matrix }
        let dim = dim, normalize = configuration.normalizeIterations, threads = threads, n = n
        var startsAccumulator = true
        if case .keep = start { startsAccumulator = false }
        let touchesAccumulator = accumulator != nil
            && (rowWeight != nil || retire != nil || !pending.isEmpty || startsAccumulator)
        var norms = [Float](repeating: 0, count: recordNorms ? n : 0)
        let graph = graph
        norms.withUnsafeMutableBufferPointer { normsOut in
            setup.inverseDegrees.withUnsafeBufferPointer { inverse in
                CSRPointers.with(graph) { csr in
                    SparsePointers.with(pending.map(\.arrays)) { pendingViews in
                        SparsePointers.with(input.flatMap { if case let .sparse(s) = $0 { [(s, [])] } else { nil } } ?? []) { inputViews in
                            withSlotPointers(writable: writable) { p in
                                var terms: [RowSink.Term] = []
                                for (t, view) in zip(pending, pendingViews) {
                                    switch t {
                                    case let .rows(_, w): terms.append(.rows(view, w))
                                    case let .product(_, w): terms.append(.product(view, w))
                                    }
                                }
                                terms.withUnsafeBufferPointer { termList in
                                    let sink = RowSink(
                                        dim: dim, normalize: normalize, csr: csr, inverseDegrees: inverse.baseAddress!,
                                        accumulator: touchesAccumulator ? p[accumulator!] : nil, start: start,
                                        retired: retire.map { (p[$0.slot]!, $0.weight) }, terms: termList,
                                        inputRows: inputTerm.map { (p[$0.slot]!, $0.weight) }, rowWeight: rowWeight,
                                        output: output.map { p[$0]! }, norms: recordNorms ? normsOut.baseAddress : nil)
                                    switch input {
                                    case .none:
                                        Parallel.forEachRange(total: n, count: threads) { rows in
                                            for u in rows { sink.accumulate(u, row: nil) }
                                        }
                                    case let .dense(slot, _)? where haloProduct != nil:
                                        do throws(EmbeddingError) {
                                            try withDestination(destinationSlot.map { p[$0]! }, extra: &extra) { (destination: UnsafeMutablePointer<Float>) throws(EmbeddingError) in
                                                try haloProduct!.multiply(p[slot]!, into: destination, threads: threads)
                                                Parallel.forEachRange(total: n, count: threads) { rows in
                                                    let scratch = UnsafeMutablePointer<Float>.allocate(capacity: max(dim, 1))
                                                    defer { scratch.deallocate() }
                                                    for u in rows {
                                                        scratch.update(from: destination + u * dim, count: dim)
                                                        sink.consume(u, row: scratch)
                                                    }
                                                }
                                            }
                                        } catch {
                                            productFailure = error
                                        }
                                    case .dense?:
                                        SpMM.forEachProductRow(graph, inputMatrix!, threads: threads) { u, row in
                                            sink.consume(u, row: row.baseAddress!)
                                        }
                                    case .sparse?:
                                        let h = inputViews[0]
                                        let bounds = Parallel.balancedBounds(offsets: graph.rowOffsets, parts: threads)
                                        Parallel.forEachRange(bounds: bounds) { rows in
                                            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: max(dim, 1))
                                            defer { scratch.deallocate() }
                                            for u in rows {
                                                scratch.initialize(repeating: 0, count: dim)
                                                csr.gather(h, row: u, scale: 1, into: scratch)
                                                sink.consume(u, row: scratch)
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        if let productFailure { throw productFailure }
        return norms
    }

    /// Calls `body` with `destination`, or with the base of `extra` when it is nil.
    private func withDestination(_ destination: UnsafeMutablePointer<Float>?, extra: inout [Float]?,
                                 _ body: (UnsafeMutablePointer<Float>) throws(EmbeddingError) -> Void) throws(EmbeddingError) {
        if let destination { return try body(destination) }
        var failure: EmbeddingError? = nil
        extra!.withUnsafeMutableBufferPointer { buffer in
            do throws(EmbeddingError) { try body(buffer.baseAddress!) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// Calls `body` with base pointers of the three slots (nil when empty); writable slots are
    /// accessed mutably, the others read-only (so a shared input matrix is never copied).
    func withSlotPointers(writable: [Bool], _ body: ([UnsafeMutablePointer<Float>?]) -> Void) {
        func visit(_ i: Int, _ pointers: [UnsafeMutablePointer<Float>?]) {
            if i == slots.count { return body(pointers) }
            let slot = slots[i]
            if slot.matrix == nil { return visit(i + 1, pointers + [nil]) }
            if writable[i] {
                slot.matrix!.values.withUnsafeMutableBufferPointer { visit(i + 1, pointers + [$0.baseAddress]) }
            } else {
                slot.matrix!.values.withUnsafeBufferPointer { visit(i + 1, pointers + [UnsafeMutablePointer(mutating: $0.baseAddress)]) }
            }
        }
        visit(0, [])
    }
}

extension Propagation.PendingTerm {
    /// The sparse rows and, for a product, its inverse norms.
    var arrays: (SparseRows, [Float]) {
        switch self {
        case let .rows(s, _): (s, [])
        case let .product(p, _): (p.source, p.inverseNorms)
        }
    }
}
