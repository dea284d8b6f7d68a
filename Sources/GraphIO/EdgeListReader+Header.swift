import DenseMath
import Foundation
import GraphCore

// Where parsing starts (skipped rows, BOM) and the header rule: a first data line that fails
// while the rest parses is reported as a header, never read as an edge.
extension EdgeListReader {
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
    /// there is none, when it is not UTF-8 text, or when one of its fields reads as a number
    /// (`0 1 nan`, `0 1 -3`: an edge with a bad weight is reported as such; skipping it as a
    /// header would drop the edge).
    static func firstDataLine(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int,
                              lineOffset: Int) -> (line: Int, text: String, rest: StartPoint)? {
        guard let base = bytes.baseAddress else { return nil }
        var header: (line: Int, text: String, rest: StartPoint)?
        forEachDataLine(bytes, from: start, lineOffset: lineOffset) { line, q, lineEnd in
            var e = lineEnd
            while e > q && TextScanning.isBlank(base[e - 1]) { e -= 1 }
            // Bytes that are not text are no header: the edge parser names them as such.
            guard TextScanning.string(UnsafeBufferPointer(start: base + q, count: e - q)) != nil else { return false }
            let fields = String(decoding: UnsafeBufferPointer(start: base + q, count: e - q), as: UTF8.self)
                .split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\t" || $0 == "\r" })
            if fields.contains(where: { Double($0) != nil }) { return false }
            // Tabs shown as spaces: a header is usually tab separated.
            let shown = UnsafeBufferPointer(start: base + q, count: min(e - q, 80)).map { $0 == ASCII.tab ? ASCII.space : $0 }
            let text = shown.withUnsafeBufferPointer { TextScanning.describe($0) }
            header = (line, text, StartPoint(offset: min(lineEnd + 1, bytes.count), lines: line))
            return false
        }
        return header
    }

    /// The options the lines after a header candidate are parsed with to tell a header: those
    /// of the read, except that weights are not required (`weighted == true` becomes `nil`), so
    /// a header above unweighted lines is named as such with or without `--weighted` (the
    /// missing weights are reported once the header is skipped).
    static func headerRestOptions(_ options: EdgeListReadOptions) -> EdgeListReadOptions {
        var rest = options
        if rest.weighted == true { rest.weighted = nil }
        return rest
    }

    /// `error`, or the header error when `error` is on the first data line and the lines after
    /// it parse (`parseRest` succeeds from just past that line; parse them with
    /// ``headerRestOptions(_:)``).
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
}
