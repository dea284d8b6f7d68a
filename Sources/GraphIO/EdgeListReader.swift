import DenseMath
import Foundation
import GraphCore

/// Reads edge-list text files into a ``/GraphCore/EdgeList``.
///
/// Format: one edge per line, `source target [weight]`. Fields are separated by a run of spaces
/// and tabs or by one comma (blanks around it allowed); leading and trailing blanks are ignored.
/// Lines whose first non-blank character is `#` or `%` are comments; blank lines are skipped;
/// CRLF line endings and a UTF-8 byte-order mark are accepted. Every data line has the same
/// number of fields (2, or 3 with weights). Weights must be finite and non-negative, also
/// when they are ignored (``EdgeListReadOptions/weighted`` `false`), so every tool reads a file
/// the same way.
///
/// Header lines: a first data line that does not parse while the lines after it do
/// (`source,target` or `src dst weight` above integer ids and numeric weights) is an error that
/// names the line and says to skip it (``EdgeListReadOptions/skipRows``, `--skip-rows 1` in the
/// tools) or comment it out; it is never read as an edge between two phantom nodes. A header
/// whose fields could be node names (`source target` above string ids) cannot be told apart
/// from an edge and is read as one.
///
/// ```
/// # src dst weight
/// 0   1   0.5
/// 1,2,1.5
/// ```
///
/// Duplicate edges, both directions of an undirected edge and self-loops are legal input and are
/// returned as listed; ``/GraphCore/GraphBuilder`` applies its duplicate and self-loop policies.
///
/// Speed and memory: the file is mapped into memory (`mmap(2)`, no copy) and scanned with unsafe
/// pointers; integers are parsed by hand, eight digits at a time (SWAR). With integer ids the
/// buffer is cut at newlines into chunks (four per thread) that ``EdgeListReadOptions/threadCount``
/// threads parse in parallel (at most one thread per 64 KiB: a smaller input's chunks are parsed
/// in turn on the calling thread); the chunks are concatenated in order, so the result and the
/// first error reported are identical to a sequential parse. Parsed pages of the mapping are handed
/// back to the OS as the parse advances, so peak resident memory is about the result (8 bytes per
/// edge, 12 when weighted) plus 16 MiB per thread and, when parallel, one chunk's edges.
public enum EdgeListReader {
    /// The largest integer node id accepted, `Int32.max - 1`, so that `numNodes` fits in
    /// `Int32` (CSR column indices are 32-bit).
    public static let largestNodeID = Int(Int32.max) - 1

    /// Reads the edge list in the file at `path`.
    ///
    /// A gzip-compressed file (`edges.txt.gz`, RFC 1952) is read with the same result and
    /// errors (naming the `.gz` path and the line of the decompressed text); integer ids are
    /// parsed as the text is inflated, so its memory is the result plus a 16 MiB block. A
    /// `.npy` file (also `.npy.gz`) is a PyG `edge_index`, read by ``EdgeIndexReader``.
    ///
    /// - Returns: `[numEdges]` sources and targets (dense ids), `[numEdges]` weights when the
    ///   file is weighted, `numNodes = max(options.numNodes, max id + 1)` (or the number of
    ///   distinct names), and the name map for string ids.
    /// - Throws: ``GraphIOError/fileNotFound(_:)``, ``GraphIOError/isDirectory(_:)``,
    ///   ``GraphIOError/unreadable(_:reason:)``; ``GraphIOError/empty(_:)`` when there is no
    ///   data line; ``GraphIOError/parse(file:line:column:message:)`` for a line with one field
    ///   or more than three, a non-integer, negative or too large id (integer mode), an id at or
    ///   above `options.numNodes`, a malformed, NaN, infinite or negative weight, a line whose
    ///   field count differs from the first data line, NUL bytes or text that is not UTF-8;
    ///   ``GraphIOError/shapeMismatch(_:)`` for a `numNodes` option outside `0 ... Int32.max`;
    ///   ``GraphIOError/compressed(file:message:)`` for a malformed gzip file; for `.npy`, the
    ///   errors of ``EdgeIndexReader/read(_:options:)``.
    /// - Complexity: O(file size) time; memory as described on the type.
    public static func read(_ path: String, options: EdgeListReadOptions = .init()) throws(GraphIOError) -> EdgeList {
        if FilePaths.formatExtension(of: path) == "npy" { return try EdgeIndexReader.read(path, options: options) }
        if Gzip.isCompressed(path) { return try readCompressed(path, options: options) }
        return try FileBytes.withContents(path, populate: false) { (bytes, mapped) throws(GraphIOError) in
            try parseBuffer(bytes, file: path, options: options, releaseBehind: mapped)
        }
    }

