import DenseMath
import Foundation
import GraphIO
import Testing

@Suite("NumPy .npy and .npz")
struct NumPyTests {
    /// Fixtures written by `numpy.save` (numpy 2.4) at development time.
    static let numpyFiles = ["float32_2x3.npy", "float64_4.npy", "int32_3x2.npy", "int64_5.npy", "float64_scalar.npy",
                             "empty_12345678x0.npy", "empty_0x7.npy"]

    func bytes(_ fixture: String) -> [UInt8] {
        FixtureData.bytes(fixture)
    }

    @Test func readsNumPyFiles() throws {
        let a = try NPY.read(FixtureData.path("float32_2x3.npy"))
        #expect(a.shape == [2, 3] && a.dtype == .float32)
        #expect(a.storage == .float32([-1, -0.5, 0, 0.5, 1, 1.5]))
        let m = try a.asMatrix()
        #expect(m.rows == 2 && m.cols == 3 && m[1, 2] == 1.5)

        let b = try NPY.read(FixtureData.path("float64_4.npy"))
        #expect(b.shape == [4] && b.storage == .float64([1.5, -2.25, 1e-300, 3]))
        let c = try NPY.read(FixtureData.path("int32_3x2.npy"))
        #expect(c.shape == [3, 2] && c.storage == .int32([1, -2, 3, 4, Int32.max, Int32.min]))
        #expect(try c.asInt32() == [1, -2, 3, 4, Int32.max, Int32.min])
        #expect(try c.asMatrix().values == [1, -2, 3, 4, Float(Int32.max), Float(Int32.min)])
        let d = try NPY.read(FixtureData.path("int64_5.npy"))
        #expect(d.storage == .int64([0, 1, -1, 1 << 40, 7]))
        let s = try NPY.read(FixtureData.path("float64_scalar.npy"))
        #expect(s.shape == [] && s.count == 1 && s.storage == .float64([2.5]))
        let e = try NPY.read(FixtureData.path("empty_12345678x0.npy"))
        #expect(e.shape == [12345678, 0] && e.count == 0)
    }

    @Test(arguments: numpyFiles)
    func encodingIsByteIdenticalToNumPy(fixture: String) throws {
        let original = bytes(fixture)
        let array = try NPY.parse(original, file: fixture)
        #expect(NPY.encode(array) == original)
    }

    @Test func writeThenReadRoundTrips() throws {
        let folder = TestFiles.temporaryFolder()
        let matrix = Matrix(rows: 3, cols: 2, values: [0.1, -2, 3e-8, .greatestFiniteMagnitude, 0, -0.0])
        try NPY.write(matrix, to: folder + "/m.npy")
        #expect(try NPY.read(folder + "/m.npy").asMatrix() == matrix)

        try NPY.write([Int32(5), -6, 7, 8], shape: [2, 2], to: folder + "/i32.npy")
        #expect(try NPY.read(folder + "/i32.npy") == NPYArray(shape: [2, 2], storage: .int32([5, -6, 7, 8])))
        try NPY.write([Int64(1) << 50, -1], shape: [2], to: folder + "/i64.npy")
        #expect(try NPY.read(folder + "/i64.npy").storage == .int64([1 << 50, -1]))
        try NPY.write([1.0 / 3.0], shape: [1, 1, 1], to: folder + "/f64.npy")
        let f64 = try NPY.read(folder + "/f64.npy")
        #expect(f64.shape == [1, 1, 1] && f64.storage == .float64([1.0 / 3.0]))
        try NPY.write([Float](), shape: [0, 4], to: folder + "/empty.npy")
        #expect(try NPY.read(folder + "/empty.npy").shape == [0, 4])
        // Every file is a whole number of 64-byte header blocks plus data.
        let header = Array(FileManager.default.contents(atPath: folder + "/m.npy")!.prefix(10))
        #expect((10 + Int(header[8]) + Int(header[9]) << 8) % 64 == 0)
        #expect(TestFiles.listing(folder) == ["empty.npy", "f64.npy", "i32.npy", "i64.npy", "m.npy"])
    }

