// libFuzzer entry points for every reader of the engine (issue 15, item 1).
//
// One binary; the environment variable FUZZ_TARGET picks the reader:
//
//   edgelist    EdgeListReader.parse, every id mode, weight option, thread count and skipRows
//               (threadCount 3 for a quarter of the inputs: 12 chunks split and merged; the
//               reader starts threads only for 64 KiB per thread, so none for these inputs)
//   mtx         MatrixMarketReader.parse and parseSparse
//   npy         NPY.parse, then asMatrix / asInt32
//   npz         NPZ.read (stored and deflated members)
//   labels      LabelReader.parse and SplitReader.parse, integer ids or a name map
//   hyperedges  HyperedgeListReader.parse
//   hgb         HGBDataset.load on a folder: one of node.dat, link.dat, label.dat,
//               label.dat.test, info.dat replaced by the input (the others from a valid base;
//               one folder per member, so the base is never rewritten)
//   hgbzip      HGBDataset.load on the input as a .zip
//   embeddings  EmbeddingReader.read as .tsv, .txt (word2vec) or .npy
//   checkpoint  Checkpoint.read (inputs that start with the GLCKPT02 magic get a valid
//               checksum appended, so the fuzzer reaches the header and tensor parsing)
//   cache       PrecomputationCache.read: the input is manifest.json of a folder that holds
//               valid group files
//   gzip        the input as a .gz edge list (EdgeListReader.read: inflated as it is parsed)
//               and as a .gz label file (LabelReader.read: inflated whole)
//   ogb         NodeDataset.load on an OGB node-property folder: one of its CSV tables replaced
//               by the input (the others from a valid base, one folder per table)
//
// Where a selector is needed it is the input's first byte. A reader may throw (that is its
// job); a crash, a sanitizer report, a leak or a timeout is a finding. FUZZ_MAKE_SEEDS=DIR
// writes the binary seeds (checkpoint, cache manifest) that the library itself produces.
import Foundation
import GraphLearning

/// Scratch folder of this process (in /dev/shm when present, so the file-based readers cost
/// little).
nonisolated(unsafe) var scratch = ""
nonisolated(unsafe) var target = ""
nonisolated(unsafe) var counter = 0

@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> CInt {
    let env = ProcessInfo.processInfo.environment
    let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
    scratch = base + "/graphfuzz-\(getpid())"
    try? FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    atexit { try? FileManager.default.removeItem(atPath: scratch) }
    if let seeds = env["FUZZ_MAKE_SEEDS"] {
        makeSeeds(seeds)
        exit(0)
    }
    target = env["FUZZ_TARGET"] ?? ""
    guard targets[target] != nil else {
        FileHandle.standardError.write(Data("graphfuzz: set FUZZ_TARGET to one of \(targets.keys.sorted().joined(separator: ", "))\n".utf8))
        exit(64)
    }
    if target == "hgb" { makeHGBBase() }
    if target == "cache" { makeCacheBase() }
    if target == "ogb" { makeOGBBase() }
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = [UInt8](UnsafeBufferPointer(start: data, count: size))
    targets[target]!(bytes)
    return 0
}

let targets: [String: @Sendable ([UInt8]) -> Void] = [
    "edgelist": fuzzEdgeList, "mtx": fuzzMatrixMarket, "npy": fuzzNPY, "npz": fuzzNPZ,
    "labels": fuzzLabels, "hyperedges": fuzzHyperedges, "hgb": fuzzHGBFolder, "hgbzip": fuzzHGBZip,
    "embeddings": fuzzEmbeddings, "checkpoint": fuzzCheckpoint, "cache": fuzzCache,
    "gzip": fuzzGzip, "ogb": fuzzOGBFolder,
]

/// Graphs built from a parsed input have at most this many nodes: ids are dense indices, so a
/// large id is a large (valid) graph, not a reader bug.
let largestGraph = 1 << 14

