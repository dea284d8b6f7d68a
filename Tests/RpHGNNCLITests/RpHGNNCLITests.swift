import DenseMath
import Foundation
import GraphIO
import TestSupport
import Testing

/// A small HGB-format dataset: papers (target, 60) written by authors (30) of their class;
/// terms (6) have no features. With `multiLabel`, every fifth paper has a second class.
enum ToyFiles {
    static func files(multiLabel: Bool = false) -> [String: String] {
        var rng = SplitMix64(seed: 3)
        var node = "", link = ""
        for i in 0..<60 { node += "\(i)\tp\(i)\t0\t\(String(format: "%.3f", rng.nextUnitFloat())),\(String(format: "%.3f", rng.nextUnitFloat()))\n" }
        for a in 0..<30 { node += "\(60 + a)\ta\(a)\t1\t\(a % 3 == 0 ? 1 : 0),\(a % 3 == 1 ? 1 : 0),\(a % 3 == 2 ? 1 : 0)\n" }
        for t in 0..<6 { node += "\(90 + t)\tt\(t)\t2\n" }
        var pairs: [(Int, Int)] = []
        for i in 0..<60 { pairs.append((i, 60 + 3 * rng.nextInt(below: 10) + i % 3)) }
        for (p, a) in pairs { link += "\(p)\t\(a)\t0\t1.0\n" }
        for (p, a) in pairs { link += "\(a)\t\(p)\t1\t1.0\n" }
        for i in 0..<60 { link += "\(i)\t\(90 + i % 6)\t2\t1.0\n\(90 + i % 6)\t\(i)\t3\t1.0\n" }
        func lines(_ r: Range<Int>) -> String {
            r.map { "\($0)\t\t0\t\(multiLabel && $0 % 5 == 0 ? "\($0 % 3),\(($0 + 1) % 3)" : "\($0 % 3)")\n" }.joined()
        }
        return ["node.dat": node, "link.dat": link, "label.dat": lines(0..<40), "label.dat.test": lines(40..<50),
                "label.dat.test_full": lines(40..<60)]
    }

    static func folder(_ files: [String: String], crlf: Bool = false) -> String {
        let folder = TemporaryFiles.folder().path + "/toy"
        try! FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for (name, text) in files {
            try! (crlf ? text.replacingOccurrences(of: "\n", with: "\r\n") : text).write(toFile: folder + "/" + name, atomically: true, encoding: .utf8)
        }
        return folder
    }
}

@Suite("rphgnn command line")
struct RpHGNNCLITests {
    static let quick = ["--epochs", "15", "--hops", "2", "--hidden", "16", "--batch-size", "16", "--threads", "2"]

