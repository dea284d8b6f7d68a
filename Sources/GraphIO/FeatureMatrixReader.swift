import DenseMath

/// Reads a matrix of node features or embeddings, `[numNodes × dim]` (row = node id), and
/// refuses what a model cannot learn from: a NumPy array that is not 2-D, and NaN or infinite
/// values (a `float64` value beyond `Float`'s range reads as infinite, so it is refused too).
///
/// Every path that loads such a matrix from a file goes through here (dataset folders,
/// `fastrp embed --features`, `lighthgnn train` and `predict`, the `.npy` embeddings of
/// `fastrp evaluate`), so a bad value is refused the same way everywhere, naming the file:
///
/// ```
/// features.npy: the features hold 2 NaN or infinite values (the first in row 1, column 0: nan); features must be finite
/// ```
///
/// Matrix Market files refuse a non-finite value themselves, naming its line
/// (``MatrixMarketReader``); text embeddings do too (``EmbeddingReader``).
public enum FeatureMatrixReader {
    /// Reads `.npy` (2-D, float32/float64/int32/int64, C order) or Matrix Market `.mtx`, plain or
    /// gzip-compressed, by extension.
    /// - Parameters:
    ///   - path: the file.
    ///   - what: what the matrix holds, as messages name it (`"features"`, `"embeddings"`).
    /// - Returns: the matrix `[rows × cols]`, row-major.
    /// - Throws: the errors of ``NPY/read(_:)`` and ``MatrixMarketReader/read(_:)``;
    ///   ``GraphIOError/npy(file:message:)`` for an array that is not 2-D or holds a NaN or an
    ///   infinity; ``GraphIOError/shapeMismatch(_:)`` for another extension.
    /// - Complexity: O(file size).
    public static func read(_ path: String, what: String = "features") throws(GraphIOError) -> Matrix {
        switch FilePaths.formatExtension(of: path) {
        case "npy": return try matrix(NPY.read(path), file: path, what: what)
        case "mtx": return try MatrixMarketReader.read(path)
        default: throw .shapeMismatch("\(path): expected \(what) in a .npy or .mtx file")
        }
    }

    /// The 2-D array `array` (read from `file`) as a finite `Float` matrix.
    /// - Throws: ``GraphIOError/npy(file:message:)`` when it is not 2-D or holds a NaN or an
    ///   infinity (after conversion to `Float`), naming the count and the first such value.
    public static func matrix(_ array: NPYArray, file: String, what: String) throws(GraphIOError) -> Matrix {
        guard array.shape.count == 2 else {
            throw .npy(file: file, message: "expected \(what) of shape [numNodes × dim] (a 2-D array), found shape \(array.shape)")
        }
        let m = Matrix(rows: array.shape[0], cols: array.shape[1], values: array.asFloats())
        guard let first = m.values.firstIndex(where: { !$0.isFinite }) else { return m }
        let count = m.values.reduce(0) { $0 + ($1.isFinite ? 0 : 1) }
        var value = "\(m.values[first])"
        if case let .float64(stored) = array.storage, stored[first].isFinite {
            value = "\(stored[first]), beyond Float32's range"
        }
        let cols = max(m.cols, 1)
        throw .npy(file: file, message: "the \(what) hold \(count) NaN or infinite value\(count == 1 ? "" : "s") (the first in row \(first / cols), column \(first % cols): \(value)); \(what) must be finite")
    }
}
