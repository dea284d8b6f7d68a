import ArgumentParser
import Testing
import TestSupport
@testable import gnnpipe

/// The `--help` of every `gnnpipe` command at 80 columns against the text a user reads (GoldenText).
/// A changed option changes one of them: update it from the text the failing test prints, and
/// read it as a user would (does it say the unit, the default, an example?).
@Suite("gnnpipe --help")
struct GNNPipeHelpTests {
    @Test("gnnpipe --help") func root() {
        #expect(GoldenText.helpDifference(GNNPipeCommand.self, GNNPipeCommand.self, expected: Self.root) == nil)
    }

    @Test("gnnpipe train --help") func train() {
        #expect(GoldenText.helpDifference(GNNPipeCommand.self, Train.self, expected: Self.train) == nil)
    }

    @Test("gnnpipe partition --help") func partition() {
        #expect(GoldenText.helpDifference(GNNPipeCommand.self, Partition.self, expected: Self.partition) == nil)
    }

    @Test("gnnpipe plan --help") func plan() {
        #expect(GoldenText.helpDifference(GNNPipeCommand.self, Plan.self, expected: Self.plan) == nil)
    }

    @Test("gnnpipe probe-link --help") func probeLink() {
        #expect(GoldenText.helpDifference(GNNPipeCommand.self, ProbeLink.self, expected: Self.probeLink) == nil)
    }

