import DenseMath
import Foundation
import GraphCore

/// A dataset of the Heterogeneous Graph Benchmark (HGB; Lv et al., KDD 2021,
/// https://github.com/THUDM/HGB), loaded from its folder or its `.zip`.
///
/// Files (tab-separated; CRLF accepted):
///
/// | file | line format |
/// |---|---|
/// | `node.dat` | `id  name  type  [f1,f2,…]` — global id, free text, node type id, optional comma-separated features |
/// | `link.dat` | `source  target  linkType  [weight]` — global ids, link type id, weight (default 1) |
/// | `label.dat`, `label.dat.test`, `label.dat.test_full` | `id  name  type  c1[,c2,…]` — class ids, several for multi-label |
/// | `info.dat` | JSON; only its names are used (its counts can be wrong) |
///
/// Node ids in the files are global; every node type gets dense local ids `0 ..< count` in
/// ascending global order (HGB numbers each type contiguously, so local = global − first id of
/// the type). Everything is counted from the data, never from `info.dat`.
///
/// The result is a ``/GraphCore/HeterogeneousGraph`` with one node type per type id (named from
/// `info.dat` when it names every type distinctly, else by the type id) and one relation per
/// link type, in ascending link-type order (named by the `info.dat` meaning when every link type
/// has a distinct one, else by the link-type id). A relation's source and target node types are
/// inferred from its links; its adjacency is `[count(source type) × count(target type)]` over
/// local ids, with repeated links merged (largest weight kept) and weights dropped when all are
/// 1. HGB ships both directions of each relation as separate link types, so no reverse
/// relations are added here.
public struct HGBDataset: Sendable, Equatable {
    /// Dataset name: the folder or zip file name without `.zip`.
    public let name: String
    /// Node types (local ids) and relations.
    public let graph: HeterogeneousGraph
    /// The HGB type id of each node type, `[numTypes]`.
    public let nodeTypeIDs: [Int]
    /// The HGB link type id of each relation, `[numRelations]`.
    public let relationTypeIDs: [Int]
    /// Node features per node type: `[count(type) × dim]` row-major, row = local id; `nil` for a
    /// type whose nodes have no features.
    public let features: [Matrix?]
    /// Node type index of each global id, `[max global id + 1]`; -1 for an id not in `node.dat`.
    public let nodeTypeOfGlobal: [Int32]
    /// Local id of each global id, `[max global id + 1]`; -1 for an id not in `node.dat`.
    public let localIDOfGlobal: [Int32]
    /// Global id of each local id, per node type: `globalIDs[type][local]`.
    public let globalIDs: [[Int]]
    /// Index of the labelled node type (the prediction target) in ``graph``'s node types.
    public let targetType: Int
    /// Class names, `[numClasses]`, from `info.dat` when it names every class, else `"0"`, `"1"`, ….
    public let classNames: [String]
    /// Training labels (`label.dat`) over the target type's local ids.
    public let trainLabels: NodeLabels
    /// The public half of the test labels (`label.dat.test`), when present.
    public let testLabels: NodeLabels?
    /// All test labels (`label.dat.test_full`), when present. Say which set a score uses.
    public let testFullLabels: NodeLabels?
    /// Things in the files worth telling the user that do not stop loading, each naming the
    /// file (and line): an `info.dat` that is not a JSON object; link types whose node types in
    /// `link.dat` differ from `info.dat`'s start/end; link types in `link.dat` that `info.dat` does
    /// not describe; classes below the largest class id that no node in `label.dat` has (a
    /// mistyped id). HGB's loader never reads `info.dat`, so the data always wins; names fall back
    /// to ids.
    public let warnings: [String]

    /// Number of classes: the largest class id in any label file + 1.
    public var numClasses: Int { classNames.count }

    /// Whether some node has several classes in any label file.
    public var isMultiLabel: Bool {
        trainLabels.isMultiLabel || (testLabels?.isMultiLabel ?? false) || (testFullLabels?.isMultiLabel ?? false)
    }

