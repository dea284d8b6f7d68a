import DenseMath
import Foundation
import GraphCore
import GraphIO
import HeterogeneousLearning
import TestSupport
import Testing

@Suite("RpHGNN memory estimate, temporary folders, output folders and info.dat")
struct RobustnessTests {
    static let options = PrecomputationOptions(iterations: 2, randomFeatureDim: 8, includeInput: true, seed: 5)

    /// The estimate's group layout and bytes are those of the tensors the pre-computation makes,
    /// with reverse link types dropped as it drops them.
    @Test(arguments: [(1, false), (2, true), (3, false), (4, true)])
    func estimateMatchesTheComputedGroups(iterations: Int, includeInput: Bool) throws {
        let options = PrecomputationOptions(iterations: iterations, randomFeatureDim: 7, includeInput: includeInput, seed: 9)
        let toy = try HGBDataset.load(ToyHGB.folder(ToyHGB.files()))
        let (random, randomFeatures) = PrecomputationTests.randomGraph(seed: 4)
        for (graph, features, target) in [(toy.graph, toy.features, toy.targetType), (random, randomFeatures, 0), (random, randomFeatures, 2)] {
            let estimate = try RpHGNNMemoryEstimate.estimate(graph: graph, features: features, targetType: target, options: options)
            let computed = try RpHGNNPrecomputation.compute(graph: graph, features: features, targetType: target,
                                                            options: options, threads: 1)
            #expect(estimate.numNodes == computed.numNodes)
            #expect(estimate.groupShapes.map(\.relation) == computed.groups.map(\.relation))
            #expect(estimate.groupShapes.map(\.parity) == computed.groups.map(\.parity))
            #expect(estimate.groupShapes.map(\.hops) == computed.groups.map(\.hops))
            #expect(estimate.groupShapes.map(\.dim) == computed.groups.map(\.dim))
            #expect(estimate.groupBytes == computed.floatCount * MemoryLayout<Float>.size)
            // X⁽⁰⁾ of every type is part of the inputs, so they outweigh the raw features alone.
            let featureBytes = features.compactMap { $0 }.reduce(0) { $0 + $1.values.count * 4 }
            #expect(estimate.inputBytes > featureBytes)
            #expect(estimate.trainingBytes == 0)
            #expect(estimate.totalBytes == estimate.groupBytes + estimate.inputBytes + estimate.workspaceBytes)
        }
    }

    /// Groups grow linearly in K, the training part with the batch rows; absurd settings
    /// saturate instead of overflowing.
    @Test func estimateScalesAndSaturates() throws {
        let data = try HGBDataset.load(ToyHGB.folder(ToyHGB.files()))
        func estimate(_ k: Int, batch: Int? = nil, dim: Int = 8) throws -> RpHGNNMemoryEstimate {
            try RpHGNNMemoryEstimate.estimate(
                graph: data.graph, features: data.features, targetType: data.targetType,
                options: PrecomputationOptions(iterations: k, randomFeatureDim: dim, includeInput: true, seed: 1),
                training: batch.map { .init(batchRows: $0, hiddenDim: 16) })
        }
        let (one, two, three) = (try estimate(1), try estimate(2), try estimate(3))
        #expect(two.groupBytes - one.groupBytes == three.groupBytes - two.groupBytes)
        #expect(two.groupBytes - one.groupBytes > 0)
        let (small, large) = (try estimate(2, batch: 10), try estimate(2, batch: 20))
        #expect(small.trainingBytes > 0 && large.trainingBytes > small.trainingBytes)
        #expect(small.groupBytes == two.groupBytes)
        // Batches never hold more rows than there are nodes.
        #expect(try estimate(2, batch: 1_000_000).trainingBytes == estimate(2, batch: data.graph.nodeTypes[data.targetType].count).trainingBytes)
        let huge = try estimate(Int.max / 2, batch: 10)
        #expect(huge.groupBytes == Int.max && huge.totalBytes == Int.max)
        #expect(try estimate(2, dim: Int.max / 4).totalBytes == Int.max)
    }

