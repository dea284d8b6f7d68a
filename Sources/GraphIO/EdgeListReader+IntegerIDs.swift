import DenseMath
import Foundation
import GraphCore

// Integer ids, the fast path: the text is cut at newlines into runs (four per thread) parsed in
// parallel and concatenated in order (see "Speed and memory" on the type); errors carry the
// file's line numbers.
extension EdgeListReader {
    /// The first error of the integer-id pass, and whether it was an id token that is not a
    /// non-negative 32-bit integer (which sends ``EdgeListReadOptions/IDMode/automatic`` to
    /// string ids).
    struct IntegerPassFailure: Error {
        var error: GraphIOError
        var idNotInteger: Bool
        /// Field count of the data lines before the failing one (0: it is the first data line).
        var fieldsBefore = 0
    }

    // MARK: - Integer ids (fast path)

    /// What went wrong in a chunk, with a chunk-relative line number.
    struct ChunkFailure {
        enum Kind {
            case message(String)
            /// The line has `found` fields where the chunk's first data line had `expected`.
            case fieldCount(expected: Int, found: Int)
        }
        var line: Int
        var column: Int?
        var kind: Kind
        var idNotInteger = false
    }

    /// The edges of one chunk (a run of whole lines).
    struct Chunk {
        var sources: [Int32] = []
        var targets: [Int32] = []
        var weights: [Float] = []
        /// Field count of the chunk's first data line (0 when it has none).
        var fieldCount = 0
        /// Chunk-relative line number of the first data line.
        var firstDataLine = 0
        /// Lines started in the chunk.
        var lines = 0
        var maxID = -1
        var failure: ChunkFailure?
        /// Data lines read (edges), kept by ``merge(_:)`` which drops the arrays.
        var edgeCount = 0
    }

    static func parseIntegerIDs(_ bytes: UnsafeBufferPointer<UInt8>, file: String, options: EdgeListReadOptions,
                                releaseBehind: Bool, from startPoint: StartPoint) throws(IntegerPassFailure) -> EdgeList {
        guard let base = bytes.baseAddress else {
            throw IntegerPassFailure(error: .empty(file), idNotInteger: false)
        }
        let start = startPoint.offset
        let end = bytes.count
        let threads = max(1, options.threadCount ?? (end - start >= 4 << 20 ? Parallel.defaultThreadCount : 1))
        var merged = parseIntegerRange(base, from: start, to: end, options: options, threads: threads, releaseBehind: releaseBehind)
        if let failure = merged.failure {
            throw IntegerPassFailure(error: parseError(failure, file: file, lineOffset: startPoint.lines,
                                                       firstDataLine: startPoint.lines + merged.firstDataLine),
                                     idNotInteger: failure.idNotInteger, fieldsBefore: merged.fieldCount)
        }
        if merged.fieldCount == 0 {
            throw IntegerPassFailure(error: noEdges(file, skipRows: options.skipRows, linesSkipped: startPoint.lines), idNotInteger: false)
        }
        let total = merged.sources.count, maxID = merged.maxID
        if options.idMode == .automatic && options.numNodes == nil && isSparseIDSpace(maxID: maxID, edges: total) {
            // Dense arrays over 0...maxID would waste memory (a two-line file with id 2e9 would
            // need tens of GiB): automatic mode relabels such ids as strings.
            throw IntegerPassFailure(error: sparseIDSpaceError(file: file, maxID: maxID, edges: total), idNotInteger: true)
        }
        let hasWeights = merged.fieldCount == 3 && options.weighted != false
        let numNodes = max(maxID + 1, options.numNodes ?? 0)
        let (sources, targets, weights) = (merged.sources, merged.targets, hasWeights ? merged.weights : nil)
        merged = Chunk()
        return makeEdgeList(sources: sources, targets: targets, weights: weights, numNodes: numNodes, nodeIDs: nil)
    }

    /// The error of automatic id mode for integer ids too sparse for dense arrays.
    static func sparseIDSpaceError(file: String, maxID: Int, edges: Int) -> GraphIOError {
        .shapeMismatch("\(file): node ids reach \(maxID) but there are only \(edges) edges; integer ids index dense arrays of max id + 1 nodes, so relabel them as strings (id mode 'string') or give the node count")
    }

    /// Start offsets of `pieces` runs of whole lines covering `base[start ..< end]` (cut just
    /// after a newline at or past each equal share), then `end`: `pieces + 1` ascending bounds;
    /// runs may be empty.
    static func lineBounds(_ base: UnsafePointer<UInt8>, from start: Int, to end: Int, pieces: Int) -> [Int] {
        var cut = [start]
        for k in 1..<max(pieces, 1) {
            let target = start + (end - start) * k / pieces
            var b = max(target, cut.last!)
            if b > start && b < end && base[b - 1] != ASCII.newline {
                if let hit = memchr(base + b, Int32(ASCII.newline), end - b) {
                    b = UnsafeRawPointer(hit).assumingMemoryBound(to: UInt8.self) - base + 1
                } else {
                    b = end
                }
            }
            cut.append(min(b, end))
        }
        cut.append(end)
        return cut
    }