    /// Parses edge-list text held in memory (`[UInt8]`, `Data`, `UnsafeRawBufferPointer`, …);
    /// `file` is the name used in error messages. Same format, result and errors as
    /// ``read(_:options:)``.
    public static func parse<Bytes: ContiguousBytes>(_ bytes: Bytes, file: String,
                                                     options: EdgeListReadOptions = .init()) throws(GraphIOError) -> EdgeList {
        try bytes.withByteBuffer { buffer throws(GraphIOError) in
            try parseBuffer(buffer, file: file, options: options)
        }
    }

    /// Parses edge-list text given as a string; see ``parse(_:file:options:)``.
    public static func parse(text: String, file: String = "<text>", options: EdgeListReadOptions = .init()) throws(GraphIOError) -> EdgeList {
        try parse(Array(text.utf8), file: file, options: options)
    }

    // MARK: - Dispatch

    /// Parses `bytes`; `releaseBehind` (for a private file mapping only) lets the integer parser
    /// return pages it has parsed to the OS, so resident memory stays near the size of the result.
    static func parseBuffer(_ bytes: UnsafeBufferPointer<UInt8>, file: String, options: EdgeListReadOptions,
                            releaseBehind: Bool = false) throws(GraphIOError) -> EdgeList {
        if let n = options.numNodes, n < 0 || n > largestNodeID + 1 {
            throw .shapeMismatch("\(file): the numNodes option (\(n)) is outside 0...\(largestNodeID + 1)")
        }
        guard options.skipRows >= 0 else {
            throw .shapeMismatch("\(file): the skipRows option (\(options.skipRows)) is negative")
        }
        let skipped = skipLines(bytes, count: options.skipRows)
        let header = firstDataLine(bytes, from: skipped.offset, lineOffset: skipped.lines)
        switch options.idMode {
        case .string:
            do {
                return try parseStringIDs(bytes, file: file, options: options, from: skipped)
            } catch {
                throw headerError(error, header: header, bytes: bytes, file: file) { rest throws(GraphIOError) in
                    _ = try parseStringIDs(bytes, file: file, options: options, from: rest)
                }
            }
        case .integer, .automatic:
            // The integer parser checks every byte itself (a NUL byte fails any token or comment).
            do throws(IntegerPassFailure) {
                return try parseIntegerIDs(bytes, file: file, options: options, releaseBehind: releaseBehind, from: skipped)
            } catch {
                let integerError = headerError(error.error, header: header, bytes: bytes, file: file) { rest throws(GraphIOError) in
                    do throws(IntegerPassFailure) {
                        _ = try parseIntegerIDs(bytes, file: file, options: options, releaseBehind: false, from: rest)
                    } catch {
                        throw error.error
                    }
                }
                if integerError != error.error { throw integerError }
                if error.idNotInteger && options.idMode == .automatic {
                    do {
                        return try parseStringIDs(bytes, file: file, options: options, from: skipped)
                    } catch {
                        throw headerError(error, header: header, bytes: bytes, file: file) { rest throws(GraphIOError) in
                            _ = try parseStringIDs(bytes, file: file, options: options, from: rest)
                        }
                    }
                }
                throw error.error
            }
        }
    }

    /// Where reading starts: a byte offset (past a BOM and any skipped lines) and the number of
    /// lines before it.
    /// The error for a file without edges: ``GraphIOError/empty(_:)``, or, when rows were to be
    /// skipped, one that names the last skipped line and says whether the file ended inside the
    /// rows to skip.
    public static func noEdges(_ file: String, skipRows: Int, linesSkipped: Int) -> GraphIOError {
        guard skipRows > 0 && linesSkipped > 0 else { return .empty(file) }
        if linesSkipped < skipRows {
            return .parse(file: file, line: linesSkipped, column: nil,
                          message: "the file ends after \(linesSkipped) line\(linesSkipped == 1 ? "" : "s"), within the \(skipRows) rows to skip")
        }
        return .parse(file: file, line: linesSkipped, column: nil,
                      message: "no edges after the \(skipRows) skipped row\(skipRows == 1 ? "" : "s") (the rest is blank or comments)")
    }