    /// `gnnpipe --generate-completion-script bash|zsh|fish` writes scripts that name every
    /// subcommand, and the bash one completes in bash (ShellCompletion).
    @Test func shellCompletionScripts() throws {
        let problems = try ShellCompletion.problems(tool: "gnnpipe", subcommands: ["train", "partition", "plan", "probe-link"])
        #expect(problems.isEmpty, "\(problems)")
        #expect(try ShellCompletion.bash("gnnpipe", ["train", "--log-level", ""])
                == ["trace", "debug", "info", "notice", "warning", "error", "critical"])
    }

    static let probeLink = #"""
        OVERVIEW: Measure the links between MPI ranks; print the --bandwidth and
        --delay that gnnpipe plan should use.

        Runs, on the ranks mpirun started, the two kinds of message training sends: a
        halo step (every rank sends each other rank a message of each --sizes, as a
        graph-parallel layer does) and a pipeline hand-off (rank r to rank r + 1). Each
        size is timed --repetitions times after a barrier (slowest rank, median).
        Seconds against the bytes one rank sends are fitted as overhead + bytes / rate;
        the halo fit is what gnnpipe plan's --delay (per communication step) and
        --bandwidth mean, so the plan can use the link MPI actually delivers rather
        than the nominal rate. Rank 0 prints the table. With -o FILE.json rank 0 also
        writes the measured table: gnnpipe plan --link-profile FILE.json then
        interpolates the measured seconds by message size instead of one line (MPI over
        TCP reaches a different rate at each size).

        Examples:
          mpirun -n 4 --hostfile hosts gnnpipe probe-link
          mpirun -n 4 --hostfile hosts gnnpipe probe-link -o link.json
          gnnpipe plan graphs/cora --ranks 4 --link-profile link.json
          mpirun -n 2 gnnpipe probe-link --sizes 1k,1m --repetitions 3

        USAGE: mpirun -n <P> gnnpipe probe-link [<options>]

        OPTIONS:
          --sizes <list>          Message sizes, comma-separated bytes with k or m
                                  (KiB, MiB), each from 4 bytes to 1024m, at least two.
                                  (default: 1k,16k,256k,2m,16m)
          --repetitions <n>       Timed repetitions of each size (the median is kept).
                                  (default: 7)
          -o, --output <file.json>
                                  Write the measured table here (JSON, for gnnpipe plan
                                  --link-profile); rank 0 writes it, on the first host
                                  of the hostfile.
          -h, --help              Show help information.

        """#

    static let root = #"""
        OVERVIEW: Full-graph GNN training for node classification (GCN, GCNII,
        GraphSAGE).

        Examples:
          gnnpipe train                                   # 2-layer GCN on graphs/cora
          gnnpipe train graphs/cora --model gcnii --seed 3
          gnnpipe train graphs/cora --metrics run.jsonl --checkpoint ckpt
          gnnpipe train graphs/cora --checkpoint ckpt --resume
          mpirun -n 4 gnnpipe train graphs/cora        # GNNPipe: GCNII-32, 8 chunks
          mpirun -n 4 gnnpipe train --parallelism graph   # graph-parallel baseline
          mpirun -n 4 gnnpipe train --parallelism hybrid --stages 2   # 2 × 2 ranks
          gnnpipe partition graphs/cora --chunks 8 -o chunks.tsv
          gnnpipe plan graphs/cora --ranks 4 --bandwidth 1gbit   # pick a mode
          mpirun -n 4 --hostfile hosts gnnpipe probe-link   # measure links for plan

        Every command that reads a graph or dataset takes it as the first argument, and
        the run options (--seed, --threads, -q/--quiet, --log-level, --metrics) are
        spelt and mean the same in every command that takes them: -q and --log-level in
        every command that prints more than its results, the others where they apply
        (RUN OPTIONS in each command's help; the README has the table). Shell
        completion: `gnnpipe --generate-completion-script bash` (or zsh, fish); the
        README says where to put it.

        USAGE: gnnpipe <subcommand>

        OPTIONS:
          -h, --help              Show help information.

        SUBCOMMANDS:
          train                   Train a GNN on a dataset folder and report test
                                  accuracy at the best validation epoch.
          partition               Cut a graph into pipeline chunks with METIS and
                                  report sizes, halos, staleness and the schedule.
          plan                    Predict epoch time, bytes per link and peak memory
                                  per rank of each distributed mode, and pick one.
          probe-link              Measure the links between MPI ranks; print the
                                  --bandwidth and --delay that gnnpipe plan should use.

          See 'gnnpipe help <subcommand>' for detailed help.
        """#

    static let train = #"""
        OVERVIEW: Train a GNN on a dataset folder and report test accuracy at the best
        validation epoch.

        DATASET is a folder with edges.tsv, features.mtx or features.npy, labels.tsv
        and split.tsv (train/val/test); default graphs/cora. Any of these files may be
        gzip compressed (edges.tsv.gz, …), and the edges may be a PyG edge_index
        (edges.npy, [2 × E] int64). DATASET may also be an OGB node-property folder as
        the ogb package downloads it (ogbn_arxiv/: raw/edge.csv.gz,
        raw/node-feat.csv.gz, raw/node-label.csv.gz,
        split/<name>/{train,valid,test}.csv.gz; the only split). Edges are treated as
        undirected. Features are row-normalised (each row divided by its sum) unless
        --feature-normalization none, as in Kipf & Welling's and Chen et al.'s code.

        Defaults follow the reference settings: GCN and SAGE 2 layers, hidden 16,
        dropout 0.5, 200 epochs; GCNII 64 layers, hidden 64, dropout 0.6, α 0.1, λ 0.5,
        1500 epochs, patience 100. Weight decay (Adam's L2 by default, decoupled with
        --optimizer adamw) goes to GCN's first layer, every SAGE layer, and GCNII's
        input/output Linear layers; GCNII's convolution weights use
        --conv-weight-decay.

        Each epoch prints loss, train/val accuracy and the seconds of the training step
        (forward + backward + Adam). With --checkpoint DIR the state is saved to
        DIR/last.ckpt every --checkpoint-every epochs and at the end, and the best
        epoch's parameters to DIR/best.ckpt; --resume continues from DIR/last.ckpt
        exactly.

        Under mpirun with more than one rank (or with --parallelism
        pipeline|graph|hybrid) training is distributed. --parallelism pipeline
        (default) is GNNPipe: rank s is stage s and owns a contiguous block of graph
        layers; the graph is cut by METIS into --chunks chunks that flow through the
        stages in a fill/drain schedule, and neighbours in later chunks are read from
        historical embeddings (staleness ≤ 1 epoch). --parallelism graph gives each
        rank a METIS partition for all layers and exchanges halo rows before every
        layer. --parallelism hybrid --stages S runs S pipeline stages, each by a group
        of P/S ranks that split the graph and exchange halo rows inside the group. The
        losses depend on the chunks and their order, not on how the layers and rows are
        spread over ranks. Distributed defaults: gcnii, 32 layers, hidden 64, dropout
        0.6, 8 chunks, 1500 epochs, patience 100 (e.g. `mpirun -n 4 gnnpipe train
        graphs/cora`). Rank 0 prints each epoch with the bytes sent (against the
        analytic volume), wait and bubble seconds; --metrics adds per-rank statistics,
        --trace writes a Chrome trace (one track per rank, open in Perfetto).
        Checkpoints: every rank writes DIR/rank-R.epoch-E.ckpt (history tables
        included), then rank 0 writes DIR/complete.json; --resume restarts every rank
        from that epoch. Errors found while setting up (arguments, dataset, chunk
        count, checkpoint) are printed once, by rank 0; a rank failing during training
        prints `error: rank R on HOST: …` and aborts the whole job, and a rank that
        waits longer than --timeout seconds for a message ends the job too. Log lines
        on stderr name their rank (`gnnpipe rank R:`).

        Examples:
          gnnpipe train                                   # 2-layer GCN on graphs/cora
          gnnpipe train graphs/cora --model gcnii --seed 3 --metrics run.jsonl
          gnnpipe train graphs/cora --checkpoint ckpt --epochs 100   # then --resume
          mpirun -n 4 gnnpipe train graphs/cora --parallelism hybrid --stages 2

        USAGE: gnnpipe train [<options>] [<dataset>]

        ARGUMENTS:
          <dataset>               Dataset folder: edges.tsv, features.mtx or
                                  features.npy, labels.tsv, split.tsv (each may be .gz;
                                  edges may be a PyG edges.npy), or an OGB
                                  node-property folder. Default: graphs/cora.
                                  (--dataset PATH, the older spelling, is accepted too.)

        RUN OPTIONS:
          --seed <seed>           Seed of every random draw (initial weights and
                                  dropout masks; --partition-seed seeds the chunks):
                                  the same seed gives the same results (default: 0).
          --threads <n>           Worker threads of this process (default: all cores;
                                  under mpirun, the host's cores divided by its ranks).
                                  Results do not depend on it.
          -q, --quiet             Print only the results: no progress bar, epoch lines,
                                  notes, timing lines or info log lines (warnings and
                                  errors still show).
          --log-level <level>     Lowest level of the lines on stderr; notes and timing
                                  lines are info (default: info; warning with --quiet;
                                  under mpirun, warning on ranks other than 0).
                                  (values: trace, debug, info, notice, warning, error,
                                  critical)
          --metrics <file.jsonl>  Write one record per epoch (under mpirun with
                                  per-rank bytes and seconds), then a summary record to
                                  this file as JSON Lines, each as it happens: the
                                  run's first record replaces the file, later ones are
                                  appended (a non-finite number is written as null).

        OPTIONS:
          --model <model>         Model: gcn, gcnii or sage (default: gcn; distributed
                                  gcnii). (values: gcn, gcnii, sage)
          --layers <n>            Number of graph layers (default: 2; gcnii 64,
                                  distributed gcnii 32).
          --hidden <width>        Hidden width (default: 16; gcnii 64).
          --dropout <p>           Dropout probability in [0, 1) (default: 0.5; gcnii
                                  0.6).
          --lr <lr>               Adam learning rate. (default: 0.01)
          --weight-decay <decay>  Weight decay of the dense layers (which ones: see
                                  above). (default: 0.0005)
          --conv-weight-decay <decay>
                                  Weight decay of GCNII's convolution weights.
                                  (default: 0.01)
          --optimizer <optimizer> Optimizer: adam (L2 weight decay) or adamw
                                  (decoupled). (values: adam, adamw; default: adam)
          --alpha <alpha>         GCNII initial-residual weight α. (default: 0.1)
          --lambda <lambda>       GCNII identity-mapping strength λ (β_ℓ = log(λ/ℓ +
                                  1)). (default: 0.5)
          --epochs <n>            Last epoch (default: 200; gcnii 1500).
          --patience <epochs>     Stop after this many epochs without a better
                                  validation value; 0 = never (default: 0; gcnii 100).
          --select <metric>       Validation number that picks the reported epoch:
                                  val-accuracy or val-loss. (values: val-accuracy,
                                  val-loss; default: val-accuracy)
          --feature-normalization <mode>
                                  Feature preprocessing: row (each row divided by its
                                  sum) or none. (values: row, none; default: row)
          --checkpoint <dir>      Save training state in this folder (created if
                                  missing): one process writes last.ckpt and best.ckpt;
                                  distributed ranks write rank-R.epoch-E.ckpt and
                                  complete.json, keeping the last two complete epochs.
          --checkpoint-every <epochs>
                                  Epochs between checkpoints. (default: 10)
          --resume                Continue from the checkpoint folder (one process:
                                  last.ckpt; distributed: the epoch named by
                                  complete.json, with the same rank count, mode and
                                  options).
          --parallelism <mode>    single (one process), pipeline (GNNPipe), graph
                                  (graph parallel) or hybrid (--stages S × P/S);
                                  default: pipeline under mpirun with > 1 rank, else
                                  single. (values: single, pipeline, graph, hybrid)
          --stages <S>            Hybrid: number of pipeline stages S (divides the rank
                                  count).
          --chunks <C>            Pipeline and hybrid: number of METIS chunks C (1 = no
                                  chunking, no staleness; at most the node count;
                                  default 8).
          --stale-gradients <mode>
                                  Pipeline and hybrid: gradients into historical rows:
                                  drop (default) or defer (one epoch late). (values:
                                  drop, defer)
          --warmup-epochs <epochs>
                                  Pipeline and hybrid: first epochs run without
                                  chunking (C = 1; default 0).
          --history-momentum <m>  Pipeline and hybrid: smoothing m of historical rows,
                                  history ← m·history + (1−m)·new (default 0).
          --shuffle-chunks        Pipeline and hybrid: re-draw the chunk order every
                                  epoch.
          --partition-seed <seed> Distributed: seed of the METIS chunks and parts
                                  (default 0).
          --trace <trace.json>    Distributed: write a Chrome trace-event file (one
                                  track per rank).
          --skip-rows <N>         Skip the first N lines of the edge list (a header);
                                  every line counts, comments too. A header above
                                  integer ids is an error until skipped. (default: 0)
          --timeout <seconds>     Distributed: seconds a rank waits for a message or
                                  collective before the job fails (default 600).
          -h, --help              Show help information.

        """#

    static let partition = #"""
        OVERVIEW: Cut a graph into pipeline chunks with METIS and report sizes, halos,
        staleness and the schedule.

        Uses the same cut as `gnnpipe train --chunks C --partition-seed S`: METIS k-way
        on the undirected graph (with --parts G, as hybrid training with G ranks per
        stage: G METIS parts, each cut into C sub-chunks; chunk c is the union of the
        c-th sub-chunks). Prints per chunk its nodes, halo (nodes of other chunks it
        reads) and training nodes, then the edge cut, the total halo and the stale
        fraction (adjacency entries that read a later chunk, i.e. a historical
        embedding). With --stages S, also the fill/drain schedule of one epoch (F =
        forward, B = backward of a chunk, · = bubble). With -o, writes `node<TAB>chunk`
        lines in the dataset's node ids. Reads edges.tsv and split.tsv; of the feature
        file only its header (the row count, so isolated nodes count as in train).
        Every chunk gets a node (where METIS leaves one empty, it takes a node of the
        largest); with --parts G, a part of m nodes is cut into at most m chunks, and a
        --chunks larger than every part is refused with the largest count that works.

        Examples:
          gnnpipe partition graphs/cora --chunks 8 --stages 4
          gnnpipe partition graphs/cora --chunks 4 --parts 2 -o chunks.tsv

        USAGE: gnnpipe partition [<options>] [<dataset>]

        ARGUMENTS:
          <dataset>               Dataset folder (as for train) or an edge-list file.
                                  Default: graphs/cora. (--dataset PATH, the older
                                  spelling, is accepted too.)

        RUN OPTIONS:
          --seed <seed>           Seed of every random draw (METIS, as --partition-seed
                                  of train): the same seed gives the same results
                                  (default: 0).
          -q, --quiet             Print only the results: no progress bar, epoch lines,
                                  notes, timing lines or info log lines (warnings and
                                  errors still show).
          --log-level <level>     Lowest level of the lines on stderr; notes and timing
                                  lines are info (default: info; warning with --quiet;
                                  under mpirun, warning on ranks other than 0).
                                  (values: trace, debug, info, notice, warning, error,
                                  critical)

        OPTIONS:
          --chunks <C>            Number of chunks C (at most the node count).
                                  (default: 8)
          --parts <G>             Graph-parallel parts G (ranks per stage of hybrid
                                  training). (default: 1)
          --stages <S>            Print the schedule of this many pipeline stages.
          -o, --output <chunks.tsv>
                                  Write the chunk of every node here (TSV).
          --skip-rows <N>         Skip the first N lines of the edge list (a header);
                                  every line counts, comments too. A header above
                                  integer ids is an error until skipped. (default: 0)
          -h, --help              Show help information.

        """#

    static let plan = #"""
        OVERVIEW: Predict epoch time, bytes per link and peak memory per rank of each
        distributed mode, and pick one.

        For P ranks (one per host) joined by links of --bandwidth (tc's units: 100mbit,
        1gbit, 10gbit) with one-way --delay, gnnpipe plan builds what training would
        build for the pipeline (P stages), graph parallelism (P parts) and every hybrid
        split S × P/S (METIS parts and chunks, the halo lists), times the real kernels
        of the model on every rank's chunk blocks on this machine, and simulates every
        rank's timeline of one training step (fill/drain schedule, halo exchanges,
        all-reduces). Bytes and kept state are exact (they are what the trainer reports
        as analytic bytes and operator/feature/table bytes); times and peak memory are
        predictions: on 4 emulated hosts, with --link-profile, they were 0.66-1.37x the
        measured epochs, 45 of 48 within 30 %, and the pick was the fastest mode in 13
        of 16 settings (each miss between modes 3-9 % apart; one run per setting,
        BENCHMARKS.md, issue 12, runs m and n; identical Cora runs on those shared
        cores differed by up to 2.5x). MPI over TCP delivers less than the nominal
        rate: measure the link with `mpirun ... gnnpipe probe-link` and pass the
        --bandwidth and --delay it prints, or, better, write its table with probe-link
        -o link.json and pass --link-profile link.json: the plan then takes each
        message's seconds from the measured sizes (interpolated) instead of one rate.
        --shared-cores N models hosts emulated on one machine with N cores (e.g.
        launch/netns-cluster.sh): the ranks computing at one moment share the N cores,
        slowed by the measured co-run factor (shared memory bandwidth); waiting ranks
        sleep.

        Examples:
          gnnpipe plan graphs/cora --ranks 4 --bandwidth 1gbit
          gnnpipe plan graphs/cora --ranks 4 --bandwidth 10gbit --layers 64
          gnnpipe plan data/rmat18 --ranks 4 --bandwidth 1gbit --shared-cores 2
          gnnpipe plan graphs/cora --ranks 4 --link-profile link.json

        USAGE: gnnpipe plan [<options>] [<dataset>] --ranks <P>

        ARGUMENTS:
          <dataset>               Dataset folder: edges.tsv, features.mtx or
                                  features.npy, labels.tsv, split.tsv (each may be .gz;
                                  edges may be a PyG edges.npy), or an OGB
                                  node-property folder. Default: graphs/cora.
                                  (--dataset PATH, the older spelling, is accepted too.)

        OPTIONS:
          --ranks <P>             Number of ranks P (one per host).
          --bandwidth <rate>      Link rate in tc's units (bit/s: kbit, mbit, gbit;
                                  byte/s: kbps, mbps, gbps; default: 1gbit).
          --delay <delay>         Seconds added to every communication step (a halo
                                  exchange, an all-reduce step, a pipeline message):
                                  tc's one-way delay or probe-link's fitted overhead,
                                  e.g. 0.1ms or 50us (default: 0ms).
          --link-profile <file.json>
                                  The link as gnnpipe probe-link -o measured it
                                  (seconds by message size), instead of --bandwidth and
                                  --delay (not with them).
          --model <model>         Model: gcn, gcnii or sage. (values: gcn, gcnii, sage;
                                  default: gcnii)
          --layers <n>            Number of graph layers (default: gcnii 32, else 2).
          --hidden <width>        Hidden width (default: gcnii 64, else 16).
          --chunks <C>            Chunks C of the pipeline and hybrid modes. (default:
                                  8)
          --threads <n>           Threads of each predicted rank; the kernels are timed
                                  with this many. Unlike --threads of train, it sets
                                  the runs being predicted, not this process. Default:
                                  this machine's cores, what train uses with one rank
                                  per host (and on hosts emulated here, which each see
                                  all cores); more than this machine's cores assumes
                                  perfect scaling.
          --shared-cores <N>      Cores shared by all ranks (hosts emulated on one
                                  machine); default: each rank has its own.
          --partition-seed <seed> Seed of the METIS chunks and parts (as train's
                                  --partition-seed). (default: 0)
          --skip-rows <N>         Skip the first N lines of the edge list (a header);
                                  every line counts, comments too. A header above
                                  integer ids is an error until skipped. (default: 0)
          -h, --help              Show help information.

        """#

}
