import DenseMath

/// An n-dimensional array as stored in a NumPy `.npy` file: a shape and C-order (row-major)
/// values of one element type.
public struct NPYArray: Sendable, Equatable {
    /// Element types this package reads and writes (little-endian).
    public enum DType: String, Sendable, Equatable, CaseIterable {
        /// 32-bit float, `<f4` (`numpy.float32`).
        case float32 = "<f4"
        /// 64-bit float, `<f8` (`numpy.float64`).
        case float64 = "<f8"
        /// 32-bit signed integer, `<i4` (`numpy.int32`).
        case int32 = "<i4"
        /// 64-bit signed integer, `<i8` (`numpy.int64`).
        case int64 = "<i8"

        /// Bytes per element.
        public var itemSize: Int {
            switch self {
            case .float32, .int32: 4
            case .float64, .int64: 8
            }
        }
    }

    /// The values, in C order, with their element type.
    public enum Storage: Sendable, Equatable {
        /// `<f4` values.
        case float32([Float])
        /// `<f8` values.
        case float64([Double])
        /// `<i4` values.
        case int32([Int32])
        /// `<i8` values.
        case int64([Int64])

        /// Number of elements.
        public var count: Int {
            switch self {
            case let .float32(v): v.count
            case let .float64(v): v.count
            case let .int32(v): v.count
            case let .int64(v): v.count
            }
        }
    }

    /// Length of each axis; `[]` for a scalar (one element).
    public let shape: [Int]
    /// The values, `[product of shape]`, C order.
    public let storage: Storage

    /// An array over `storage` with the given shape.
    /// - Throws: ``GraphIOError/shapeMismatch(_:)`` when the shape has a negative axis or its
    ///   product differs from the number of values.
    public init(shape: [Int], storage: Storage) throws(GraphIOError) {
        guard let count = NPYArray.elementCount(shape) else {
            throw .shapeMismatch("invalid array shape \(shape)")
        }
        guard count == storage.count else {
            throw .shapeMismatch("shape \(shape) holds \(count) values, got \(storage.count)")
        }
        self.shape = shape
        self.storage = storage
    }

    /// A float32 array of the given shape over `values` (C order).
    /// - Throws: ``GraphIOError/shapeMismatch(_:)`` as ``init(shape:storage:)``.
    public init(float32 values: [Float], shape: [Int]) throws(GraphIOError) {
        try self.init(shape: shape, storage: .float32(values))
    }

    /// A float64 array of the given shape over `values` (C order).
    /// - Throws: ``GraphIOError/shapeMismatch(_:)`` as ``init(shape:storage:)``.
    public init(float64 values: [Double], shape: [Int]) throws(GraphIOError) {
        try self.init(shape: shape, storage: .float64(values))
    }

    /// An int32 array of the given shape over `values` (C order), e.g. part or class ids.
    /// - Throws: ``GraphIOError/shapeMismatch(_:)`` as ``init(shape:storage:)``.
    public init(int32 values: [Int32], shape: [Int]) throws(GraphIOError) {
        try self.init(shape: shape, storage: .int32(values))
    }

    /// An int64 array of the given shape over `values` (C order).
    /// - Throws: ``GraphIOError/shapeMismatch(_:)`` as ``init(shape:storage:)``.
    public init(int64 values: [Int64], shape: [Int]) throws(GraphIOError) {
        try self.init(shape: shape, storage: .int64(values))
    }

    /// A `[rows, cols]` float32 array holding `matrix` (row-major = C order).
    public init(_ matrix: Matrix) {
        self.shape = [matrix.rows, matrix.cols]
        self.storage = .float32(matrix.values)
    }

    /// The element type.
    public var dtype: DType {
        switch storage {
        case .float32: .float32
        case .float64: .float64
        case .int32: .int32
        case .int64: .int64
        }
    }

    /// Number of elements (product of the shape).
    public var count: Int { storage.count }

    /// The product of `shape`, or `nil` for a negative axis or overflow.
    static func elementCount(_ shape: [Int]) -> Int? {
        var count = 1
        for axis in shape {
            guard axis >= 0 else { return nil }
            let (c, overflow) = count.multipliedReportingOverflow(by: axis)
            if overflow { return nil }
            count = c
        }
        return count
    }

    /// The values as `Float`, `[count]` in C order (float64 rounded, integers converted).
    public func asFloats() -> [Float] {
        switch storage {
        case let .float32(v): v
        case let .float64(v): v.map { Float($0) }
        case let .int32(v): v.map { Float($0) }
        case let .int64(v): v.map { Float($0) }
        }
    }

    /// The 2-D array as a row-major `[shape[0] × shape[1]]` matrix of `Float`.
    /// - Throws: ``GraphIOError/shapeMismatch(_:)`` when the array is not 2-D.
    public func asMatrix() throws(GraphIOError) -> Matrix {
        guard shape.count == 2 else {
            throw .shapeMismatch("expected a 2-D array for a matrix, found shape \(shape)")
        }
        return Matrix(rows: shape[0], cols: shape[1], values: asFloats())
    }

    /// The values as `Int32`, `[count]` in C order (node ids, class labels).
    /// - Throws: ``GraphIOError/shapeMismatch(_:)`` when a value does not fit in `Int32` or a
    ///   float value is not a whole number.
    public func asInt32() throws(GraphIOError) -> [Int32] {
        switch storage {
        case let .int32(v):
            return v
        case let .int64(v):
            var out = [Int32]()
            out.reserveCapacity(v.count)
            for (i, x) in v.enumerated() {
                guard let y = Int32(exactly: x) else { throw .shapeMismatch("element \(i) = \(x) does not fit in Int32") }
                out.append(y)
            }
            return out
        case let .float32(v):
            return try NPYArray.wholeNumbers(v.lazy.map { Double($0) }, count: v.count)
        case let .float64(v):
            return try NPYArray.wholeNumbers(v, count: v.count)
        }
    }

    private static func wholeNumbers<S: Sequence>(_ values: S, count: Int) throws(GraphIOError) -> [Int32] where S.Element == Double {
        var out = [Int32]()
        out.reserveCapacity(count)
        for (i, x) in values.enumerated() {
            guard let y = Int32(exactly: x) else {
                throw .shapeMismatch("element \(i) = \(x) is not a whole number that fits in Int32")
            }
            out.append(y)
        }
        return out
    }
}
