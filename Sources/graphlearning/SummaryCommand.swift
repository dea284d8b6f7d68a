import ArgumentParser
import CLISupport
import Foundation
import GraphCore
import GraphIO
import MessagePassing
import Partitioning

/// `graphlearning summary`: a graph's size, degrees, components, features, labels and split.
struct Summary: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a graph's size, degrees, components, features, labels and split.",
        usage: "graphlearning summary [<options>] <graph>",
        discussion: """
            For an HGB dataset (.zip or folder with node.dat) it prints node types, relations and \
            labels; for a hypergraph folder (hyperedges.tsv) vertices and hyperedge sizes. With \
            --parts k it also cuts the graph with METIS (edge weights are ignored) and reports the \
            edge cut, part sizes and halo sizes.

            Examples:
              graphlearning summary graphs/cora
              graphlearning summary graphs/blogcatalog --parts 8 --metrics run.jsonl
              graphlearning summary graphs/hgb/ACM.zip
            """)

    @OptionGroup var input: GraphInputOptions

    @Option(parsing: .signedNumber, help: ArgumentHelp("Also cut the graph into k METIS parts (1 ≤ k ≤ nodes).", valueName: "k"))
    var parts: Int?

    @OptionGroup(title: runOptionsTitle) var runOptions: GraphRunOptions<SummaryRun>

    func validate() throws {
        if let parts, parts < 1 { throw ValidationError("--parts must be at least 1, got \(parts)") }
        try runOptions.validate(inputs: input.inputFiles)
    }

    func run() throws {
        let metricsFile = MetricsWriter(path: runOptions.metrics.metrics)
        let path = input.path
        var isFolder: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isFolder)
        // Folder kinds by their defining file, plain or gzip-compressed.
        func has(_ name: String) -> Bool { exists && isFolder.boolValue && (try? NodeDataset.existingFile(path, oneOf: [name])) != nil }
        if path.hasSuffix(".zip") || has("node.dat") {
            try metricsFile.append(try summariseHGB(path))
        } else if has("hyperedges.tsv") {
            try metricsFile.append(try summariseHypergraph(path))
        } else {
            try metricsFile.append(try summariseGraph())
        }
    }

    func summariseGraph() throws -> [String: Any] {
        let (dataset, loadSeconds) = try timed { try input.load(threads: runOptions.threads.count, output: runOptions.output) }
        let (graph, buildSeconds) = try timed { try input.build(dataset) }
        if let parts, parts > graph.numNodes {
            throw CommandFailure("--parts \(parts): the graph has only \(counted(graph.numNodes, "node"))", code: 64)
        }
        let outDegrees = graph.degrees()
        let inDegrees = input.directed ? graph.inDegrees() : outDegrees
        let (components, componentCount) = graph.connectedComponents()
        var componentSizes = [Int](repeating: 0, count: componentCount)
        for c in components { componentSizes[Int(c)] += 1 }
        let isolated = (0..<graph.numNodes).filter { outDegrees[$0] == 0 && inDegrees[$0] == 0 }.count
        let (edges, loops) = edgeCounts(graph, directed: input.directed)
        var record: [String: Any] = [
            "graph": input.path, "nodes": graph.numNodes, "edges": edges, "self_loops": loops,
            "stored_entries": graph.nnz, "directed": input.directed, "components": componentCount,
            "isolated_nodes": isolated, "max_degree": outDegrees.max() ?? 0,
            "load_seconds": loadSeconds, "build_seconds": buildSeconds,
        ]
        print("graph \(input.path)")
        print("  \(counted(graph.numNodes, "node"))   \(counted(edges, input.directed ? "directed edge" : "undirected edge"))\(loops > 0 ? " (\(counted(loops, "self-loop")))" : "")   \(counted(dataset.edges.count, "line")) read   \(counted(graph.nnz, "stored entry", "stored entries"))")
        let mean = graph.numNodes > 0 ? Double(graph.nnz) / Double(graph.numNodes) : 0
        print("  \(input.directed ? "out-degree" : "degree") min \(formatCount(outDegrees.min() ?? 0))   mean \(String(format: "%.2f", mean))   max \(formatCount(outDegrees.max() ?? 0))   isolated \(formatCount(isolated))")
        print("  \(counted(componentCount, "connected component")) (largest \(counted(componentSizes.max() ?? 0, "node"))\(input.directed ? ", edge directions ignored" : ""))")
        if let f = dataset.features {
            var nonZeros = 0
            for v in f.values where v != 0 { nonZeros += 1 }
            print("  features \(formatCount(f.rows)) × \(formatCount(f.cols)) (\(counted(nonZeros, "non-zero")))")
            record["features"] = [f.rows, f.cols]
        }
        if let labels = dataset.labels {
            print("  labels: \(counted(labels.numClasses, "class", "classes")), \(counted(labels.labelledNodes.count, "labelled node")), \(labels.isMultiLabel ? "multi-label" : "single-label")")
            record["classes"] = labels.numClasses
            record["multi_label"] = labels.isMultiLabel
        }
        if let split = dataset.split {
            print("  split: train \(formatCount(split.train.count)) / val \(formatCount(split.val.count)) / test \(formatCount(split.test.count))")
            record["split"] = [split.train.count, split.val.count, split.test.count]
        }
        var metisTime = ""
        if let k = parts {
            let (partition, seconds) = try timed { try METISPartitioner.partition(graph, parts: k, seed: runOptions.metisSeed) }
            record.merge(describe(partition, graph: graph, indent: "  ", output: runOptions.output)) { _, new in new }
            record["metis_seconds"] = seconds
            metisTime = String(format: ", METIS %.2f s", seconds)
        }
        runOptions.output.note(String(format: "load %.2f s, build %.2f s%@, peak memory %.0f MiB", loadSeconds, buildSeconds, metisTime, peakMemoryMiB()))
        return record
    }

    func summariseHGB(_ path: String) throws -> [String: Any] {
        if parts != nil { throw CommandFailure("--parts applies to homogeneous graphs, not HGB datasets", code: 64) }
        let (d, seconds) = try timed { try HGBDataset.load(path) }
        print("heterogeneous graph \(path) (HGB \(d.name))")
        for (t, type) in d.graph.nodeTypes.enumerated() {
            let features = d.features[t].map { "features \(formatCount($0.cols))" } ?? "no features"
            print("  node type \(t) \(type.name): \(counted(type.count, "node")), \(features)\(t == d.targetType ? "  ← target" : "")")
        }
        for r in d.graph.relations {
            let src = d.graph.nodeTypes[r.sourceType].name, dst = d.graph.nodeTypes[r.targetType].name
            print("  relation \(r.name): \(src) → \(dst), \(counted(r.adjacency.nnz, "edge"))")
        }
        let test = d.testLabels.map { formatCount($0.labelledNodes.count) } ?? "none"
        let testFull = d.testFullLabels.map { formatCount($0.labelledNodes.count) } ?? "none"
        print("  labels: \(counted(d.numClasses, "class", "classes")), \(d.isMultiLabel ? "multi-label" : "single-label"); labelled nodes: train \(formatCount(d.trainLabels.labelledNodes.count)), test \(test), test_full \(testFull)")
        runOptions.output.note(String(format: "load %.2f s, peak memory %.0f MiB", seconds, peakMemoryMiB()))
        return ["graph": path, "node_types": d.graph.nodeTypes.map(\.count), "relations": d.graph.relations.count,
                "edges": d.graph.totalEdges, "classes": d.numClasses, "multi_label": d.isMultiLabel]
    }

    func summariseHypergraph(_ path: String) throws -> [String: Any] {
        if parts != nil { throw CommandFailure("--parts applies to graphs, not hypergraphs", code: 64) }
        var numVertices: Int?
        if let features = try NodeDataset.existingFile(path, oneOf: ["features.mtx"]) {
            numVertices = try MatrixMarketReader.read(features).rows
        }
        let hyperedges = try NodeDataset.existingFile(path, oneOf: ["hyperedges.tsv"]) ?? path + "/hyperedges.tsv"
        let edges = try HyperedgeListReader.read(hyperedges, numVertices: numVertices)
        let n = numVertices ?? ((edges.joined().max() ?? -1) + 1)
        let h = try Hypergraph(hyperedges: edges, numVertices: n)
        let merged = try Hypergraph(hyperedges: edges, numVertices: n, mergeDuplicates: true)
        let sizes = h.hyperedgeDegrees()
        let uncovered = h.incidence.degrees().filter { $0 == 0 }.count
        print("hypergraph \(path)")
        print("  \(counted(n, "vertex", "vertices"))   \(counted(h.numHyperedges, "hyperedge")) (\(formatCount(merged.numHyperedges)) distinct)   \(counted(uncovered, "vertex", "vertices")) in no hyperedge")
        let mean = sizes.isEmpty ? 0 : Double(sizes.reduce(0, +)) / Double(sizes.count)
        print("  hyperedge size min \(sizes.min() ?? 0)   mean \(String(format: "%.2f", mean))   max \(sizes.max() ?? 0)")
        return ["graph": path, "vertices": n, "hyperedges": h.numHyperedges, "distinct_hyperedges": merged.numHyperedges,
                "uncovered_vertices": uncovered]
    }
}
