import DenseMath
import Foundation
import GraphIO

/// The description of a folder of pre-computed groups (`manifest.json`), written last so that a
/// folder with a manifest is complete.
public struct PrecomputationManifest: Sendable, Equatable, Codable {
    /// One `.npy` file per group.
    public struct Group: Sendable, Equatable, Codable {
        public var name: String
        public var relation: String
        public var parity: Parity
        public var hops: Int
        public var dim: Int
        /// File name inside the folder; a float32 array of shape `[numNodes, hops, dim]`.
        public var file: String
        /// 128-bit fingerprint of the array's values, checked on read so that a damaged file is
        /// never used.
        public var checksum: String
    }

    /// Format tag; a folder with another tag is not read.
    public var format: String
    /// Number of target nodes (first axis of every array).
    public var numNodes: Int
    public var groups: [Group]
    /// The parameters that produced the groups.
    public var options: PrecomputationOptions
    /// Free-form provenance (dataset, target type, …).
    public var source: [String: String]

    /// The current format tag.
    public static let currentFormat = "rphgnn-precomputed-v2"

    /// The fingerprint stored as ``Group/checksum`` for `values`.
    static func checksum(_ values: [Float]) -> String {
        var hasher = Fingerprint()
        values.withUnsafeBytes { hasher.add($0) }
        hasher.finishItem()
        return hasher.hex
    }
}

/// Writing and reading pre-computed groups as NumPy files, and a cache of them keyed by a hash
/// of the input files and the parameters.
///
/// Layout of a folder: `manifest.json` (``PrecomputationManifest``) and `group-NN.npy` per group,
/// float32 `[numNodes, hops, dim]` in C order (for NumPy/PyTorch: `np.load(...)` gives the
/// tensor a group encoder takes). Every file is written atomically (temporary file, then
/// rename); a cache entry is filled in a temporary folder that is renamed into place, so a
/// failed or concurrent run never leaves a half-written entry.
public struct PrecomputationCache: Sendable {
    /// The folder holding one subfolder per key.
    public let root: String

    public init(root: String) { self.root = root }

    /// `$XDG_CACHE_HOME/graphlearning/rphgnn`, or `~/.cache/graphlearning/rphgnn`.
    public static var defaultRoot: String {
        let environment = ProcessInfo.processInfo.environment
        if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty { return xdg + "/graphlearning/rphgnn" }
        return FileManager.default.homeDirectoryForCurrentUser.path + "/.cache/graphlearning/rphgnn"
    }

    /// The key of a computation: 32 hex digits hashing the bytes of `inputs` (files; a folder
    /// stands for its non-hidden regular files, sorted by name), the options, `extra` (e.g. the
    /// target type) and the format tag.
    ///
    /// The hash is two 64-bit SplitMix64-mixed lanes over 8-byte words: fine for telling inputs
    /// apart, not a cryptographic digest. Thread counts are not part of the key.
    /// - Throws: ``HeterogeneousLearningError/cache(path:reason:)`` when an input cannot be read.
    public static func key(inputs: [String], options: PrecomputationOptions, extra: String = "") throws(HeterogeneousLearningError) -> String {
        var hasher = Fingerprint()
        hasher.add(Array(PrecomputationManifest.currentFormat.utf8))
        for path in inputs {
            for file in try files(of: path) {
                hasher.add(Array((file as NSString).lastPathComponent.utf8))
                guard let handle = FileHandle(forReadingAtPath: file) else {
                    throw .cache(path: file, reason: "cannot read the input file")
                }
                defer { try? handle.close() }
                while true {
                    let chunk: Data
                    do { chunk = try handle.read(upToCount: 1 << 24) ?? Data() } catch {
                        throw .cache(path: file, reason: "cannot read the input file (\(error.localizedDescription))")
                    }
                    if chunk.isEmpty { break }
                    chunk.withUnsafeBytes { hasher.add(UnsafeRawBufferPointer($0)) }
                }
                hasher.finishItem()
            }
        }
        let text = "K=\(options.iterations) E=\(options.randomFeatureDim) input=\(options.includeInput) seed=\(options.seed) \(extra)"
        hasher.add(Array(text.utf8))
        return hasher.hex
    }

