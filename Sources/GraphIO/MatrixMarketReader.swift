import DenseMath
import Foundation
import GraphCore

/// Reads Matrix Market (`.mtx`) files into a dense ``/DenseMath/Matrix`` or a sparse
/// ``/GraphCore/CSRGraph``.
///
/// Format (NIST, https://math.nist.gov/MatrixMarket/formats.html):
///
/// ```
/// %%MatrixMarket matrix coordinate real general
/// % comments
/// 2708 1433 49216          rows, columns, entries   (array format: rows, columns)
/// 1 20 1e+00               row, column (1-based), value (none for pattern)
/// ```
///
/// Supported: `coordinate` and `array` formats; `real`, `integer` and `pattern` fields
/// (pattern only with coordinate); `general`, `symmetric` and `skew-symmetric` symmetry.
/// `complex` and `hermitian` are rejected. Symmetric files store one triangle; the other is
/// filled in (negated for skew-symmetric). Array files list values column by column (for
/// symmetric files, the lower triangle only). Repeated coordinate entries are summed, as SciPy
/// does. Values must be finite. CRLF and a UTF-8 BOM are accepted; `%` lines and blank lines
/// may appear before and between entries.
public enum MatrixMarketReader {
    /// The banner and size line of a Matrix Market file.
    struct Header: Sendable, Equatable {
        enum Format: String, Sendable { case coordinate, array }
        enum Field: String, Sendable { case real, integer, pattern }
        enum Symmetry: String, Sendable { case general, symmetric, skewSymmetric = "skew-symmetric" }
        var format: Format
        var field: Field
        var symmetry: Symmetry
        var rows: Int
        var cols: Int
        /// Entries the size line declares (coordinate), or values expected (array).
        var entries: Int
    }

    /// Reads the file at `path` as a dense `[rows × cols]` row-major matrix of `Float`; entries
    /// not listed in a coordinate file are 0. At most 2^32 values (16 GiB).
    /// - Throws: the file errors of ``EdgeListReader/read(_:options:)``; ``GraphIOError/empty(_:)``;
    ///   ``GraphIOError/parse(file:line:column:message:)`` for a bad banner or size line, an
    ///   unsupported format/field/symmetry, an index outside `1...rows` / `1...cols`, a
    ///   malformed or non-finite value, or an entry count that differs from the size line
    ///   (reported at the first extra entry, or at the last line when entries are missing).
    public static func read(_ path: String) throws(GraphIOError) -> Matrix {
        try parse(FileBytes.read(path), file: path)
    }

    /// Reads the file at `path` as a sparse `[rows × cols]` CSR matrix (a graph's adjacency
    /// matrix for square files): pattern files give an unweighted matrix, others keep the values
    /// as weights, which must then be non-negative. Zeros of array files are not stored.
    /// - Throws: as ``read(_:)``, plus a parse error for a negative value.
    public static func readSparse(_ path: String) throws(GraphIOError) -> CSRGraph {
        try parseSparse(FileBytes.read(path), file: path)
    }

    /// The banner and size line of the file at `path`, without its entries: the file is mapped
    /// and only its first lines are touched, O(header) whatever the file's size. The entries are
    /// not checked (``read(_:)`` does that).
    /// - Throws: the file errors of ``read(_:)``; ``GraphIOError/empty(_:)``;
    ///   ``GraphIOError/parse(file:line:column:message:)`` for a bad banner or size line.
    static func header(ofFile path: String) throws(GraphIOError) -> Header {
        try FileBytes.withContents(path, populate: false) { (bytes, _) throws(GraphIOError) -> Header in
            try header(in: bytes, file: path)
        }
    }

    /// The shape a Matrix Market text declares on its size line (rows, columns, stored entries),
    /// reading only the banner and the size line: lets a caller refuse a declared size before
    /// ``parse(_:file:)`` allocates it.
    /// - Throws: as `header(ofFile:)`.
    public static func declaredShape(_ bytes: [UInt8], file: String) throws(GraphIOError) -> (rows: Int, cols: Int, entries: Int) {
        let h = try bytes.withUnsafeBufferPointer { (b) throws(GraphIOError) -> Header in try header(in: b, file: file) }
        return (h.rows, h.cols, h.entries)
    }

