import ArgumentParser
import CLISupport
import DistributedTraining
import Foundation
import GNNModels
import GraphIO
import NodeClassificationData

/// `gnnpipe plan`: predicted epoch time, link bytes and memory per rank of every way to run a
/// model on P ranks (``EpochPlanner``), with a recommendation.
struct Plan: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Predict epoch time, bytes per link and peak memory per rank of each distributed mode, and pick one.",
        usage: "gnnpipe plan [<options>] [<dataset>] --ranks <P>",
        discussion: """
            For P ranks (one per host) joined by links of --bandwidth (tc's units: 100mbit, \
            1gbit, 10gbit) with one-way --delay, gnnpipe plan builds what training would build \
            for the pipeline (P stages), graph parallelism (P parts) and every hybrid split \
            S × P/S (METIS parts and chunks, the halo lists), times the real kernels of the \
            model on every rank's chunk blocks on this machine, and simulates every rank's \
            timeline of one training step (fill/drain schedule, halo exchanges, all-reduces). \
            Bytes and kept state are exact (they are what the trainer reports as analytic bytes \
            and operator/feature/table bytes); times and peak memory are predictions: on 4 \
            emulated hosts, with --link-profile, they were 0.66-1.37x the measured epochs, 45 \
            of 48 within 30 %, and the pick was the fastest mode in 13 of 16 settings (each \
            miss between modes 3-9 % apart; one run per setting, BENCHMARKS.md, issue 12, \
            runs m and n; identical Cora runs on those shared cores differed by up to 2.5x). MPI over \
            TCP delivers less than the nominal rate: measure the link with `mpirun ... gnnpipe probe-link` and pass the --bandwidth \
            and --delay it prints, or, better, write its table with probe-link -o link.json \
            and pass --link-profile link.json: the plan then takes each message's seconds \
            from the measured sizes (interpolated) instead of one rate. --shared-cores N models hosts emulated on \
            one machine with N cores (e.g. launch/netns-cluster.sh): the ranks computing at \
            one moment share the N cores, slowed by the measured co-run factor (shared memory \
            bandwidth); waiting ranks sleep.

            Examples:
              gnnpipe plan graphs/cora --ranks 4 --bandwidth 1gbit
              gnnpipe plan graphs/cora --ranks 4 --bandwidth 10gbit --layers 64
              gnnpipe plan data/rmat18 --ranks 4 --bandwidth 1gbit --shared-cores 2
              gnnpipe plan graphs/cora --ranks 4 --link-profile link.json
            """)

    @OptionGroup var datasetArgument: DatasetArgument<NodeDatasetFolder>
    @Option(parsing: .signedNumber, help: ArgumentHelp("Number of ranks P (one per host).", valueName: "P")) var ranks: Int
    @Option(help: ArgumentHelp("Link rate in tc's units (bit/s: kbit, mbit, gbit; byte/s: kbps, mbps, gbps; default: 1gbit).", valueName: "rate"))
    var bandwidth: String?
    @Option(help: ArgumentHelp("Seconds added to every communication step (a halo exchange, an all-reduce step, a pipeline message): tc's one-way delay or probe-link's fitted overhead, e.g. 0.1ms or 50us (default: 0ms).", valueName: "delay")) var delay: String?
    @Option(help: ArgumentHelp("The link as gnnpipe probe-link -o measured it (seconds by message size), instead of --bandwidth and --delay (not with them).",
                               valueName: "file.json"))
    var linkProfile: String?
    @Option(help: "Model: gcn, gcnii or sage.") var model: GNNArchitecture = .gcnii
    @Option(parsing: .signedNumber, help: ArgumentHelp("Number of graph layers (default: gcnii 32, else 2).", valueName: "n")) var layers: Int?
    @Option(parsing: .signedNumber, help: ArgumentHelp("Hidden width (default: gcnii 64, else 16).", valueName: "width")) var hidden: Int?
    @Option(parsing: .signedNumber, help: ArgumentHelp("Chunks C of the pipeline and hybrid modes.", valueName: "C")) var chunks = 8
    // Not the shared --threads (this process's workers): a setting of the runs being predicted.
    @Option(parsing: .signedNumber,
            help: ArgumentHelp("Threads of each predicted rank; the kernels are timed with this many. Unlike --threads of train, it sets the runs being predicted, not this process. Default: this machine's cores, what train uses with one rank per host (and on hosts emulated here, which each see all cores); more than this machine's cores assumes perfect scaling.",
                               valueName: "n"))
    var threads: Int?
    /// The threads of each predicted rank: --threads, or train's default with one rank per host.
    var rankThreads: Int { threads ?? ThreadsOption.defaultCount }
    @Option(parsing: .signedNumber, help: ArgumentHelp("Cores shared by all ranks (hosts emulated on one machine); default: each rank has its own.",
                                                       valueName: "N"))
    var sharedCores: Int?
    @Option(parsing: .signedNumber, help: ArgumentHelp("Seed of the METIS chunks and parts (as train's --partition-seed).", valueName: "seed"))
    var partitionSeed: UInt64 = 0
    @OptionGroup var header: SkipRowsOption

    /// The dataset (first argument or `--dataset`).
    var dataset: String { datasetArgument.path }

    func validate() throws {
        if ranks < 1 { throw ValidationError("--ranks must be at least 1, got \(ranks)") }
        if let layers, layers < 1 { throw ValidationError("--layers must be at least 1, got \(layers)") }
        if let hidden, hidden < 1 { throw ValidationError("--hidden must be at least 1, got \(hidden)") }
        if chunks < 1 { throw ValidationError("--chunks must be at least 1, got \(chunks)") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
        if let sharedCores, sharedCores < 1 { throw ValidationError("--shared-cores must be at least 1, got \(sharedCores)") }
        if linkProfile != nil, bandwidth != nil || delay != nil {
            throw ValidationError("--link-profile gives the link's measured costs; it replaces --bandwidth and --delay, so give one or the other")
        }
        do { _ = try LinkModel(rate: bandwidth ?? "1gbit", delay: delay ?? "0ms") } catch { throw ValidationError("--bandwidth/--delay: \(error)") }
        if let linkProfile {
            var isFolder: ObjCBool = false
            if linkProfile.isEmpty { throw ValidationError("--link-profile needs the file that gnnpipe probe-link -o wrote") }
            guard FileManager.default.fileExists(atPath: linkProfile, isDirectory: &isFolder) else {
                throw ValidationError("--link-profile \(linkProfile): no such file (write one with mpirun -n P gnnpipe probe-link -o \(shellWord(linkProfile)))")
            }
            if isFolder.boolValue { throw ValidationError("--link-profile \(linkProfile) is a folder; give the file that gnnpipe probe-link -o wrote") }
            // attributesOfItem describes a symbolic link itself: look at what it points to.
            let target = URL(fileURLWithPath: linkProfile).resolvingSymlinksInPath().path
            let type = (try? FileManager.default.attributesOfItem(atPath: target))?[.type] as? FileAttributeType
            if type != .typeRegular {
                throw ValidationError("--link-profile \(linkProfile) is not a regular file; give the file that gnnpipe probe-link -o wrote")
            }
        }
    }

    func run() throws {
        let link: LinkModel, linkText: String
        if let linkProfile {
            let profile: LinkProfile
            do { profile = try LinkProfile.read(path: linkProfile) } catch { throw CommandFailure("--link-profile \(error)") }
            link = LinkModel(profile: profile)
            if ranks > 1, profile.ranks != ranks || profile.hosts < profile.ranks {
                ToolMain.printNote("\(linkProfile) was measured on \(counted(profile.ranks, "rank")) on \(counted(profile.hosts, "host")); "
                                   + "this plan has \(counted(ranks, "rank")), one per host. Halo steps among other rank counts, or within one host, "
                                   + "cost differently: for this plan, measure with mpirun -n \(ranks), one rank per host")
            }
            linkText = "links as probe-link measured them (\(linkProfile): \(counted(profile.ranks, "rank")) on \(counted(profile.hosts, "host")))"
        } else {
            link = try LinkModel(rate: bandwidth ?? "1gbit", delay: delay ?? "0ms")
            linkText = "links \(bandwidth ?? "1gbit") with \(delay ?? "0ms") delay"
        }
        let (adjacency, task) = try NodeDataset.nodeClassification(dataset, readOptions: EdgeListReadOptions(skipRows: header.skipRows))
        // The pipeline and hybrid predictions cut the graph into --chunks chunks: a count the
        // graph cannot fill is the usage error train and partition give, naming the option.
        if ranks > 1 { try ChunkCount.check(chunks, numNodes: adjacency.numNodes, dataset: dataset, training: false) }
        if ranks > adjacency.numNodes {
            throw CommandFailure("--ranks \(ranks): more ranks than the \(formatCount(adjacency.numNodes)) nodes of \(dataset); every rank needs nodes of its own", code: 64)
        }
        let isGCNII = model == .gcnii
        let configuration = GNNConfiguration(architecture: model, inputDim: task.features.cols, hiddenDim: hidden ?? (isGCNII ? 64 : 16),
                                             numClasses: task.numClasses, layers: layers ?? (isGCNII ? 32 : 2),
                                             dropout: isGCNII ? 0.6 : 0.5)
        let settings = EpochPlanner.Settings(ranks: ranks, chunks: chunks, link: link, sharedCores: sharedCores, threads: rankThreads,
                                             partitionSeed: partitionSeed)
        if rankThreads > ThreadsOption.defaultCount {
            ToolMain.printNote("--threads \(rankThreads) is more than this machine's \(counted(ThreadsOption.defaultCount, "core")): the kernels run here "
                               + "on at most \(ThreadsOption.defaultCount) at once, and their CPU seconds are divided by \(rankThreads) (perfect scaling assumed)")
        }
        let bar = ProgressBar(enabled: true, label: "plan")
        let predictions = try EpochPlanner.predict(configuration: configuration, adjacency: adjacency, features: task.features,
                                                   settings: settings) { done, total, grid in bar.update(done, of: total, note: "S × G = \(grid)") }
        bar.finish()
        print("\(dataset): \(adjacency.numNodes) nodes, \(adjacency.nnz / 2) edges; \(model.rawValue) \(configuration.layers) layers, hidden \(configuration.hiddenDim); "
              + "\(counted(ranks, "rank")), \(linkText)"
              + (sharedCores.map { ", \($0) cores shared by all ranks" } ?? ", one host per rank") + "; kernels timed here, \(counted(rankThreads, "thread")) per rank")
        func mib(_ b: Int64) -> String { String(format: "%.1f", Double(b) / 1_048_576) }
        let rows = predictions.map { p in
            [p.name, p.chunks == 1 ? "1" : "\(p.chunks)", String(format: "%.4f", p.epochSeconds), String(format: "%.4f", p.computeSeconds),
             String(format: "%.4f", p.linkSeconds), mib(p.bytesPerLink), mib(p.peakBytes), mib(p.state.total)]
        }
        let head = ["mode (S × G)", "chunks", "epoch s", "compute s", "link s", "MiB/link", "peak MiB/rank", "state MiB"]
        let widths = head.indices.map { i in max(head[i].count, rows.map { $0[i].count }.max() ?? 0) }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in i == 0 ? c.padding(toLength: widths[i], withPad: " ", startingAt: 0)
                : String(repeating: " ", count: widths[i] - c.count) + c }.joined(separator: "  ")
        }
        print(line(head))
        for r in rows { print(line(r)) }
        let best = predictions.min { $0.epochSeconds < $1.epochSeconds }!
        let leanest = predictions.min { $0.peakBytes < $1.peakBytes }!
        print("recommendation: \(best.name)" + (best.chunks > 1 ? ", \(best.chunks) chunks" : "")
              + String(format: " (shortest predicted epoch, %.4f s)", best.epochSeconds)
              + (leanest.name == best.name ? ", also the least memory per rank" : "; least memory per rank: \(leanest.name) (\(mib(leanest.peakBytes)) MiB)"))
        if sharedCores != nil {
            print(String(format: "co-run factor (kernels with several ranks computing at once, over alone; measured on the largest part, used for every mode): %.2f",
                         predictions.last!.coRunFactor))
        }
        print("epoch = one training step (forward and backward of every chunk); MiB/link = most bytes one rank sends per step; "
              + "peak = largest rank's kept state + one chunk's working memory + runtime (loading not included)")
    }
}
