import DenseMath
import Foundation
import GraphCore

/// Reads edge-list text files into a ``GraphCore/EdgeList``.
///
/// Format: one edge per line, `source target [weight]`. Fields are separated by a run of spaces
/// and tabs or by one comma (blanks around it allowed); leading and trailing blanks are ignored.
/// Lines whose first non-blank character is `#` or `%` are comments; blank lines are skipped;
/// CRLF line endings and a UTF-8 byte-order mark are accepted. Every data line has the same
/// number of fields (2, or 3 with weights). Weights must be finite and non-negative; a third
/// field is parsed as a number even when weights are ignored (``EdgeListReadOptions/weighted``
/// `false`), so every tool reads a file the same way.
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
/// returned as listed; ``GraphCore/GraphBuilder`` applies its duplicate and self-loop policies.
///
/// Speed and memory: the file is mapped into memory (`mmap(2)`, no copy) and scanned with unsafe
/// pointers; integers are parsed by hand, eight digits at a time (SWAR). With integer ids the
/// buffer is cut at newlines into chunks (four per thread) that ``EdgeListReadOptions/threadCount``
/// threads parse in parallel; the chunks are concatenated in order, so the result and the first
/// error reported are identical to a sequential parse. Parsed pages of the mapping are handed
/// back to the OS as the parse advances, so peak resident memory is about the result (8 bytes per
/// edge, 12 when weighted) plus 16 MiB per thread and, when parallel, one chunk's edges.
public enum EdgeListReader {
    /// The largest integer node id accepted, `Int32.max - 1`, so that `numNodes` fits in
    /// `Int32` (CSR column indices are 32-bit).
    public static let largestNodeID = Int(Int32.max) - 1

