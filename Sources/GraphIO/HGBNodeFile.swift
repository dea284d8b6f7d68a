import DenseMath
import Foundation

/// The parsed `node.dat` of an HGB dataset: node types, the global ↔ local id maps, and where
/// each node's features sit in the file (parsed later, in parallel).
struct HGBNodeTable {
    /// HGB type id of each node type index, ascending.
    var typeIDs: [Int] = []
    /// Node type index of each global id (-1: absent).
    var typeOfGlobal: [Int32] = []
    /// Local id of each global id (-1: absent).
    var localOfGlobal: [Int32] = []
    /// Global ids of each node type, ascending (local → global).
    var globalIDs: [[Int]] = []
    /// Feature dimension of each node type (0: no features) and the line that fixed it.
    var dims: [Int] = []
    var dimLines: [Int] = []
    /// Per global id: byte range of its feature field and its line number.
    private var featureStart: [Int] = []
    private var featureLength: [Int32] = []
    private var lineOfGlobal: [Int32] = []

    /// Reads the node lines: `id<TAB>name<TAB>type[<TAB>f1,f2,…]`.
    init(_ bytes: UnsafeBufferPointer<UInt8>, file: String) throws(GraphIOError) {
        try TextScanning.rejectNULBytes(bytes, file: file)
        let base = bytes.baseAddress
        var globals: [Int32] = [], rawTypes: [Int32] = [], starts: [Int] = [], lengths: [Int32] = [], lines: [Int32] = []
        var fields: [UnsafeBufferPointer<UInt8>] = []
        var typeHasFeatures: [Int: (Bool, Int)] = [:] // type id → (has features, first line)
        var typeDims: [Int: (Int, Int)] = [:] // type id → (dimension, line)
        try TextScanning.forEachLine(bytes) { (line: Int, text: UnsafeBufferPointer<UInt8>) throws(GraphIOError) in
            TextScanning.splitTabs(text, into: &fields)
            var count = fields.count
            if count == 4 && fields[3].isEmpty { count = 3 }
            guard count == 3 || count == 4 else {
                throw .parse(file: file, line: line, column: nil,
                             message: "expected 3 or 4 tab-separated fields (id, name, type[, features]), found \(count)")
            }
            guard let id = TextScanning.parseUnsigned(fields[0], limit: EdgeListReader.largestNodeID),
                  id <= EdgeListReader.largestNodeID else {
                throw .parse(file: file, line: line, column: 1,
                             message: "expected a non-negative integer node id, found \(TextScanning.describe(fields[0]))")
            }
            guard let type = TextScanning.parseUnsigned(fields[2], limit: 1 << 20), type < 1 << 20 else {
                throw .parse(file: file, line: line, column: 3,
                             message: "expected an integer node type, found \(TextScanning.describe(fields[2]))")
            }
            let hasFeatures = count == 4
            if let (had, firstLine) = typeHasFeatures[type] {
                if had != hasFeatures {
                    throw .parse(file: file, line: line, column: 4,
                                 message: hasFeatures
                                     ? "node \(id) has features, but nodes of type \(type) have none (line \(firstLine))"
                                     : "node \(id) has no features, but nodes of type \(type) have them (line \(firstLine))")
                }
            } else {
                typeHasFeatures[type] = (hasFeatures, line)
                if hasFeatures {
                    var commas = 0
                    for b in fields[3] where b == ASCII.comma { commas += 1 }
                    typeDims[type] = (commas + 1, line)
                }
            }
            globals.append(Int32(id))
            rawTypes.append(Int32(type))
            starts.append(hasFeatures ? fields[3].baseAddress! - base! : 0)
            lengths.append(hasFeatures ? Int32(fields[3].count) : 0)
            lines.append(Int32(line))
        }
        if globals.isEmpty { throw .empty(file) }

        typeIDs = Array(Set(rawTypes.map(Int.init))).sorted()
        var indexOfType: [Int: Int] = [:]
        for (i, t) in typeIDs.enumerated() { indexOfType[t] = i }
        dims = typeIDs.map { typeDims[$0]?.0 ?? 0 }
        dimLines = typeIDs.map { typeDims[$0]?.1 ?? 0 }

        let size = Int(globals.max()!) + 1
        // HGB numbers nodes contiguously; refuse ids so sparse that the id maps would explode.
        if size > 4 * globals.count + 1_000_000 {
            let k = globals.firstIndex(of: Int32(size - 1))!
            throw .parse(file: file, line: Int(lines[k]), column: 1,
                         message: "node id \(size - 1) is far beyond the \(globals.count) nodes listed (HGB node ids are contiguous)")
        }
        typeOfGlobal = [Int32](repeating: -1, count: size)
        localOfGlobal = [Int32](repeating: -1, count: size)
        featureStart = [Int](repeating: 0, count: size)
        featureLength = [Int32](repeating: 0, count: size)
        lineOfGlobal = [Int32](repeating: 0, count: size)
        for k in 0..<globals.count {
            let g = Int(globals[k])
            if typeOfGlobal[g] >= 0 {
                throw .parse(file: file, line: Int(lines[k]), column: 1,
                             message: "node \(g) is listed twice (first on line \(lineOfGlobal[g]))")
            }
            typeOfGlobal[g] = Int32(indexOfType[Int(rawTypes[k])]!)
            featureStart[g] = starts[k]
            featureLength[g] = lengths[k]
            lineOfGlobal[g] = lines[k]
        }
        globalIDs = [[Int]](repeating: [], count: typeIDs.count)
        for g in 0..<size where typeOfGlobal[g] >= 0 {
            let t = Int(typeOfGlobal[g])
            localOfGlobal[g] = Int32(globalIDs[t].count)
            globalIDs[t].append(g)
        }
    }