    static func header(in bytes: UnsafeBufferPointer<UInt8>, file path: String) throws(GraphIOError) -> Header {
        var banner: (Header.Format, Header.Field, Header.Symmetry)?
        var start = 0, line = 0
        while start < bytes.count {
            line += 1
            var end = start
            while end < bytes.count && bytes[end] != ASCII.newline { end += 1 }
            var stop = end
            if stop > start && bytes[stop - 1] == ASCII.carriageReturn { stop -= 1 }
            let text = UnsafeBufferPointer(rebasing: bytes[start..<stop])
            start = end + 1
            guard let parsedBanner = banner else {
                banner = try parseBanner(text, file: path, line: line, expected: bannerExpectation)
                continue
            }
            let trimmed = TextScanning.trim(text)
            if trimmed.isEmpty || trimmed[0] == ASCII.percent { continue }
            return try parseSize(TextScanning.splitFields(trimmed), banner: parsedBanner, file: path, line: line).header
        }
        guard banner != nil else { throw .empty(path) }
        throw .parse(file: path, line: line, column: nil, message: "the file ends before the size line (rows columns [entries])")
    }

    static let bannerExpectation =
        "expected the banner '%%MatrixMarket matrix coordinate|array real|integer|pattern general|symmetric|skew-symmetric'"

    /// Parses Matrix Market text held in memory into a dense matrix. See ``read(_:)``.
    public static func parse<Bytes: ContiguousBytes>(_ bytes: Bytes, file: String) throws(GraphIOError) -> Matrix {
        let entries = try scan(bytes, file: file, nonNegative: false)
        let h = entries.header
        let (size, overflow) = h.rows.multipliedReportingOverflow(by: h.cols)
        guard !overflow, size <= 1 << 32 else {
            throw .parse(file: file, line: entries.sizeLine, column: nil,
                         message: "a dense \(h.rows) × \(h.cols) matrix is too large (more than 2^32 values); as features it would not fit in memory (library users: MatrixMarketReader.readSparse)")
        }
        var matrix = Matrix(rows: h.rows, cols: h.cols)
        matrix.values.withUnsafeMutableBufferPointer { m in
            for k in 0..<entries.rows.count {
                m[Int(entries.rows[k]) * h.cols + Int(entries.columns[k])] += entries.values[k]
            }
        }
        return matrix
    }

    /// Parses Matrix Market text held in memory into a CSR matrix. See ``readSparse(_:)``.
    public static func parseSparse<Bytes: ContiguousBytes>(_ bytes: Bytes, file: String) throws(GraphIOError) -> CSRGraph {
        let entries = try scan(bytes, file: file, nonNegative: true)
        let h = entries.header
        guard h.cols <= Int(Int32.max) else {
            throw .parse(file: file, line: entries.sizeLine, column: 2, message: "\(h.cols) columns exceed 32-bit column indices")
        }
        var rows = entries.rows, columns = entries.columns, values = entries.values
        if h.format == .array { // keep the non-zeros only
            var k = 0
            for i in 0..<values.count where values[i] != 0 {
                rows[k] = rows[i]; columns[k] = columns[i]; values[k] = values[i]
                k += 1
            }
            rows.removeLast(rows.count - k); columns.removeLast(columns.count - k); values.removeLast(values.count - k)
        }
        return CSRAssembly.build(numRows: h.rows, numColumns: h.cols, rows: rows, columns: columns,
                                 weights: h.field == .pattern ? nil : values, merge: .sum)
    }

    // MARK: - Scanning

    /// Entries as 0-based triplets, symmetric halves filled in.
    struct Entries {
        var header: Header
        var sizeLine: Int
        var rows: [Int32] = []
        var columns: [Int32] = []
        var values: [Float] = []
    }

    static func scan<Bytes: ContiguousBytes>(_ bytes: Bytes, file: String, nonNegative: Bool) throws(GraphIOError) -> Entries {
        try bytes.withByteBuffer { buffer throws(GraphIOError) in
            try scanBuffer(buffer, file: file, nonNegative: nonNegative)
        }
    }

