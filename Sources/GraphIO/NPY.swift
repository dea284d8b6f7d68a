import DenseMath
import Foundation

/// Reads and writes NumPy `.npy` files (format versions 1.0–3.0 read, 1.0 written).
///
/// Layout (numpy.lib.format, https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html):
///
/// ```
/// \x93NUMPY  major minor  header_len (uint16 LE for 1.0, uint32 LE for 2.0/3.0)
/// {'descr': '<f4', 'fortran_order': False, 'shape': (2708, 1433), }   + spaces + '\n'
/// raw little-endian values in C order
/// ```
///
/// The header is padded so the data starts at a multiple of 64 bytes. Supported element types:
/// `<f4`, `<f8`, `<i4`, `<i8` (``NPYArray/DType``); `=` (native, little-endian here) is read
/// too. Written files are byte-identical to `numpy.save` for the same array.
public enum NPY {
    /// Reads the `.npy` file at `path`.
    /// - Returns: the array with its shape and element type.
    /// - Throws: ``GraphIOError/fileNotFound(_:)``, ``GraphIOError/isDirectory(_:)``,
    ///   ``GraphIOError/unreadable(_:reason:)``; ``GraphIOError/npy(file:message:)`` for a bad
    ///   magic string, an unknown version, a malformed header, `fortran_order: True`, a
    ///   big-endian or unsupported dtype, or data shorter or longer than the shape needs.
    public static func read(_ path: String) throws(GraphIOError) -> NPYArray {
        try parse(FileBytes.read(path), file: path)
    }

    /// Parses `.npy` bytes held in memory; `file` names them in errors. See ``read(_:)``.
    public static func parse<Bytes: ContiguousBytes>(_ bytes: Bytes, file: String) throws(GraphIOError) -> NPYArray {
        try bytes.withByteBuffer { buffer throws(GraphIOError) in
            try parseBuffer(UnsafeRawBufferPointer(buffer), file: file)
        }
    }

    /// Writes a float32 `.npy` file of shape `[rows, cols]` holding `matrix`.
    /// - Throws: the errors of ``AtomicFile/write(to:_:)``.
    public static func write(_ matrix: Matrix, to path: String) throws(GraphIOError) {
        try write(NPYArray(matrix), to: path)
    }

    /// Writes `array` as a version 1.0 `.npy` file, as `numpy.save` would.
    /// - Throws: the errors of ``AtomicFile/write(to:_:)``.
    public static func write(_ array: NPYArray, to path: String) throws(GraphIOError) {
        try AtomicFile.write(encode(array), to: path)
    }

    /// Writes `values` (C order) with the given shape as float32.
    /// - Throws: ``GraphIOError/shapeMismatch(_:)`` when the shape does not hold
    ///   `values.count` values; the errors of ``AtomicFile/write(to:_:)``.
    public static func write(_ values: [Float], shape: [Int], to path: String) throws(GraphIOError) {
        try write(NPYArray(shape: shape, storage: .float32(values)), to: path)
    }

    /// Writes `values` (C order) with the given shape as float64.
    /// - Throws: as the float32 overload.
    public static func write(_ values: [Double], shape: [Int], to path: String) throws(GraphIOError) {
        try write(NPYArray(shape: shape, storage: .float64(values)), to: path)
    }

    /// Writes `values` (C order) with the given shape as int32.
    /// - Throws: as the float32 overload.
    public static func write(_ values: [Int32], shape: [Int], to path: String) throws(GraphIOError) {
        try write(NPYArray(shape: shape, storage: .int32(values)), to: path)
    }

    /// Writes `values` (C order) with the given shape as int64.
    /// - Throws: as the float32 overload.
    public static func write(_ values: [Int64], shape: [Int], to path: String) throws(GraphIOError) {
        try write(NPYArray(shape: shape, storage: .int64(values)), to: path)
    }

    // MARK: - Encoding

    /// The bytes of a version 1.0 `.npy` file holding `array`: the header dict exactly as
    /// `numpy.save` formats it (keys sorted, 21 − digits spare spaces after the first axis, padded
    /// with spaces to a multiple of 64 bytes, ending in `\n`), then the values.
    public static func encode(_ array: NPYArray) -> [UInt8] {
        var out = header(dtype: array.dtype, shape: array.shape)
        switch array.storage {
        case let .float32(v): v.withUnsafeBytes { out.append(contentsOf: $0) }
        case let .float64(v): v.withUnsafeBytes { out.append(contentsOf: $0) }
        case let .int32(v): v.withUnsafeBytes { out.append(contentsOf: $0) }
        case let .int64(v): v.withUnsafeBytes { out.append(contentsOf: $0) }
        }
        return out
    }