    /// Parses the whole lines of `base[start ..< end]` with integer ids on `threads` threads and
    /// merges the chunks in order (``merge(_:)``): never throws; the result carries the first
    /// failure (lines relative to `start`), and the edges only when there is none.
    static func parseIntegerRange(_ base: UnsafePointer<UInt8>, from start: Int, to end: Int, options: EdgeListReadOptions,
                                  threads: Int, releaseBehind: Bool) -> Chunk {
        let limit = options.numNodes.map { $0 - 1 } ?? largestNodeID
        // Cut at line starts, into 4 chunks per thread when parallel: the chunks are copied into
        // the result and freed one by one, so smaller chunks mean a lower memory peak.
        let bounds = lineBounds(base, from: start, to: end, pieces: threads == 1 ? 1 : 4 * threads)
        let chunkCount = bounds.count - 1
        var chunks = [Chunk](repeating: Chunk(), count: chunkCount)
        // The chunks follow `threads`; the threads started follow the size too, so a small
        // input's chunks are parsed in order on the calling thread (same result).
        let workers = ParseThreads.workers(requested: threads, bytes: end - start)
        chunks.withUnsafeMutableBufferPointer { out in
            Parallel.forEachRange(total: chunkCount, count: workers) { range in
                for c in range {
                    out[c] = parseIntegerChunk(base, from: bounds[c], to: bounds[c + 1], weighted: options.weighted,
                                               limit: limit, releaseBehind: releaseBehind)
                }
            }
        }
        var merged = merge(chunks)
        if merged.failure == nil {
            let hasWeights = merged.fieldCount == 3 && options.weighted != false
            if chunks.count == 1 {
                merged.sources = chunks[0].sources
                merged.targets = chunks[0].targets
                merged.weights = hasWeights ? chunks[0].weights : []
                chunks = []
            } else {
                let total = chunks.reduce(0) { $0 + $1.sources.count }
                let (s, t, w) = concatenate(&chunks, total: total, weights: hasWeights)
                merged.sources = s
                merged.targets = t
                merged.weights = w ?? []
            }
        }
        return merged
    }

    /// The summaries of consecutive runs of lines read as one run (edges left empty): the first
    /// data line's field count, the first failure in line order (a run whose first data line has
    /// another field count than the first run's fails there), the line count and the largest id,
    /// exactly as a sequential parse finds them. Lines are relative to the first run's start.
    /// Associative, so runs may be merged in groups (threads within a rank, then ranks).
    static func merge(_ runs: [Chunk]) -> Chunk {
        var out = Chunk()
        var lineOffset = 0
        for run in runs {
            if run.fieldCount != 0 {
                if out.fieldCount == 0 {
                    out.fieldCount = run.fieldCount
                    out.firstDataLine = lineOffset + run.firstDataLine
                } else if run.fieldCount != out.fieldCount {
                    out.failure = ChunkFailure(line: lineOffset + run.firstDataLine, column: nil,
                                               kind: .fieldCount(expected: out.fieldCount, found: run.fieldCount))
                    out.lines = lineOffset + run.firstDataLine
                    return out
                }
            }
            out.maxID = max(out.maxID, run.maxID)
            if var failure = run.failure {
                failure.line += lineOffset
                out.failure = failure
                out.lines = lineOffset + run.lines
                return out
            }
            lineOffset += run.lines
            out.edgeCount += run.edgeCount
        }
        out.lines = lineOffset
        return out
    }

    /// The parse error of `failure`, whose line is relative to a start `lineOffset` lines into
    /// the file; `firstDataLine` is the file's first data line (named by field-count errors).
    static func parseError(_ failure: ChunkFailure, file: String, lineOffset: Int, firstDataLine: Int) -> GraphIOError {
        let message: String
        switch failure.kind {
        case let .message(text): message = text
        case let .fieldCount(expected, found):
            message = fieldCountMessage(expected: expected, found: found, firstLine: firstDataLine)
        }
        return .parse(file: file, line: lineOffset + failure.line, column: failure.column, message: message)
    }

    /// Whether integer ids up to `maxID` are too sparse to index dense arrays: more than 2^24
    /// nodes and more than 8 nodes per id occurrence (2 per edge). Automatic id mode relabels
    /// such files; callers that chose integer ids can check it themselves.
    public static func isSparseIDSpace(maxID: Int, edges: Int) -> Bool {
        maxID + 1 > max(1 << 24, 16 * edges)
    }

