import Foundation

/// OGB node-property folders for tests, in the layout the `ogb` package downloads
/// (`raw/edge.csv.gz`, `raw/num-node-list.csv.gz`, `raw/num-edge-list.csv.gz`,
/// `raw/node-feat.csv.gz`, `raw/node-label.csv.gz`, `split/<name>/{train,valid,test}.csv.gz`,
/// plus `RELEASE_v1.txt` and `mapping/README.md`), compressed by the system's `gzip`.
public enum OGBFixture {
    /// The tables of a node-property dataset, as the CSV lines OGB stores.
    public struct Tables: Sendable {
        public var edges: [(Int, Int)]
        public var numNodes: Int
        public var features: [[String]]?
        public var labels: [String]?
        public var splits: [String: (train: [Int], valid: [Int], test: [Int])]

        public init(edges: [(Int, Int)], numNodes: Int, features: [[String]]?, labels: [String]?,
                    splits: [String: (train: [Int], valid: [Int], test: [Int])]) {
            self.edges = edges
            self.numNodes = numNodes
            self.features = features
            self.labels = labels
            self.splits = splits
        }
    }

    /// Writes `tables` as an OGB folder `folder` (created), gzip-compressed unless `compress`
    /// is false; returns `folder`.
    @discardableResult
    public static func write(_ tables: Tables, to folder: String, compress: Bool = true) throws -> String {
        let fm = FileManager.default
        for dir in ["raw", "mapping"] + tables.splits.keys.map({ "split/" + $0 }) {
            try fm.createDirectory(atPath: folder + "/" + dir, withIntermediateDirectories: true)
        }
        func table(_ name: String, _ lines: [String]) throws {
            let path = folder + "/" + name
            try Data(lines.map { $0 + "\n" }.joined().utf8).write(to: URL(fileURLWithPath: path))
            if compress {
                try GzipFiles.compress(path)
                try fm.removeItem(atPath: path)
            }
        }
        try table("raw/edge.csv", tables.edges.map { "\($0.0),\($0.1)" })
        try table("raw/num-node-list.csv", ["\(tables.numNodes)"])
        try table("raw/num-edge-list.csv", ["\(tables.edges.count)"])
        if let features = tables.features { try table("raw/node-feat.csv", features.map { $0.joined(separator: ",") }) }
        if let labels = tables.labels { try table("raw/node-label.csv", labels) }
        for (name, split) in tables.splits {
            try table("split/\(name)/train.csv", split.train.map(String.init))
            try table("split/\(name)/valid.csv", split.valid.map(String.init))
            try table("split/\(name)/test.csv", split.test.map(String.init))
        }
        try Data("# Release note\n".utf8).write(to: URL(fileURLWithPath: folder + "/RELEASE_v1.txt"))
        try Data("node index mapping (not read)\n".utf8).write(to: URL(fileURLWithPath: folder + "/mapping/README.md"))
        return folder
    }

    /// `graphs/cora` (edges.tsv, features.mtx, labels.tsv, split.tsv) converted line by line
    /// with plain string handling (no GraphIO reader), as split `planetoid`: edges in file
    /// order, dense features written `0` / `1`, one label per node, split lists in file order.
    public static func coraTables() throws -> Tables {
        func lines(_ name: String) throws -> [[Substring]] {
            try String(contentsOfFile: Fixtures.graphPath("cora/" + name), encoding: .utf8)
                .split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.hasPrefix("%") }
                .map { $0.split(whereSeparator: { $0 == "\t" || $0 == " " }) }
        }
        let edges = try lines("edges.tsv").map { (Int($0[0])!, Int($0[1])!) }
        let mtx = try lines("features.mtx")
        let (rows, cols) = (Int(mtx[0][0])!, Int(mtx[0][1])!)
        var dense = [[String]](repeating: [String](repeating: "0", count: cols), count: rows)
        for entry in mtx.dropFirst() {
            precondition(Double(entry[2]) == 1, "cora features are binary")
            dense[Int(entry[0])! - 1][Int(entry[1])! - 1] = "1"
        }
        var labels = [String](repeating: "", count: rows)
        for l in try lines("labels.tsv") { labels[Int(l[0])!] = String(l[1]) }
        var split = (train: [Int](), valid: [Int](), test: [Int]())
        for l in try lines("split.tsv") {
            switch l[1] {
            case "train": split.train.append(Int(l[0])!)
            case "val": split.valid.append(Int(l[0])!)
            default: split.test.append(Int(l[0])!)
            }
        }
        return Tables(edges: edges, numNodes: rows, features: dense, labels: labels, splits: ["planetoid": split])
    }
}