/// Writes `bytes` to `name` in the scratch folder and returns its path: one open, write and
/// close (FileManager.createFile writes a temporary file, fsyncs and renames it: five more
/// system calls per input, and a copy into Data).
func file(_ name: String, _ bytes: some Collection<UInt8>) -> String {
    let path = scratch + "/" + name
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    precondition(fd >= 0, "graphfuzz: cannot write \(path): errno \(errno)")
    let done = bytes.withContiguousStorageIfAvailable { writeAll(fd, $0) } ?? Array(bytes).withUnsafeBufferPointer { writeAll(fd, $0) }
    precondition(done, "graphfuzz: cannot write \(path): errno \(errno)")
    close(fd)
    return path
}

/// Writes all of `buffer` to `fd`; false on an error.
func writeAll(_ fd: Int32, _ buffer: UnsafeBufferPointer<UInt8>) -> Bool {
    var offset = 0
    while offset < buffer.count {
        let n = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
        if n <= 0 { return false }
        offset += n
    }
    return true
}

/// The first byte as a selector and the rest, or nil for an empty input.
func split(_ bytes: [UInt8]) -> (UInt8, ArraySlice<UInt8>)? {
    guard let first = bytes.first else { return nil }
    return (first, bytes.dropFirst())
}

// MARK: - Text readers (in memory)

func fuzzEdgeList(_ bytes: [UInt8]) {
    guard let (s, rest) = split(bytes) else { return }
    let modes: [EdgeListReadOptions.IDMode] = [.automatic, .integer, .string]
    let weighted: [Bool?] = [nil, true, false]
    let options = EdgeListReadOptions(idMode: modes[Int(s % 3)], weighted: weighted[Int(s / 3 % 3)],
                                      numNodes: s & 0x40 != 0 ? 64 : nil, threadCount: s & 0x30 == 0x30 ? 3 : 1,
                                      skipRows: s & 0x80 != 0 ? 1 : 0)
    guard let list = try? EdgeListReader.parse(Array(rest), file: "fuzz.tsv", options: options) else { return }
    // What the tools do next: build the CSR graph (integer ids are dense ids by design, so a
    // large id means a large graph: skip those rather than hit the fuzzer's memory limit).
    guard list.numNodes <= largestGraph else { return }
    _ = try? GraphBuilder.build(list, options: .undirected)
}

func fuzzMatrixMarket(_ bytes: [UInt8]) {
    guard let (s, rest) = split(bytes) else { return }
    // A declared size is allocated as declared (dense values, or CSR row offsets): a header of
    // 10^9 rows is a 8 GB matrix by design, so skip those rather than hit the fuzzer's memory limit.
    if let shape = try? MatrixMarketReader.declaredShape(Array(rest), file: "fuzz.mtx"),
       shape.rows.multipliedReportingOverflow(by: max(1, shape.cols)).overflow
        || shape.rows * max(1, shape.cols) > largestGraph * 64 || shape.rows + shape.cols > largestGraph * 64 {
        return
    }
    if s & 1 == 0 {
        _ = try? MatrixMarketReader.parse(Array(rest), file: "fuzz.mtx")
    } else {
        _ = try? MatrixMarketReader.parseSparse(Array(rest), file: "fuzz.mtx")
    }
}

func fuzzNPY(_ bytes: [UInt8]) {
    guard let array = try? NPY.parse(bytes, file: "fuzz.npy") else { return }
    _ = try? array.asMatrix()
    _ = try? array.asInt32()
    _ = array.asFloats()
    _ = try? EdgeIndexReader.parse(array, file: "fuzz.npy")
}

func fuzzLabels(_ bytes: [UInt8]) {
    guard let (s, rest) = split(bytes) else { return }
    let numNodes = Int(s >> 2)
    let names = s & 2 != 0 ? try? NodeIDMap(names: (0..<numNodes).map { "n\($0)" }) : nil
    if s & 1 == 0 {
        guard let labels = try? LabelReader.parse(Array(rest), file: "labels.tsv", nodeIDs: names, numNodes: numNodes) else { return }
        // Integer labels below 2^20 are class ids by design: label 888825 means 888,826 classes,
        // so the dense indicator matrix is only built when it is small.
        if labels.numNodes * labels.numClasses <= largestGraph * 64 { _ = labels.indicatorMatrix() }
        if !labels.isMultiLabel { _ = labels.singleLabels() }
    } else {
        _ = try? SplitReader.parse(Array(rest), file: "split.tsv", nodeIDs: names, numNodes: numNodes)
    }
}