    @Test func conversions() throws {
        let floats = try NPYArray(shape: [3], storage: .float64([1, 2, 3]))
        #expect(try floats.asInt32() == [1, 2, 3])
        #expect(floats.asFloats() == [1, 2, 3])
        #expect(throws: GraphIOError.self) { try NPYArray(shape: [1], storage: .float32([1.5])).asInt32() }
        #expect(throws: GraphIOError.self) { try NPYArray(shape: [1], storage: .int64([1 << 40])).asInt32() }
        #expect(throws: GraphIOError.shapeMismatch("expected a 2-D array for a matrix, found shape [3]")) { try floats.asMatrix() }
        #expect(throws: GraphIOError.shapeMismatch("shape [2, 2] holds 4 values, got 3")) {
            try NPYArray(shape: [2, 2], storage: .int32([1, 2, 3]))
        }
    }

    // MARK: Bad input

    func npyError(_ bytes: [UInt8], containing fragment: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let error = expectError({ try NPY.parse(bytes, file: "a.npy") }, sourceLocation: sourceLocation)
        guard case let .npy(file, message)? = error else {
            Issue.record("expected an .npy error, got \(String(describing: error))", sourceLocation: sourceLocation)
            return
        }
        #expect(file == "a.npy", sourceLocation: sourceLocation)
        #expect(message.contains(fragment), "\(message)", sourceLocation: sourceLocation)
    }

    @Test func rejectsWhatItCannotRead() {
        npyError(bytes("fortran_2x3.npy"), containing: "fortran_order is True")
        npyError(bytes("bigendian_3.npy"), containing: "big-endian data ('>f4') is not supported")
        npyError(bytes("uint8_3.npy"), containing: "unsupported dtype '|u1'")
        let good = bytes("float32_2x3.npy")
        npyError(Array(good.dropLast(4)), containing: "truncated data: shape [2, 3] of <f4 needs 24 bytes, the file has 20")
        npyError(good + [0, 0, 0, 0], containing: "4 unexpected bytes after the data")
        npyError(Array(good.prefix(40)), containing: "truncated header")
        npyError(Array("PK\u{3}\u{4}not numpy at all".utf8), containing: "missing the \\x93NUMPY magic")
        var version = good
        version[6] = 9
        npyError(version, containing: "unsupported .npy format version 9.0")
        #expect(throws: GraphIOError.fileNotFound("/nonexistent.npy")) { try NPY.read("/nonexistent.npy") }
    }

    // MARK: .npz

    @Test(arguments: ["stored.npz", "deflated.npz"])
    func readsNumPyArchives(fixture: String) throws {
        let arrays = try NPZ.read(FixtureData.path(fixture))
        #expect(Set(arrays.keys) == ["features", "labels"])
        #expect(arrays["features"] == (try NPYArray(shape: [2, 3], storage: .float32([0.25, 1, -3.5, 2, 0, 7.125]))))
        #expect(arrays["labels"] == (try NPYArray(shape: [5], storage: .int64([3, 1, 4, 1, 5]))))
    }

    @Test(arguments: [false, true])
    func archiveRoundTrip(compressed: Bool) throws {
        let folder = TestFiles.temporaryFolder()
        let arrays: [String: NPYArray] = [
            "embedding": NPYArray(Matrix(rows: 100, cols: 8, repeating: 0.5)),
            "ids": try NPYArray(shape: [3], storage: .int32([7, 8, 9])),
        ]
        let path = folder + "/out.npz"
        try NPZ.write(arrays, to: path, compressed: compressed)
        #expect(try NPZ.read(path) == arrays)
        let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        #expect(compressed ? size < 1000 : size > 3200)
        #expect(TestFiles.listing(folder) == ["out.npz"])
    }

    @Test func archiveErrors() {
        let notZip = FixtureData.path("float32_2x3.npy")
        let error = expectError { try NPZ.read(notZip) }
        if case let .archive(file, _)? = error { #expect(file == notZip) } else { Issue.record("got \(String(describing: error))") }
        #expect(throws: GraphIOError.fileNotFound("/nonexistent.npz")) { try NPZ.read("/nonexistent.npz") }
        #expect(throws: GraphIOError.outputDirectoryMissing("/nonexistent-folder/x.npz")) {
            try NPZ.write([:], to: "/nonexistent-folder/x.npz")
        }
    }
}
