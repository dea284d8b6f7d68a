import ArgumentParser
import Testing
import TestSupport
@testable import rphgnn

/// The `--help` of every `rphgnn` command at 80 columns against the text a user reads (GoldenText).
/// A changed option changes one of them: update it from the text the failing test prints, and
/// read it as a user would (does it say the unit, the default, an example?).
@Suite("rphgnn --help")
struct RpHGNNHelpTests {
    @Test("rphgnn --help") func root() {
        #expect(GoldenText.helpDifference(RpHGNNCommand.self, RpHGNNCommand.self, expected: Self.root) == nil)
    }

    @Test("rphgnn train --help") func train() {
        #expect(GoldenText.helpDifference(RpHGNNCommand.self, Train.self, expected: Self.train) == nil)
    }

    @Test("rphgnn precompute --help") func precompute() {
        #expect(GoldenText.helpDifference(RpHGNNCommand.self, Precompute.self, expected: Self.precompute) == nil)
    }

    /// `rphgnn --generate-completion-script bash|zsh|fish` writes scripts that name every
    /// subcommand, and the bash one completes in bash (ShellCompletion).
    @Test func shellCompletionScripts() throws {
        let problems = try ShellCompletion.problems(tool: "rphgnn", subcommands: ["train", "precompute"])
        #expect(problems.isEmpty, "\(problems)")
        #expect(try ShellCompletion.bash("rphgnn", ["train", "--log-level", ""])
                == ["trace", "debug", "info", "notice", "warning", "error", "critical"])
    }

    static let root = #"""
        OVERVIEW: RpHGNN: heterogeneous graph learning with random projection (Hu, Hooi
        & He, TKDE 2024).

        Examples:
          rphgnn train graphs/hgb/ACM.zip
          rphgnn train graphs/hgb/DBLP.zip --seed 3 --metrics dblp.jsonl
          rphgnn precompute graphs/hgb/ACM.zip -o acm-features

        Every command that reads a graph or dataset takes it as the first argument, and
        the run options (--seed, --threads, -q/--quiet, --log-level, --metrics) are
        spelt and mean the same in every command that takes them: -q and --log-level in
        every command that prints more than its results, the others where they apply
        (RUN OPTIONS in each command's help; the README has the table). Shell
        completion: `rphgnn --generate-completion-script bash` (or zsh, fish); the
        README says where to put it.

        USAGE: rphgnn <subcommand>

        OPTIONS:
          -h, --help              Show help information.

        SUBCOMMANDS:
          train                   Pre-compute (or read from the cache), train the
                                  classifier, and report Micro-/Macro-F1.
          precompute              Pre-compute the target type's groups and write them
                                  as .npy files for use outside this tool.

          See 'rphgnn help <subcommand>' for detailed help.
        """#

    static let train = #"""
        OVERVIEW: Pre-compute (or read from the cache), train the classifier, and
        report Micro-/Macro-F1.

        Defaults follow the reference run scripts per dataset (ACM, DBLP, IMDB,
        Freebase; others get generic values). 20% of label.dat is held out for
        validation (stratified for single-label data, seeded). The reported scores are
        those of the best validation epoch, on label.dat.test (HGB's public half of the
        test labels) and on label.dat.test_full (all test labels), each when present.

        Each epoch prints the mean training loss, the validation loss and F1 when it
        validated, and the seconds of the training step; '*' marks a new best.

        Examples:
          rphgnn train graphs/hgb/ACM.zip
          rphgnn train graphs/hgb/DBLP.zip --seed 3 --metrics dblp.jsonl
          rphgnn train graphs/hgb/ACM.zip --hops 3 --epochs 50 --no-cache

        USAGE: rphgnn train [<options>] <dataset>

        ARGUMENTS:
          <dataset>               HGB dataset: a folder or its .zip (node.dat,
                                  link.dat, label.dat, label.dat.test, …). (--dataset
                                  PATH, the older spelling, is accepted too.)

        RUN OPTIONS:
          --seed <seed>           Seed of every random draw (projections, random
                                  features, validation split, weights and batch order):
                                  the same seed gives the same results (default: 1).
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
          --metrics <file.jsonl>  Write one record per epoch, then a summary record to
                                  this file as JSON Lines, each as it happens: the
                                  run's first record replaces the file, later ones are
                                  appended (a non-finite number is written as null).

        OPTIONS:
          --hops <hops>           K, propagate-then-update iterations (groups reach hop
                                  2K; default: per dataset).
          --random-feature-dim <random-feature-dim>
                                  Width of random features for node types without
                                  features (default: per dataset).
          --include-input <bool>  Prepend the raw target features to even groups: true
                                  or false (default: per dataset).
          --cache <dir>           Cache folder (default: $XDG_CACHE_HOME or ~/.cache,
                                  then graphlearning/rphgnn). Only a speed-up: an entry
                                  that cannot be stored (read-only or full disk) is a
                                  warning.
          --no-cache              Neither read nor write the pre-computation cache.
          --epochs <epochs>       Largest number of epochs (default: per dataset).
          --patience <patience>   Stop after this many epochs without a better
                                  validation value (default: per dataset).
          --validation-frequency <validation-frequency>
                                  Validate every this many epochs (default: per
                                  dataset).
          --early-stopping <early-stopping>
                                  What picks the best epoch: mean-f1 or loss (default:
                                  per dataset). (values: mean-f1, loss)
          --hidden <hidden>       Hidden width (default: per dataset).
          --input-dropout <input-dropout>
                                  Dropout on group inputs, in [0, 1) (default: per
                                  dataset).
          --dropout <dropout>     Dropout after hidden layers, in [0, 1) (default: per
                                  dataset).
          --merge <merge>         Merge of group outputs: concat or mean (default: per
                                  dataset). (values: concat, mean)
          --batch-size <batch-size>
                                  Mini-batch size (default: per dataset).
          --lr <lr>               Adam learning rate. (default: 0.003)
          -h, --help              Show help information.

        """#

    static let precompute = #"""
        OVERVIEW: Pre-compute the target type's groups and write them as .npy files for
        use outside this tool.

        OUTPUT receives group-NN.npy (float32 [numNodes, hops, dim], row = local id of
        the target node), target_ids.npy (int64 [numNodes]: the HGB global id of each
        row) and manifest.json (group names, shapes, parameters). The files are written
        to a hidden temporary folder first; an existing OUTPUT ends up with exactly
        this run's group files (older group-NN.npy files are removed; other files are
        kept), and keeps its old contents when the run fails. The cache is used as by
        train.

        Example:
          rphgnn precompute graphs/hgb/ACM.zip -o acm-features

        USAGE: rphgnn precompute [<options>] <dataset> -o <dir>

        ARGUMENTS:
          <dataset>               HGB dataset: a folder or its .zip (node.dat,
                                  link.dat, label.dat, label.dat.test, …). (--dataset
                                  PATH, the older spelling, is accepted too.)

        RUN OPTIONS:
          --seed <seed>           Seed of every random draw (the sparse random
                                  projections and the random features of featureless
                                  node types, as in train): the same seed gives the
                                  same results (default: 1).
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

        OPTIONS:
          --hops <hops>           K, propagate-then-update iterations (groups reach hop
                                  2K; default: per dataset).
          --random-feature-dim <random-feature-dim>
                                  Width of random features for node types without
                                  features (default: per dataset).
          --include-input <bool>  Prepend the raw target features to even groups: true
                                  or false (default: per dataset).
          --cache <dir>           Cache folder (default: $XDG_CACHE_HOME or ~/.cache,
                                  then graphlearning/rphgnn). Only a speed-up: an entry
                                  that cannot be stored (read-only or full disk) is a
                                  warning.
          --no-cache              Neither read nor write the pre-computation cache.
          -o, --output <dir>      Folder to write (created if missing).
          -h, --help              Show help information.

        """#

}