    struct StartPoint {
        var offset: Int
        var lines: Int
    }

    /// The start after skipping the first `count` lines of `bytes` (after a BOM).
    static func skipLines(_ bytes: UnsafeBufferPointer<UInt8>, count: Int) -> StartPoint {
        var p = TextScanning.bomLength(bytes)
        var lines = 0
        guard let base = bytes.baseAddress else { return StartPoint(offset: 0, lines: 0) }
        while lines < count && p < bytes.count {
            if let hit = memchr(base + p, Int32(ASCII.newline), bytes.count - p) {
                p = UnsafeRawPointer(hit).assumingMemoryBound(to: UInt8.self) - base + 1
            } else {
                p = bytes.count
            }
            lines += 1
        }
        return StartPoint(offset: p, lines: lines)
    }

    /// The first data line (not blank, not a comment) at or after `start`, when it can be a
    /// header line: its file line number, its text, and the start point just past it. `nil` when
    /// there is none, or when one of its fields reads as a number (`0 1 nan`, `0 1 -3`: an edge
    /// with a bad weight is reported as such; skipping it as a header would drop the edge).
    static func firstDataLine(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int,
                              lineOffset: Int) -> (line: Int, text: String, rest: StartPoint)? {
        guard let base = bytes.baseAddress else { return nil }
        var p = start, line = lineOffset
        while p < bytes.count {
            line += 1
            var lineEnd = bytes.count
            if let hit = memchr(base + p, Int32(ASCII.newline), bytes.count - p) {
                lineEnd = UnsafeRawPointer(hit).assumingMemoryBound(to: UInt8.self) - base
            }
            var q = p
            while q < lineEnd && TextScanning.isBlank(base[q]) { q += 1 }
            if q < lineEnd && base[q] != ASCII.hash && base[q] != ASCII.percent {
                var e = lineEnd
                while e > q && TextScanning.isBlank(base[e - 1]) { e -= 1 }
                let fields = String(decoding: UnsafeBufferPointer(start: base + q, count: e - q), as: UTF8.self)
                    .split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\t" || $0 == "\r" })
                if fields.contains(where: { Double($0) != nil }) { return nil }
                // Tabs shown as spaces: a header is usually tab separated.
                let shown = UnsafeBufferPointer(start: base + q, count: min(e - q, 80)).map { $0 == ASCII.tab ? ASCII.space : $0 }
                let text = shown.withUnsafeBufferPointer { TextScanning.describe($0) }
                return (line, text, StartPoint(offset: min(lineEnd + 1, bytes.count), lines: line))
            }
            p = lineEnd + 1
        }
        return nil
    }

    /// `error`, or the header error when `error` is on the first data line and the lines after
    /// it parse (`parseRest` succeeds from just past that line).
    static func headerError(_ error: GraphIOError, header: (line: Int, text: String, rest: StartPoint)?,
                            bytes: UnsafeBufferPointer<UInt8>, file: String,
                            parseRest: (StartPoint) throws(GraphIOError) -> Void) -> GraphIOError {
        guard case let .parse(_, line, _, _) = error, let header, line == header.line else { return error }
        do {
            try parseRest(header.rest)
        } catch _ {
            return error
        }
        return headerLineError(file: file, line: line, text: header.text)
    }

    /// The error for a header line `text` (as shown, quoted) at `line` above edges.
    public static func headerLineError(file: String, line: Int, text: String) -> GraphIOError {
        .parse(file: file, line: line, column: nil,
               message: "expected an edge, found a header line \(text) (the lines after it are edges); skip it with --skip-rows \(line) or start it with '#'")
    }

    /// The first error of the integer-id pass, and whether it was an id token that is not a
    /// non-negative 32-bit integer (which sends ``EdgeListReadOptions/IDMode/automatic`` to
    /// string ids).
    struct IntegerPassFailure: Error {
        var error: GraphIOError
        var idNotInteger: Bool
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
                                     idNotInteger: failure.idNotInteger)
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
        var sources = [Int32](unsafeUninitializedCapacity: total) { _, count in count = 0 }
        var targets = [Int32](unsafeUninitializedCapacity: total) { _, count in count = 0 }
        var weights = [Float](unsafeUninitializedCapacity: hasWeights ? total : 0) { _, count in count = 0 }
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

