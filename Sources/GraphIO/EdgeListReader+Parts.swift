import Foundation
import GraphCore

/// One rank's share of an edge-list file (``EdgeListReader/readPart(_:part:of:options:strings:)``).
public struct EdgeListPart: Sendable {
    /// Sources and targets: integer ids as read, or (``strings``) indices into ``names``.
    public var sources: [Int32]
    public var targets: [Int32]
    /// Weights when the part's lines have a third field and weights are not ignored.
    public var weights: [Float]?
    /// Whether ids are names (string mode).
    public let strings: Bool
    /// String mode: the part's distinct names in order of first appearance.
    public var names: [String]
    /// String mode: part-relative line of each name's first appearance, `[names.count]`.
    public var nameLines: [Int]
    /// What the part's lines hold and its first failure; merge the parts' summaries in part
    /// order with ``EdgeListPartSummary/merged(_:)``.
    public var summary: EdgeListPartSummary
    /// Lines of the file before the first part (a BOM and the skipped rows).
    public let linesBefore: Int
}

/// The line-level facts of a part of an edge list, as a sequential reader would find them.
/// Merging the parts' summaries in order gives the whole file's (the merge is associative).
public struct EdgeListPartSummary: Sendable, Codable, Equatable {
    /// Field count of the first data line (0: no data line).
    public var fieldCount = 0
    /// Part-relative line of the first data line.
    public var firstDataLine = 0
    /// Lines in the part (up to the failure when there is one).
    public var lines = 0
    /// Largest integer id (−1 when none, and in string mode).
    public var maxID = -1
    /// Data lines (edges) read.
    public var edgeCount = 0
    /// The first failure: part-relative line, column, message (empty for a field-count
    /// mismatch, which `expected`/`found` describe) and whether it was a non-integer id.
    public var failureLine: Int?
    public var failureColumn: Int?
    public var failureMessage = ""
    public var expectedFields = 0
    public var foundFields = 0
    public var idNotInteger = false

    public init() {}

    /// The summaries of consecutive parts as one, exactly as a sequential read finds it.
    public static func merged(_ parts: [EdgeListPartSummary]) -> EdgeListPartSummary {
        EdgeListPartSummary(EdgeListReader.merge(parts.map { $0.chunk }))
    }

    /// The parse error of the failure (lines counted from `linesBefore` lines into `file`),
    /// or `nil` when there is none.
    public func error(file: String, linesBefore: Int) -> GraphIOError? {
        guard let failure = chunk.failure else { return nil }
        return EdgeListReader.parseError(failure, file: file, lineOffset: linesBefore, firstDataLine: linesBefore + firstDataLine)
    }

    init(_ c: EdgeListReader.Chunk) {
        fieldCount = c.fieldCount
        firstDataLine = c.firstDataLine
        lines = c.lines
        maxID = c.maxID
        edgeCount = c.edgeCount
        if let f = c.failure {
            failureLine = f.line
            failureColumn = f.column
            idNotInteger = f.idNotInteger
            switch f.kind {
            case let .message(text): failureMessage = text
            case let .fieldCount(expected, found): (expectedFields, foundFields) = (expected, found)
            }
        }
    }

    var chunk: EdgeListReader.Chunk {
        var c = EdgeListReader.Chunk()
        c.fieldCount = fieldCount
        c.firstDataLine = firstDataLine
        c.lines = lines
        c.maxID = maxID
        c.edgeCount = edgeCount
        if let failureLine {
            let kind: EdgeListReader.ChunkFailure.Kind = expectedFields > 0
                ? .fieldCount(expected: expectedFields, found: foundFields) : .message(failureMessage)
            c.failure = EdgeListReader.ChunkFailure(line: failureLine, column: failureColumn, kind: kind, idNotInteger: idNotInteger)
        }
        return c
    }
}

