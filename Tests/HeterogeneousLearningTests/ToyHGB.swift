import DenseMath
import Foundation
import TestSupport

/// A small synthetic dataset in HGB's file format, with a class signal that only the graph
/// carries: papers (target, 90, 4 noise features) are written by authors (45, 3 features that
/// encode the author's class) of their own class, and use terms (12, no features) at random.
enum ToyHGB {
    static let papers = 90, authors = 45, terms = 12

    /// Class of paper `i` (and of author `i`): `i % 3`.
    static func label(_ i: Int) -> Int { i % 3 }

    /// The files (`node.dat`, `link.dat`, `label.dat`, `label.dat.test`, `label.dat.test_full`,
    /// `info.dat`). With `multiLabel`, every fifth paper also has class `(c + 1) % 3`.
    static func files(multiLabel: Bool = false, seed: UInt64 = 7) -> [String: String] {
        var rng = SplitMix64(seed: seed)
        func noise() -> String { String(format: "%.4f", 2 * rng.nextUnitFloat() - 1) }
        var node = ""
        for i in 0..<papers { node += "\(i)\tpaper \(i)\t0\t\((0..<4).map { _ in noise() }.joined(separator: ","))\n" }
        for a in 0..<authors {
            let c = label(a)
            let values = (0..<3).map { k in String(format: "%.4f", (k == c ? 1 : 0) + 0.3 * (2 * rng.nextUnitFloat() - 1)) }
            node += "\(papers + a)\tauthor \(a)\t1\t\(values.joined(separator: ","))\n"
        }
        for t in 0..<terms { node += "\(papers + authors + t)\tterm \(t)\t2\n" }

        var paperAuthor: [(Int, Int)] = [], paperTerm: [(Int, Int)] = []
        for i in 0..<papers {
            let c = label(i)
            var chosen = Set<Int>()
            while chosen.count < 2 { chosen.insert(3 * rng.nextInt(below: authors / 3) + c) }
            for a in chosen.sorted() { paperAuthor.append((i, papers + a)) }
            paperTerm.append((i, papers + authors + rng.nextInt(below: terms)))
        }
        var link = ""
        for (p, a) in paperAuthor { link += "\(p)\t\(a)\t0\t1.0\n" }
        for (p, a) in paperAuthor.sorted(by: { ($0.1, $0.0) < ($1.1, $1.0) }) { link += "\(a)\t\(p)\t1\t1.0\n" }
        for (p, t) in paperTerm { link += "\(p)\t\(t)\t2\t1.0\n" }
        for (p, t) in paperTerm.sorted(by: { ($0.1, $0.0) < ($1.1, $1.0) }) { link += "\(t)\t\(p)\t3\t1.0\n" }

        func classes(_ i: Int) -> String {
            multiLabel && i % 5 == 0 ? "\(label(i)),\((label(i) + 1) % 3)" : "\(label(i))"
        }
        func labelLines(_ ids: Range<Int>) -> String { ids.map { "\($0)\t\t0\t\(classes($0))\n" }.joined() }
        let info = """
            {"node.dat": {"node type": {"0": "paper", "1": "author", "2": "term"}},
             "link.dat": {"link type": {"0": {"start": 0, "end": 1, "meaning": "paper-author"},
                                        "1": {"start": 1, "end": 0, "meaning": "author-paper"},
                                        "2": {"start": 0, "end": 2, "meaning": "paper-term"},
                                        "3": {"start": 2, "end": 0, "meaning": "term-paper"}}},
             "label.dat": {"node type": {"0": {"0": "A", "1": "B", "2": "C"}}}}
            """
        return [
            "node.dat": node, "link.dat": link, "label.dat": labelLines(0..<60),
            "label.dat.test": labelLines(60..<75), "label.dat.test_full": labelLines(60..<90), "info.dat": info,
        ]
    }

    /// An `info.dat` that is valid JSON but wrong: counts that do not match the data, a node type
    /// that does not exist, and two link types with the same meaning (names are then not used).
    static let wrongInfo = """
        {"node.dat": {"node type": {"0": "paper", "1": "author", "2": "term", "7": "venue"}, "count": {"0": 5}},
         "link.dat": {"link type": {"0": {"start": 0, "end": 1, "meaning": "same"},
                                    "1": {"start": 1, "end": 0, "meaning": "same"}}},
         "label.dat": {"node type": {"0": {"0": "A"}}}}
        """

    /// Writes `files` into a fresh folder and returns its path; `crlf` turns every `\n` into `\r\n`.
    static func folder(_ files: [String: String], crlf: Bool = false) -> String {
        let folder = TemporaryFiles.folder().path
        for (name, text) in files {
            let body = crlf ? text.replacingOccurrences(of: "\n", with: "\r\n") : text
            try! body.write(toFile: folder + "/" + name, atomically: true, encoding: .utf8)
        }
        return folder
    }
}
