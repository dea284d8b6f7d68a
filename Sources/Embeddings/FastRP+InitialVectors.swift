import DenseMath
import Foundation

/// Rows of a `[numRows × dim]` matrix stored by their non-zeros, like CSR: row u is
/// `columns/values[offsets[u] ..< offsets[u + 1]]`, columns ascending.
struct SparseRows: Sendable {
    var offsets: [Int]
    var columns: [UInt16]
    var values: [Float]
    /// `1 / ‖row u‖₂` (0 for an empty row).
    var inverseNorms: [Float]
    /// Bit u is set when row u has a non-zero (a compact test that stays in cache).
    var nonEmpty: [UInt64]

    var numRows: Int { offsets.count - 1 }
    var nonZeros: Int { values.count }
}

/// Generates H₀ = L·R (+ projected features) row by row from `(seed, node)`.
struct InitialVectors {
    let dimension: Int
    /// Columns drawn at random: `dim − propertyDimension`.
    let randomColumns: Int
    let propertyColumns: Int
    let seed: UInt64
    /// `1/s`, the probability that an entry of R is non-zero.
    let density: Double
    /// `log(1 − 1/s)`, for geometric skips between non-zeros.
    let logMiss: Double
    /// `√(s/dim)`, the magnitude of a non-zero entry.
    let magnitude: Float
    let degreeScale: [Float]
    /// Maps extended rows to global node ids (the random streams).
    let setup: FastRP.Setup
    let features: Matrix?
    /// The feature projection W, `[numFeatures × propertyColumns]`, when features are used.
    let featureProjection: Matrix?

    /// Streams of W's rows start here, far above any node id.
    static let featureStreamBase: UInt64 = 1 << 40

    init(setup: FastRP.Setup, configuration: FastRP.Configuration) {
        dimension = configuration.dimension
        propertyColumns = setup.features == nil ? 0 : configuration.propertyDimension
        randomColumns = dimension - propertyColumns
        seed = configuration.seed
        density = 1 / setup.s
        logMiss = density >= 1 ? -Double.infinity : Foundation.log1p(-density)
        magnitude = Float((setup.s / Double(dimension)).squareRoot())
        degreeScale = setup.degreeScale
        self.setup = setup
        features = setup.features
        if let f = setup.features, propertyColumns > 0 {
            var w = Matrix(rows: f.cols, cols: propertyColumns)
            let (dim, s) = (dimension, setup.s)
            let (seed, pc) = (configuration.seed, propertyColumns)
            w.values.withUnsafeMutableBufferPointer { out in
                for p in 0..<f.cols {
                    let row = out.baseAddress! + p * pc
                    Self.forEachNonZero(seed: seed, stream: Self.featureStreamBase + UInt64(p), columns: pc,
                                        density: 1 / s, logMiss: 1 / s >= 1 ? -Double.infinity : Foundation.log1p(-1 / s),
                                        magnitude: Float((s / Double(dim)).squareRoot())) { j, v in row[j] = v }
                }
            }
            featureProjection = w
        } else {
            featureProjection = nil
        }
    }

    /// Calls `body(column, value)` for the non-zeros of one row of a very sparse random matrix
    /// with `columns` columns, in ascending column order: each entry is non-zero with
    /// probability `density` (geometric gaps between non-zeros), then `±magnitude` with equal
    /// probability. Uses only `SplitMix64(seed: seed, stream: stream)`.
    @inline(__always)
    static func forEachNonZero(seed: UInt64, stream: UInt64, columns: Int, density: Double, logMiss: Double,
                               magnitude: Float, _ body: (Int, Float) -> Void) {
        if columns == 0 { return }
        var rng = SplitMix64(seed: seed, stream: stream)
        var j = -1
        while true {
            if density < 1 {
                // Failures before the next success of a Bernoulli(density) sequence: ⌊log U / log(1−p)⌋.
                let u = 1 - rng.nextUnitDouble() // (0, 1]
                let gap = Foundation.log(u) / logMiss
                if !(gap < Double(columns)) { return }
                j += 1 + Int(gap)
            } else {
                j += 1
            }
            if j >= columns { return }
            body(j, rng.next() >> 63 == 0 ? magnitude : -magnitude)
        }
    }

    /// Calls `body(column, value)` for the random-part non-zeros of H₀'s (extended) row `node`,
    /// drawn from the stream of its global id.
    @inline(__always)
    func forEachRandomEntry(node: Int, _ body: (Int, Float) -> Void) {
        let scale = magnitude * degreeScale[node]
        Self.forEachNonZero(seed: seed, stream: UInt64(setup.globalNode(node)), columns: randomColumns, density: density,
                            logMiss: logMiss, magnitude: scale, body)
    }

