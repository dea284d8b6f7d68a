import Foundation
import GraphCore

/// Reads hypergraphs given as one hyperedge per line.
///
/// Format: each non-blank line lists the member vertex ids (0-based, non-negative integers) of
/// one hyperedge, separated by tabs or spaces (commas are accepted too). `#`/`%` comment lines and
/// blank lines are skipped; CRLF and a UTF-8 BOM are accepted. A hyperedge may have one member,
/// list a member twice, or repeat an earlier hyperedge: lines are returned as published, and
/// ``/GraphCore/Hypergraph`` decides whether to merge.
///
/// ```
/// 14	258
/// 192	193	280	420	519
/// ```
public enum HyperedgeListReader {
    /// Reads the hyperedge file at `path`.
    /// - Parameters:
    ///   - path: the hyperedge list (plain or gzip-compressed).
    ///   - numVertices: the number of vertices, when known; every id must be below it.
    ///     With `nil`, ids are limited to `0 ... Int32.max - 1`.
    /// - Returns: one member list per data line, in file order (its `count` is the number of
    ///   hyperedges read).
    /// - Throws: the file errors of ``EdgeListReader/read(_:options:)``; ``GraphIOError/empty(_:)``;
    ///   ``GraphIOError/parse(file:line:column:message:)`` naming the line and member position of
    ///   a non-integer, negative or out-of-range id, an empty field, or NUL bytes.
    public static func read(_ path: String, numVertices: Int? = nil) throws(GraphIOError) -> [[Int]] {
        try parse(FileBytes.read(path), file: path, numVertices: numVertices)
    }

    /// Reads the hyperedge file at `path` and builds the ``/GraphCore/Hypergraph``.
    /// - Parameters:
    ///   - path: the hyperedge list (plain or gzip-compressed).
    ///   - numVertices: vertex count; `nil` uses the largest id + 1.
    ///   - mergeDuplicates: passed to ``/GraphCore/Hypergraph/init(hyperedges:numVertices:weights:mergeDuplicates:addSingletons:)``.
    ///   - addSingletons: passed to the same initializer.
    /// - Throws: as ``read(_:numVertices:)``.
    public static func readHypergraph(_ path: String, numVertices: Int? = nil, mergeDuplicates: Bool = false,
                                      addSingletons: Bool = false) throws(GraphIOError) -> Hypergraph {
        let edges = try read(path, numVertices: numVertices)
        let n = numVertices ?? ((edges.lazy.compactMap { $0.max() }.max() ?? -1) + 1)
        do {
            return try Hypergraph(hyperedges: edges, numVertices: n, mergeDuplicates: mergeDuplicates, addSingletons: addSingletons)
        } catch {
            // Ids were checked against numVertices while parsing, so this cannot happen.
            throw .shapeMismatch("\(path): \(error)")
        }
    }

    /// Parses hyperedge text held in memory; `file` names it in errors. See ``read(_:numVertices:)``.
    public static func parse<Bytes: ContiguousBytes>(_ bytes: Bytes, file: String,
                                                     numVertices: Int? = nil) throws(GraphIOError) -> [[Int]] {
        try bytes.withByteBuffer { buffer throws(GraphIOError) in
            try parseBuffer(buffer, file: file, numVertices: numVertices)
        }
    }

    static func parseBuffer(_ bytes: UnsafeBufferPointer<UInt8>, file: String,
                            numVertices: Int?) throws(GraphIOError) -> [[Int]] {
        try TextScanning.rejectNULBytes(bytes, file: file)
        let limit = (numVertices ?? (EdgeListReader.largestNodeID + 1)) - 1
        var hyperedges: [[Int]] = []
        try TextScanning.forEachLine(bytes) { (line: Int, text: UnsafeBufferPointer<UInt8>) throws(GraphIOError) in
            var members: [Int] = []
            for (k, token) in TextScanning.splitFields(text).enumerated() {
                guard let v = TextScanning.parseUnsigned(token, limit: max(limit, 0)) else {
                    let negative = token.first == ASCII.minus && TextScanning.parseInteger(token) != nil
                    throw .parse(file: file, line: line, column: k + 1,
                                 message: "expected \(negative ? "a non-negative" : "an integer") vertex id, found \(TextScanning.describe(token))")
                }
                guard v <= limit else {
                    throw .parse(file: file, line: line, column: k + 1,
                                 message: numVertices.map { "vertex id \(TextScanning.describe(token)) is not below numVertices = \($0)" }
                                     ?? "vertex id \(TextScanning.describe(token)) is larger than the largest supported id \(limit)")
                }
                members.append(v)
            }
            hyperedges.append(members)
        }
        if hyperedges.isEmpty { throw .empty(file) }
        return hyperedges
    }
}
