import ArgumentParser
import CLISupport
import DistributedTraining
import Foundation
import GraphIO
import MessagePassing

/// `mpirun -n P gnnpipe probe-link`: what a halo exchange and a pipeline message cost on the
/// ranks' links (``LinkProbe``), fitted to the `--bandwidth` and `--delay` of `gnnpipe plan`.
struct ProbeLink: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe-link",
        abstract: "Measure the links between MPI ranks; print the --bandwidth and --delay that gnnpipe plan should use.",
        usage: "mpirun -n <P> gnnpipe probe-link [<options>]",
        discussion: """
            Runs, on the ranks mpirun started, the two kinds of message training sends: a halo \
            step (every rank sends each other rank a message of each --sizes, as a graph-parallel \
            layer does) and a pipeline hand-off (rank r to rank r + 1). Each size is timed \
            --repetitions times after a barrier (slowest rank, median). Seconds against the \
            bytes one rank sends are fitted as overhead + bytes / rate; the halo fit is what \
            gnnpipe plan's --delay (per communication step) and --bandwidth mean, so the plan \
            can use the link MPI actually delivers rather than the nominal rate. Rank 0 prints the table. \
            With -o FILE.json rank 0 also writes the measured table: gnnpipe plan \
            --link-profile FILE.json then interpolates the measured seconds by message size \
            instead of one line (MPI over TCP reaches a different rate at each size).

            Examples:
              mpirun -n 4 --hostfile hosts gnnpipe probe-link
              mpirun -n 4 --hostfile hosts gnnpipe probe-link -o link.json
              gnnpipe plan graphs/cora --ranks 4 --link-profile link.json
              mpirun -n 2 gnnpipe probe-link --sizes 1k,1m --repetitions 3
            """)

    @Option(help: ArgumentHelp("Message sizes, comma-separated bytes with k or m (KiB, MiB), each from 4 bytes to 1024m, at least two.", valueName: "list"))
    var sizes = "1k,16k,256k,2m,16m"
    @Option(parsing: .signedNumber, help: ArgumentHelp("Timed repetitions of each size (the median is kept).", valueName: "n"))
    var repetitions = 7
    @Option(name: .shortAndLong, help: ArgumentHelp("Write the measured table here (JSON, for gnnpipe plan --link-profile); rank 0 writes it, on the first host of the hostfile.",
                                                    valueName: "file.json"))
    var output: String?

    func validate() throws {
        if repetitions < 1 { throw ValidationError("--repetitions must be at least 1, got \(repetitions)") }
        let list = try Self.parseSizes(sizes)
        if list.count < 2 { throw ValidationError("--sizes needs at least two sizes: the fit of overhead and rate needs two points") }
        // The probe sends whole floats: 5 and 6 bytes are both one float, the same size twice.
        let floats = list.map { $0 / 4 }
        if let twice = list.indices.first(where: { i in floats.filter { $0 == floats[i] }.count > 1 }) {
            throw ValidationError("--sizes lists \(Self.size(floats[twice] * 4)) more than once (sizes are rounded down to whole 4-byte floats); give each size once")
        }
    }

    /// `1k,16k,2m` → bytes (KiB and MiB).
    static func parseSizes(_ text: String) throws -> [Int] {
        try text.split(separator: ",", omittingEmptySubsequences: false).map { field in
            let t = field.trimmingCharacters(in: .whitespaces).lowercased()
            let scale = t.hasSuffix("m") ? 1 << 20 : t.hasSuffix("k") ? 1 << 10 : 1
            let digits = scale == 1 ? Substring(t) : t.dropLast()
            guard let value = Int(digits), value >= 1, value <= (1 << 30) / scale, value * scale >= 4 else {
                throw ValidationError("--sizes: '\(field)' is not a size from 4 bytes to 1024m (e.g. 1k,64k,8m)")
            }
            return value * scale
        }
    }

    func run() throws {
        guard Launcher.rank != nil else {
            throw CommandFailure("probe-link measures the links between MPI ranks: start it with mpirun -n P (P at least 2)", code: 64)
        }
        let bytes = try Self.parseSizes(sizes)
        do {
            try MPIJob.run(describe: { errorReport($0).message }, write: ToolMain.printError) { world in
                // A rank whose arguments did not parse waits here (GNNPipeCommand.failParsingUnderMPI).
                try world.agree({}, describe: errorReport)
                try world.agree({
                    if world.size < 2 { throw CommandFailure("probe-link needs at least 2 ranks; mpirun started 1", code: 64) }
                    // Only rank 0 writes the file: only its host must have the folder.
                    if world.rank == 0, let output { try checkOutputPath(output, option: "--output", extensions: ["json"], what: "link profile") }
                }, describe: errorReport)
                var results: [(LinkProbe.Pattern, [LinkProbe.Sample])] = []
                for pattern in LinkProbe.Pattern.allCases {
                    results.append((pattern, try LinkProbe.measure(world, pattern: pattern, messageBytes: bytes, repetitions: repetitions)))
                }
                guard world.rank == 0 else { return }
                let hosts = Set((0..<world.size).map { world.host(ofRank: $0) }).count
                print("\(counted(world.size, "rank")) on \(counted(hosts, "host")); \(counted(repetitions, "repetition")) per size, slowest rank, median")
                print("pattern    message  bytes/rank     seconds   Mbit/s")
                for (_, samples) in results {
                    for s in samples {
                        print(Self.pad(s.pattern.rawValue, -8) + " " + Self.pad(Self.size(s.messageBytes), 9) + " " + Self.pad(Self.size(s.linkBytes), 11)
                              + String(format: " %11.6f %8.1f", s.seconds, 8 * Double(s.linkBytes) / s.seconds / 1e6))
                    }
                }
                var halo: LinkProbe.Fit?
                for (pattern, samples) in results {
                    var fit = LinkProbe.fit(samples)
                    // validate() guarantees two distinct sizes: no fit means the times did not grow with them.
                    if fit == nil, let bound = LinkProbe.largestMessageRate(samples) {
                        print("\(pattern.rawValue) fit: the times did not grow with the message size (a busy machine?); "
                              + "the largest message's rate is used as a lower bound; on an idle machine, or with larger --sizes and more --repetitions, the fit is better")
                        fit = bound
                    }
                    guard let fit else {
                        print("\(pattern.rawValue) fit: none (no step took measurable time)")
                        continue
                    }
                    if pattern == .halo { halo = fit }
                    print(pattern.rawValue + String(format: " fit: %.3f ms per step + bytes at %.1f Mbit/s", fit.overheadSeconds * 1e3, fit.bitsPerSecond / 1e6))
                }
                if let halo {
                    print("for gnnpipe plan: --bandwidth \(LinkModel.tcRate(bitsPerSecond: halo.bitsPerSecond))"
                          + String(format: " --delay %.3fms", halo.overheadSeconds * 1e3))
                }
                if let output {
                    let profile = try LinkProfile(ranks: world.size, hosts: hosts, repetitions: repetitions, samples: results.flatMap(\.1))
                    try AtomicFile.write(Data(profile.jsonText().utf8), to: output)
                    FileHandle.standardError.write(Data("wrote \(output) (for gnnpipe plan --link-profile)\n".utf8))
                }
            }
        } catch {
            throw CommandFailure("cannot start MPI: \(error)")
        }
    }

    /// `text` padded to |width| characters, on the left for a positive width.
    static func pad(_ text: String, _ width: Int) -> String {
        let fill = String(repeating: " ", count: max(0, abs(width) - text.count))
        return width < 0 ? text + fill : fill + text
    }

    static func size(_ bytes: Int) -> String {
        bytes >= 1 << 20 && bytes % (1 << 20) == 0 ? "\(bytes >> 20) MiB"
            : bytes >= 1 << 10 && bytes % (1 << 10) == 0 ? "\(bytes >> 10) KiB" : "\(bytes) B"
    }
}