    /// Parses the whole lines in `base[start ..< end]` with integer ids. Stops at the first
    /// error, which it records with a chunk-relative line number.
    static func parseIntegerChunk(_ base: UnsafePointer<UInt8>, from start: Int, to end: Int, weighted: Bool?,
                                  limit: Int, releaseBehind: Bool = false) -> Chunk {
        // Locals only (no captured state) so the loop compiles to plain loads and stores.
        var sources: [Int32] = [], targets: [Int32] = [], weights: [Float] = []
        let estimate = (end - start) / 10
        sources.reserveCapacity(estimate)
        targets.reserveCapacity(estimate)
        var failure: ChunkFailure?
        var fieldCount = 0
        var firstDataLine = 0
        var maxID = -1
        var line = 0
        var p = start
        let releaseStep = 16 << 20
        var nextRelease = releaseBehind ? start + releaseStep : Int.max

        parsing: while p < end {
            line += 1
            if p >= nextRelease {
                FileBytes.releasePages(base, from: start, to: p)
                nextRelease = p + releaseStep
            }
            while p < end {
                let c = base[p]
                if c == ASCII.space || c == ASCII.tab || c == ASCII.carriageReturn { p += 1 } else { break }
            }
            if p == end { break }
            let first = base[p]
            if first == ASCII.newline { p += 1; continue }
            if first == ASCII.hash || first == ASCII.percent {
                var lineEnd = end
                if let hit = memchr(base + p, Int32(ASCII.newline), end - p) {
                    lineEnd = UnsafeRawPointer(hit).assumingMemoryBound(to: UInt8.self) - base
                }
                if memchr(base + p, 0, lineEnd - p) != nil {
                    failure = ChunkFailure(line: line, column: nil, kind: .message(nulMessage))
                    break parsing
                }
                p = min(lineEnd + 1, end)
                continue
            }

            var field = 0
            var source = 0, target = 0
            var weight: Float = 1
            while true {
                field += 1
                let tokenStart = p
                if field <= 2 {
                    var value = 0
                    var tooLarge = false
                    if end - p >= 8 {
                        // Up to 8 digits at once (SWAR; Lemire, "Faster integer parsing", 2018).
                        let (digits, parsed) = parseEightDigits(base + p)
                        value = parsed
                        p += digits
                        if value > limit { tooLarge = true }
                    }
                    while p < end {
                        let d = base[p] &- ASCII.zero
                        if d > 9 { break }
                        if !tooLarge {
                            value = value &* 10 &+ Int(d)
                            if value > limit { tooLarge = true }
                        }
                        p += 1
                    }
                    if p == tokenStart || tooLarge || (p < end && tokenEnd(base, p, end) != p) {
                        let e = tokenEnd(base, p, end)
                        failure = idFailure(UnsafeBufferPointer(start: base + tokenStart, count: e - tokenStart),
                                            tooLarge: tooLarge && e == p, limit: limit, field: field, line: line)
                        break parsing
                    }
                    if field == 1 { source = value } else { target = value }
                } else if field == 3 {
                    let e = tokenEnd(base, p, end)
                    let token = UnsafeBufferPointer(start: base + tokenStart, count: e - tokenStart)
                    if token.contains(0) {
                        failure = ChunkFailure(line: line, column: 3, kind: .message(nulMessage))
                        break parsing
                    }
                    switch thirdField(token, weighted: weighted) {
                    case let .success(w): weight = w
                    case let .failure(message):
                        failure = ChunkFailure(line: line, column: 3, kind: .message(message.text))
                        break parsing
                    }
                    p = e
                } else {
                    failure = ChunkFailure(line: line, column: field,
                                           kind: .message("expected at most 3 fields (source, target, weight), found more"))
                    break parsing
                }
                // Separator: blanks, at most one comma, blanks.
                var sawComma = false
                while p < end {
                    let c = base[p]
                    if c == ASCII.space || c == ASCII.tab || c == ASCII.carriageReturn {
                        p += 1
                    } else if c == ASCII.comma && !sawComma {
                        sawComma = true
                        p += 1
                    } else {
                        break
                    }
                }
                if p == end || base[p] == ASCII.newline {
                    if sawComma {
                        failure = ChunkFailure(line: line, column: field + 1,
                                               kind: .message(field + 1 <= 2 ? "expected an integer node id, found an empty field"
                                                                             : "expected a weight, found an empty field after a trailing ','"))
                        break parsing
                    }
                    break
                }
            }
            if p < end { p += 1 } // the newline

            if field == 1 {
                failure = ChunkFailure(line: line, column: nil, kind: .message("expected at least 2 fields (source and target), found 1"))
                break parsing
            }
            if weighted == true && field == 2 {
                failure = ChunkFailure(line: line, column: 3, kind: .message("expected a weight (weighted edge list), found none"))
                break parsing
            }
            if fieldCount == 0 {
                fieldCount = field
                firstDataLine = line
                if field == 3 && weighted != false { weights.reserveCapacity(estimate) }
            } else if field != fieldCount {
                failure = ChunkFailure(line: line, column: nil, kind: .fieldCount(expected: fieldCount, found: field))
                break parsing
            }
            sources.append(Int32(truncatingIfNeeded: source))
            targets.append(Int32(truncatingIfNeeded: target))
            if field == 3 && weighted != false { weights.append(weight) }
            if source > maxID { maxID = source }
            if target > maxID { maxID = target }
        }
        if releaseBehind { FileBytes.releasePages(base, from: start, to: p) }
        var chunk = Chunk()
        chunk.sources = sources
        chunk.targets = targets
        chunk.weights = weights
        chunk.fieldCount = fieldCount
        chunk.firstDataLine = firstDataLine
        chunk.lines = line
        chunk.maxID = maxID
        chunk.failure = failure
        chunk.edgeCount = chunk.sources.count
        return chunk
    }

