// The raw-pointer kernels of one propagation pass (FastRP+Propagation.swift): CSR and sparse-row
// views, the row gather, and the sink that normalizes, scales and accumulates each output row.
import DenseMath
#if canImport(Glibc)
import Glibc
#endif
import GraphCore
import GraphKernels

/// Raw views of a CSR graph, valid inside ``with(_:_:)``.
struct CSRPointers {
    let offsets: UnsafePointer<Int>
    let columns: UnsafePointer<Int32>
    let weights: UnsafePointer<Float>?

    static func with<R>(_ g: CSRGraph, _ body: (CSRPointers) -> R) -> R {
        g.rowOffsets.withUnsafeBufferPointer { o in
            g.columnIndices.withUnsafeBufferPointer { c in
                let dummy: [Int32] = [0]
                return dummy.withUnsafeBufferPointer { d in
                    if let w = g.weights {
                        return w.withUnsafeBufferPointer { wp in
                            body(CSRPointers(offsets: o.baseAddress!, columns: c.baseAddress ?? d.baseAddress!, weights: wp.baseAddress))
                        }
                    }
                    return body(CSRPointers(offsets: o.baseAddress!, columns: c.baseAddress ?? d.baseAddress!, weights: nil))
                }
            }
        }
    }

    /// `into += scale · Σ_{e in row u} w_e · h[col_e]` (sparse rows h), edges in stored order.
    @inline(__always)
    func gather(_ h: SparsePointers, row u: Int, scale: Float, into out: UnsafeMutablePointer<Float>) {
        for e in offsets[u]..<offsets[u + 1] {
            let w = scale * (weights?[e] ?? 1)
            let v = Int(columns[e])
            if h.nonEmpty[v >> 6] & (1 << UInt64(v & 63)) == 0 { continue }
            for t in h.offsets[v]..<h.offsets[v + 1] { out[Int(h.columns[t])] += w * h.values[t] }
        }
    }
}

/// Raw views of ``SparseRows``, valid inside ``with(_:_:)``.
struct SparsePointers {
    let offsets: UnsafePointer<Int>
    let columns: UnsafePointer<UInt16>
    let values: UnsafePointer<Float>
    let inverseNorms: UnsafePointer<Float>
    /// Inverse norms of the product rows `P · self` (when given).
    let productNorms: UnsafePointer<Float>
    let nonEmpty: UnsafePointer<UInt64>

