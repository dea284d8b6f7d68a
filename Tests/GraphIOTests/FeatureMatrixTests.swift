import DenseMath
import Foundation
import GraphIO
import Testing

/// Issue 15, "no silent misreads": every path that loads node features or embeddings from a
/// `.npy` refuses NaN and infinities (a model trained on them ends at chance) and a shape that
/// is not `[numNodes × dim]`, naming the file.
@Suite("Feature and embedding matrices")
struct FeatureMatrixTests {
    /// A `[3 × 2]` float32 matrix with NaN at (1, 0) and +∞ at (2, 1).
    static let twoBad = Matrix(rows: 3, cols: 2, values: [0.5, 1, .nan, 2, 3, .infinity])

    static let twoBadMessage = "the features hold 2 NaN or infinite values (the first in row 1, column 0: nan); features must be finite"

    @Test func nonFiniteNPYFeaturesAreRefusedNamingTheFile() throws {
        let folder = TestFiles.temporaryFolder()
        try NPY.write(Self.twoBad, to: folder + "/x.npy")
        #expect(throws: GraphIOError.npy(file: folder + "/x.npy", message: Self.twoBadMessage)) {
            try FeatureMatrixReader.read(folder + "/x.npy")
        }
        // What the matrix holds is named as the caller says.
        #expect(throws: GraphIOError.npy(file: folder + "/x.npy", message: Self.twoBadMessage.replacingOccurrences(of: "features", with: "embeddings"))) {
            try FeatureMatrixReader.read(folder + "/x.npy", what: "embeddings")
        }
        // Finite values read as they are, from .npy and .mtx alike.
        let good = Matrix(rows: 2, cols: 2, values: [1, -2, 3e-8, 4])
        try NPY.write(good, to: folder + "/g.npy")
        #expect(try FeatureMatrixReader.read(folder + "/g.npy") == good)
        TestFiles.write("%%MatrixMarket matrix array real general\n2 2\n1\n3e-8\n-2\n4\n", to: "g.mtx", in: folder)
        #expect(try FeatureMatrixReader.read(folder + "/g.mtx") == good)
    }

    @Test func float64BeyondFloat32IsRefusedWithItsValue() throws {
        let folder = TestFiles.temporaryFolder()
        try NPY.write([1, 2, 1e39, 4], shape: [2, 2], to: folder + "/x.npy")
        #expect(throws: GraphIOError.npy(file: folder + "/x.npy",
                                         message: "the features hold 1 NaN or infinite value (the first in row 1, column 0: 1e+39, beyond Float32's range); features must be finite")) {
            try FeatureMatrixReader.read(folder + "/x.npy")
        }
    }

    @Test func aOneDimensionalArrayNamesTheFileAndTheExpectedShape() throws {
        let folder = TestFiles.temporaryFolder()
        try NPY.write([Float(1), 2, 3, 4, 5], shape: [5], to: folder + "/e.npy")
        let expected = GraphIOError.npy(file: folder + "/e.npy", message: "expected embeddings of shape [numNodes × dim] (a 2-D array), found shape [5]")
        #expect(throws: expected) { try FeatureMatrixReader.read(folder + "/e.npy", what: "embeddings") }
        // `fastrp evaluate`'s reader said only "shape mismatch: expected a 2-D array …".
        #expect(throws: expected) { try EmbeddingReader.read(folder + "/e.npy") }
        #expect(expected.description == folder + "/e.npy: expected embeddings of shape [numNodes × dim] (a 2-D array), found shape [5]")
    }

    /// The dataset-folder path (`gnnpipe`, `graphlearning`) gives the same error.
    @Test func datasetFolderFeaturesGoThroughTheSameCheck() throws {
        let folder = TestFiles.temporaryFolder()
        TestFiles.write("0\t1\n1\t2\n", to: "edges.tsv", in: folder)
        try NPY.write(Self.twoBad, to: folder + "/features.npy")
        #expect(throws: GraphIOError.npy(file: folder + "/features.npy", message: Self.twoBadMessage)) {
            try NodeDataset.load(folder)
        }
        try NPY.write([Float(1), 2, 3], shape: [3], to: folder + "/features.npy")
        for parts in [NodeDataset.Parts.all, []] {
            #expect(throws: GraphIOError.npy(file: folder + "/features.npy",
                                             message: "expected features of shape [numNodes × dim] (a 2-D array), found shape [3]")) {
                try NodeDataset.load(folder, parts: parts)
            }
        }
    }
}