func fuzzHyperedges(_ bytes: [UInt8]) {
    guard let (s, rest) = split(bytes) else { return }
    let n: Int? = s & 1 == 0 ? nil : Int(s >> 1)
    guard let edges = try? HyperedgeListReader.parse(Array(rest), file: "hyperedges.tsv", numVertices: n) else { return }
    let vertices = n ?? ((edges.flatMap { $0 }.max() ?? -1) + 1)
    guard vertices <= largestGraph else { return }
    _ = try? Hypergraph(hyperedges: edges, numVertices: vertices, mergeDuplicates: s & 2 != 0, addSingletons: true)
}

// MARK: - File readers

func fuzzNPZ(_ bytes: [UInt8]) {
    _ = try? NPZ.read(file("fuzz.npz", bytes))
}

/// The files of a small valid HGB folder (two node types, one relation, labels on type 0).
let hgbBase: [String: String] = [
    "node.dat": "0\ta\t0\t0.5,1.0\n1\tb\t0\t1.5,0.0\n2\tc\t1\n3\td\t1\n",
    "link.dat": "0\t2\t0\t1.0\n1\t3\t0\t1.0\n0\t3\t0\t0.5\n",
    "label.dat": "0\ta\t0\t0\n",
    "label.dat.test": "1\tb\t0\t1\n",
    "info.dat": "{}\n",
]
let hgbMembers = ["node.dat", "link.dat", "label.dat", "label.dat.test", "info.dat"]

/// One valid folder per member (`hgb-node.dat`, …): the input replaces that member there and
/// stays until the next input for the same member, so the base needs no rewrite per input.
func makeHGBBase() {
    for member in hgbMembers {
        try? FileManager.default.createDirectory(atPath: scratch + "/hgb-" + member, withIntermediateDirectories: true)
        for (name, text) in hgbBase { _ = file("hgb-\(member)/" + name, Array(text.utf8)) }
    }
}

func fuzzHGBFolder(_ bytes: [UInt8]) {
    guard let (s, rest) = split(bytes) else { return }
    let member = hgbMembers[Int(s) % hgbMembers.count]
    _ = file("hgb-\(member)/" + member, rest)
    _ = try? HGBDataset.load(scratch + "/hgb-" + member)
}

func fuzzHGBZip(_ bytes: [UInt8]) {
    _ = try? HGBDataset.load(file("fuzz.zip", bytes))
}

func fuzzEmbeddings(_ bytes: [UInt8]) {
    guard let (s, rest) = split(bytes) else { return }
    let ext = ["tsv", "txt", "npy"][Int(s % 3)]
    _ = try? EmbeddingReader.read(file("fuzz." + ext, rest))
}

/// FNV-1a 64 as Checkpoint computes it (the reader rejects any other trailer).
func fnv1a(_ bytes: some Sequence<UInt8>) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
    return h
}

func fuzzCheckpoint(_ bytes: [UInt8]) {
    var content = bytes
    if bytes.starts(with: Array("GLCKPT02".utf8)) {
        let sum = fnv1a(bytes)
        for k in 0..<8 { content.append(UInt8(truncatingIfNeeded: sum >> (8 * UInt64(k)))) }
    }
    _ = try? Checkpoint.read(from: file("fuzz.ckpt", content))
}

/// A valid cache folder: two groups over 3 nodes.
func cacheFeatures() -> PrecomputedFeatures {
    PrecomputedFeatures(numNodes: 3, groups: [
        FeatureGroup(relation: "a-b", parity: .even, hops: 2, dim: 2, values: Matrix(rows: 3, cols: 4, values: (0..<12).map { Float($0) })),
        FeatureGroup(relation: "a-b", parity: .odd, hops: 1, dim: 1, values: Matrix(rows: 3, cols: 1, values: [1, 2, 3])),
    ])
}