    /// Parses the feature fields into one `[count × dim]` matrix per featured type, in parallel
    /// over nodes (one thread per 64 KiB of `bytes` at most: a small file on the calling thread);
    /// reports the first bad line in file order.
    func parseFeatures(_ bytes: UnsafeBufferPointer<UInt8>, file: String) throws(GraphIOError) -> [Matrix?] {
        guard let base = bytes.baseAddress else { return dims.map { _ in nil } }
        var result: [Matrix?] = []
        for t in 0..<typeIDs.count {
            let dim = dims[t]
            guard dim > 0 else {
                result.append(nil)
                continue
            }
            let members = globalIDs[t]
            // The core count only when threads may start: Foundation's activeProcessorCount
            // reads the cgroup CPU quota files on Linux at every call.
            let threads = bytes.count >= 2 * ParseThreads.minimumBytesPerThread ? Parallel.defaultThreadCount : 1
            let parts = max(1, min(threads * 4, members.count))
            let workers = ParseThreads.workers(requested: parts, bytes: bytes.count)
            var failures = [(line: Int, message: String)?](repeating: nil, count: parts)
            var values = [Float](repeating: 0, count: members.count * dim)
            values.withUnsafeMutableBufferPointer { buffer in
                failures.withUnsafeMutableBufferPointer { failureSlots in
                    Parallel.forEachRange(total: parts, count: workers) { partRange in
                        for part in partRange {
                            let lo = members.count * part / parts, hi = members.count * (part + 1) / parts
                            for local in lo..<hi {
                                let g = members[local]
                                let row = buffer.baseAddress! + local * dim
                                if let message = Self.parseRow(base + featureStart[g], Int(featureLength[g]), into: row, dim: dim,
                                                               dimLine: dimLines[t]) {
                                    failureSlots[part] = (Int(lineOfGlobal[g]), message)
                                    break
                                }
                            }
                        }
                    }
                }
            }
            if let first = failures.compactMap({ $0 }).min(by: { $0.line < $1.line }) {
                throw .parse(file: file, line: first.line, column: 4, message: first.message)
            }
            result.append(Matrix(rows: members.count, cols: dim, values: values))
        }
        return result
    }

    /// Parses `dim` comma-separated numbers at `p` into `row`; returns an error message or `nil`.
    private static func parseRow(_ p: UnsafePointer<UInt8>, _ count: Int, into row: UnsafeMutablePointer<Float>,
                                 dim: Int, dimLine: Int) -> String? {
        var k = 0
        var start = 0
        while start <= count {
            var end = start
            while end < count && p[end] != ASCII.comma { end += 1 }
            if k == dim {
                return "expected \(dim) comma-separated features like line \(dimLine), found more"
            }
            var lo = start, hi = end
            while lo < hi && TextScanning.isBlank(p[lo]) { lo += 1 }
            while hi > lo && TextScanning.isBlank(p[hi - 1]) { hi -= 1 }
            guard let v = TextScanning.parseFloat(p + lo, hi - lo), v.isFinite else {
                let token = UnsafeBufferPointer(start: p + lo, count: hi - lo)
                return "feature \(k + 1): expected a finite number, found \(TextScanning.describe(token))"
            }
            row[k] = v
            k += 1
            start = end + 1
        }
        if k != dim { return "expected \(dim) comma-separated features like line \(dimLine), found \(k)" }
        return nil
    }
}