    /// Views of each `(rows, product norms)` pair (the norms may be empty).
    static func with<R>(_ list: [(SparseRows, [Float])], _ body: ([SparsePointers]) -> R) -> R {
        func visit(_ i: Int, _ views: [SparsePointers]) -> R {
            if i == list.count { return body(views) }
            let (s, extra) = list[i]
            let pad: [Float] = [0]
            let padColumns: [UInt16] = [0]
            let padBits: [UInt64] = [0]
            return s.offsets.withUnsafeBufferPointer { o in
                s.columns.withUnsafeBufferPointer { c in
                    s.values.withUnsafeBufferPointer { v in
                        s.inverseNorms.withUnsafeBufferPointer { r in
                            pad.withUnsafeBufferPointer { pf in
                                padColumns.withUnsafeBufferPointer { pc in
                                    extra.withUnsafeBufferPointer { x in
                                        s.nonEmpty.withUnsafeBufferPointer { b in
                                            padBits.withUnsafeBufferPointer { pb in
                                                visit(i + 1, views + [SparsePointers(
                                                    offsets: o.baseAddress!, columns: c.baseAddress ?? pc.baseAddress!,
                                                    values: v.baseAddress ?? pf.baseAddress!, inverseNorms: r.baseAddress ?? pf.baseAddress!,
                                                    productNorms: x.baseAddress ?? pf.baseAddress!, nonEmpty: b.baseAddress ?? pb.baseAddress!)])
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
        return visit(0, [])
    }
}

/// What a pass does with each row; shared read-only by the worker threads.
struct RowSink {
    enum Term {
        /// Stored sparse rows with a weight.
        case rows(SparsePointers, Float)
        /// Rows `P · source` (norms in `productNorms`) with a weight.
        case product(SparsePointers, Float)
    }

    let dim: Int
    let normalize: Bool
    let csr: CSRPointers
    let inverseDegrees: UnsafePointer<Float>
    let accumulator: UnsafeMutablePointer<Float>?
    let start: Propagation.AccumulatorStart
    let retired: (UnsafeMutablePointer<Float>, Float)?
    let terms: UnsafeBufferPointer<Term>
    let inputRows: (UnsafeMutablePointer<Float>, Float)?
    let rowWeight: Float?
    let output: UnsafeMutablePointer<Float>?
    let norms: UnsafeMutablePointer<Float>?

    /// Handles product row u of `A · input` (unscaled; it is multiplied by 1/degree first).
    @inline(__always)
    func consume(_ u: Int, row: UnsafeMutablePointer<Float>) {
        Vectors.scale(row, by: inverseDegrees[u], count: dim)
        if let norms { norms[u] = factor(row) }
        accumulate(u, row: row)
        if let output { (output + u * dim).update(from: row, count: dim) }
    }

    @inline(__always)
    func accumulate(_ u: Int, row: UnsafeMutablePointer<Float>?) {
        guard let accumulator else { return }
        let a = accumulator + u * dim
        switch start {
        case .keep: break
        case let .scaleInPlace(w): Vectors.scale(a, by: w * factor(a), count: dim)
        case .zero: a.initialize(repeating: 0, count: dim)
        }
        if let (r, w) = retired {
            let src = r + u * dim
            Vectors.addScaled(src, w * factor(src), to: a, count: dim)
        }
        for term in terms {
            switch term {
            case let .rows(s, w):
                let f = w * (normalize ? s.inverseNorms[u] : 1)
                for e in s.offsets[u]..<s.offsets[u + 1] { a[Int(s.columns[e])] += f * s.values[e] }
            case let .product(s, w):
                let f = w * s.productNorms[u] * inverseDegrees[u]
                if f != 0 { csr.gather(s, row: u, scale: f, into: a) }
            }
        }
        if let (x, w) = inputRows {
            let src = x + u * dim
            Vectors.addScaled(src, w * factor(src), to: a, count: dim)
        }
        if let rowWeight, let row, rowWeight != 0 {
            Vectors.addScaled(row, rowWeight * factor(row), to: a, count: dim)
        }
    }

    /// `1/‖v‖₂` (0 for a zero row) when normalising, else 1.
    @inline(__always)
    func factor(_ v: UnsafeMutablePointer<Float>) -> Float {
        guard normalize else { return 1 }
        let norm = Vectors.norm(v, count: dim)
        return norm > 0 ? 1 / norm : 0
    }
}

/// Small SIMD loops over `Float` rows with a fixed summation order.
enum Vectors {
    @inline(__always)
    static func scale(_ v: UnsafeMutablePointer<Float>, by s: Float, count: Int) {
        if s == 1 { return }
        var j = 0
        let raw = UnsafeMutableRawPointer(v)
        let sv = SIMD8<Float>(repeating: s)
        while j + 8 <= count {
            let x = raw.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self)
            raw.storeBytes(of: x * sv, toByteOffset: j * 4, as: SIMD8<Float>.self)
            j += 8
        }
        while j < count { v[j] *= s; j += 1 }
    }

    /// `y += s · x`.
    @inline(__always)
    static func addScaled(_ x: UnsafeMutablePointer<Float>, _ s: Float, to y: UnsafeMutablePointer<Float>, count: Int) {
        if s == 0 { return }
        var j = 0
        let rx = UnsafeRawPointer(x), ry = UnsafeMutableRawPointer(y)
        let sv = SIMD8<Float>(repeating: s)
        while j + 8 <= count {
            let a = rx.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self)
            let b = ry.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self)
            ry.storeBytes(of: b + sv * a, toByteOffset: j * 4, as: SIMD8<Float>.self)
            j += 8
        }
        while j < count { y[j] += s * x[j]; j += 1 }
    }

    /// `‖x‖₂`, summed in 8 lanes and then across lanes.
    @inline(__always)
    static func norm(_ x: UnsafeMutablePointer<Float>, count: Int) -> Float {
        var acc = SIMD8<Float>(repeating: 0)
        var j = 0
        let rx = UnsafeRawPointer(x)
        while j + 8 <= count {
            let a = rx.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self)
            acc += a * a
            j += 8
        }
        var sum = acc.sum()
        while j < count { sum += x[j] * x[j]; j += 1 }
        return sum.squareRoot()
    }
}
