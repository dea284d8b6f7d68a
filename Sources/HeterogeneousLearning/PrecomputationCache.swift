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
/// failed or concurrent run never leaves a half-written entry. A run killed meanwhile leaves its
/// hidden temporary folder, which later runs remove (``removeStaleTemporaryFolders()``).
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
    /// An entry that appeared meanwhile is kept and the new one discarded. Temporary folders
    /// left by killed runs are removed first (``removeStaleTemporaryFolders()``).
    /// - Throws: ``HeterogeneousLearningError/cache(path:reason:)`` when the folders cannot be
    ///   created or written.
    @discardableResult
    public func store(_ features: PrecomputedFeatures, key: String, options: PrecomputationOptions,
                      source: [String: String]) throws(HeterogeneousLearningError) -> String {
        let final = folder(for: key)
        do { try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true) } catch {
            throw .cache(path: root, reason: "cannot create the cache folder")
        }
        removeStaleTemporaryFolders()
        let temporary = root + "/" + TemporaryFolder.name(prefix: "." + key)
        guard TemporaryFolder.create(temporary) else {
            throw .cache(path: temporary, reason: "cannot create a temporary folder")
        }
        defer { TemporaryPathRegistry.shared.unregister(temporary) }
        do {
            try Self.write(features, to: temporary, options: options, source: source)
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        }
        if TemporaryPathRegistry.shared.unregister(temporary, after: { rename(temporary, final) }) != 0 {
            // Another run stored the same key first (or the rename failed): keep theirs.
            try? FileManager.default.removeItem(atPath: temporary)
            guard FileManager.default.fileExists(atPath: final + "/manifest.json") else {
                throw .cache(path: final, reason: "cannot move the new entry into place")
            }
        }
        return final
    }

    /// Removes the temporary folders (`.<key>.tmp-<pid>-<n>`) that runs killed while storing an
    /// entry left in ``root``, and returns their paths.
    ///
    /// A folder is stale when it is not this process's and either the process that made it is
    /// gone (`kill(pid, 0)` fails with `ESRCH`) and nothing in it changed for an hour (a cache
    /// shared between machines may hold another host's live write), or nothing in it changed for
    /// a day (its process id was reused). Entries are never touched; the temporary folders are hidden, so
    /// ``load(key:)`` ignores them meanwhile. Folders that cannot be removed are left.
    @discardableResult
    public func removeStaleTemporaryFolders() -> [String] {
        TemporaryFolder.removeStale(in: root) { prefix in
            prefix.count == 33 && prefix.hasPrefix(".") && prefix.dropFirst().allSatisfy(\.isHexDigit)
        }
    }

    /// Writes `features` into `folder` so that it holds exactly this run's output: the groups,
    /// `extraFiles` (e.g. `target_ids.npy`) and `manifest.json`.
    ///
    /// Everything is first written into a fresh hidden temporary folder. A new `folder` is that
    /// temporary folder renamed into place. An existing `folder` first loses its old
    /// `manifest.json` (so it never looks complete with mixed files), then gets the new files
    /// moved in, loses the `group-NN.npy` files this run did not write (left by an earlier run
    /// with more groups), and gets the new manifest last; other files in it are left alone.
    /// A failed write leaves an existing folder as it was. Temporary folders of killed runs
    /// (`.<name>.tmp-<pid>-<n>` beside a new folder, `.rphgnn-output.tmp-<pid>-<n>` inside an
    /// existing one) are removed as in ``removeStaleTemporaryFolders()``.
    /// - Throws: ``HeterogeneousLearningError/cache(path:reason:)`` naming the file or folder
    ///   that could not be created, written or moved.
    public static func publish(_ features: PrecomputedFeatures, to folder: String, options: PrecomputationOptions,
                               source: [String: String], extraFiles: [(name: String, array: NPYArray)] = []) throws(HeterogeneousLearningError) {
        var target = folder
        while target.count > 1 && target.hasSuffix("/") { target.removeLast() }
        let name = (target as NSString).lastPathComponent
        let parent = FilePaths.parent(of: target)
        var isFolder: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: target, isDirectory: &isFolder)
        if exists && !isFolder.boolValue { throw .cache(path: target, reason: "exists and is not a folder") }
        let outputPrefix = ".rphgnn-output"
        let temporary: String
        if exists {
            TemporaryFolder.removeStale(in: target) { $0 == outputPrefix }
            temporary = target + "/" + TemporaryFolder.name(prefix: outputPrefix)
        } else {
            TemporaryFolder.removeStale(in: parent) { $0 == "." + name }
            temporary = parent + "/" + TemporaryFolder.name(prefix: "." + name)
        }
        guard TemporaryFolder.create(temporary) else {
            throw .cache(path: temporary, reason: "cannot create a temporary folder (\(String(cString: strerror(errno))))")
        }
        // Gone by the end of this function (renamed into place or removed).
        defer { TemporaryPathRegistry.shared.unregister(temporary) }
        do throws(HeterogeneousLearningError) {
            for file in extraFiles {
                do { try NPY.write(file.array, to: temporary + "/" + file.name) } catch {
                    throw .cache(path: target + "/" + file.name, reason: "\(error)")
                }
            }
            try write(features, to: temporary, options: options, source: source)
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        }
        if !exists {
            guard TemporaryPathRegistry.shared.unregister(temporary, after: { rename(temporary, target) }) == 0 else {
                let reason = String(cString: strerror(errno))
                try? FileManager.default.removeItem(atPath: temporary)
                throw .cache(path: target, reason: "cannot move the new output into place (\(reason))")
            }
            return
        }
        // Into an existing folder: old manifest out, new files in, stale groups out, manifest last.
        let written: [String]
        do { written = try FileManager.default.contentsOfDirectory(atPath: temporary).filter { !$0.hasPrefix(".") } } catch {
            throw .cache(path: temporary, reason: "cannot list the temporary folder")
        }
        func move(_ file: String) throws(HeterogeneousLearningError) {
            guard rename(temporary + "/" + file, target + "/" + file) == 0 else {
                let reason = String(cString: strerror(errno))
                try? FileManager.default.removeItem(atPath: temporary)
                throw .cache(path: target + "/" + file, reason: "cannot move the new file into place (\(reason))")
            }
        }
        if unlink(target + "/manifest.json") != 0 && errno != ENOENT {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: temporary)
            throw .cache(path: target + "/manifest.json", reason: "cannot remove the old manifest (\(reason))")
        }
        for file in written.sorted() where file != "manifest.json" { try move(file) }
        let present = (try? FileManager.default.contentsOfDirectory(atPath: target)) ?? []
        for file in present where isGroupFile(file) && !written.contains(file) {
            guard unlink(target + "/" + file) == 0 || errno == ENOENT else {
                let reason = String(cString: strerror(errno))
                try? FileManager.default.removeItem(atPath: temporary)
                throw .cache(path: target + "/" + file, reason: "cannot remove this group file of an earlier run (\(reason))")
            }
        }
        try move("manifest.json")
        try? FileManager.default.removeItem(atPath: temporary)
    }

    /// Whether `name` is a group file as ``write(_:to:options:source:)`` names them (`group-NN.npy`).
    static func isGroupFile(_ name: String) -> Bool {
        guard name.hasPrefix("group-") && name.hasSuffix(".npy") else { return false }
        let digits = name.dropFirst("group-".count).dropLast(".npy".count)
        return !digits.isEmpty && digits.allSatisfy(\.isASCII) && digits.allSatisfy(\.isNumber)
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

/// Hidden temporary folders `<prefix>.tmp-<pid>-<uptime ns>`, filled and then renamed into place,
/// and the removal of those left behind by killed runs.
enum TemporaryFolder {
    /// A fresh name for this process.
    static func name(prefix: String) -> String {
        "\(prefix).tmp-\(getpid())-\(DispatchTime.now().uptimeNanoseconds)"
    }

    /// Creates the folder `path` and lists it in ``TemporaryPathRegistry/shared`` (so an
    /// interrupted tool removes it); `false` with `errno` set when it cannot be created.
    static func create(_ path: String) -> Bool {
        var failure: Int32 = 0
        let made = TemporaryPathRegistry.shared.register {
            if mkdir(path, 0o777) == 0 { return path } // less the umask, as FileManager does
            failure = errno
            return nil
        }
        errno = failure
        return made != nil
    }

    /// The prefix and process id of a temporary folder name, or `nil` for other names.
    static func parse(_ name: String) -> (prefix: String, pid: Int32)? {
        guard let marker = name.range(of: ".tmp-", options: .backwards) else { return nil }
        let fields = name[marker.upperBound...].split(separator: "-", omittingEmptySubsequences: false)
        guard fields.count == 2, let pid = Int32(fields[0]), pid > 0, UInt64(fields[1]) != nil else { return nil }
        return (String(name[..<marker.lowerBound]), pid)
    }

    /// How long a folder whose process id is in use may stay untouched before it counts as
    /// stale (the id may have been reused): one day, in seconds.
    static let abandonedAfter: TimeInterval = 86_400
    /// How long a folder whose process is gone here must have been untouched before it is
    /// removed: one hour, in seconds. A cache shared between machines may hold a live write of
    /// another host whose process id means nothing here; such a write keeps its folder fresh.
    static let goneAfter: TimeInterval = 3_600

    /// Removes the stale temporary folders in `folder` whose prefix satisfies `matches`: not
    /// this process's, and either their process is gone and they were untouched for ``goneAfter``,
    /// or they were untouched for ``abandonedAfter``. Returns the removed paths.
    @discardableResult
    static func removeStale(in folder: String, matching matches: (String) -> Bool) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return [] }
        var removed: [String] = []
        for name in names.sorted() where name.hasPrefix(".") {
            guard let (prefix, pid) = parse(name), matches(prefix), pid != getpid() else { continue }
            let path = folder + "/" + name
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                  attributes[.type] as? FileAttributeType == .typeDirectory else { continue }
            let gone = kill(pid, 0) != 0 && errno == ESRCH
            let modified = attributes[.modificationDate] as? Date ?? Date()
            let idle = Date().timeIntervalSince(modified)
            guard (gone && idle > goneAfter) || idle > abandonedAfter else { continue }
            if (try? FileManager.default.removeItem(atPath: path)) != nil { removed.append(path) }
        }
        return removed
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