    /// The magic string, version and header dict of ``encode(_:)``, without the values.
    static func header(dtype: NPYArray.DType, shape: [Int]) -> [UInt8] {
        let array = (dtype: dtype, shape: shape)
        let shapeText: String
        switch array.shape.count {
        case 0: shapeText = "()"
        case 1: shapeText = "(\(array.shape[0]),)"
        default: shapeText = "(" + array.shape.map(String.init).joined(separator: ", ") + ")"
        }
        var dict = "{'descr': '\(array.dtype.rawValue)', 'fortran_order': False, 'shape': \(shapeText), }"
        if let first = array.shape.first {
            // numpy leaves room to grow the first axis in place (GROWTH_AXIS_MAX_DIGITS = 21).
            dict += String(repeating: " ", count: max(0, 21 - String(first).count))
        }
        var headerLength = dict.utf8.count + 1 // + "\n"
        let padding = 64 - ((10 + headerLength) % 64)
        headerLength += padding
        var out: [UInt8] = [0x93]
        out.append(contentsOf: Array("NUMPY".utf8))
        out.append(1)
        out.append(0)
        out.append(UInt8(headerLength & 0xFF))
        out.append(UInt8(headerLength >> 8))
        out.append(contentsOf: Array(dict.utf8))
        out.append(contentsOf: [UInt8](repeating: ASCII.space, count: padding))
        out.append(ASCII.newline)
        return out
    }

    // MARK: - Decoding

    /// The shape of the `.npy` file at `path` from its header alone: the file is mapped and only
    /// the header is touched, O(header) whatever the file's size. The data is not checked
    /// (``read(_:)`` does that).
    /// - Throws: the file errors of ``read(_:)``; ``GraphIOError/npy(file:message:)`` for a bad
    ///   magic string, version or header.
    static func shape(ofFile path: String) throws(GraphIOError) -> [Int] {
        try FileBytes.withContents(path, populate: false) { (bytes, _) throws(GraphIOError) -> [Int] in
            try parsePreamble(UnsafeRawBufferPointer(bytes), file: path).shape
        }
    }

