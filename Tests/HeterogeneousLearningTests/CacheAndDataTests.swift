import DenseMath
import Foundation
import GraphCore
import GraphIO
import HeterogeneousLearning
import TestSupport
import Testing

@Suite("RpHGNN cache and HGB input")
struct CacheAndDataTests {
    static let options = PrecomputationOptions(iterations: 2, randomFeatureDim: 8, includeInput: true, seed: 5)

    @Test func cacheIsReusedAndMissesOnAChangedParameter() throws {
        let path = ToyHGB.folder(ToyHGB.files())
        let data = try HGBDataset.load(path)
        let cache = PrecomputationCache(root: TemporaryFiles.folder().path + "/cache")
        let first = try RpHGNNPipeline.precompute(data, inputs: [path], options: Self.options, cache: cache, threads: 1)
        #expect(!first.fromCache)
        let folder = try #require(first.cacheFolder)
        #expect(FileManager.default.fileExists(atPath: folder + "/manifest.json"))
        let second = try RpHGNNPipeline.precompute(data, inputs: [path], options: Self.options, cache: cache, threads: 1)
        #expect(second.fromCache && second.cacheFolder == folder)
        #expect(second.features == first.features)
        // Another K, seed or input file is another key.
        var other = Self.options
        other.iterations = 3
        let third = try RpHGNNPipeline.precompute(data, inputs: [path], options: other, cache: cache, threads: 1)
        #expect(!third.fromCache && third.cacheFolder != folder)
        other = Self.options
        other.seed = 6
        #expect(try PrecomputationCache.key(inputs: [path], options: other) != PrecomputationCache.key(inputs: [path], options: Self.options))
        var files = ToyHGB.files()
        files["link.dat"]! += "0\t\(ToyHGB.papers + 4)\t0\t1.0\n"
        let changed = ToyHGB.folder(files)
        #expect(try PrecomputationCache.key(inputs: [changed], options: Self.options) != PrecomputationCache.key(inputs: [path], options: Self.options))
        // A damaged entry is recomputed (and replaced), never used.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: folder + "/group-00.npy"))
        bytes[bytes.count - 5] ^= 0x40
        try bytes.write(to: URL(fileURLWithPath: folder + "/group-00.npy"))
        let repaired = try RpHGNNPipeline.precompute(data, inputs: [path], options: Self.options, cache: cache, threads: 1)
        #expect(!repaired.fromCache && repaired.features == first.features)
        let fourth = try RpHGNNPipeline.precompute(data, inputs: [path], options: Self.options, cache: cache, threads: 1)
        #expect(fourth.fromCache && fourth.features == first.features)
        // Nothing but complete entries is left in the cache folder (no temporary folders).
        let entries = try FileManager.default.contentsOfDirectory(atPath: cache.root)
        #expect(entries.count == 2 && entries.allSatisfy { !$0.hasPrefix(".") })
    }