    /// Writes `names` as temporary-looking folders (one file inside each) under `root`.
    /// Makes the folders, each with one file, last changed `age` seconds ago (default two hours:
    /// older than the one-hour grace a folder of a gone process gets).
    static func makeFolders(_ names: [String], in root: String, age: TimeInterval = 7_200) throws {
        for name in names {
            try FileManager.default.createDirectory(atPath: root + "/" + name, withIntermediateDirectories: true)
            try Data([1, 2, 3]).write(to: URL(fileURLWithPath: root + "/" + name + "/group-00.npy"))
            try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -age)],
                                                  ofItemAtPath: root + "/" + name)
        }
    }

    /// A process id that cannot be running: above any Linux pid_max (at most 2²²).
    static let deadPID = Int32.max

    /// Temporary folders of killed runs are removed from the cache; those of this process, of a
    /// running process, entries and other hidden folders are kept.
    @Test func staleCacheTemporaryFoldersAreRemoved() throws {
        let path = ToyHGB.folder(ToyHGB.files())
        let data = try HGBDataset.load(path)
        let root = TemporaryFiles.folder().path + "/cache"
        let key = String(repeating: "ab", count: 16)
        let old = ".\(key).tmp-1-6"
        let keep = [".\(key).tmp-\(getpid())-1", ".\(key).tmp-1-5", ".notes", ".\(key).tmp-x-1", String(repeating: "cd", count: 16)]
        let stale = [".\(key).tmp-\(Self.deadPID)-12345", old]
        try Self.makeFolders(keep + stale, in: root)
        // A gone process id with a folder changed minutes ago: maybe another host's live write.
        let recent = ".\(key).tmp-\(Self.deadPID)-777"
        try Self.makeFolders([recent], in: root, age: 120)
        // Process 1 is running, but nothing changed in this folder for two days: abandoned.
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -2 * 86_400)], ofItemAtPath: root + "/" + old)
        let cache = PrecomputationCache(root: root)
        let result = try RpHGNNPipeline.precompute(data, inputs: [path], options: Self.options, cache: cache, threads: 1)
        #expect(!result.fromCache)
        let left = Set(try FileManager.default.contentsOfDirectory(atPath: root))
        #expect(left == Set(keep).union([recent, (result.cacheFolder! as NSString).lastPathComponent]))
        // Nothing is removed the second time.
        #expect(cache.removeStaleTemporaryFolders().isEmpty)
    }

    /// `publish` leaves exactly one run's groups and manifest in the folder (files of other
    /// tools are kept), via a temporary folder that does not outlive the call.
    @Test func publishReplacesAnEarlierRunsGroups() throws {
        let work = TemporaryFiles.folder().path
        let out = work + "/out"
        // An earlier run with a third relation (paper–paper) wrote six groups.
        var files = ToyHGB.files()
        files["link.dat"]! += (0..<(ToyHGB.papers - 1)).map { "\($0)\t\($0 + 1)\t4\t1.0\n" }.joined()
        let bigger = try HGBDataset.load(ToyHGB.folder(files))
        let before = try RpHGNNPrecomputation.compute(graph: bigger.graph, features: bigger.features,
                                                      targetType: bigger.targetType, options: Self.options, threads: 1)
        try PrecomputationCache.publish(before, to: out, options: Self.options, source: [:])
        #expect(before.groups.count == 6)
        #expect(try FileManager.default.contentsOfDirectory(atPath: work) == ["out"])
        try Data("mine".utf8).write(to: URL(fileURLWithPath: out + "/README.txt"))

        let data = try HGBDataset.load(ToyHGB.folder(ToyHGB.files()))
        let after = try RpHGNNPrecomputation.compute(graph: data.graph, features: data.features,
                                                     targetType: data.targetType, options: Self.options, threads: 1)
        let ids = try NPYArray(shape: [after.numNodes], storage: .int64((0..<after.numNodes).map { Int64($0) }))
        try PrecomputationCache.publish(after, to: out + "/", options: Self.options, source: [:], extraFiles: [("target_ids.npy", ids)])
        let names = try FileManager.default.contentsOfDirectory(atPath: out).sorted()
        #expect(names == ["README.txt", "group-00.npy", "group-01.npy", "group-02.npy", "group-03.npy", "manifest.json", "target_ids.npy"])
        let (back, manifest) = try PrecomputationCache.read(from: out)
        #expect(back == after)
        #expect(manifest.groups.map(\.file) == ["group-00.npy", "group-01.npy", "group-02.npy", "group-03.npy"])
        #expect(try NPY.read(out + "/target_ids.npy") == ids)
        #expect(try String(contentsOfFile: out + "/README.txt", encoding: .utf8) == "mine")
        #expect(try FileManager.default.contentsOfDirectory(atPath: work) == ["out"])
    }

    /// Leftovers of a killed `publish` (beside a new folder, inside an existing one) are removed
    /// by the next one.
    @Test func publishRemovesTemporaryFoldersOfKilledRuns() throws {
        let work = TemporaryFiles.folder().path
        let data = try HGBDataset.load(ToyHGB.folder(ToyHGB.files()))
        let features = try RpHGNNPrecomputation.compute(graph: data.graph, features: data.features,
                                                        targetType: data.targetType, options: Self.options, threads: 1)
        try Self.makeFolders([".out.tmp-\(Self.deadPID)-7", ".other.tmp-\(Self.deadPID)-7"], in: work)
        try PrecomputationCache.publish(features, to: work + "/out", options: Self.options, source: [:])
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: work)) == ["out", ".other.tmp-\(Self.deadPID)-7"])
        try Self.makeFolders([".rphgnn-output.tmp-\(Self.deadPID)-9"], in: work + "/out")
        try PrecomputationCache.publish(features, to: work + "/out", options: Self.options, source: [:])
        #expect(!(try FileManager.default.contentsOfDirectory(atPath: work + "/out")).contains { $0.hasPrefix(".") })
    }

    /// Link types in link.dat that info.dat does not describe are accepted (HGB's loader never
    /// reads info.dat) with a warning naming the file, the first line of the type and the type.
    @Test func linkTypesMissingFromInfoAreWarnedAbout() throws {
        let plain = try HGBDataset.load(ToyHGB.folder(ToyHGB.files()))
        #expect(plain.warnings.isEmpty)
        var files = ToyHGB.files()
        files["link.dat"]! += "0\t1\t4\t1.0\n"
        let folder = ToyHGB.folder(files)
        let data = try HGBDataset.load(folder)
        let line = files["link.dat"]!.split(separator: "\n").count
        #expect(data.warnings == [
            "\(folder)/link.dat:\(line): link type 4 is not described in \(folder)/info.dat (it describes link types 0, 1, 2, 3); relations are named by link-type id",
        ])
        #expect(data.graph.relations.map(\.name) == ["0", "1", "2", "3", "4"])
        // Without info.dat there is nothing to miss.
        files["info.dat"] = nil
        #expect(try HGBDataset.load(ToyHGB.folder(files)).warnings.isEmpty)
    }

    /// A mistyped class id in label.dat ("99" among classes 0–2) is warned about: classes 3–98
    /// have no node.
    @Test func classesWithoutNodesAreWarnedAbout() throws {
        var files = ToyHGB.files()
        var lines = files["label.dat"]!.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var fields = lines[0].split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        fields[3] = "99"
        lines[0] = fields.joined(separator: "\t")
        files["label.dat"] = lines.joined(separator: "\n")
        let folder = ToyHGB.folder(files)
        let data = try HGBDataset.load(folder)
        #expect(data.numClasses == 100)
        #expect(data.warnings.contains("\(folder)/label.dat: no node has class 3–98 (96 of 100 classes, counted up to the largest class id 99); if a class id is mistyped, those classes cannot be learned"), "\(data.warnings)")
        #expect(try HGBDataset.load(ToyHGB.folder(ToyHGB.files())).warnings.isEmpty)
    }

    /// A garbled info.dat, and one whose start/end types contradict link.dat, are warned about;
    /// the data is loaded as link.dat gives it.
    @Test func unreadableOrContradictingInfoIsWarnedAbout() throws {
        let plain = try HGBDataset.load(ToyHGB.folder(ToyHGB.files()))
        var files = ToyHGB.files()
        files["info.dat"] = "{\"node.dat\": [truncated"
        let garbled = ToyHGB.folder(files)
        let g = try HGBDataset.load(garbled)
        #expect(g.warnings == ["\(garbled)/info.dat is not a JSON object as HGB writes it; it is ignored and node types, relations and classes are named by id"])
        #expect(g.graph.relations.map(\.adjacency) == plain.graph.relations.map(\.adjacency))
        files["info.dat"] = ToyHGB.wrongInfo.replacingOccurrences(of: "\"1\": {\"start\": 1, \"end\": 0", with: "\"1\": {\"start\": 2, \"end\": 0")
        #expect(files["info.dat"] != ToyHGB.wrongInfo)
        let swapped = ToyHGB.folder(files)
        let s = try HGBDataset.load(swapped)
        let line = ToyHGB.files()["link.dat"]!.split(separator: "\n").firstIndex { $0.split(separator: "\t")[2] == "1" }! + 1
        #expect(s.warnings.first == "\(swapped)/link.dat:\(line): link type 1 joins node types 1 → 0, but \(swapped)/info.dat says 2 → 0; the links are used as link.dat gives them")
        #expect(s.graph.relations.map(\.adjacency) == plain.graph.relations.map(\.adjacency))
    }
}