    /// A message for a malformed weight.
    struct WeightError: Error { var text: String }

    /// Parses a weight token: a finite, non-negative decimal number.
    static func parseWeight(_ token: UnsafeBufferPointer<UInt8>) -> Result<Float, WeightError> {
        guard let w = TextScanning.parseFloat(token) else {
            return .failure(WeightError(text: "expected a weight (a number), found \(TextScanning.describe(token))"))
        }
        guard w.isFinite else {
            return .failure(WeightError(text: "expected a finite weight, found \(TextScanning.describe(token))"))
        }
        guard w >= 0 else {
            return .failure(WeightError(text: "expected a non-negative weight, found \(TextScanning.describe(token))"))
        }
        return .success(w)
    }

    /// The third field of an edge line: the weight, or with `weighted == false` a valid weight
    /// that is ignored (returned as 1): a token that is not a finite, non-negative number is an
    /// error either way, so a tool that ignores weights refuses the files a tool that reads them
    /// refuses; not a number at all gets a hint for names that contain a blank.
    static func thirdField(_ token: UnsafeBufferPointer<UInt8>, weighted: Bool?) -> Result<Float, WeightError> {
        guard TextScanning.parseFloat(token) != nil else {
            return .failure(WeightError(text: "expected a weight (a number), found \(TextScanning.describe(token)) (fields are separated by blanks or one comma, so a node name with a space reads as two fields)"))
        }
        return parseWeight(token).map { weighted == false ? 1 : $0 }
    }

    // MARK: - String ids

    static func parseStringIDs(_ bytes: UnsafeBufferPointer<UInt8>, file: String,
                               options: EdgeListReadOptions, from start: StartPoint) throws(GraphIOError) -> EdgeList {
        try TextScanning.rejectNULBytes(bytes, file: file)
        // From `start` on (past the BOM and skipped lines); line numbers stay the file's.
        let text = start.offset == 0 ? bytes : UnsafeBufferPointer(rebasing: bytes[start.offset...])
        var run = parseStringRun(text, skipBOM: start.offset == 0, options: options,
                                 capacity: options.numNodes ?? (largestNodeID + 1))
        if let failure = run.summary.failure {
            throw parseError(failure, file: file, lineOffset: start.lines, firstDataLine: start.lines + run.summary.firstDataLine)
        }
        if run.summary.fieldCount == 0 { throw noEdges(file, skipRows: options.skipRows, linesSkipped: start.lines) }
        let hasWeights = run.summary.fieldCount == 3 && options.weighted != false
        let list = makeEdgeList(sources: run.sources, targets: run.targets, weights: hasWeights ? run.weights : nil,
                                numNodes: max(run.names.count, options.numNodes ?? 0), nodeIDs: run.names)
        run = StringRun()
        return list
    }