    /// The files are float32 .npy of shape [numNodes, hops, dim]; reading a damaged entry is an
    /// error (the pipeline then recomputes it, see below), never silently used.
    @Test func writtenFilesAreNumPyArrays() throws {
        let data = try HGBDataset.load(ToyHGB.folder(ToyHGB.files()))
        let features = try RpHGNNPrecomputation.compute(graph: data.graph, features: data.features,
                                                        targetType: data.targetType, options: Self.options, threads: 1)
        let folder = TemporaryFiles.folder().path + "/out"
        try PrecomputationCache.write(features, to: folder, options: Self.options, source: ["dataset": "toy"])
        let array = try NPY.read(folder + "/group-01.npy")
        #expect(array.shape == [90, 3, 4])
        guard case let .float32(values) = array.storage else { Issue.record("not float32"); return }
        #expect(values == features.groups[1].values.values)
        let (back, manifest) = try PrecomputationCache.read(from: folder)
        #expect(back == features)
        #expect(manifest.options == Self.options && manifest.source["dataset"] == "toy")
        #expect(manifest.groups.map(\.name) == features.groups.map(\.name))

        // Same shape, one value changed: caught by the checksum.
        var altered = features.groups[1].values.values
        altered[17] += 1
        try NPY.write(altered, shape: [90, 3, 4], to: folder + "/group-01.npy")
        #expect(throws: HeterogeneousLearningError.cache(path: folder + "/group-01.npy", reason: "checksum mismatch: the file is damaged")) {
            try PrecomputationCache.read(from: folder)
        }
        try NPY.write([Float](repeating: 0, count: 6), shape: [2, 3], to: folder + "/group-01.npy")
        #expect(throws: HeterogeneousLearningError.cache(path: folder + "/group-01.npy",
                                                          reason: "expected float32 of shape [90, 3, 4], found <f4 [2, 3]")) {
            try PrecomputationCache.read(from: folder)
        }
        try Data("{}".utf8).write(to: URL(fileURLWithPath: folder + "/manifest.json"))
        #expect(throws: HeterogeneousLearningError.self) { try PrecomputationCache.read(from: folder) }
    }

    /// CRLF line endings and a wrong info.dat give the same graph and the same tensors.
    @Test func crlfAndWrongInfoGiveTheSameTensors() throws {
        let plain = try HGBDataset.load(ToyHGB.folder(ToyHGB.files()))
        var files = ToyHGB.files()
        files["info.dat"] = ToyHGB.wrongInfo
        let odd = try HGBDataset.load(ToyHGB.folder(files, crlf: true))
        #expect(odd.graph.nodeTypes.map(\.count) == plain.graph.nodeTypes.map(\.count))
        #expect(odd.graph.relations.map(\.adjacency) == plain.graph.relations.map(\.adjacency))
        #expect(odd.features == plain.features)
        #expect(odd.trainLabels.classes == plain.trainLabels.classes)
        // The wrong info.dat's names are not used: relations and classes fall back to ids.
        #expect(odd.graph.relations.map(\.name) == ["0", "1", "2", "3"])
        #expect(plain.graph.relations.map(\.name) == ["paper-author", "author-paper", "paper-term", "term-paper"])
        let a = try RpHGNNPrecomputation.compute(graph: plain.graph, features: plain.features, targetType: 0, options: Self.options, threads: 1)
        let b = try RpHGNNPrecomputation.compute(graph: odd.graph, features: odd.features, targetType: 0, options: Self.options, threads: 1)
        #expect(a.groups.map(\.values) == b.groups.map(\.values))
        #expect(b.groups.map(\.name) == ["0.odd", "0.even", "2.odd", "2.even"])
    }

    /// Malformed node.dat / link.dat lines name the file and line.
    @Test(arguments: [
        ("node.dat", "3\tpaper 3\tx\t1,2,3,4\n", 4, "expected an integer node type, found 'x'"),
        ("node.dat", "200\tpaper\t0\t1,2\n", nil, "expected 4 comma-separated features like line 1, found 2"),
        ("link.dat", "0\t9999\t0\t1.0\n", nil, "node 9999 does not appear in node.dat"),
        ("link.dat", "0\t\(ToyHGB.papers)\n", nil, "expected 4 tab-separated fields"),
    ] as [(String, String, Int?, String)])
    func malformedLinesNameFileAndLine(file: String, line: String, at: Int?, message: String) throws {
        var files = ToyHGB.files()
        if let at {
            var lines = files[file]!.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            lines[at - 1] = String(line.dropLast())
            files[file] = lines.joined(separator: "\n")
        } else {
            files[file]! += line
        }
        let folder = ToyHGB.folder(files)
        let expectedLine = at ?? files[file]!.split(separator: "\n").count
        do {
            _ = try HGBDataset.load(folder)
            Issue.record("no error for \(line)")
        } catch {
            guard case let .parse(path, errorLine, _, text) = error else { Issue.record("\(error)"); return }
            #expect(path == folder + "/" + file)
            #expect(errorLine == expectedLine)
            #expect(text.contains(message), "\(text)")
            #expect(error.description.hasPrefix("\(folder)/\(file):\(expectedLine):"))
        }
    }

    /// Both label sets agree on the toy data; the agreement check counts shared nodes.
    @Test func testLabelAgreement() throws {
        let data = try HGBDataset.load(ToyHGB.folder(ToyHGB.files()))
        let (shared, agreeing) = RpHGNNPipeline.agreement(data.testLabels!, data.testFullLabels!)
        #expect(shared == 15 && agreeing == 15)
        var files = ToyHGB.files()
        files["label.dat.test_full"] = (60..<90).map { "\($0)\t\t0\t\((ToyHGB.label($0) + 1) % 3)\n" }.joined()
        let shuffled = try HGBDataset.load(ToyHGB.folder(files))
        #expect(RpHGNNPipeline.agreement(shuffled.testLabels!, shuffled.testFullLabels!) == (15, 0))
    }
}

/// Real data: HGB ACM with K = 1 (no squashing), checked against a direct mean over neighbours.
/// The term relations (255,619 links × 1902 features) are left out of the propagation to keep
/// the debug-build test short.
@Suite("RpHGNN on HGB ACM")
struct ACMTests {
    @Test func acmGroupsAndFirstHop() throws {
        let data = try HGBDataset.load(Fixtures.graphPath("hgb/ACM.zip"))
        let operators = RelationOperators.make(from: data.graph)
        // One direction per HGB pair: ref (the transpose of cite), author-paper, subject-paper and term-paper go.
        #expect(operators.map(\.name) == ["paper-cite-paper", "paper-author", "paper-subject", "paper-term"])
        var graph = HeterogeneousGraph(nodeTypes: data.graph.nodeTypes)
        for r in data.graph.relations where !r.name.contains("term") { try graph.addRelation(r) }
        let features = try RpHGNNPrecomputation.compute(
            graph: graph, features: data.features, targetType: data.targetType,
            options: PrecomputationOptions(iterations: 1, randomFeatureDim: 256, includeInput: true, seed: 1))
        #expect(features.groups.map(\.name) == ["paper-cite-paper.odd", "paper-cite-paper.even", "paper-author.odd",
                                                "paper-author.even", "paper-subject.odd", "paper-subject.even"])
        #expect(features.groups.map(\.hops) == [1, 2, 1, 2, 1, 2])
        #expect(features.groups.map(\.dim) == [1902, 1902, 1902, 1902, 1902, 1902])
        // paper-author.odd = mean of the paper's authors' features, for a few papers.
        let pa = data.graph.relations[2].adjacency
        let authors = data.features[1]!, group = features.groups[2].values
        for u in [0, 1, 100, 3024] {
            let list = pa.neighbors(of: u).map(Int.init)
            for j in stride(from: 0, to: 1902, by: 97) {
                let mean = list.reduce(Float(0)) { $0 + authors[$1, j] } / Float(max(list.count, 1))
                #expect(abs(group[u, j] - mean) < 1e-6)
            }
        }
        // The even groups start with the raw paper features.
        let paper = data.features[0]!
        for u in [0, 2000] { #expect(Array(features.groups[3].values.values[(u * 2 * 1902)..<(u * 2 * 1902 + 1902)]) == paper.row(u)) }
    }
}
