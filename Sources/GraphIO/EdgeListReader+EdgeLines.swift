#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import GraphCore

// Where an edge came from: the file line of edge i, for messages about an edge the reader
// accepted but a later step refuses (a self-loop under a rejecting policy).
extension EdgeListReader {
    /// The file line (1-based) of edge `index` (0-based, in the order ``read(_:options:)``
    /// returns the edges) of the text edge list at `path`: every data line after the skipped
    /// rows is one edge, so it is the `index + 1`-th line that is not blank or a comment. `nil`
    /// for a `.npy` `edge_index` (it has no lines) or when the file has fewer edges.
    /// - Throws: the file errors of ``read(_:options:)``.
    /// - Complexity: O(bytes up to that line); meant for error messages.
    public static func line(ofEdge index: Int, in path: String, options: EdgeListReadOptions = .init()) throws(GraphIOError) -> Int? {
        guard index >= 0, FilePaths.formatExtension(of: path) != "npy" else { return nil }
        return try FileBytes.withContents(path, populate: false) { (bytes, _) throws(GraphIOError) -> Int? in
            let start = skipLines(bytes, count: max(options.skipRows, 0))
            var edges = 0, found: Int?
            forEachDataLine(bytes, from: start.offset, lineOffset: start.lines) { line, _, _ in
                if edges == index { found = line; return false }
                edges += 1
                return true
            }
            return found
        }
    }

    /// Walks the data lines of `bytes` from offset `start` (lines that are not blank and do not
    /// start with `#` or `%` after blanks), calling `body` with the line's number (1-based,
    /// counted after `lineOffset`), the offset of its first non-blank byte and the offset of its
    /// end (its newline, or the end of `bytes`), until `body` returns `false`. For error paths
    /// and header checks, not the parsers' hot loops.
    static func forEachDataLine(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, lineOffset: Int,
                                _ body: (_ line: Int, _ first: Int, _ end: Int) -> Bool) {
        guard let base = bytes.baseAddress else { return }
        var p = start, line = lineOffset
        while p < bytes.count {
            line += 1
            var lineEnd = bytes.count
            if let hit = memchr(base + p, Int32(ASCII.newline), bytes.count - p) {
                lineEnd = UnsafeRawPointer(hit).assumingMemoryBound(to: UInt8.self) - base
            }
            var q = p
            while q < lineEnd && TextScanning.isBlank(base[q]) { q += 1 }
            if q < lineEnd && base[q] != ASCII.hash && base[q] != ASCII.percent && !body(line, q, lineEnd) { return }
            p = lineEnd + 1
        }
    }
}