    /// Reads the edge list in the file at `path`.
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
    ///   ``GraphIOError/shapeMismatch(_:)`` for a `numNodes` option outside `0 ... Int32.max`.
    /// - Complexity: O(file size) time; memory as described on the type.
    public static func read(_ path: String, options: EdgeListReadOptions = .init()) throws(GraphIOError) -> EdgeList {
        try FileBytes.withContents(path, populate: false) { (bytes, mapped) throws(GraphIOError) in
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

    /// The first data line (not blank, not a comment) at or after `start`: its file line number,
    /// its text, and the start point just past it. `nil` when there is none.
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
        return .parse(file: file, line: line, column: nil,
                      message: "expected an edge, found a header line \(header.text) (the lines after it are edges); skip it with --skip-rows \(line) or start it with '#'")
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
    }

    static func parseIntegerIDs(_ bytes: UnsafeBufferPointer<UInt8>, file: String, options: EdgeListReadOptions,
                                releaseBehind: Bool, from startPoint: StartPoint) throws(IntegerPassFailure) -> EdgeList {
        guard let base = bytes.baseAddress else {
            throw IntegerPassFailure(error: .empty(file), idNotInteger: false)
        }
        let start = startPoint.offset
        let end = bytes.count
        let threads = max(1, options.threadCount ?? (end - start >= 4 << 20 ? Parallel.defaultThreadCount : 1))
        let limit = options.numNodes.map { $0 - 1 } ?? largestNodeID

        // Cut at line starts, into 4 chunks per thread when parallel: the chunks are copied into
        // the result and freed one by one, so smaller chunks mean a lower memory peak.
        let pieces = threads == 1 ? 1 : 4 * threads
        var cut = [start]
        for k in 1..<pieces {
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
        let bounds = cut

        let chunkCount = bounds.count - 1
        var chunks = [Chunk](repeating: Chunk(), count: chunkCount)
        chunks.withUnsafeMutableBufferPointer { out in
            Parallel.forEachRange(total: chunkCount, count: threads) { range in
                for c in range {
                    out[c] = parseIntegerChunk(base, from: bounds[c], to: bounds[c + 1], weighted: options.weighted,
                                               limit: limit, releaseBehind: releaseBehind)
                }
            }
        }

        // Merge: the first error in file order wins, exactly as in a sequential parse.
        var fieldCount = 0
        var firstDataLine = 0
        var lineOffset = startPoint.lines
        var total = 0
        var maxID = -1
        for chunk in chunks {
            if chunk.fieldCount != 0 {
                if fieldCount == 0 {
                    fieldCount = chunk.fieldCount
                    firstDataLine = lineOffset + chunk.firstDataLine
                } else if chunk.fieldCount != fieldCount {
                    throw IntegerPassFailure(
                        error: .parse(file: file, line: lineOffset + chunk.firstDataLine, column: nil,
                                      message: fieldCountMessage(expected: fieldCount, found: chunk.fieldCount, firstLine: firstDataLine)),
                        idNotInteger: false)
                }
            }
            if let failure = chunk.failure {
                let message: String
                switch failure.kind {
                case let .message(text): message = text
                case let .fieldCount(expected, found):
                    message = fieldCountMessage(expected: expected, found: found, firstLine: firstDataLine)
                }
                throw IntegerPassFailure(error: .parse(file: file, line: lineOffset + failure.line, column: failure.column,
                                                       message: message),
                                         idNotInteger: failure.idNotInteger)
            }
            lineOffset += chunk.lines
            total += chunk.sources.count
            maxID = max(maxID, chunk.maxID)
        }
        if fieldCount == 0 { throw IntegerPassFailure(error: .empty(file), idNotInteger: false) }

        let hasWeights = fieldCount == 3 && options.weighted != false
        var sources: [Int32], targets: [Int32], weights: [Float]?
        if chunks.count == 1 {
            sources = chunks[0].sources
            targets = chunks[0].targets
            weights = hasWeights ? chunks[0].weights : nil
            chunks = []
        } else {
            (sources, targets, weights) = concatenate(&chunks, total: total, weights: hasWeights)
        }
        if options.idMode == .automatic && options.numNodes == nil && isSparseIDSpace(maxID: maxID, edges: total) {
            // Dense arrays over 0...maxID would waste memory (a two-line file with id 2e9 would
            // need tens of GiB): automatic mode relabels such ids as strings.
            throw IntegerPassFailure(
                error: .shapeMismatch("\(file): node ids reach \(maxID) but there are only \(total) edges; integer ids index dense arrays of max id + 1 nodes, so relabel them as strings (id mode 'string') or give the node count"),
                idNotInteger: true)
        }
        let numNodes = max(maxID + 1, options.numNodes ?? 0)
        return makeEdgeList(sources: sources, targets: targets, weights: weights, numNodes: numNodes, nodeIDs: nil)
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

    /// The third field of an edge line: the weight, or with `weighted == false` any number
    /// (ignored, returned as 1). A token that is not a number is an error either way, with a
    /// hint for names that contain a blank.
    static func thirdField(_ token: UnsafeBufferPointer<UInt8>, weighted: Bool?) -> Result<Float, WeightError> {
        guard TextScanning.parseFloat(token) != nil else {
            return .failure(WeightError(text: "expected a weight (a number), found \(TextScanning.describe(token)) (fields are separated by blanks or one comma, so a node name with a space reads as two fields)"))
        }
        if weighted == false { return .success(1) }
        return parseWeight(token)
    }

    // MARK: - String ids

    static func parseStringIDs(_ bytes: UnsafeBufferPointer<UInt8>, file: String,
                               options: EdgeListReadOptions, from start: StartPoint) throws(GraphIOError) -> EdgeList {
        try TextScanning.rejectNULBytes(bytes, file: file)
        // From `start` on (past the BOM and skipped lines); line numbers stay the file's.
        let text = start.offset == 0 ? bytes : UnsafeBufferPointer(rebasing: bytes[start.offset...])
        var map = NodeIDMap()
        var sources: [Int32] = [], targets: [Int32] = [], weights: [Float] = []
        var fieldCount = 0
        var firstDataLine = 0
        let capacity = options.numNodes ?? (largestNodeID + 1)
        try TextScanning.forEachLine(text, skipBOM: start.offset == 0) { (relativeLine: Int, text: UnsafeBufferPointer<UInt8>) throws(GraphIOError) in
            let line = relativeLine + start.lines
            let fields = TextScanning.splitFields(text)
            if fields.count == 1 {
                throw .parse(file: file, line: line, column: nil, message: "expected at least 2 fields (source and target), found 1")
            }
            if fields.count > 3 {
                throw .parse(file: file, line: line, column: 4, message: "expected at most 3 fields (source, target, weight), found \(fields.count)")
            }
            var ids: (Int32, Int32) = (0, 0)
            for f in 0..<2 {
                let token = fields[f]
                guard !token.isEmpty else {
                    throw .parse(file: file, line: line, column: f + 1, message: "expected a node id, found an empty field")
                }
                guard let name = TextScanning.string(token), !token.contains(0) else {
                    throw .parse(file: file, line: line, column: f + 1,
                                 message: "expected a node id, found \(TextScanning.describe(token))")
                }
                let isNew = map.lookup(name) == nil
                if isNew && map.count >= capacity {
                    throw .parse(file: file, line: line, column: f + 1,
                                 message: "node '\(name)' is name number \(map.count + 1), more than numNodes = \(capacity)")
                }
                let id = map.id(for: name)
                if f == 0 { ids.0 = id } else { ids.1 = id }
            }
            var weight: Float = 1
            if fields.count == 3 {
                switch thirdField(fields[2], weighted: options.weighted) {
                case let .success(w): weight = w
                case let .failure(message): throw .parse(file: file, line: line, column: 3, message: message.text)
                }
            }
            if options.weighted == true && fields.count == 2 {
                throw .parse(file: file, line: line, column: 3, message: "expected a weight (weighted edge list), found none")
            }
            if fieldCount == 0 {
                fieldCount = fields.count
                firstDataLine = line
            } else if fields.count != fieldCount {
                throw .parse(file: file, line: line, column: nil,
                             message: fieldCountMessage(expected: fieldCount, found: fields.count, firstLine: firstDataLine))
            }
            sources.append(ids.0)
            targets.append(ids.1)
            if fields.count == 3 && options.weighted != false { weights.append(weight) }
        }
        if fieldCount == 0 { throw .empty(file) }
        let hasWeights = fieldCount == 3 && options.weighted != false
        return makeEdgeList(sources: sources, targets: targets, weights: hasWeights ? weights : nil,
                            numNodes: max(map.count, options.numNodes ?? 0), nodeIDs: map)
    }
}