    static func scanBuffer(_ bytes: UnsafeBufferPointer<UInt8>, file: String,
                           nonNegative: Bool) throws(GraphIOError) -> Entries {
        try TextScanning.rejectNULBytes(bytes, file: file)
        var banner: (Header.Format, Header.Field, Header.Symmetry)?
        var entries: Entries?
        var seen = 0          // entries (coordinate) or values (array) read so far
        var lastLine = 0
        var arrayColumn = 0, arrayRow = 0 // next array position (0-based)
        let bannerText = bannerExpectation

        try TextScanning.forEachLine(bytes, skipBlankAndComments: false) { (line: Int, text: UnsafeBufferPointer<UInt8>) throws(GraphIOError) in
            lastLine = line
            guard let parsedBanner = banner else {
                banner = try parseBanner(text, file: file, line: line, expected: bannerText)
                return
            }
            let trimmed = TextScanning.trim(text)
            if trimmed.isEmpty || trimmed[0] == ASCII.percent { return }
            let fields = TextScanning.splitFields(trimmed)
            guard var current = entries else {
                entries = try parseSize(fields, banner: parsedBanner, file: file, line: line)
                let h = entries!.header
                // The size line is a claim: reserve no more than the file can hold (an entry
                // takes at least 2 bytes), so a damaged header cannot ask for terabytes.
                var expected = min(h.entries, bytes.count / 2)
                if h.symmetry != .general { expected *= 2 }
                entries!.rows.reserveCapacity(expected)
                entries!.columns.reserveCapacity(expected)
                entries!.values.reserveCapacity(expected)
                arrayRow = h.symmetry == .skewSymmetric ? 1 : 0
                return
            }
            entries = nil // keep the arrays uniquely referenced while appending
            defer { entries = current }
            let h = current.header
            if seen >= h.entries {
                throw .parse(file: file, line: line, column: nil,
                             message: "more entries than the \(h.entries) declared on the size line (line \(current.sizeLine))")
            }
            if h.format == .coordinate {
                let wanted = h.field == .pattern ? 2 : 3
                guard fields.count == wanted else {
                    throw .parse(file: file, line: line, column: nil,
                                 message: "expected \(wanted) fields (row, column\(wanted == 3 ? ", value" : "")), found \(fields.count)")
                }
                let i = try index(fields[0], limit: h.rows, file: file, line: line, column: 1, what: "row")
                let j = try index(fields[1], limit: h.cols, file: file, line: line, column: 2, what: "column")
                let v: Float = h.field == .pattern ? 1 : try value(fields[2], field: h.field, nonNegative: nonNegative,
                                                                 file: file, line: line, column: 3)
                if h.symmetry == .skewSymmetric && i == j {
                    throw .parse(file: file, line: line, column: nil, message: "a skew-symmetric matrix has no diagonal entries")
                }
                current.rows.append(Int32(i)); current.columns.append(Int32(j)); current.values.append(v)
                if h.symmetry != .general && i != j {
                    current.rows.append(Int32(j)); current.columns.append(Int32(i))
                    current.values.append(h.symmetry == .skewSymmetric ? -v : v)
                }
            } else {
                guard fields.count == 1 else {
                    throw .parse(file: file, line: line, column: nil, message: "expected 1 value per line (array format), found \(fields.count)")
                }
                let v = try value(fields[0], field: h.field, nonNegative: nonNegative, file: file, line: line, column: 1)
                let (i, j) = (arrayRow, arrayColumn)
                current.rows.append(Int32(i)); current.columns.append(Int32(j)); current.values.append(v)
                if h.symmetry != .general && i != j {
                    current.rows.append(Int32(j)); current.columns.append(Int32(i))
                    current.values.append(h.symmetry == .skewSymmetric ? -v : v)
                }
                // Advance column-major (within the stored triangle).
                arrayRow += 1
                if arrayRow == h.rows {
                    arrayColumn += 1
                    arrayRow = h.symmetry == .general ? 0 : (h.symmetry == .symmetric ? arrayColumn : arrayColumn + 1)
                }
            }
            seen += 1
        }
        guard banner != nil else { throw .empty(file) }
        guard let entries else {
            throw .parse(file: file, line: lastLine, column: nil, message: "the file ends before the size line (rows columns [entries])")
        }
        if seen < entries.header.entries {
            throw .parse(file: file, line: lastLine, column: nil,
                         message: "the file ends after \(seen) entries; the size line (line \(entries.sizeLine)) declares \(entries.header.entries)")
        }
        return entries
    }