    @Test func trainPrintsBothTestSets() throws {
        let dataset = ToyFiles.folder(ToyFiles.files())
        let metrics = TemporaryFiles.folder().path + "/run.jsonl"
        try "stale record of an older run\n".write(toFile: metrics, atomically: true, encoding: .utf8)
        let r = try CommandRunner.run("rphgnn", ["train", "--dataset", dataset, "--no-cache", "--metrics", metrics] + Self.quick)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("epoch    1  loss"))
        #expect(r.stdout.contains("test on label.dat.test (HGB public half of the test labels, 10 nodes): Micro-F1"))
        #expect(r.stdout.contains("test on label.dat.test_full (all test labels, 20 nodes): Micro-F1"))
        // The timing line is for a human: on stderr, with the notes.
        #expect(r.stderr.contains("time: load ") && r.stderr.contains("pre-computation") && r.stderr.contains("(computed)")
                && r.stderr.contains("peak memory"), "\(r.stderr)")
        #expect(!r.stdout.contains("time:") && !r.stdout.contains("peak memory"), "\(r.stdout)")
        #expect(!r.stderr.contains("note: label.dat.test and label.dat.test_full"))
        #expect(r.stderr.contains("no reference settings for 'toy'"))
        let lines = try String(contentsOfFile: metrics, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 16)
        let summary = try JSONSerialization.jsonObject(with: Data(lines.last!.utf8)) as! [String: Any]
        #expect(summary["summary"] as? Bool == true)
        #expect(summary["test_full_micro_f1"] is Double && summary["test_macro_f1"] is Double)
        #expect(summary["epochs_run"] as? Int == 15)
    }

    @Test func multiLabelCRLFAndWrongInfo() throws {
        var files = ToyFiles.files(multiLabel: true)
        files["info.dat"] = "{\"node.dat\": {\"node type\": {\"0\": \"paper\", \"9\": \"x\"}}, \"meta\": [1, 2"
        let dataset = ToyFiles.folder(files, crlf: true)
        let r = try CommandRunner.run("rphgnn", ["train", dataset, "--no-cache", "--quiet"] + Self.quick)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("test on label.dat.test_full (all test labels, 20 nodes)"))
        #expect(!r.stdout.contains("epoch    1"))  // --quiet
    }

    /// A one-letter --output folder relative to the working directory (Foundation's NSString path
    /// arithmetic trapped on it at publish time).
    @Test(arguments: ["o", "o/"])
    func precomputeIntoAOneLetterFolder(output: String) throws {
        let dataset = ToyFiles.folder(ToyFiles.files())
        let cwd = TemporaryFiles.folder()
        let r = try CommandRunner.run("rphgnn", ["precompute", dataset, "--hops", "2", "--no-cache", "--output", output],
                                      directory: cwd)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(FileManager.default.fileExists(atPath: cwd.appendingPathComponent("o/manifest.json").path))
    }

    @Test func precomputeWritesNumPyFilesAndReusesTheCache() throws {
        let dataset = ToyFiles.folder(ToyFiles.files())
        let work = TemporaryFiles.folder().path
        let arguments = ["precompute", dataset, "--hops", "3", "--cache", work + "/cache", "--output", work + "/out"]
        let first = try CommandRunner.run("rphgnn", arguments)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("0.odd\t[60, 3, 3]"))
        #expect(first.stderr.contains("(computed in"))
        let ids = try NPY.read(work + "/out/target_ids.npy")
        #expect(ids.shape == [60] && ids.storage == .int64((0..<60).map { Int64($0) }))
        let odd = try NPY.read(work + "/out/group-00.npy")
        #expect(odd.shape == [60, 3, 3])
        let second = try CommandRunner.run("rphgnn", arguments)
        #expect(second.status == 0 && second.stderr.contains("(read from cache in"))
        #expect(try NPY.read(work + "/out/group-00.npy") == odd)
        let changed = try CommandRunner.run("rphgnn", arguments + ["--seed", "2"])
        #expect(changed.status == 0 && changed.stderr.contains("(computed in"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: work + "/cache").count == 2)
    }

    @Test func malformedDatasetFilesNameFileAndLine() throws {
        var files = ToyFiles.files()
        files["node.dat"]! += "96\tbad\t0\t1,oops\n"
        let badNodes = ToyFiles.folder(files)
        let r = try CommandRunner.run("rphgnn", ["train", badNodes, "--no-cache"])
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("error: \(badNodes)/node.dat:97: field 4: feature 2: expected a finite number, found 'oops'"), "\(r.stderr)")
        files = ToyFiles.files()
        files["link.dat"] = "0\t60\t0\t1.0\n0\tsixty\t0\t1.0\n"
        let badLinks = ToyFiles.folder(files)
        let l = try CommandRunner.run("rphgnn", ["precompute", badLinks, "--no-cache", "--output", TemporaryFiles.folder().path])
        #expect(l.status == 1)
        #expect(l.stderr.hasPrefix("error: \(badLinks)/link.dat:2: field 2: expected a non-negative integer node id, found 'sixty'"), "\(l.stderr)")
    }

    @Test(arguments: [
        (["train"], "Missing expected argument '<dataset>'"),
        (["precompute", "-o", "o"], "Missing expected argument '<dataset>'"),
        (["train", "a.zip", "--dataset", "b.zip"], "the dataset is given twice, as the argument 'a.zip' and as --dataset 'b.zip'"),
        (["train", "--dataset", "/nonexistent/ACM.zip"], "dataset '/nonexistent/ACM.zip' does not exist"),
        (["train", "/nonexistent/ACM.zip"], "dataset '/nonexistent/ACM.zip' does not exist"),
        (["train", ".", "--hops", "0"], "--hops must be at least 1"),
        (["train", ".", "--input-dropout", "1.5"], "--input-dropout must be in [0, 1)"),
        (["train", ".", "--merge", "sum"], "The value 'sum' is invalid for '--merge <merge>'"),
        (["train", ".", "--metrics", "/nonexistent/folder/m.jsonl"], "the output folder '/nonexistent/folder' does not exist"),
        // Negative numbers reach validation instead of "Missing value".
        (["train", ".", "--hops", "-1"], "--hops must be at least 1, got -1"),
        (["train", ".", "--epochs", "-3"], "--epochs must be at least 1, got -3"),
        (["train", ".", "--random-feature-dim", "-3"], "--random-feature-dim must be at least 1, got -3"),
        (["train", ".", "--batch-size", "-2"], "--batch-size must be at least 1, got -2"),
        (["train", ".", "--hidden", "-8"], "--hidden must be at least 1, got -8"),
        (["train", ".", "--patience", "-1"], "--patience must be ≥ 0, got -1"),
        (["train", ".", "--validation-frequency", "-1"], "--validation-frequency must be at least 1, got -1"),
        (["train", ".", "--dropout", "-0.5"], "--dropout must be in [0, 1), got -0.5"),
        (["train", ".", "--input-dropout", "-0.5"], "--input-dropout must be in [0, 1), got -0.5"),
        (["train", ".", "--lr", "-0.1"], "--lr must be positive, got -0.1"),
        (["precompute", ".", "--output", "o", "--threads", "-1"], "--threads must be at least 1, got -1"),
        (["precompute", ".", "--output", "o", "--seed", "-1"], "The value '-1' is invalid for '--seed <seed>'"),
        (["train", ".", "--cache", "x", "--no-cache"], "--cache and --no-cache exclude each other"),
        (["precompute", "."], "Missing expected argument '--output <dir>'"),
    ])
    func usageErrorsExit64(arguments: [String], message: String) throws {
        let r = try CommandRunner.run("rphgnn", arguments)
        #expect(r.status == 64)
        #expect(r.stderr.hasPrefix("error: "), "\(r.stderr)")
        #expect(r.stderr.contains(message), "\(r.stderr)")
    }

    @Test func notADatasetFailsWithExit1() throws {
        let folder = TemporaryFiles.folder().path
        try Data("not a zip".utf8).write(to: URL(fileURLWithPath: folder + "/broken.zip"))
        let r = try CommandRunner.run("rphgnn", ["train", folder + "/broken.zip", "--no-cache"])
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("error: \(folder)/broken.zip"), "\(r.stderr)")
        let empty = try CommandRunner.run("rphgnn", ["train", folder, "--no-cache"])
        #expect(empty.status == 1)
        #expect(empty.stderr.contains("error: \(folder)/node.dat"), "\(empty.stderr)")
    }

    /// A K whose groups cannot fit in any machine is refused in seconds, before any tensor is
    /// made, naming the estimate and the option to lower; a normal run logs its estimate.
    @Test(arguments: ["train", "precompute"])
    func hugeSettingsAreRefusedBeforePrecomputing(command: String) throws {
        let dataset = ToyFiles.folder(ToyFiles.files())
        let output = TemporaryFiles.folder().path + "/out"
        let extra = command == "precompute" ? ["--output", output] : []
        let r = try CommandRunner.run("rphgnn", [command, dataset, "--no-cache", "--hops", "1000000000000"] + extra)
        #expect(r.status == 64, "\(r.stderr)")
        #expect(r.stderr.contains("error: the run would need about "), "\(r.stderr)")
        #expect(r.stderr.contains("of physical memory of this machine; lower --hops (now 1000000000000) or --random-feature-dim (now 512)"), "\(r.stderr)")
        #expect(r.stderr.contains("60 target nodes × "), "\(r.stderr)")
        // --hidden does not change the size of hop-wide tensors: it is not offered.
        #expect(!r.stderr.contains("--hidden"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output))
        // A featureless type's width is the other size the user sets (its projections are
        // width × width: past 64 bits here).
        let wide = try CommandRunner.run("rphgnn", [command, dataset, "--no-cache", "--random-feature-dim", "1000000000000"] + extra)
        #expect(wide.status == 64 && wide.stderr.contains("error: --random-feature-dim 1000000000000 is far too large"), "\(wide.stderr)")
        let wider = try CommandRunner.run("rphgnn", [command, dataset, "--no-cache", "--random-feature-dim", "10000000"] + extra)
        #expect(wider.status == 64 && wider.stderr.contains("lower --random-feature-dim (now 10000000)"), "\(wider.stderr)")

        let normal = try CommandRunner.run("rphgnn", [command, dataset, "--no-cache"] + extra + (command == "train" ? Self.quick : []))
        #expect(normal.status == 0, "\(normal.stderr)")
        #expect(normal.stderr.contains("estimated peak memory "), "\(normal.stderr)")
        if command == "train" { #expect(normal.stderr.contains(" MiB (estimated ")) }
    }

    /// train's note (the two test label files disagree) and time line are for a human: on
    /// stderr, hidden by -q (and by --log-level warning), which leaves only the result lines;
    /// precompute's "wrote" line likewise, leaving the group shapes.
    @Test func quietLeavesOnlyTheResults() throws {
        var files = ToyFiles.files()
        // label.dat.test_full gives nodes 40–44 another class than label.dat.test.
        files["label.dat.test_full"] = (40..<60).map { "\($0)\t\t0\t\($0 < 45 ? ($0 + 1) % 3 : $0 % 3)\n" }.joined()
        let dataset = ToyFiles.folder(files)
        let loud = try CommandRunner.run("rphgnn", ["train", dataset, "--no-cache"] + Self.quick)
        #expect(loud.status == 0, "\(loud.stderr)")
        #expect(loud.stderr.contains("note: label.dat.test and label.dat.test_full give the same classes to only 5 of the 10 nodes they share (50.0%)\n"), "\(loud.stderr)")
        #expect(loud.stderr.contains("\ntime: load "), "\(loud.stderr)")
        let results = loud.stdout.split(separator: "\n").filter { !$0.hasPrefix("epoch ") }
        #expect(results.count == 3 && results[0].hasPrefix("best epoch ") && results.dropFirst().allSatisfy { $0.hasPrefix("test on ") },
                "\(loud.stdout)")
        for extra in [["-q"], ["--quiet"], ["--log-level", "warning", "-q"]] {
            let quiet = try CommandRunner.run("rphgnn", ["train", dataset, "--no-cache"] + Self.quick + extra)
            #expect(quiet.status == 0)
            #expect(quiet.stderr.isEmpty, "\(extra): \(quiet.stderr)")
            #expect(quiet.stdout.split(separator: "\n") == results, "\(extra): \(quiet.stdout)")
        }
        let warning = try CommandRunner.run("rphgnn", ["train", dataset, "--no-cache", "--log-level", "warning"] + Self.quick)
        #expect(warning.stderr.isEmpty, "\(warning.stderr)")
        #expect(warning.stdout.contains("epoch    1  loss"), "epoch lines are progress, kept without -q")

        let output = TemporaryFiles.folder().path + "/pre"
        let pre = try CommandRunner.run("rphgnn", ["precompute", dataset, "--hops", "2", "--no-cache", "-o", output])
        #expect(pre.status == 0, "\(pre.stderr)")
        #expect(pre.stderr.contains("wrote 4 groups for 60 0 nodes to \(output)"), "\(pre.stderr)")
        let quietPre = try CommandRunner.run("rphgnn", ["precompute", dataset, "--hops", "2", "--no-cache", "-o", output, "-q"])
        #expect(quietPre.stderr.isEmpty, "\(quietPre.stderr)")
        #expect(quietPre.stdout == pre.stdout && quietPre.stdout.split(separator: "\n").allSatisfy { $0.contains("\t[60, ") }, "\(quietPre.stdout)")
    }

    /// Scores that cannot be written to stdout (here /dev/full) are an error and exit 1.
    @Test func failedStandardOutputIsAnError() throws {
        let dataset = ToyFiles.folder(ToyFiles.files())
        let rphgnn = CommandRunner.productsDirectory.appendingPathComponent("rphgnn").path
        let r = try CommandRunner.runPath("/bin/sh", ["-c", "exec \"$0\" \"$@\" > /dev/full", rphgnn, "train", dataset, "--no-cache", "-q"] + Self.quick)
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr == "error: cannot write to standard output (/dev/full): a write failed, so the printed results are incomplete\n", "\(r.stderr)")
    }

    /// Link types that info.dat does not describe are accepted with a warning naming the file,
    /// the line of the type's first link and the type (HGB's own loader never reads info.dat).
    @Test func linkTypeMissingFromInfoIsAWarning() throws {
        var files = ToyFiles.files()
        files["info.dat"] = """
            {"link.dat": {"link type": {"0": {"meaning": "paper-author"}, "1": {"meaning": "author-paper"}, "2": {"meaning": "paper-term"}}}}
            """
        let dataset = ToyFiles.folder(files)
        let line = 1 + files["link.dat"]!.split(separator: "\n").firstIndex { $0.split(separator: "\t")[2] == "3" }!
        let r = try CommandRunner.run("rphgnn", ["train", dataset, "--no-cache", "--quiet"] + Self.quick)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("warning: \(dataset)/link.dat:\(line): link type 3 is not described in \(dataset)/info.dat (it describes link types 0, 1, 2)"), "\(r.stderr)")
        #expect(r.stdout.contains("test on label.dat.test_full"))
    }

    /// A temporary folder left by a killed cache write is removed by the next run that uses the
    /// cache; one of a running process (this test) is left alone.
    @Test func killedCacheWritesLeaveNothingBehind() throws {
        let dataset = ToyFiles.folder(ToyFiles.files())
        let cache = TemporaryFiles.folder().path + "/cache"
        let key = String(repeating: "0f", count: 16)
        let dead = ".\(key).tmp-\(Int32.max)-99", running = ".\(key).tmp-\(getpid())-99"
        for name in [dead, running] {
            try FileManager.default.createDirectory(atPath: cache + "/" + name, withIntermediateDirectories: true)
            try Data([0]).write(to: URL(fileURLWithPath: cache + "/" + name + "/group-00.npy"))
            try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -7_200)],
                                                  ofItemAtPath: cache + "/" + name)  // past the 1-hour grace
        }
        let r = try CommandRunner.run("rphgnn", ["precompute", dataset, "--cache", cache, "--output", TemporaryFiles.folder().path + "/o"])
        #expect(r.status == 0, "\(r.stderr)")
        let left = try FileManager.default.contentsOfDirectory(atPath: cache)
        #expect(!left.contains(dead) && left.contains(running))
        #expect(left.filter { !$0.hasPrefix(".") }.count == 1)
        #expect(r.stderr.contains("removed \(cache)/\(dead), a temporary folder left by a killed run"), "\(r.stderr)")
    }

    /// `precompute --output` into the folder of an earlier run with more groups leaves exactly
    /// the new run's files (plus the user's own), and no temporary folder.
    @Test func precomputeOutputHoldsExactlyOneRun() throws {
        var files = ToyFiles.files()
        files["link.dat"]! += (0..<59).map { "\($0)\t\($0 + 1)\t4\t1.0\n" }.joined()  // paper–paper: two more groups
        let bigger = ToyFiles.folder(files), smaller = ToyFiles.folder(ToyFiles.files())
        let work = TemporaryFiles.folder().path, out = work + "/features"
        let first = try CommandRunner.run("rphgnn", ["precompute", bigger, "--no-cache", "--output", out, "--hops", "3"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).filter { $0.hasPrefix("group-") }.count == 6)
        try Data("notes".utf8).write(to: URL(fileURLWithPath: out + "/notes.txt"))
        let second = try CommandRunner.run("rphgnn", ["precompute", smaller, "--no-cache", "--output", out, "--hops", "2"])
        #expect(second.status == 0, "\(second.stderr)")
        let names = try FileManager.default.contentsOfDirectory(atPath: out).sorted()
        #expect(names == ["group-00.npy", "group-01.npy", "group-02.npy", "group-03.npy", "manifest.json", "notes.txt", "target_ids.npy"])
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/manifest.json"))) as! [String: Any]
        let groups = manifest["groups"] as! [[String: Any]]
        #expect(groups.map { $0["file"] as! String } == ["group-00.npy", "group-01.npy", "group-02.npy", "group-03.npy"])
        #expect(groups.allSatisfy { ($0["hops"] as! Int) <= 3 } && groups.contains { $0["hops"] as! Int == 2 })
        #expect(try NPY.read(out + "/group-00.npy").shape == [60, 2, 3])
        #expect(try FileManager.default.contentsOfDirectory(atPath: work) == ["features"])
    }

    /// An output that names a dataset file (the zip itself, a file of the folder, under another
    /// spelling) is refused before anything runs, and the file is left as it was.
    @Test func outputsNamingTheDatasetAreRefused() throws {
        let work = TemporaryFiles.folder().path
        let zip = work + "/z.zip"
        try Data("stands for an HGB zip".utf8).write(to: URL(fileURLWithPath: zip))
        let folder = ToyFiles.folder(ToyFiles.files())
        let cases: [(dataset: String, arguments: [String], message: String)] = [
            (zip, ["train", "--metrics", zip], "--metrics \(zip) is the same file as the dataset \(zip)"),
            (zip, ["train", "--metrics", work + "/./z.zip"], "--metrics \(work)/./z.zip is the same file as the dataset \(zip)"),
            (zip, ["train", "--cache", zip], "--cache \(zip) is the same file as the dataset \(zip)"),
            (folder, ["train", "--metrics", folder + "/label.dat.test"],
             "--metrics \(folder)/label.dat.test is the same file as the dataset file \(folder)/label.dat.test"),
            (folder, ["train", "--no-cache", "--metrics", folder + "/../toy/node.dat"], "is the same file as the dataset file \(folder)/node.dat"),
        ]
        for c in cases {
            let r = try CommandRunner.run("rphgnn", [c.arguments[0], c.dataset] + c.arguments.dropFirst() + Self.quick)
            #expect(r.status == 64, "\(c.arguments): \(r.stderr)")
            #expect(r.stderr.hasPrefix("error: ") && r.stderr.contains(c.message), "\(r.stderr)")
        }
        #expect(try String(contentsOfFile: zip, encoding: .utf8) == "stands for an HGB zip")
        #expect(try String(contentsOfFile: folder + "/label.dat.test", encoding: .utf8) == ToyFiles.files()["label.dat.test"])
        #expect(try String(contentsOfFile: folder + "/node.dat", encoding: .utf8) == ToyFiles.files()["node.dat"])
        // precompute --output writes group-NN.npy, target_ids.npy and manifest.json into OUTPUT.
        let out = work + "/out"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        try Data("a zip named like a group".utf8).write(to: URL(fileURLWithPath: out + "/group-03.npy"))
        let p = try CommandRunner.run("rphgnn", ["precompute", out + "/group-03.npy", "--output", out])
        #expect(p.status == 64 && p.stderr.contains("is the same file as the dataset \(out)/group-03.npy"), "\(p.stderr)")
        #expect(try String(contentsOfFile: out + "/group-03.npy", encoding: .utf8) == "a zip named like a group")
    }

    /// A metrics file that cannot be created is refused before the run (exit 64), not after it.
    /// (/proc accepts no new files, even for root.)
    @Test func unwritableMetricsFolderIsRefusedUpFront() throws {
        let dataset = ToyFiles.folder(ToyFiles.files())
        let r = try CommandRunner.run("rphgnn", ["train", dataset, "--no-cache", "--metrics", "/proc/m.jsonl"] + Self.quick)
        #expect(r.status == 64, "\(r.stderr)")
        #expect(r.stderr.hasPrefix("error: --metrics /proc/m.jsonl: cannot create the metrics file in '/proc'"), "\(r.stderr)")
        #expect(!r.stdout.contains("epoch "))
    }

    /// The cache is only a speed-up: one that cannot be written gives a warning and the run
    /// still trains and reports (exit 0).
    @Test func unwritableCacheIsAWarning() throws {
        let dataset = ToyFiles.folder(ToyFiles.files())
        let r = try CommandRunner.run("rphgnn", ["train", dataset, "--cache", "/proc/rphgnn-cache"] + Self.quick)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("warning rphgnn: could not store the pre-computed groups in the cache (/proc/rphgnn-cache: "), "\(r.stderr)")
        #expect(r.stdout.contains("test on label.dat.test_full"))
    }

    /// Settings whose estimate does not fit in 64 bits are refused in plain words, naming only
    /// the option that is too large.
    @Test func absurdSizesAreCalledFarTooLarge() throws {
        let dataset = ToyFiles.folder(ToyFiles.files())
        for (option, other) in [("--hops", "--random-feature-dim"), ("--random-feature-dim", "--hops")] {
            let r = try CommandRunner.run("rphgnn", ["train", dataset, "--no-cache", option, "9223372036854775807"])
            #expect(r.status == 64, "\(r.stderr)")
            #expect(r.stderr.contains("error: \(option) 9223372036854775807 is far too large: "), "\(r.stderr)")
            #expect(!r.stderr.contains(other) && !r.stderr.contains("TiB") && !r.stderr.contains("--hidden"), "\(r.stderr)")
        }
    }

    /// Against `MemAvailable` and `MemTotal` (a stand-in /proc/meminfo): above what is available
    /// but within physical memory is a warning and the run goes on; above physical is refused.
    @Test func availableMemoryGivesAWarningPhysicalMemoryARefusal() throws {
        let dataset = ToyFiles.folder(ToyFiles.files())
        let busy = TemporaryFiles.folder().path + "/meminfo"
        try "MemTotal:       67108864 kB\nMemFree:            1024 kB\nMemAvailable:       1024 kB\n"
            .write(toFile: busy, atomically: true, encoding: .utf8)
        let r = try CommandRunner.run("rphgnn", ["train", dataset, "--no-cache"] + Self.quick,
                                      environment: ["RPHGNN_MEMINFO": busy])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("warning rphgnn: the run would need about "), "\(r.stderr)")
        #expect(r.stderr.contains("more than the 1 MiB available now (of 64.0 GiB physical memory)"), "\(r.stderr)")
        let small = TemporaryFiles.folder().path + "/meminfo"
        try "MemTotal:           1024 kB\nMemAvailable:        512 kB\n".write(toFile: small, atomically: true, encoding: .utf8)
        let refused = try CommandRunner.run("rphgnn", ["train", dataset, "--no-cache"] + Self.quick,
                                            environment: ["RPHGNN_MEMINFO": small])
        #expect(refused.status == 64, "\(refused.stderr)")
        #expect(refused.stderr.contains("more than the 1 MiB of physical memory of this machine; lower "), "\(refused.stderr)")
    }

    /// Log lines name the tool once (no `rphgnn: [rphgnn]`), and a damaged cache file is named
    /// once in its warning (not `…/group-00.npy: …/group-00.npy: …`).
    @Test func logLinesAndWarningsSayThingsOnce() throws {
        let dataset = ToyFiles.folder(ToyFiles.files())
        let work = TemporaryFiles.folder().path
        let arguments = ["precompute", dataset, "--hops", "2", "--cache", work + "/cache", "--output", work + "/out"]
        let first = try CommandRunner.run("rphgnn", arguments)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.contains(" info rphgnn: no reference settings for 'toy'"), "\(first.stderr)")
        #expect(!first.stderr.contains("[rphgnn]") && !first.stderr.contains("[HeterogeneousLearning]"), "\(first.stderr)")
        let entry = try FileManager.default.contentsOfDirectory(atPath: work + "/cache").first { !$0.hasPrefix(".") }!
        let group = work + "/cache/" + entry + "/group-00.npy"
        try Data("\u{93}NUMPY".utf8).write(to: URL(fileURLWithPath: group))
        let second = try CommandRunner.run("rphgnn", arguments)
        #expect(second.status == 0, "\(second.stderr)")
        let warning = second.stderr.split(separator: "\n").first { $0.contains("is unusable") }.map(String.init) ?? ""
        #expect(warning.components(separatedBy: group).count - 1 == 1, "\(second.stderr)")
    }

    @Test func helpListsSubcommands() throws {
        let r = try CommandRunner.run("rphgnn", ["--help"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("train") && r.stdout.contains("precompute"))
    }
}