    /// The node type index and local id of global id `global`, or `nil` when `node.dat` has no
    /// such node.
    public func local(ofGlobal global: Int) -> (type: Int, id: Int)? {
        guard global >= 0, global < nodeTypeOfGlobal.count, nodeTypeOfGlobal[global] >= 0 else { return nil }
        return (Int(nodeTypeOfGlobal[global]), Int(localIDOfGlobal[global]))
    }

    /// The global id of local id `local` of node type `type`.
    public func global(type: Int, local: Int) -> Int { globalIDs[type][local] }

    /// Loads the HGB dataset in the folder or `.zip` file at `path` (members may sit under one
    /// top-level folder inside the zip).
    ///
    /// - Throws: ``GraphIOError/fileNotFound(_:)`` when the path, `node.dat`, `link.dat` or
    ///   `label.dat` is missing; ``GraphIOError/archive(file:message:)`` for a corrupt zip;
    ///   ``GraphIOError/empty(_:)`` for a `node.dat`, `link.dat` or `label.dat` without data;
    ///   ``GraphIOError/parse(file:line:column:message:)`` naming the file (inside the zip:
    ///   `DBLP.zip/DBLP/link.dat`) and line for: a wrong number of fields, a non-integer id,
    ///   type or class, a node listed twice, a link or label naming a node not in `node.dat`, a
    ///   link type connecting different node types on different lines, a malformed, negative or
    ///   non-finite weight or feature, a feature count that differs within a node type, and
    ///   label files that disagree on the labelled type or a node's type.
    /// - Complexity: O(total file size); features are parsed in parallel
    ///   (`Parallel.defaultThreadCount` threads, at most one per 64 KiB of `node.dat`).
    public static func load(_ path: String) throws(GraphIOError) -> HGBDataset {
        let source = try HGBSource(path)
        var name = path.split(separator: "/").last.map(String.init) ?? path
        if name.lowercased().hasSuffix(".zip") { name = String(name.dropLast(4)) }
        let info = source.contains("info.dat") ? HGBInfo(json: (try? source.read("info.dat")) ?? []) : HGBInfo()

        // Nodes.
        let nodeFile = source.displayName("node.dat")
        let nodeBytes = try source.read("node.dat")
        let nodes = try nodeBytes.withUnsafeBufferPointer { (buffer) throws(GraphIOError) -> HGBNodeTable in
            try HGBNodeTable(buffer, file: nodeFile)
        }
        let typeIDs = nodes.typeIDs
        let counts = nodes.globalIDs.map(\.count)
        let features = try nodeBytes.withUnsafeBufferPointer { (buffer) throws(GraphIOError) -> [Matrix?] in
            try nodes.parseFeatures(buffer, file: nodeFile)
        }

        // Links.
        let linkFile = source.displayName("link.dat")
        let links = try source.read("link.dat").withUnsafeBufferPointer { (buffer) throws(GraphIOError) -> [HGBLinkType] in
            try HGBLinkType.parse(buffer, file: linkFile, nodes: nodes)
        }
        let nodeTypeNames = HGBInfo.uniqueNames(typeIDs, info.nodeTypeNames) ?? typeIDs.map(String.init)
        let relationNames = HGBInfo.uniqueNames(links.map(\.id), info.linkMeanings) ?? links.map { String($0.id) }
        var warnings: [String] = []
        let infoFile = source.displayName("info.dat")
        if source.contains("info.dat") && !info.isReadable {
            warnings.append("\(infoFile) is not a JSON object as HGB writes it; it is ignored and node types, relations and classes are named by id")
        }
        for link in links {
            guard let (start, end) = info.linkEnds[link.id], (start, end) != (link.sourceType, link.targetType) else { continue }
            warnings.append("\(linkFile):\(link.firstLine): link type \(link.id) joins node types \(link.sourceType) → \(link.targetType), but \(infoFile) says \(start) → \(end); the links are used as link.dat gives them")
        }
        if !info.linkMeanings.isEmpty {
            let described = info.linkMeanings.keys.sorted().map(String.init).joined(separator: ", ")
            for link in links where info.linkMeanings[link.id] == nil {
                warnings.append("\(linkFile):\(link.firstLine): link type \(link.id) is not described in \(infoFile) (it describes link types \(described)); relations are named by link-type id")
            }
        }
        var graph = HeterogeneousGraph(nodeTypes: zip(nodeTypeNames, counts).map { .init(name: $0, count: $1) })
        for (r, link) in links.enumerated() {
            let adjacency = CSRAssembly.build(numRows: counts[link.sourceType], numColumns: counts[link.targetType],
                                              rows: link.sources, columns: link.targets, weights: link.weights,
                                              merge: .max, dropUnitWeights: true)
            do {
                try graph.addRelation(.init(name: relationNames[r], sourceType: link.sourceType,
                                            targetType: link.targetType, adjacency: adjacency))
            } catch {
                throw .shapeMismatch("\(linkFile): \(error)")
            }
        }

        // Labels.
        let train = try HGBLabelFile.parse(source, "label.dat", nodes: nodes, targetType: nil)
        let target = train.targetType
        let test = source.contains("label.dat.test")
            ? try HGBLabelFile.parse(source, "label.dat.test", nodes: nodes, targetType: target) : nil
        let testFull = source.contains("label.dat.test_full")
            ? try HGBLabelFile.parse(source, "label.dat.test_full", nodes: nodes, targetType: target) : nil
        try test?.rejectOverlap(with: train, source, "label.dat.test", nodes: nodes)
        try testFull?.rejectOverlap(with: train, source, "label.dat.test_full", nodes: nodes)
        let numClasses = 1 + max(train.maxClass, test?.maxClass ?? -1, testFull?.maxClass ?? -1)
        let namesFromInfo = info.classNames[typeIDs[target]] ?? [:]
        let classNames: [String] = HGBInfo.uniqueNames(Array(0..<numClasses), namesFromInfo) ?? (0..<numClasses).map(String.init)
        func labels(_ file: HGBLabelFile) throws(GraphIOError) -> NodeLabels {
            try NodeLabels(perNode: file.perNode(count: counts[target]), classNames: classNames)
        }
        let trainLabels = try labels(train)
        var seen = [Bool](repeating: false, count: numClasses)
        for c in trainLabels.classes { seen[Int(c)] = true }
        let unseen = seen.indices.filter { !seen[$0] }
        if !unseen.isEmpty {
            warnings.append("\(source.displayName("label.dat")): no node has class \(Self.ranges(unseen)) (\(unseen.count) of \(numClasses) classes, counted up to the largest class id \(numClasses - 1)); if a class id is mistyped, those classes cannot be learned")
        }

        return HGBDataset(
            name: name, graph: graph, nodeTypeIDs: typeIDs, relationTypeIDs: links.map(\.id), features: features,
            nodeTypeOfGlobal: nodes.typeOfGlobal, localIDOfGlobal: nodes.localOfGlobal, globalIDs: nodes.globalIDs,
            targetType: target, classNames: classNames, trainLabels: trainLabels,
            testLabels: try test.map { (f) throws(GraphIOError) in try labels(f) },
            testFullLabels: try testFull.map { (f) throws(GraphIOError) in try labels(f) }, warnings: warnings)
    }

    /// `[3, 4, 5, 9]` → `"3–5, 9"`.
    static func ranges(_ sorted: [Int]) -> String {
        var parts: [String] = []
        var i = 0
        while i < sorted.count {
            var j = i
            while j + 1 < sorted.count && sorted[j + 1] == sorted[j] + 1 { j += 1 }
            parts.append(j == i ? "\(sorted[i])" : "\(sorted[i])–\(sorted[j])")
            i = j + 1
        }
        return parts.joined(separator: ", ")
    }
}
