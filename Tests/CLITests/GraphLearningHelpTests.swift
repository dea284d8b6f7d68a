import ArgumentParser
import Testing
import TestSupport
@testable import graphlearning

/// The `--help` of every `graphlearning` command at 80 columns against the text a user reads (GoldenText).
/// A changed option changes one of them: update it from the text the failing test prints, and
/// read it as a user would (does it say the unit, the default, an example?).
@Suite("graphlearning --help")
struct GraphLearningHelpTests {
    @Test("graphlearning --help") func root() {
        #expect(GoldenText.helpDifference(GraphLearningCommand.self, GraphLearningCommand.self, expected: Self.root) == nil)
    }

    @Test("graphlearning summary --help") func summary() {
        #expect(GoldenText.helpDifference(GraphLearningCommand.self, Summary.self, expected: Self.summary) == nil)
    }

    @Test("graphlearning partition --help") func partition() {
        #expect(GoldenText.helpDifference(GraphLearningCommand.self, Partition.self, expected: Self.partition) == nil)
    }

    @Test("graphlearning generate --help") func generate() {
        #expect(GoldenText.helpDifference(GraphLearningCommand.self, Generate.self, expected: Self.generate) == nil)
    }

    @Test("graphlearning mpi-check --help") func mpiCheck() {
        #expect(GoldenText.helpDifference(GraphLearningCommand.self, MPICheck.self, expected: Self.mpiCheck) == nil)
    }

    /// `graphlearning --generate-completion-script bash|zsh|fish` writes scripts that name every
    /// subcommand, and the bash one completes in bash (ShellCompletion).
    @Test func shellCompletionScripts() throws {
        let problems = try ShellCompletion.problems(tool: "graphlearning", subcommands: ["summary", "partition", "generate", "mpi-check"])
        #expect(problems.isEmpty, "\(problems)")
    }

    static let root = #"""
        OVERVIEW: Inspect and partition graphs with the GraphLearning sparse-graph
        core.

        A GRAPH argument is an edge-list file (`src dst [weight]` per line; tab, space
        or comma separated; `#`/`%` comments; integer or string ids) or a dataset
        folder holding edges.tsv and optionally features.mtx or features.npy,
        labels.tsv and split.tsv. `summary` also reads HGB heterogeneous datasets (a
        .zip or a folder with node.dat) and hypergraph folders (hyperedges.tsv).

        Examples:
          graphlearning summary graphs/cora
          graphlearning summary graphs/hgb/ACM.zip
          graphlearning partition graphs/blogcatalog --parts 4 -o parts.npy
          launch/mpirun-local.sh 2 graphlearning mpi-check

