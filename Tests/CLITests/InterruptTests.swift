import Foundation
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A tool interrupted while writing its output removes the temporary file and dies of the signal.
@Suite("Interrupted runs leave no temporary files")
struct InterruptTests {
    /// An edge list of `nodes` nodes with 2 pseudo-random neighbours each; with 4,000 nodes
    /// `fastrp embed --dim 2048 -o x.tsv` writes about 64 MB of text, a second or more.
    static func writeEdges(nodes: Int, to path: String) throws {
        var text = ""
        for node in 0..<nodes {
            for k in 1...2 { text += "\(node)\t\((node * 7_919 + k * 104_729) % nodes)\n" }
        }
        try text.write(toFile: path, atomically: false, encoding: .utf8)
    }

    /// Whether `folder` holds an `AtomicFile` temporary file of `name`.
    static func hasTemporary(of name: String, in folder: String) -> Bool {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).contains { $0.hasPrefix(".\(name).tmp-") }
    }

    /// What became of one `fastrp embed … -o x.tsv` run that got `number` once its temporary
    /// output file existed.
    struct Outcome {
        var sawTemporary: Bool
        var reason: Process.TerminationReason
        var status: Int32
        var stderr: String
        /// The names in the run's folder afterwards (the input is `edges.tsv`).
        var left: [String]
    }

    /// Starts `fastrp embed edges.tsv --dim 2048 -o x.tsv` through `env` with `signalSetting`
    /// (e.g. `--default-signal=HUP,INT,TERM`: the test runner's own ignored signals are not
    /// passed on), sends `number` once `.x.tsv.tmp-*` exists, and waits for the end.
    static func interruptWhileWriting(signal number: Int32, signalSetting: String) throws -> Outcome {
        let executable = CommandRunner.productsDirectory.appendingPathComponent("fastrp").path
        try #require(FileManager.default.isExecutableFile(atPath: executable), "build the fastrp product first")
        let folder = try CommandRunner.temporaryDirectory().path
        try writeEdges(nodes: 4_000, to: folder + "/edges.tsv")

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [signalSetting, executable, "embed", "edges.tsv", "--dim", "2048", "-o", "x.tsv", "--threads", "1"]
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()  // a few lines at most: read after the exit
        process.standardError = errors
        try process.run()

        // Wait for the output's temporary file (generous limit: the machine may be busy).
        var polls = 0
        while process.isRunning && !hasTemporary(of: "x.tsv", in: folder) && polls < 30_000 {
            usleep(10_000)
            polls += 1
        }
        let sawTemporary = hasTemporary(of: "x.tsv", in: folder)
        if process.isRunning { kill(process.processIdentifier, number) }
        process.waitUntilExit()
        return Outcome(sawTemporary: sawTemporary, reason: process.terminationReason, status: process.terminationStatus,
                       stderr: String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self),
                       left: try FileManager.default.contentsOfDirectory(atPath: folder).sorted())
    }

    @Test(arguments: [SIGINT, SIGTERM, SIGHUP])
    func fastrpEmbedRemovesItsTemporaryFile(signal number: Int32) throws {
        let run = try Self.interruptWhileWriting(signal: number, signalSetting: "--default-signal=HUP,INT,TERM")
        try #require(run.sawTemporary, "fastrp never created .x.tsv.tmp-*: \(run.stderr)")
        let diedOfSignal = run.reason == .uncaughtSignal && run.status == number
        let exitedWithSignalStatus = run.reason == .exit && run.status == 128 + number
        #expect(diedOfSignal || exitedWithSignalStatus,
                "reason \(run.reason.rawValue), status \(run.status); stderr: \(run.stderr)")
        #expect(run.left == ["edges.tsv"])
    }

    /// `nohup` ignores SIGHUP for its command: the tool keeps it ignored and finishes its output.
    @Test func aSignalIgnoredAtStartStaysIgnored() throws {
        let run = try Self.interruptWhileWriting(signal: SIGHUP, signalSetting: "--ignore-signal=HUP")
        try #require(run.sawTemporary, "fastrp never created .x.tsv.tmp-*: \(run.stderr)")
        #expect(run.reason == .exit && run.status == 0, "reason \(run.reason.rawValue), status \(run.status); stderr: \(run.stderr)")
        #expect(run.left == ["edges.tsv", "x.tsv"])
    }
}