    /// The regular files a path stands for.
    static func files(of path: String) throws(HeterogeneousLearningError) -> [String] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw .cache(path: path, reason: "no such file or folder")
        }
        guard isFolder.boolValue else { return [path] }
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: path) } catch {
            throw .cache(path: path, reason: "cannot list the folder")
        }
        return names.filter { !$0.hasPrefix(".") }.sorted().map { path + "/" + $0 }.filter {
            var folder: ObjCBool = false
            return FileManager.default.fileExists(atPath: $0, isDirectory: &folder) && !folder.boolValue
        }
    }

    /// The folder of entry `key`.
    public func folder(for key: String) -> String { root + "/" + key }

    /// The groups stored under `key`, or `nil` when there is no complete entry.
    /// - Throws: the errors of ``PrecomputationCache/read(from:)`` for an entry that exists but
    ///   is damaged.
    public func load(key: String) throws(HeterogeneousLearningError) -> (PrecomputedFeatures, PrecomputationManifest)? {
        let path = folder(for: key)
        guard FileManager.default.fileExists(atPath: path + "/manifest.json") else { return nil }
        return try Self.read(from: path)
    }

    /// Stores `features` under `key` (temporary folder, then rename) and returns the folder.
    /// An entry that appeared meanwhile is kept and the new one discarded.
    /// - Throws: ``HeterogeneousLearningError/cache(path:reason:)`` when the folders cannot be
    ///   created or written.
    @discardableResult
    public func store(_ features: PrecomputedFeatures, key: String, options: PrecomputationOptions,
                      source: [String: String]) throws(HeterogeneousLearningError) -> String {
        let final = folder(for: key)
        do { try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true) } catch {
            throw .cache(path: root, reason: "cannot create the cache folder")
        }
        let temporary = root + "/.\(key).tmp-\(ProcessInfo.processInfo.processIdentifier)-\(DispatchTime.now().uptimeNanoseconds)"
        do {
            try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: false)
        } catch {
            throw .cache(path: temporary, reason: "cannot create a temporary folder")
        }
        do {
            try Self.write(features, to: temporary, options: options, source: source)
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        }
        if rename(temporary, final) != 0 {
            // Another run stored the same key first (or the rename failed): keep theirs.
            try? FileManager.default.removeItem(atPath: temporary)
            guard FileManager.default.fileExists(atPath: final + "/manifest.json") else {
                throw .cache(path: final, reason: "cannot move the new entry into place")
            }
        }
        return final
    }

    /// Writes `features` into `folder` (created if missing): one `.npy` per group, then
    /// `manifest.json`; each file atomically.
    /// - Throws: ``HeterogeneousLearningError/cache(path:reason:)``.
    public static func write(_ features: PrecomputedFeatures, to folder: String, options: PrecomputationOptions,
                             source: [String: String]) throws(HeterogeneousLearningError) {
        do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
            throw .cache(path: folder, reason: "cannot create the folder")
        }
        var entries: [PrecomputationManifest.Group] = []
        for (i, group) in features.groups.enumerated() {
            let file = String(format: "group-%02d.npy", i)
            do {
                try NPY.write(group.values.values, shape: [features.numNodes, group.hops, group.dim], to: folder + "/" + file)
            } catch {
                throw .cache(path: folder + "/" + file, reason: "\(error)")
            }
            entries.append(.init(name: group.name, relation: group.relation, parity: group.parity, hops: group.hops,
                                 dim: group.dim, file: file, checksum: PrecomputationManifest.checksum(group.values.values)))
        }
        let manifest = PrecomputationManifest(format: PrecomputationManifest.currentFormat, numNodes: features.numNodes,
                                              groups: entries, options: options, source: source)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            let data = try encoder.encode(manifest)
            try AtomicFile.write(data, to: folder + "/manifest.json")
        } catch {
            throw .cache(path: folder + "/manifest.json", reason: "\(error)")
        }
    }

    /// Reads a folder written by ``write(_:to:options:source:)``.
    /// - Throws: ``HeterogeneousLearningError/cache(path:reason:)`` for a missing or malformed
    ///   manifest, an unknown format tag, or a group file whose shape or type differs from the
    ///   manifest.
    public static func read(from folder: String) throws(HeterogeneousLearningError) -> (PrecomputedFeatures, PrecomputationManifest) {
        let manifestPath = folder + "/manifest.json"
        let manifest: PrecomputationManifest
        do {
            manifest = try JSONDecoder().decode(PrecomputationManifest.self, from: Data(contentsOf: URL(fileURLWithPath: manifestPath)))
        } catch {
            throw .cache(path: manifestPath, reason: "not a readable manifest (\(error))")
        }
        guard manifest.format == PrecomputationManifest.currentFormat else {
            throw .cache(path: manifestPath, reason: "format '\(manifest.format)', expected '\(PrecomputationManifest.currentFormat)'")
        }
        var groups: [FeatureGroup] = []
        for entry in manifest.groups {
            let path = folder + "/" + entry.file
            let array: NPYArray
            do { array = try NPY.read(path) } catch { throw .cache(path: path, reason: "\(error)") }
            guard array.shape == [manifest.numNodes, entry.hops, entry.dim], case let .float32(values) = array.storage else {
                throw .cache(path: path, reason: "expected float32 of shape [\(manifest.numNodes), \(entry.hops), \(entry.dim)], found \(array.dtype.rawValue) \(array.shape)")
            }
            guard PrecomputationManifest.checksum(values) == entry.checksum else {
                throw .cache(path: path, reason: "checksum mismatch: the file is damaged")
            }
            groups.append(FeatureGroup(relation: entry.relation, parity: entry.parity, hops: entry.hops, dim: entry.dim,
                                       values: Matrix(rows: manifest.numNodes, cols: entry.hops * entry.dim, values: values)))
        }
        return (PrecomputedFeatures(numNodes: manifest.numNodes, groups: groups), manifest)
    }
}