        Every command that reads a graph or dataset takes it as the first argument, and
        the run options (--seed, --threads, -q/--quiet, --log-level, --metrics) are
        spelt and mean the same in every command that takes them: -q and --log-level in
        every command that prints more than its results, the others where they apply
        (RUN OPTIONS in each command's help; the README has the table). Shell
        completion: `graphlearning --generate-completion-script bash` (or zsh, fish);
        the README says where to put it.

        USAGE: graphlearning <subcommand>

        OPTIONS:
          -h, --help              Show help information.

        SUBCOMMANDS:
          summary                 Print a graph's size, degrees, components, features,
                                  labels and split.
          partition               Cut a graph into k parts with METIS and report (and
                                  optionally write) the part of every node.
          generate                Write a synthetic node-classification dataset folder
                                  with an R-MAT graph.
          mpi-check               Check that Open MPI works: every rank reports, an
                                  all-reduce sums the ranks, and a non-blocking ring
                                  exchange passes rows.

          See 'graphlearning help <subcommand>' for detailed help.
        """#

    static let summary = #"""
        OVERVIEW: Print a graph's size, degrees, components, features, labels and
        split.

        For an HGB dataset (.zip or folder with node.dat) it prints node types,
        relations and labels; for a hypergraph folder (hyperedges.tsv) vertices and
        hyperedge sizes. With --parts k it also cuts the graph with METIS (edge weights
        are ignored) and reports the edge cut, part sizes and halo sizes.

        Examples:
          graphlearning summary graphs/cora
          graphlearning summary graphs/blogcatalog --parts 8 --metrics run.jsonl
          graphlearning summary graphs/hgb/ACM.zip

        USAGE: graphlearning summary [<options>] <graph>

        ARGUMENTS:
          <graph>                 Edge-list file (plain or .gz; or a PyG edge_index
                                  .npy) or dataset folder (see graphlearning --help).

        RUN OPTIONS:
          --seed <seed>           Seed of every random draw (METIS, with --parts): the
                                  same seed gives the same results (default: 0).
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
          --metrics <file.jsonl>  Write one record (the numbers printed) to this file
                                  as JSON Lines, each as it happens: the run's first
                                  record replaces the file, later ones are appended (a
                                  non-finite number is written as null).

        OPTIONS:
          --directed              Treat edges as directed (default: undirected, each
                                  edge symmetrised).
          --duplicates <policy>   How repeated edges merge: max (keep the larger
                                  weight; an edge listed in both directions stays one
                                  edge), sum, first, or reject. (values: max, sum,
                                  first, reject; default: max)
          --self-loops <policy>   Self-loops: drop, keep or reject. (values: drop,
                                  keep, reject; default: drop)
          --id-mode <mode>        Node ids: integer (used as dense ids 0…max), string
                                  (relabelled 0,1,… in order of first appearance), or
                                  automatic (integer unless some id is not a
                                  non-negative integer or the ids are far sparser than
                                  the edges). (values: integer, string, automatic;
                                  default: automatic)
          --skip-rows <N>         Skip the first N lines of the edge list (a header);
                                  every line counts, comments too. A header above
                                  integer ids is an error until skipped. (default: 0)
          --parts <k>             Also cut the graph into k METIS parts (1 ≤ k ≤ nodes).
          -h, --help              Show help information.

        """#

    static let partition = #"""
        OVERVIEW: Cut a graph into k parts with METIS and report (and optionally write)
        the part of every node.

        METIS k-way minimises the number of cut edges under a balance limit; edge
        weights are ignored and a directed graph is symmetrised first. Halo size of a
        part = nodes outside it that its nodes link to (what a graph-parallel worker
        receives each layer).

        Output (-o, optional): `.npy` (int32 part ids in node order, for NumPy) or
        `.tsv` (`node<TAB>part`, with the original node names when the input used
        string ids). The file is written to a temporary name and renamed, so a failed
        run leaves nothing behind.

        Example:
          graphlearning partition graphs/cora -k 4 --seed 1 -o parts.npy

        USAGE: graphlearning partition [<options>] <graph> --parts <parts>

        ARGUMENTS:
          <graph>                 Edge-list file (plain or .gz; or a PyG edge_index
                                  .npy) or dataset folder (see graphlearning --help).

        RUN OPTIONS:
          --seed <seed>           Seed of every random draw (METIS: the same seed and
                                  graph give the same parts): the same seed gives the
                                  same results (default: 0).
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
          --metrics <file.jsonl>  Write one record (edge cut, part and halo sizes,
                                  imbalance, seconds) to this file as JSON Lines, each
                                  as it happens: the run's first record replaces the
                                  file, later ones are appended (a non-finite number is
                                  written as null).

        OPTIONS:
          --directed              Treat edges as directed (default: undirected, each
                                  edge symmetrised).
          --duplicates <policy>   How repeated edges merge: max (keep the larger
                                  weight; an edge listed in both directions stays one
                                  edge), sum, first, or reject. (values: max, sum,
                                  first, reject; default: max)
          --self-loops <policy>   Self-loops: drop, keep or reject. (values: drop,
                                  keep, reject; default: drop)
          --id-mode <mode>        Node ids: integer (used as dense ids 0…max), string
                                  (relabelled 0,1,… in order of first appearance), or
                                  automatic (integer unless some id is not a
                                  non-negative integer or the ids are far sparser than
                                  the edges). (values: integer, string, automatic;
                                  default: automatic)
          --skip-rows <N>         Skip the first N lines of the edge list (a header);
                                  every line counts, comments too. A header above
                                  integer ids is an error until skipped. (default: 0)
          -k, --parts <parts>     Number of parts (1 ≤ k ≤ nodes).
          --imbalance <fraction>  Allowed load imbalance, as a fraction in (0, 10):
                                  0.03 lets a part be 3% above the mean. (default: 0.03)
          -o, --output <file>     Write the part of every node to this .npy or .tsv
                                  file.
          -h, --help              Show help information.

        """#

    static let generate = #"""
        OVERVIEW: Write a synthetic node-classification dataset folder with an R-MAT
        graph.

        Writes edges.tsv (R-MAT, Chakrabarti et al. 2004, Graph500 quadrant
        probabilities 0.57/0.19/0.19, 2^scale nodes, edge-factor · 2^scale draws,
        self-loops removed, duplicates left for the reader to merge), features.npy
        ([numNodes × features] float32), labels.tsv and split.tsv into OUTPUT (created
        if missing; an existing folder must be empty; every file written atomically).

        Labels are uniform over --classes classes, drawn from (seed, node). Feature j
        of node v is a uniform [0, 1) draw plus --signal when j mod classes equals v's
        class, so an MLP can learn the labels and a GNN has real work; the graph itself
        is not class-correlated. Split: --train and --val fractions of the nodes
        (seeded shuffle), the rest test.

        Example (the GNNPipe scale test: 2^20 nodes, 16·2^20 edges, 128 features):
          graphlearning generate /tmp/rmat20 --scale 20 --edge-factor 16 --features 128

        USAGE: graphlearning generate [<options>] <output>

        ARGUMENTS:
          <output>                Output dataset folder (created if missing; an
                                  existing one must be empty).

        RUN OPTIONS:
          --seed <seed>           Seed of every random draw (graph, features, labels
                                  and split): the same seed gives the same results
                                  (default: 1).
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
          --scale <scale>         log2 of the number of nodes (1–26). (default: 14)
          --edge-factor <edge-factor>
                                  Edge draws per node. (default: 16)
          --features <features>   Feature width. (default: 128)
          --classes <classes>     Number of classes (2–1000). (default: 8)
          --signal <signal>       Added to the class's feature columns (may be
                                  negative). (default: 0.5)
          --train <train>         Fraction of nodes in the training split. (default:
                                  0.1)
          --val <val>             Fraction of nodes in the validation split. (default:
                                  0.1)
          -h, --help              Show help information.

        """#

    static let mpiCheck = #"""
        OVERVIEW: Check that Open MPI works: every rank reports, an all-reduce sums the
        ranks, and a non-blocking ring exchange passes rows.

        Run under mpirun, e.g. `launch/mpirun-local.sh 4 graphlearning mpi-check`, or
        with a hostfile.

        USAGE: graphlearning mpi-check

        OPTIONS:
          -h, --help              Show help information.

        """#

}
