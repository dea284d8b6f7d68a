import DenseMath
import GraphCore

/// Reads node embeddings written by ``EmbeddingWriter`` or ``NPY``.
///
/// By extension, in any case (`.NPY` too), after a `.gz` that marks a gzip-compressed file:
/// `.npy` is a 2-D array whose row u is node u (no
/// names); `.tsv` has one line per node, the node id then its values, separated by tabs (or runs
/// of blanks); `.txt` is word2vec text, a `N D` header line and then the same lines separated by
/// spaces. Every line must have the same number of values; `#`/`%` comment lines and blank lines
/// are skipped in `.tsv`.
public enum EmbeddingReader {
    /// Reads the embeddings at `path`.
    /// - Returns: the matrix `[numNodes × dim]` and, for text files, the node names in row order.
    /// - Throws: the file errors of ``NPY/read(_:)`` and ``EdgeListReader/read(_:options:)``;
    ///   ``GraphIOError/parse(file:line:column:message:)`` for a line with no value, a different
    ///   number of values than the first line, a value that is not a finite number, a repeated
    ///   node id, or a word2vec header that disagrees with the lines; ``GraphIOError/empty(_:)``;
    ///   ``GraphIOError/npy(file:message:)`` for an `.npy` that is not 2-D `[numNodes × dim]` or
    ///   holds a NaN or an infinity (``FeatureMatrixReader``); ``GraphIOError/shapeMismatch(_:)``
    ///   for an unknown extension.
    public static func read(_ path: String) throws(GraphIOError) -> (embeddings: Matrix, nodeIDs: NodeIDMap?) {
        let format = FilePaths.formatExtension(of: path)
        if format == "npy" { return (try FeatureMatrixReader.matrix(NPY.read(path), file: path, what: "embeddings"), nil) }
        let word2vec: Bool
        if format == "tsv" {
            word2vec = false
        } else if format == "txt" {
            word2vec = true
        } else {
            throw .shapeMismatch("\(path): unknown embedding format; expected .npy, .tsv or .txt (word2vec)")
        }
        let bytes = try FileBytes.read(path)
        return try bytes.withUnsafeBufferPointer { (buffer) throws(GraphIOError) -> (Matrix, NodeIDMap?) in
            try TextScanning.rejectNULBytes(buffer, file: path)
            var names = NodeIDMap()
            var values: [Float] = []
            var dim = -1
            var header: (rows: Int, cols: Int, line: Int)? = nil
            try TextScanning.forEachLine(buffer, skipBlankAndComments: !word2vec) { (line: Int, text: UnsafeBufferPointer<UInt8>) throws(GraphIOError) in
                let fields = TextScanning.splitFields(text)
                if word2vec && header == nil {
                    guard fields.count == 2, let r = TextScanning.parseUnsigned(fields[0], limit: Int(Int32.max)),
                          let c = TextScanning.parseUnsigned(fields[1], limit: Int(Int32.max)) else {
                        throw .parse(file: path, line: line, column: nil, message: "expected a word2vec header 'N D'")
                    }
                    header = (r, c, line)
                    return
                }
                guard fields.count >= 2 else {
                    throw .parse(file: path, line: line, column: nil, message: "expected a node id and at least one value, found \(fields.count) field(s)")
                }
                if dim < 0 { dim = fields.count - 1 }
                guard fields.count - 1 == dim else {
                    throw .parse(file: path, line: line, column: nil, message: "expected \(dim) values like the first line, found \(fields.count - 1)")
                }
                guard let name = TextScanning.string(fields[0]) else {
                    throw .parse(file: path, line: line, column: 1, message: "the node id is not UTF-8 text")
                }
                guard names.lookup(name) == nil else {
                    throw .parse(file: path, line: line, column: 1, message: "node '\(name)' appears twice")
                }
                _ = names.id(for: name)
                for k in 1..<fields.count {
                    guard let v = TextScanning.parseFloat(fields[k]), v.isFinite else {
                        throw .parse(file: path, line: line, column: k + 1, message: "expected a finite number, found \(TextScanning.describe(fields[k]))")
                    }
                    values.append(v)
                }
            }
            guard dim > 0 else { throw GraphIOError.empty(path) }
            if let header, header.rows != names.count || header.cols != dim {
                throw .parse(file: path, line: header.line, column: nil,
                             message: "the header says \(header.rows) × \(header.cols), the file has \(names.count) × \(dim)")
            }
            return (Matrix(rows: names.count, cols: dim, values: values), names)
        }
    }
}