/// A 128-bit non-cryptographic fingerprint of byte streams (two SplitMix64-mixed lanes).
struct Fingerprint {
    private var a: UInt64 = 0x243F_6A88_85A3_08D3
    private var b: UInt64 = 0x1319_8A2E_0370_7344
    private var count: UInt64 = 0
    private var pending: [UInt8] = []

    mutating func add(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { add($0) }
        finishItem()
    }

    mutating func add(_ raw: UnsafeRawBufferPointer) {
        var start = 0
        if !pending.isEmpty {
            while pending.count < 8 && start < raw.count { pending.append(raw[start]); start += 1 }
            if pending.count == 8 {
                let word = pending.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
                mix(word)
                pending.removeAll(keepingCapacity: true)
            }
        }
        while start + 8 <= raw.count {
            mix(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: start, as: UInt64.self)))
            start += 8
        }
        while start < raw.count { pending.append(raw[start]); start += 1 }
    }

    /// Ends one item (file, string), so that item boundaries change the hash.
    mutating func finishItem() {
        var word: UInt64 = 0
        for (i, byte) in pending.enumerated() { word |= UInt64(byte) << UInt64(8 * i) }
        mix(word)
        mix(0x100 | UInt64(pending.count))
        pending.removeAll(keepingCapacity: true)
    }

    private mutating func mix(_ word: UInt64) {
        count &+= 1
        a = SplitMix64.mix(a ^ word) &+ count
        b = SplitMix64.mix(b &+ (word ^ 0x9E37_79B9_7F4A_7C15)) ^ (a >> 17)
    }

    var hex: String {
        let x = SplitMix64.mix(a ^ b.byteSwapped), y = SplitMix64.mix(b ^ a.rotatedLeft())
        return String(format: "%016llx%016llx", x, y)
    }
}

private extension UInt64 {
    func rotatedLeft() -> UInt64 { (self << 23) | (self >> 41) }
}
