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
/// Stray lines: only the first data line can be a header. In automatic id mode, a later line
/// whose id is not a non-negative integer (`source target` repeated at the end, `1 -1`) while
/// every other line is an integer edge with as many fields is an error naming it (with another
/// field count, reading names fails on it anyway), not a reason to read every id as
/// a name; names on two or more lines (or on the first) make a string-id file, and ids of
/// digits only too large for 32 bits are still relabelled (`+StrayLine`).
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
///
/// Source files: this one (entry points, dispatch); `+Header` (skipped rows, the header rule);
/// `+StrayLine` (the stray-line rule);
/// `+IntegerIDs` (chunking, merging, errors) and `+IntegerChunk` (one chunk's tokens and
/// weights); `+StringIDs`; `+Compressed` (gzip); `+Parts` (reading in parts).
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
    ///   or more than three, a non-integer, negative or too large id (integer mode), a stray
    ///   line with non-integer ids among integer edges (automatic mode), an id at or
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
        let restOptions = headerRestOptions(options)
        switch options.idMode {
        case .string:
            do {
                return try parseStringIDs(bytes, file: file, options: options, from: skipped)
            } catch {
                throw headerError(error, header: header, bytes: bytes, file: file) { rest throws(GraphIOError) in
                    _ = try parseStringIDs(bytes, file: file, options: restOptions, from: rest)
                }
            }
        case .integer, .automatic:
            // The integer parser checks every byte itself (a NUL byte fails any token or comment).
            do throws(IntegerPassFailure) {
                return try parseIntegerIDs(bytes, file: file, options: options, releaseBehind: releaseBehind, from: skipped)
            } catch {
                let integerError = headerError(error.error, header: header, bytes: bytes, file: file) { rest throws(GraphIOError) in
                    do throws(IntegerPassFailure) {
                        _ = try parseIntegerIDs(bytes, file: file, options: restOptions, releaseBehind: false, from: rest)
                    } catch {
                        throw error.error
                    }
                }
                if integerError != error.error { throw integerError }
                if options.idMode == .automatic,
                   let stray = strayLineError(error, bytes: bytes, file: file, options: options, from: skipped) {
                    throw stray
                }
                if error.idNotInteger && options.idMode == .automatic {
                    do {
                        return try parseStringIDs(bytes, file: file, options: options, from: skipped)
                    } catch {
                        throw headerError(error, header: header, bytes: bytes, file: file) { rest throws(GraphIOError) in
                            _ = try parseStringIDs(bytes, file: file, options: restOptions, from: rest)
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
}
