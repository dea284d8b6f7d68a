import DenseMath
import Foundation
import GraphCore

// The stray-line rule of automatic id mode: below the first data line, one line whose ids are
// not integers (`source target` repeated at the end of a file, a footer) among integer edges is
// an error naming it, not a reason to read every id as a name. Only error paths come here: the
// integer pass has already stopped at that line.
extension EdgeListReader {
    /// The error for a stray non-edge line `text` (as shown, quoted) at `line` of a file whose
    /// other lines are edges with integer ids.
    public static func strayLineError(file: String, line: Int, text: String) -> GraphIOError {
        .parse(file: file, line: line, column: nil,
               message: "expected an edge with integer node ids like the other lines, found \(text); only the first line can be a header: delete this line or start it with '#' (or read every id as a name with id mode 'string')")
    }

    /// The line that starts `count - 1` lines after `start` in `base[start ..< end]` (`count`
    /// 1-based): its bytes without the newline and a trailing CR, and the offset just past it.
    static func line(_ count: Int, of base: UnsafePointer<UInt8>, from start: Int, to end: Int) -> (text: UnsafeBufferPointer<UInt8>, next: Int)? {
        var p = start
        for _ in 1..<max(count, 1) {
            guard p < end, let hit = memchr(base + p, Int32(ASCII.newline), end - p) else { return nil }
            p = UnsafeRawPointer(hit).assumingMemoryBound(to: UInt8.self) - base + 1
        }
        guard p < end else { return nil }
        var lineEnd = end
        if let hit = memchr(base + p, Int32(ASCII.newline), end - p) {
            lineEnd = UnsafeRawPointer(hit).assumingMemoryBound(to: UInt8.self) - base
        }
        let next = min(lineEnd + 1, end)
        if lineEnd > p && base[lineEnd - 1] == ASCII.carriageReturn { lineEnd -= 1 }
        return (UnsafeBufferPointer(start: base + p, count: lineEnd - p), next)
    }

    /// The line as messages show it (quoted, tabs as spaces, at most 80 bytes) when its id in
    /// field `column` is not a non-negative integer (a name, a negative number); `nil` for an id
    /// of digits only (too large for 32 bits: the sparse-id rule relabels those as names), and
    /// for a line that does not have the `fieldCount` fields of the other lines or is not
    /// printable UTF-8 text: read as names, such a file fails on that line anyway, with an
    /// error that says what is wrong with it.
    static func strayCandidate(_ text: UnsafeBufferPointer<UInt8>, column: Int?, fieldCount: Int) -> String? {
        guard let string = TextScanning.string(text),
              !string.unicodeScalars.contains(where: { ($0.value < 0x20 && $0 != "\t") || $0.value == 0x7F }) else { return nil }
        let fields = TextScanning.splitFields(text)
        guard fields.count == fieldCount, let column, column >= 1, column <= 2 else { return nil }
        let token = fields[column - 1]
        if !token.isEmpty && token.allSatisfy({ $0 >= ASCII.zero && $0 <= ASCII.nine }) { return nil }
        let shown = TextScanning.trim(text).prefix(80).map { $0 == ASCII.tab ? ASCII.space : $0 }
        return shown.withUnsafeBufferPointer { TextScanning.describe($0) }
    }

    /// The stray-line error for an integer pass that failed below the first data line on an
    /// id that is not an integer, in a line of as many fields as the others, when the lines
    /// after it parse as integer edges with the same field count; `nil` otherwise (the file is
    /// read with string ids, as before).
    static func strayLineError(_ failure: IntegerPassFailure, bytes: UnsafeBufferPointer<UInt8>, file: String,
                               options: EdgeListReadOptions, from start: StartPoint) -> GraphIOError? {
        guard failure.idNotInteger, failure.fieldsBefore > 0, let base = bytes.baseAddress,
              case let .parse(_, lineNumber, column, _) = failure.error, lineNumber > start.lines,
              let found = line(lineNumber - start.lines, of: base, from: start.offset, to: bytes.count),
              let text = strayCandidate(found.text, column: column, fieldCount: failure.fieldsBefore) else { return nil }
        let size = bytes.count - found.next
        let threads = max(1, options.threadCount ?? (size >= 4 << 20 ? Parallel.defaultThreadCount : 1))
        let rest = parseIntegerRange(base, from: found.next, to: bytes.count, options: options, threads: threads, releaseBehind: false)
        guard rest.failure == nil, rest.fieldCount == 0 || rest.fieldCount == failure.fieldsBefore else { return nil }
        return strayLineError(file: file, line: lineNumber, text: text)
    }

    /// For the stray-line rule under `mpirun`: line `line` (relative to the start of part `part`
    /// of `parts`, as ``readPart(_:part:of:options:strings:)`` cuts the file) as shown in
    /// messages when its id in field `column` is not an integer and it has the `fieldCount`
    /// fields of the lines before it, and the integer-id summary of the part's lines after it.
    /// `nil` when the line is not such a line.
    /// - Throws: the file errors of ``read(_:options:)``.
    public static func partAfterStrayLine(_ path: String, part: Int, of parts: Int, line: Int, column: Int?, fieldCount: Int,
                                          options: EdgeListReadOptions) throws(GraphIOError) -> (text: String, rest: EdgeListPartSummary)? {
        try withPart(path, part: part, of: parts, options: options) { base, from, to in
            guard let found = self.line(line, of: base, from: from, to: to),
                  let text = strayCandidate(found.text, column: column, fieldCount: fieldCount) else { return nil }
            let rest = parseIntegerRange(base, from: found.next, to: to, options: options, threads: 1, releaseBehind: false)
            return (text, EdgeListPartSummary(rest))
        }
    }
}