    /// The edges of a run of lines with string ids: ids are numbered in order of first
    /// appearance in the run (``names``).
    struct StringRun {
        var sources: [Int32] = []
        var targets: [Int32] = []
        var weights: [Float] = []
        /// The run's distinct names, in order of first appearance.
        var names = NodeIDMap()
        /// Run-relative line of each name's first appearance, `[names.count]`.
        var nameLines: [Int] = []
        /// Field counts, lines and the first failure, as for integer runs (no ids in `maxID`).
        var summary = Chunk()
    }

    /// Parses the lines of `text` (a run of whole lines; a BOM skipped when `skipBOM`) with
    /// string ids. Never throws: parsing stops at the first failure, recorded in the summary
    /// with a run-relative line. With `capacity`, the name that would be number `capacity + 1`
    /// is a failure (one reader of the whole file); without, names are not counted (the ranks of
    /// a distributed read count them together).
    static func parseStringRun(_ text: UnsafeBufferPointer<UInt8>, skipBOM: Bool, options: EdgeListReadOptions,
                               capacity: Int?) -> StringRun {
        var run = StringRun()
        var fieldCount = 0
        var firstDataLine = 0
        var lastLine = 0
        func fail(_ line: Int, _ column: Int?, _ message: String) -> GraphIOError {
            .parse(file: "", line: line, column: column, message: message)
        }
        do throws(GraphIOError) {
            try TextScanning.forEachLine(text, skipBOM: skipBOM) { (line: Int, text: UnsafeBufferPointer<UInt8>) throws(GraphIOError) in
                lastLine = line
                let fields = TextScanning.splitFields(text)
                if fields.count == 1 {
                    throw fail(line, nil, "expected at least 2 fields (source and target), found 1")
                }
                if fields.count > 3 {
                    throw fail(line, 4, "expected at most 3 fields (source, target, weight), found \(fields.count)")
                }
                var ids: (Int32, Int32) = (0, 0)
                for f in 0..<2 {
                    let token = fields[f]
                    guard !token.isEmpty else {
                        throw fail(line, f + 1, "expected a node id, found an empty field")
                    }
                    guard let name = TextScanning.string(token), !token.contains(0) else {
                        throw fail(line, f + 1, "expected a node id, found \(TextScanning.describe(token))")
                    }
                    let isNew = run.names.lookup(name) == nil
                    if isNew, let capacity, run.names.count >= capacity {
                        throw fail(line, f + 1, "node '\(name)' is name number \(run.names.count + 1), more than numNodes = \(capacity)")
                    }
                    if isNew { run.nameLines.append(line) }
                    let id = run.names.id(for: name)
                    if f == 0 { ids.0 = id } else { ids.1 = id }
                }
                var weight: Float = 1
                if fields.count == 3 {
                    switch thirdField(fields[2], weighted: options.weighted) {
                    case let .success(w): weight = w
                    case let .failure(message): throw fail(line, 3, message.text)
                    }
                }
                if options.weighted == true && fields.count == 2 {
                    throw fail(line, 3, "expected a weight (weighted edge list), found none")
                }
                if fieldCount == 0 {
                    fieldCount = fields.count
                    firstDataLine = line
                } else if fields.count != fieldCount {
                    run.summary.failure = ChunkFailure(line: line, column: nil, kind: .fieldCount(expected: fieldCount, found: fields.count))
                    throw fail(line, nil, "")
                }
                run.sources.append(ids.0)
                run.targets.append(ids.1)
                if fields.count == 3 && options.weighted != false { run.weights.append(weight) }
            }
            run.summary.lines = TextScanning.lineCount(text, skipBOM: skipBOM)
        } catch {
            if run.summary.failure == nil, case let .parse(_, line, column, message) = error {
                run.summary.failure = ChunkFailure(line: line, column: column, kind: .message(message))
            }
            run.summary.lines = lastLine
        }
        run.summary.fieldCount = fieldCount
        run.summary.firstDataLine = firstDataLine
        run.summary.edgeCount = run.sources.count
        return run
    }
}