func makeCacheBase() {
    try? PrecomputationCache.write(cacheFeatures(), to: scratch + "/cache",
                                   options: PrecomputationOptions(iterations: 2, randomFeatureDim: 2, includeInput: false, seed: 1),
                                   source: ["dataset": "fuzz"])
}

func fuzzCache(_ bytes: [UInt8]) {
    _ = file("cache/manifest.json", bytes)
    _ = try? PrecomputationCache.read(from: scratch + "/cache")
}

func fuzzGzip(_ bytes: [UInt8]) {
    guard let (s, rest) = split(bytes) else { return }
    if s & 1 == 0 {
        guard let list = try? EdgeListReader.read(file("fuzz.tsv.gz", rest), options: EdgeListReadOptions(numNodes: s & 2 != 0 ? 64 : nil)),
              list.numNodes <= largestGraph else { return }
        _ = try? GraphBuilder.build(list, options: .undirected)
    } else {
        _ = try? LabelReader.read(file("labels.tsv.gz", rest), numNodes: 64)
    }
}

/// The tables of a small valid OGB node-property folder (5 nodes, split "s"), uncompressed so
/// the input reaches the parsers.
let ogbBase: [String: String] = [
    "raw/edge.csv": "0,1\n1,2\n2,3\n3,0\n", "raw/num-node-list.csv": "5\n", "raw/num-edge-list.csv": "4\n",
    "raw/node-feat.csv": "0.5,1\n-2,0\n1e-3,3\n0,0\n7,8\n", "raw/node-label.csv": "0\n2\n1\n2\n\n",
    "split/s/train.csv": "0\n1\n", "split/s/valid.csv": "2\n", "split/s/test.csv": "3\n",
]
let ogbMembers = ogbBase.keys.sorted()

/// One valid folder per table (`ogb-0`, …), in which the input replaces that table.
func makeOGBBase() {
    for (k, _) in ogbMembers.enumerated() {
        for dir in ["raw", "split/s"] {
            try? FileManager.default.createDirectory(atPath: scratch + "/ogb-\(k)/" + dir, withIntermediateDirectories: true)
        }
        for (name, text) in ogbBase { _ = file("ogb-\(k)/" + name, Array(text.utf8)) }
    }
}

func fuzzOGBFolder(_ bytes: [UInt8]) {
    guard let (s, rest) = split(bytes) else { return }
    let k = Int(s) % ogbMembers.count
    _ = file("ogb-\(k)/" + ogbMembers[k], rest)
    _ = try? NodeDataset.load(scratch + "/ogb-\(k)")
}

// MARK: - Seeds the library writes

func makeSeeds(_ folder: String) {
    let fm = FileManager.default
    for t in ["checkpoint", "cache", "embeddings", "npy"] {
        try? fm.createDirectory(atPath: folder + "/" + t, withIntermediateDirectories: true)
    }
    let checkpoint = Checkpoint(tensors: [("w", Matrix(rows: 2, cols: 3, values: [1, 2, 3, 4, 5, 6])), ("b", Matrix(rows: 1, cols: 2))],
                                metadata: ["epoch": "3", "model": "gcn"])
    try? checkpoint.write(to: scratch + "/seed.ckpt")
    if let data = fm.contents(atPath: scratch + "/seed.ckpt") {
        // Without its checksum: the target appends a valid one.
        _ = fm.createFile(atPath: folder + "/checkpoint/gcn-2x3", contents: data.dropLast(8))
        _ = fm.createFile(atPath: folder + "/checkpoint/raw-with-checksum", contents: data)
    }
    makeCacheBase()
    _ = fm.createFile(atPath: folder + "/cache/manifest", contents: fm.contents(atPath: scratch + "/cache/manifest.json"))
    try? NPY.write(Matrix(rows: 2, cols: 3, values: [0.5, 1, 2, 3, 4, 5]), to: scratch + "/m.npy")
    if let npy = fm.contents(atPath: scratch + "/m.npy") {
        _ = fm.createFile(atPath: folder + "/npy/float32-2x3", contents: npy)
        _ = fm.createFile(atPath: folder + "/embeddings/npy-2x3", contents: Data([2]) + npy)
    }
}