extension EdgeListReader {
    /// Reads part `part` of `parts` of the edge list at `path`: the text after the BOM and the
    /// skipped rows is cut into `parts` runs of whole lines of about equal bytes (each cut just
    /// after the first newline at or past an equal share, so every reader finds the same cuts
    /// by looking only near them), and this part's run is parsed. The file is mapped, so a
    /// reader touches only its own run's pages (and returns them as it goes).
    ///
    /// Integer mode (`strings == false`) keeps ids as read and never throws a parse error:
    /// failures go to the summary (a non-integer id sets `idNotInteger`, the signal for
    /// automatic mode to read again with `strings`). String mode numbers the part's names in
    /// order of first appearance; the ranks' name lists, concatenated in part order with
    /// repeats dropped, give the ids one sequential read gives.
    ///
    /// A gzip file cannot be cut without reading what comes before: every reader decompresses
    /// the whole text into memory and parses its run of it. A `.npy` `edge_index`
    /// (``EdgeIndexReader``) is read whole by every reader, which keeps an equal share of its
    /// edges (an edge counts as a line).
    /// - Throws: the file errors of ``read(_:options:)`` (parse failures, NUL bytes included,
    ///   are in the summary); for `.npy`, the errors of ``EdgeIndexReader/read(_:options:)``.
    /// - Complexity: O(file size / parts) time and memory for one part of a plain text file.
    public static func readPart(_ path: String, part: Int, of parts: Int, options: EdgeListReadOptions,
                                strings: Bool) throws(GraphIOError) -> EdgeListPart {
        precondition(parts >= 1 && part >= 0 && part < parts, "readPart: part \(part) of \(parts)")
        if FilePaths.formatExtension(of: path) == "npy" {
            return try EdgeIndexReader.readPart(path, part: part, of: parts, options: options, strings: strings)
        }
        if let n = options.numNodes, n < 0 || n > largestNodeID + 1 {
            throw .shapeMismatch("\(path): the numNodes option (\(n)) is outside 0...\(largestNodeID + 1)")
        }
        guard options.skipRows >= 0 else {
            throw .shapeMismatch("\(path): the skipRows option (\(options.skipRows)) is negative")
        }
        return try FileBytes.withContents(path, populate: false) { (bytes, mapped) throws(GraphIOError) -> EdgeListPart in
            let start = skipLines(bytes, count: options.skipRows)
            guard let base = bytes.baseAddress else {
                return EdgeListPart(sources: [], targets: [], weights: nil, strings: strings, names: [], nameLines: [],
                                    summary: EdgeListPartSummary(), linesBefore: start.lines)
            }
            let bounds = lineBounds(base, from: start.offset, to: bytes.count, pieces: parts)
            let lo = bounds[part], hi = bounds[part + 1]
            let threads = max(1, options.threadCount ?? 1)
            if !strings {
                let chunk = parseIntegerRange(base, from: lo, to: hi, options: options, threads: threads, releaseBehind: mapped)
                let hasWeights = chunk.fieldCount == 3 && options.weighted != false
                return EdgeListPart(sources: chunk.sources, targets: chunk.targets, weights: hasWeights ? chunk.weights : nil,
                                    strings: false, names: [], nameLines: [], summary: EdgeListPartSummary(chunk),
                                    linesBefore: start.lines)
            }
            let text = UnsafeBufferPointer(start: base + lo, count: hi - lo)
            var run = StringRun()
            if let hit = memchr(base + lo, 0, hi - lo) {
                // A NUL byte fails the part at its line (a whole-file read reports it first).
                let offset = UnsafeRawPointer(hit) - UnsafeRawPointer(base + lo)
                let line = TextScanning.lineNumber(text, offset: offset)
                run.summary.failure = ChunkFailure(line: line, column: nil, kind: .message(
                    "found a NUL byte at byte offset \(lo + offset): this looks like a binary file, not text"))
                run.summary.lines = line
            } else {
                run = parseStringRun(text, skipBOM: false, options: options, capacity: nil)
            }
            let hasWeights = run.summary.fieldCount == 3 && options.weighted != false
            return EdgeListPart(sources: run.sources, targets: run.targets, weights: hasWeights ? run.weights : nil,
                                strings: true, names: run.names.names, nameLines: run.nameLines,
                                summary: EdgeListPartSummary(run.summary), linesBefore: start.lines)
        }
    }

    /// For the header check of automatic id mode: part `part`'s first data line as shown in
    /// messages, and the integer-id summary of the part's lines after it (lines relative to
    /// just past it). `nil` when the part has no data line.
    /// - Throws: the file errors of ``read(_:options:)``.
    public static func partAfterFirstDataLine(_ path: String, part: Int, of parts: Int,
                                              options: EdgeListReadOptions) throws(GraphIOError) -> (text: String, rest: EdgeListPartSummary)? {
        try withPart(path, part: part, of: parts, options: options) { base, from, to in
            guard let header = firstDataLine(UnsafeBufferPointer(start: base, count: to), from: from, lineOffset: 0) else { return nil }
            let chunk = parseIntegerRange(base, from: header.rest.offset, to: to, options: headerRestOptions(options),
                                          threads: 1, releaseBehind: false)
            return (header.text, EdgeListPartSummary(chunk))
        }
    }

    /// Runs `body` on part `part` of `parts` of the text edge list at `path`, cut as
    /// ``readPart(_:part:of:options:strings:)`` cuts it (after the skipped rows): the file's
    /// bytes and the part's byte range `from ..< to`. `nil` for a `.npy` `edge_index`, whose
    /// parts never fail. For the error paths of `mpirun` reads.
    /// - Throws: the file errors of ``read(_:options:)``.
    static func withPart<R>(_ path: String, part: Int, of parts: Int, options: EdgeListReadOptions,
                            _ body: (_ base: UnsafePointer<UInt8>, _ from: Int, _ to: Int) -> R?) throws(GraphIOError) -> R? {
        if FilePaths.formatExtension(of: path) == "npy" { return nil }
        return try FileBytes.withContents(path, populate: false) { (bytes, _) throws(GraphIOError) -> R? in
            let start = skipLines(bytes, count: options.skipRows)
            guard let base = bytes.baseAddress else { return nil }
            let bounds = lineBounds(base, from: start.offset, to: bytes.count, pieces: parts)
            return body(base, bounds[part], bounds[part + 1])
        }
    }
}
