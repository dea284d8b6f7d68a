import Foundation
import GraphLearning
import Testing
import TestSupport

/// Issue 15, "no silent misreads", in `fastrp`: inputs a new user gave that were read as
/// something else, or failed without saying where.
@Suite("fastrp: no silent misreads", .serialized)
struct NoSilentMisreadTests {
    static let karate = Fixtures.graphPath("karate/edges.tsv")

    /// `--features` with a NaN: refused naming the file, the count and the first value (the
    /// library's own check named neither the file nor the column).
    @Test func nonFiniteFeaturesNameTheFile() throws {
        let dir = TemporaryFiles.folder()
        var x = Matrix(rows: 34, cols: 4, values: [Float](repeating: 0.5, count: 136))
        x[3, 2] = .nan
        let features = dir.appendingPathComponent("f.npy").path
        try NPY.write(x, to: features)
        let out = dir.appendingPathComponent("e.npy").path
        let r = try CommandRunner.run("fastrp", ["embed", Self.karate, "--features", features, "--property-ratio", "0.5", "-o", out])
        #expect(r.status == 1)
        #expect(r.stderr.contains("error: \(features): the features hold 1 NaN or infinite value (the first in row 3, column 2: nan); features must be finite"),
                "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
    }
}
