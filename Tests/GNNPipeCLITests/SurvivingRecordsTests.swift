import Foundation
import Testing
import TestSupport

/// Issue 15, item 4: epoch lines and --metrics records are written as they happen, so a run
/// killed mid-way leaves a complete record up to its last epoch.
@Suite("Records survive a killed run", .serialized)
struct SurvivingRecordsTests {
    @Test func killedTrainingKeepsEveryEpochLineAndMetricsRecord() throws {
        let dir = TemporaryFiles.folder()
        let metrics = dir.appendingPathComponent("m.jsonl").path
        try "stale record of an older run\n".write(toFile: metrics, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = CommandRunner.productsDirectory.appendingPathComponent("gnnpipe")
        process.arguments = ["train", Fixtures.graphPath("cora"), "--epochs", "100000", "--threads", "1", "--metrics", metrics]
        let out = Pipe()
        process.standardOutput = out  // a pipe: C stdio would buffer it fully without line buffering
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        var text = ""
        let deadline = Date().addingTimeInterval(120)
        while text.components(separatedBy: "\n").filter({ $0.hasPrefix("epoch ") }).count < 5 && Date() < deadline {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        text += String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationReason == .uncaughtSignal)

        let printed = text.split(separator: "\n").filter { $0.hasPrefix("epoch ") }
        #expect(printed.count >= 5, "epoch lines reach a pipe as they are printed: \(text)")
        let records = try String(contentsOfFile: metrics, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(records.last == "", "the file ends with a complete line")
        let complete = records.dropLast()
        #expect(!complete.contains { $0.contains("stale") }, "the run replaced the older file")
        // Every record is whole JSON, epochs 1, 2, … in order; at least those already printed.
        for (i, line) in complete.enumerated() {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["epoch"] as? Int == i + 1)
        }
        #expect(complete.count >= printed.count - 1)
    }

    /// A diverging run (its loss becomes NaN) keeps its records: JSON has no NaN, so the value is
    /// written as null (found by a new user); the run then stops with an error naming the epoch,
    /// and no summary record claims it finished.
    @Test func aDivergingRunWritesNullForItsNaNLoss() throws {
        let dir = TemporaryFiles.folder()
        let metrics = dir.appendingPathComponent("nan.jsonl").path
        let r = try CommandRunner.run("gnnpipe", ["train", Fixtures.graphPath("cora"), "--model", "gcn", "--epochs", "3", "--lr", "1e30",
                                                  "--threads", "1", "--quiet", "--metrics", metrics])
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.contains("training diverged (lower --lr, now 1e+30)"), "\(r.stderr)")
        let records = try String(contentsOfFile: metrics, encoding: .utf8).split(separator: "\n")
        #expect(!records.isEmpty && records.count <= 3, "one record per epoch up to the diverged one: \(records)")
        let objects = try records.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(objects.contains { $0?["val_loss"] is NSNull || $0?["loss"] is NSNull }, "\(records)")
        #expect(!records.contains { $0.contains("\"summary\"") }, "\(records)")
    }
}
