import DenseMath
import GraphCore

/// Writes node embeddings as text, keyed by the nodes' original ids.
///
/// Row `u` of the `[numNodes × dim]` matrix is the embedding of node `u`, written under
/// `nodeIDs.name(of: u)` when a name map is given (string ids) and under `u` otherwise. Values
/// use the shortest decimal text that reads back exactly (`Float.description`). Files are
/// written through ``AtomicFile``. For NumPy users, ``NPY/write(_:to:)-(Matrix,_)`` writes the matrix as
/// `.npy` (row order = dense id order).
public enum EmbeddingWriter {
    /// Writes one line per node: the node id, a tab, then the `dim` values separated by tabs.
    ///
    /// ```
    /// alice	0.25	-1.5
    /// bob	0.0	2.0
    /// ```
    /// - Precondition: `nodeIDs` is `nil` or names exactly `matrix.rows` nodes.
    /// - Throws: ``GraphIOError/shapeMismatch(_:)`` when `nodeIDs` does not name every row; the
    ///   errors of ``AtomicFile/write(to:_:)``.
    public static func writeTSV(_ matrix: Matrix, nodeIDs: NodeIDMap? = nil, to path: String) throws(GraphIOError) {
        try write(matrix, nodeIDs: nodeIDs, to: path, separator: ASCII.tab, header: nil)
    }

    /// Writes the word2vec text format read by gensim's `KeyedVectors.load_word2vec_format(path,
    /// binary=False)`: a first line `N D`, then per node the id and the `D` values separated by
    /// single spaces.
    ///
    /// ```
    /// 2 2
    /// alice 0.25 -1.5
    /// bob 0.0 2.0
    /// ```
    /// - Precondition: `nodeIDs` is `nil` or names exactly `matrix.rows` nodes; names contain
    ///   no spaces (word2vec splits on them).
    /// - Throws: ``GraphIOError/shapeMismatch(_:)`` when `nodeIDs` does not name every row; the
    ///   errors of ``AtomicFile/write(to:_:)``.
    public static func writeWord2Vec(_ matrix: Matrix, nodeIDs: NodeIDMap? = nil, to path: String) throws(GraphIOError) {
        try write(matrix, nodeIDs: nodeIDs, to: path, separator: ASCII.space, header: "\(matrix.rows) \(matrix.cols)\n")
    }

    /// Writes `.tsv` (or, with `word2vec`, word2vec text) from row blocks that arrive in order:
    /// `nextRows()` returns the next `[k × cols]` block until `rows` rows were given. Same bytes
    /// as ``writeTSV(_:nodeIDs:to:)`` / ``writeWord2Vec(_:nodeIDs:to:)`` of the stacked rows;
    /// used when the rows come from several ranks. Every block is asked for even after a write
    /// failed (senders are not left waiting); the failure is thrown at the end.
    /// - Throws: ``GraphIOError/shapeMismatch(_:)`` when `nodeIDs` does not name every row; the
    ///   errors of ``AtomicFile/write(to:_:)``; whatever `nextRows` throws.
    public static func writeStreaming(rows: Int, cols: Int, nodeIDs: NodeIDMap?, to path: String, word2vec: Bool,
                                      nextRows: () throws(GraphIOError) -> Matrix) throws(GraphIOError) {
        let separator = word2vec ? ASCII.space : ASCII.tab
        try checkNames(nodeIDs, rows: rows, path: path)
        try AtomicFile.write(to: path) { (out: inout FileWriter) throws(GraphIOError) in
            var failure: GraphIOError? = nil
            do throws(GraphIOError) {
                if word2vec { try out.write("\(rows) \(cols)\n") }
            } catch { failure = error }
            var u = 0
            while u < rows {
                let block = try nextRows()
                precondition(block.cols == cols && block.rows > 0, "EmbeddingWriter: bad row block")
                if failure == nil {
                    do throws(GraphIOError) {
                        for i in 0..<block.rows {
                            try out.write(nodeIDs?.name(of: u + i) ?? String(u + i))
                            for j in 0..<cols {
                                try out.write(byte: separator)
                                try out.write(block.values[i * cols + j])
                            }
                            try out.write(byte: ASCII.newline)
                        }
                    } catch { failure = error }
                }
                u += block.rows
            }
            if let failure { throw failure }
        }
    }

    /// Every row needs a name when names are given (checked before the file is opened, so
    /// nothing is written): nodes without one, e.g. isolated nodes added by a node count above
    /// the names of a string-id file, have no id to write.
    private static func checkNames(_ nodeIDs: NodeIDMap?, rows: Int, path: String) throws(GraphIOError) {
        guard let nodeIDs, nodeIDs.count != rows else { return }
        throw .shapeMismatch("\(path): \(nodeIDs.count) node names for \(rows) embedding rows; every row of a text output is written under its node's name")
    }

    private static func write(_ matrix: Matrix, nodeIDs: NodeIDMap?, to path: String, separator: UInt8,
                              header: String?) throws(GraphIOError) {
        try checkNames(nodeIDs, rows: matrix.rows, path: path)
        try AtomicFile.write(to: path) { (out: inout FileWriter) throws(GraphIOError) in
            if let header { try out.write(header) }
            for u in 0..<matrix.rows {
                try out.write(nodeIDs?.name(of: u) ?? String(u))
                let rowStart = u * matrix.cols
                for j in 0..<matrix.cols {
                    try out.write(byte: separator)
                    try out.write(matrix.values[rowStart + j])
                }
                try out.write(byte: ASCII.newline)
            }
        }
    }
}