    /// The magic string, version and header dict: element type, order, shape and where the data starts.
    static func parsePreamble(_ raw: UnsafeRawBufferPointer, file: String) throws(GraphIOError)
        -> (dtype: NPYArray.DType, fortranOrder: Bool, shape: [Int], dataStart: Int) {
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59] // \x93NUMPY
        guard raw.count >= 10, Array(raw[0..<6]) == magic else {
            throw .npy(file: file, message: "not a NumPy .npy file (missing the \\x93NUMPY magic string)")
        }
        let major = raw[6], minor = raw[7]
        let headerStart: Int, headerLength: Int
        switch major {
        case 1:
            headerStart = 10
            headerLength = Int(raw[8]) | Int(raw[9]) << 8
        case 2, 3:
            guard raw.count >= 12 else { throw .npy(file: file, message: "truncated header") }
            headerStart = 12
            headerLength = Int(raw[8]) | Int(raw[9]) << 8 | Int(raw[10]) << 16 | Int(raw[11]) << 24
        default:
            throw .npy(file: file, message: "unsupported .npy format version \(major).\(minor) (supported: 1.0, 2.0, 3.0)")
        }
        guard headerStart + headerLength <= raw.count else {
            throw .npy(file: file, message: "truncated header: it declares \(headerLength) bytes, the file has \(raw.count - headerStart) after the preamble")
        }
        guard let header = String(validating: raw[headerStart..<(headerStart + headerLength)], as: UTF8.self) else {
            throw .npy(file: file, message: "the header is not text")
        }
        let (dtype, fortranOrder, shape) = try parseHeader(header, file: file)
        return (dtype, fortranOrder, shape, headerStart + headerLength)
    }

    static func parseBuffer(_ raw: UnsafeRawBufferPointer, file: String) throws(GraphIOError) -> NPYArray {
        let (dtype, fortranOrder, shape, dataStart) = try parsePreamble(raw, file: file)
        if fortranOrder {
            throw .npy(file: file, message: "fortran_order is True (column-major data); save a C-order array, e.g. np.save(path, np.ascontiguousarray(a))")
        }
        guard let count = NPYArray.elementCount(shape) else {
            throw .npy(file: file, message: "invalid shape \(shape): negative, or more elements than 64-bit sizes can count")
        }
        let (needed, overflow) = count.multipliedReportingOverflow(by: dtype.itemSize)
        let available = raw.count - dataStart
        if overflow {
            throw .npy(file: file, message: "shape \(shape) of \(dtype.rawValue) needs more bytes than 64-bit sizes can count; the file has \(available)")
        }
        guard needed <= available else {
            throw .npy(file: file, message: "truncated data: shape \(shape) of \(dtype.rawValue) needs \(needed) bytes, the file has \(available)")
        }
        guard needed == available else {
            throw .npy(file: file, message: "\(available - needed) unexpected bytes after the data of shape \(shape) (\(dtype.rawValue))")
        }
        let data = UnsafeRawBufferPointer(rebasing: raw[dataStart..<(dataStart + needed)])
        func load<T>(_ type: T.Type) -> [T] {
            guard count > 0 else { return [] }  // see DenseMath's HugePages on the shared empty storage
            return [T](unsafeUninitializedCapacity: count) { buffer, n in
                if needed > 0 { UnsafeMutableRawPointer(buffer.baseAddress!).copyMemory(from: data.baseAddress!, byteCount: needed) }
                n = count
            }
        }
        let storage: NPYArray.Storage
        switch dtype {
        case .float32: storage = .float32(load(Float.self))
        case .float64: storage = .float64(load(Double.self))
        case .int32: storage = .int32(load(Int32.self))
        case .int64: storage = .int64(load(Int64.self))
        }
        return try NPYArray(shape: shape, storage: storage)
    }

    /// Parses the header dict `{'descr': …, 'fortran_order': …, 'shape': (…), }`.
    static func parseHeader(_ header: String, file: String) throws(GraphIOError) -> (NPYArray.DType, Bool, [Int]) {
        let text = Array(header.utf8)
        func valueStart(of key: String) -> Int? {
            for quote in ["'", "\""] {
                let needle = Array((quote + key + quote).utf8)
                guard needle.count <= text.count else { continue }
                for i in 0...(text.count - needle.count) where Array(text[i..<(i + needle.count)]) == needle {
                    var p = i + needle.count
                    while p < text.count && (text[p] == ASCII.space) { p += 1 }
                    guard p < text.count, text[p] == UInt8(ascii: ":") else { return nil }
                    p += 1
                    while p < text.count && text[p] == ASCII.space { p += 1 }
                    return p
                }
            }
            return nil
        }
        guard let d = valueStart(of: "descr") else { throw .npy(file: file, message: "the header has no 'descr' entry") }
        guard d < text.count, text[d] == UInt8(ascii: "'") || text[d] == UInt8(ascii: "\"") else {
            throw .npy(file: file, message: "structured or unsupported dtype in header \(header.trimmingCharacters(in: .whitespacesAndNewlines)); supported: float32, float64, int32, int64")
        }
        let quote = text[d]
        var e = d + 1
        while e < text.count && text[e] != quote { e += 1 }
        var descr = String(decoding: text[(d + 1)..<e], as: UTF8.self)
        if descr.hasPrefix("=") { descr = "<" + descr.dropFirst() } // native order is little-endian here
        if descr.hasPrefix(">") {
            throw .npy(file: file, message: "big-endian data ('\(descr)') is not supported; convert with a.astype('<\(descr.dropFirst())')")
        }
        guard let dtype = NPYArray.DType(rawValue: descr) else {
            throw .npy(file: file, message: "unsupported dtype '\(descr)'; supported: '<f4' (float32), '<f8' (float64), '<i4' (int32), '<i8' (int64)")
        }

        guard let f = valueStart(of: "fortran_order") else { throw .npy(file: file, message: "the header has no 'fortran_order' entry") }
        let fortran: Bool
        if text[f...].starts(with: Array("True".utf8)) {
            fortran = true
        } else if text[f...].starts(with: Array("False".utf8)) {
            fortran = false
        } else {
            throw .npy(file: file, message: "'fortran_order' is neither True nor False")
        }

        guard let s = valueStart(of: "shape"), s < text.count, text[s] == UInt8(ascii: "(") else {
            throw .npy(file: file, message: "the header has no 'shape' tuple")
        }
        var close = s + 1
        while close < text.count && text[close] != UInt8(ascii: ")") { close += 1 }
        guard close < text.count else { throw .npy(file: file, message: "unterminated 'shape' tuple") }
        var shape: [Int] = []
        for part in text[(s + 1)..<close].split(separator: UInt8(ascii: ",")) {
            let digits = part.filter { $0 != ASCII.space && $0 != UInt8(ascii: "L") }
            if digits.isEmpty { continue }
            guard let axis = digits.withUnsafeBufferPointer({ TextScanning.parseUnsigned($0, limit: Int.max / 2) }),
                  axis <= Int.max / 2 else {
                throw .npy(file: file, message: "bad 'shape' entry '\(String(decoding: part, as: UTF8.self))'")
            }
            shape.append(axis)
        }
        return (dtype, fortran, shape)
    }
}