    /// Writes H₀'s rows `rows` densely at `out` (row-major, `dim` columns).
    func fillDense(_ out: UnsafeMutablePointer<Float>, rows: Range<Int>) {
        for u in rows {
            let row = out + u * dimension
            row.initialize(repeating: 0, count: dimension)
            forEachRandomEntry(node: u) { j, v in row[j] = v }
            addFeatures(node: u, into: row + randomColumns)
        }
    }

    /// Adds `features[u] · W` to the `propertyColumns` values at `out`, features in order.
    func addFeatures(node u: Int, into out: UnsafeMutablePointer<Float>) {
        guard let f = features, let w = featureProjection else { return }
        let pc = propertyColumns
        f.values.withUnsafeBufferPointer { fv in
            w.values.withUnsafeBufferPointer { wv in
                for p in 0..<f.cols {
                    let x = fv[u * f.cols + p]
                    if x == 0 { continue }
                    let wRow = wv.baseAddress! + p * pc
                    for j in 0..<pc { out[j] += x * wRow[j] }
                }
            }
        }
    }

    /// H₀ as sparse rows (only without features), built in fixed blocks of rows, for every
    /// extended row (own rows, then halo rows).
    func sparseRows(threads: Int) -> SparseRows {
        SparseRowBuilder.build(numRows: degreeScale.count, scratchSize: 0, threads: threads) { u, _, columns, values in
            forEachRandomEntry(node: u) { j, v in
                columns.append(UInt16(j))
                values.append(v)
            }
        }
    }
}

/// Assembles ``SparseRows`` from per-row generators, in parallel over fixed blocks of rows, so
/// the result does not depend on the thread count.
enum SparseRowBuilder {
    static let blockSize = 4096

    /// `row(u, scratch, &columns, &values)` appends row u's non-zeros in ascending column
    /// order; `scratch` holds `scratchSize` values private to the calling thread.
    static func build(numRows n: Int, scratchSize: Int, threads: Int,
                      _ row: (Int, UnsafeMutableBufferPointer<Float>, inout [UInt16], inout [Float]) -> Void) -> SparseRows {
        let blocks = (n + blockSize - 1) / blockSize
        var parts = [(counts: [Int], columns: [UInt16], values: [Float])](repeating: ([], [], []), count: blocks)
        parts.withUnsafeMutableBufferPointer { out in
            Parallel.forEachRange(total: blocks, count: threads) { range in
                let scratch = UnsafeMutableBufferPointer<Float>.allocate(capacity: max(scratchSize, 1))
                defer { scratch.deallocate() }
                for b in range {
                    var counts: [Int] = []
                    var columns: [UInt16] = []
                    var values: [Float] = []
                    let lo = b * blockSize, hi = min(n, lo + blockSize)
                    counts.reserveCapacity(hi - lo)
                    for u in lo..<hi {
                        let before = values.count
                        row(u, scratch, &columns, &values)
                        counts.append(values.count - before)
                    }
                    out[b] = (counts, columns, values)
                }
            }
        }
        var offsets = [Int](repeating: 0, count: n + 1)
        var total = 0
        var u = 0
        for part in parts {
            for c in part.counts {
                total += c
                u += 1
                offsets[u] = total
            }
        }
        var columns: [UInt16] = []
        var values: [Float] = []
        columns.reserveCapacity(total)
        values.reserveCapacity(total)
        for b in parts.indices {
            columns.append(contentsOf: parts[b].columns)
            values.append(contentsOf: parts[b].values)
            parts[b] = ([], [], [])
        }
        var inverseNorms = [Float](repeating: 0, count: n)
        var nonEmpty = [UInt64](repeating: 0, count: (n + 63) / 64)
        for r in 0..<n where offsets[r + 1] > offsets[r] { nonEmpty[r >> 6] |= 1 << UInt64(r & 63) }
        for r in 0..<n {
            var sum: Float = 0
            for e in offsets[r]..<offsets[r + 1] { sum += values[e] * values[e] }
            inverseNorms[r] = sum > 0 ? 1 / sum.squareRoot() : 0
        }
        return SparseRows(offsets: offsets, columns: columns, values: values, inverseNorms: inverseNorms, nonEmpty: nonEmpty)
    }
}