    /// Wraps arrays the parser has already validated without `EdgeList.init`'s O(m) re-check.
    static func makeEdgeList(sources: [Int32], targets: [Int32], weights: [Float]?, numNodes: Int,
                             nodeIDs: NodeIDMap?) -> EdgeList {
        // An empty, valid list cannot fail to build; its fields are then replaced in place.
        var list = try! EdgeList(sources: [], targets: [], weights: nil, numNodes: 0)
        list.sources = sources
        list.targets = targets
        list.weights = weights
        list.numNodes = numNodes
        list.nodeIDs = nodeIDs
        return list
    }

    /// Concatenates the chunks' arrays in order, freeing each chunk once copied.
    static func concatenate(_ chunks: inout [Chunk], total: Int,
                            weights hasWeights: Bool) -> ([Int32], [Int32], [Float]?) {
        var sources: [Int32] = [], targets: [Int32] = [], weights: [Float] = []
        sources.reserveCapacity(total)
        targets.reserveCapacity(total)
        if hasWeights { weights.reserveCapacity(total) }
        for c in chunks.indices {
            sources.append(contentsOf: chunks[c].sources)
            targets.append(contentsOf: chunks[c].targets)
            if hasWeights { weights.append(contentsOf: chunks[c].weights) }
            chunks[c] = Chunk()
        }
        return (sources, targets, hasWeights ? weights : nil)
    }

    static func fieldCountMessage(expected: Int, found: Int, firstLine: Int) -> String {
        "expected \(expected) fields like the first data line (line \(firstLine)), found \(found)"
    }

    /// End of the token starting at `q`: the first blank, comma or newline at or after `q`.
    @inline(__always)
    static func tokenEnd(_ base: UnsafePointer<UInt8>, _ q: Int, _ end: Int) -> Int {
        var e = q
        while e < end {
            let c = base[e]
            if c == ASCII.space || c == ASCII.tab || c == ASCII.carriageReturn || c == ASCII.comma || c == ASCII.newline { break }
            e += 1
        }
        return e
    }

    /// The number of leading ASCII digits (0…8) in the 8 bytes at `p`, and their value.
    ///
    /// Every byte is XOR-ed with `'0'`, so digits become 0…9; `(x + 0x76) | x` sets the high bit
    /// of each byte that is not a digit (a carry out of such a byte only disturbs later bytes);
    /// the lowest flagged byte ends the number. The digits are shifted to the top, zeros filling
    /// in as leading zeros, and combined pairwise in three multiplications.
    @inline(__always)
    static func parseEightDigits(_ p: UnsafePointer<UInt8>) -> (count: Int, value: Int) {
        let word = UInt64(littleEndian: UnsafeRawPointer(p).loadUnaligned(as: UInt64.self))
        let x = word ^ 0x3030_3030_3030_3030
        let nonDigit = ((x &+ 0x7676_7676_7676_7676) | x) & 0x8080_8080_8080_8080
        let count = nonDigit == 0 ? 8 : nonDigit.trailingZeroBitCount >> 3
        if count == 0 { return (0, 0) }
        var v = x << UInt64(64 - 8 * count)
        v = ((v & 0x0F0F_0F0F_0F0F_0F0F) &* 2561) >> 8
        v = ((v & 0x00FF_00FF_00FF_00FF) &* 6_553_601) >> 16
        v = ((v & 0x0000_FFFF_0000_FFFF) &* 42_949_672_960_001) >> 32
        return (count, Int(v))
    }

    static let nulMessage = "found a NUL byte: this looks like a binary file, not text"

    /// The failure for a malformed id token in field `field` of chunk line `line`.
    static func idFailure(_ token: UnsafeBufferPointer<UInt8>, tooLarge: Bool, limit: Int, field: Int,
                          line: Int) -> ChunkFailure {
        if token.contains(0) { return ChunkFailure(line: line, column: field, kind: .message(nulMessage)) }
        let text = TextScanning.describe(token)
        if token.isEmpty {
            return ChunkFailure(line: line, column: field, kind: .message("expected an integer node id, found an empty field"))
        }
        if tooLarge {
            // Beyond 32-bit ids, or only beyond the numNodes option?
            let beyond32 = TextScanning.parseUnsigned(token, limit: largestNodeID).map { $0 > largestNodeID } ?? true
            if beyond32 {
                return ChunkFailure(line: line, column: field,
                                    kind: .message("node id \(text) is larger than the largest supported id \(largestNodeID) (32-bit ids)"),
                                    idNotInteger: true)
            }
            return ChunkFailure(line: line, column: field, kind: .message("node id \(text) is not below numNodes = \(limit + 1)"))
        }
        if token.first == ASCII.minus, TextScanning.parseUnsigned(UnsafeBufferPointer(rebasing: token[1...]), limit: Int.max) != nil {
            return ChunkFailure(line: line, column: field, kind: .message("expected a non-negative node id, found \(text)"),
                                idNotInteger: true)
        }
        return ChunkFailure(line: line, column: field, kind: .message("expected an integer node id, found \(text)"),
                            idNotInteger: true)
    }
}