    static func parseBanner(_ text: UnsafeBufferPointer<UInt8>, file: String, line: Int,
                            expected: String) throws(GraphIOError) -> (Header.Format, Header.Field, Header.Symmetry) {
        var start = 0
        if line == 1 { start = TextScanning.bomLength(text) }
        let body = TextScanning.trim(UnsafeBufferPointer(rebasing: text[start...]))
        guard let words = TextScanning.string(body)?.lowercased().split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init),
              words.first == "%%matrixmarket" else {
            throw .parse(file: file, line: line, column: nil, message: expected)
        }
        guard words.count == 5 else {
            throw .parse(file: file, line: line, column: nil, message: "\(expected); found \(words.count - 1) words after %%MatrixMarket")
        }
        guard words[1] == "matrix" else {
            throw .parse(file: file, line: line, column: 2, message: "unsupported object '\(words[1])' (expected 'matrix')")
        }
        guard let format = Header.Format(rawValue: words[2]) else {
            throw .parse(file: file, line: line, column: 3, message: "unsupported format '\(words[2])' (expected 'coordinate' or 'array')")
        }
        guard let field = Header.Field(rawValue: words[3]) else {
            throw .parse(file: file, line: line, column: 4, message: "unsupported field '\(words[3])' (expected 'real', 'integer' or 'pattern')")
        }
        guard let symmetry = Header.Symmetry(rawValue: words[4]) else {
            throw .parse(file: file, line: line, column: 5,
                         message: "unsupported symmetry '\(words[4])' (expected 'general', 'symmetric' or 'skew-symmetric')")
        }
        if format == .array && field == .pattern {
            throw .parse(file: file, line: line, column: 4, message: "the array format cannot have the 'pattern' field")
        }
        return (format, field, symmetry)
    }

    static func parseSize(_ fields: [UnsafeBufferPointer<UInt8>], banner: (Header.Format, Header.Field, Header.Symmetry),
                          file: String, line: Int) throws(GraphIOError) -> Entries {
        let (format, field, symmetry) = banner
        let wanted = format == .coordinate ? 3 : 2
        guard fields.count == wanted else {
            throw .parse(file: file, line: line, column: nil,
                         message: "expected the size line '\(format == .coordinate ? "rows columns entries" : "rows columns")', found \(fields.count) fields")
        }
        var numbers: [Int] = []
        for (k, f) in fields.enumerated() {
            guard let n = TextScanning.parseUnsigned(f, limit: Int(Int32.max) * 64), n <= Int(Int32.max) * 64 else {
                throw .parse(file: file, line: line, column: k + 1, message: "expected a non-negative count of at most \(Int(Int32.max) * 64), found \(TextScanning.describe(f))")
            }
            numbers.append(n)
        }
        let rows = numbers[0], cols = numbers[1]
        guard rows <= Int(Int32.max), cols <= Int(Int32.max) else {
            throw .parse(file: file, line: line, column: nil, message: "\(rows) × \(cols) exceeds 32-bit indices")
        }
        if symmetry != .general && rows != cols {
            throw .parse(file: file, line: line, column: nil, message: "a \(symmetry.rawValue) matrix must be square, found \(rows) × \(cols)")
        }
        let entries: Int
        if format == .coordinate {
            entries = numbers[2]
        } else {
            switch symmetry {
            case .general: entries = rows * cols
            case .symmetric: entries = rows * (rows + 1) / 2
            case .skewSymmetric: entries = rows * max(rows - 1, 0) / 2
            }
        }
        let header = Header(format: format, field: field, symmetry: symmetry, rows: rows, cols: cols, entries: entries)
        return Entries(header: header, sizeLine: line)
    }

    static func index(_ token: UnsafeBufferPointer<UInt8>, limit: Int, file: String, line: Int, column: Int,
                      what: String) throws(GraphIOError) -> Int {
        guard let i = TextScanning.parseUnsigned(token, limit: limit) else {
            throw .parse(file: file, line: line, column: column, message: "expected a 1-based \(what) index, found \(TextScanning.describe(token))")
        }
        guard i >= 1 && i <= limit else {
            throw .parse(file: file, line: line, column: column, message: "\(what) index \(TextScanning.describe(token)) is outside 1...\(limit)")
        }
        return i - 1
    }

    static func value(_ token: UnsafeBufferPointer<UInt8>, field: Header.Field, nonNegative: Bool, file: String,
                      line: Int, column: Int) throws(GraphIOError) -> Float {
        let v: Float
        if field == .integer {
            guard let n = TextScanning.parseInteger(token) else {
                throw .parse(file: file, line: line, column: column, message: "expected an integer value, found \(TextScanning.describe(token))")
            }
            v = Float(n)
        } else {
            guard let x = TextScanning.parseFloat(token) else {
                throw .parse(file: file, line: line, column: column, message: "expected a real value, found \(TextScanning.describe(token))")
            }
            guard x.isFinite else {
                throw .parse(file: file, line: line, column: column, message: "expected a finite value, found \(TextScanning.describe(token))")
            }
            v = x
        }
        if nonNegative && v < 0 {
            throw .parse(file: file, line: line, column: column,
                         message: "expected a non-negative value (edge weights of a sparse graph), found \(TextScanning.describe(token))")
        }
        return v
    }
}
