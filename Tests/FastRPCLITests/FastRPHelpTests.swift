import ArgumentParser
import Testing
import TestSupport
@testable import fastrp

/// The `--help` of every `fastrp` command at 80 columns against the text a user reads (GoldenText).
/// A changed option changes one of them: update it from the text the failing test prints, and
/// read it as a user would (does it say the unit, the default, an example?).
@Suite("fastrp --help")
struct FastRPHelpTests {
    @Test("fastrp --help") func root() {
        #expect(GoldenText.helpDifference(FastRPCommand.self, FastRPCommand.self, expected: Self.root) == nil)
    }

    @Test("fastrp embed --help") func embed() {
        #expect(GoldenText.helpDifference(FastRPCommand.self, Embed.self, expected: Self.embed) == nil)
    }

    @Test("fastrp evaluate --help") func evaluate() {
        #expect(GoldenText.helpDifference(FastRPCommand.self, Evaluate.self, expected: Self.evaluate) == nil)
    }

    @Test("fastrp link-prediction --help") func linkPrediction() {
        #expect(GoldenText.helpDifference(FastRPCommand.self, LinkPredictionCommand.self, expected: Self.linkPrediction) == nil)
    }

    /// `fastrp --generate-completion-script bash|zsh|fish` writes scripts that name every
    /// subcommand, and the bash one completes in bash (ShellCompletion).
    @Test func shellCompletionScripts() throws {
        let problems = try ShellCompletion.problems(tool: "fastrp", subcommands: ["embed", "evaluate", "link-prediction"])
        #expect(problems.isEmpty, "\(problems)")
        #expect(try ShellCompletion.bash("fastrp", ["embed", "--log-level", ""])
                == ["trace", "debug", "info", "notice", "warning", "error", "critical"])
    }

    static let root = #"""
        OVERVIEW: FastRP node embeddings: very sparse random projection of graph
        neighbourhoods.

        Examples:
          fastrp embed graphs/karate/edges.tsv -o karate.tsv
          fastrp embed edges.tsv --dim 256 --weights 0,0,1,4 -o emb.npy
          fastrp embed graphs/blogcatalog/edges.tsv --paper-blogcatalog -o bc.npy
          fastrp evaluate --embeddings bc.npy --labels graphs/blogcatalog/labels.tsv
          fastrp link-prediction graphs/blogcatalog/edges.tsv --dim 512

        Every command that reads a graph or dataset takes it as the first argument, and
        the run options (--seed, --threads, -q/--quiet, --log-level, --metrics) are
        spelt and mean the same in every command that takes them: -q and --log-level in
        every command that prints more than its results, the others where they apply
        (RUN OPTIONS in each command's help; the README has the table). Shell
        completion: `fastrp --generate-completion-script bash` (or zsh, fish); the
        README says where to put it.

        USAGE: fastrp <subcommand>

        OPTIONS:
          -h, --help              Show help information.

        SUBCOMMANDS:
          embed                   Embed the nodes of an edge list and write the vectors.
          evaluate                Node classification with embeddings: Micro- and
                                  Macro-F1 over shuffles and training ratios.
          link-prediction         Hold out edges, embed the rest, and score held-out
                                  edges against random pairs.

          See 'fastrp help <subcommand>' for detailed help.
        """#

    static let embed = #"""
        OVERVIEW: Embed the nodes of an edge list and write the vectors.

        Output by extension: .npy (float32 [nodes × dim], row i = node id i; string ids
        are numbered in order of first appearance), .tsv (original id, then the values,
        tab-separated) or .txt (word2vec text format for gensim's
        KeyedVectors.load_word2vec_format). The file is written to a temporary name and
        renamed, so a failed run leaves nothing behind.

        Algorithm (Chen et al., CIKM 2019): N = Σᵢ αᵢ · rownorm((D⁻¹A)ⁱ · diag(d^β) ·
        R), R very sparse random (±√(s/dim) with probability 1/(2s), s = √n by
        default), drawn per node from (--seed, node id), so the output is identical for
        any --threads. Defaults follow Neo4j GDS: --dim 128 --weights 0,1,1
        --normalization-strength 0, rows normalised each iteration, no column
        standardisation. Weighted graphs (--weighted) divide by the weighted degree
        unless --transition degree. Nodes without out-edges get zero vectors (plus
        --self-influence). On a terminal a progress bar shows the iterations; a timing
        line (load / embed / write seconds, peak memory) goes to stderr.

        Across machines: `mpirun -n P fastrp embed edges.tsv -o emb.npy` (any option)
        writes the same bytes as one process. Each rank reads its byte range of the
        file, owns a contiguous block of rows balanced by stored edges, and fetches its
        halo rows from their owners before each step; ranks write their rows of a .npy
        in place (the output folder must be shared), text outputs go through rank 0.
        The timing line adds load / exchange / compute seconds and peak memory per
        rank; --metrics records bytes exchanged per step.

        Examples:
          fastrp embed graphs/karate/edges.tsv -o karate.tsv
          fastrp embed edges.tsv --dim 256 --weights 0,0,1,4 -o emb.npy --threads 4
          fastrp embed graphs/blogcatalog/edges.tsv --paper-blogcatalog -o bc.npy
          mpirun -n 4 fastrp embed edges.tsv -o emb.npy

        USAGE: fastrp embed [<options>] <edges>

        ARGUMENTS:
          <edges>                 Edge list: `src dst [weight]` per line (tab, space or
                                  comma separated; # or % comments), plain or
                                  gzip-compressed (.gz); or a PyG edge_index .npy ([2 ×
                                  E] int64).

        RUN OPTIONS:
          --seed <seed>           Seed of every random draw (the random projection):
                                  the same seed gives the same results (default: 42).
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
          --metrics <file.jsonl>  Write one record (settings, timings per step, peak
                                  memory; under mpirun per rank too) to this file as
                                  JSON Lines, each as it happens: the run's first
                                  record replaces the file, later ones are appended (a
                                  non-finite number is written as null).

        OPTIONS:
          --directed              Treat edges as directed (rows of P are
                                  out-neighbours); default: undirected, each edge
                                  symmetrised.
          --weighted              Use the third column as edge weights (default: ignore
                                  its value; it must still be a number).
          --id-mode <mode>        Node ids: integer, string or automatic. (values:
                                  integer, string, automatic; default: automatic)
          --num-nodes <n>         Number of nodes, when isolated nodes have ids above
                                  every id in the file (integer ids).
          --skip-rows <N>         Skip the first N lines of the edge list (a header);
                                  every line counts, comments too. A header above
                                  integer ids is an error until skipped. (default: 0)
          --dim <dim>             Embedding dimension. (default: 128)
          --weights <list>        Iteration weights α₁,…,α_k (comma-separated); k is
                                  their count. (default: 0,1,1)
          --normalization-strength <beta>
                                  β, exponent of the degree normalisation d^β of the
                                  initial vectors (paper: [-1, 0]). (default: 0.0)
          --sparsity <s>          s of the sparse projection (entries ±√(s/dim) with
                                  probability 1/(2s)): `sqrt` for √n, or a number ≥ 1.
                                  (default: sqrt)
          --normalize-iterations/--no-normalize-iterations
                                  L2-normalise each iteration's rows before the
                                  weighted sum. (default: --normalize-iterations)
          --standardize           Standardise each output column to mean 0, variance 1
                                  (the reference code's final step).
          --self-influence <sigma>
                                  Weight σ of each node's own normalised initial vector
                                  (Neo4j GDS nodeSelfInfluence). (default: 0.0)
          --transition <weighted-degree|degree>
                                  On weighted graphs, divide neighbour sums by the
                                  weighted degree or by the edge count (GDS). (values:
                                  weighted-degree, degree; default: weighted-degree)
          --features <file>       Node features (.npy or .mtx, one row per node in id
                                  order) mixed into the initial vectors.
          --property-ratio <ratio>
                                  Share of the dimensions given to projected features
                                  (needs --features). (default: 0.0)
          --paper-blogcatalog     The paper's BlogCatalog settings: --dim 512 --weights
                                  1,1,7.81,45.28 --normalization-strength -0.628
                                  --standardize (overrides those options).
          -o, --output <file>     Output file: .npy, .tsv or .txt (word2vec). (default:
                                  embeddings.npy)
          -h, --help              Show help information.

        """#

    static let evaluate = #"""
        OVERVIEW: Node classification with embeddings: Micro- and Macro-F1 over
        shuffles and training ratios.

        The DeepWalk / FastRP protocol: for each shuffle of the labelled nodes and each
        training ratio, one-vs-rest L2 logistic regression (liblinear's objective, bias
        regularised) is trained on the first part and each test node is given its k
        best classes, k = its true label count. Prints Micro-/Macro-F1 averaged over
        shuffles (with --quiet, only that table). EMBEDDINGS: .npy (row i = node i;
        labels use integer ids) or .tsv / .txt as written by `fastrp embed` (labels use
        the same ids), extensions in any case. Defaults are the paper's: C = 0.1, 5
        shuffles.

        To reproduce the paper's BlogCatalog numbers:
          fastrp embed graphs/blogcatalog/edges.tsv --paper-blogcatalog -o bc.npy
          fastrp evaluate --embeddings bc.npy --labels graphs/blogcatalog/labels.tsv

        USAGE: fastrp evaluate [<options>] --embeddings <file> --labels <file>

        RUN OPTIONS:
          --seed <seed>           Seed of every random draw (the shuffles of the
                                  labelled nodes): the same seed gives the same results
                                  (default: 0).
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
          --metrics <file.jsonl>  Write one record (settings and the scores of every
                                  ratio) to this file as JSON Lines, each as it
                                  happens: the run's first record replaces the file,
                                  later ones are appended (a non-finite number is
                                  written as null).

        OPTIONS:
          --embeddings <file>     Embeddings file (.npy, .tsv or .txt).
          --labels <file>         Labels: `node<TAB>class` per line; several lines per
                                  node for multi-label.
          --ratios <list>         Training ratios, comma-separated, each in (0, 1).
                                  (default: 0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9)
          --shuffles <n>          Number of shuffles of the labelled nodes; scores are
                                  averaged over them. (default: 5)
          -C, --inverse-regularization <C>
                                  C, the logistic regression's inverse regularisation
                                  strength. (default: 0.1)
          -h, --help              Show help information.

        """#

    static let linkPrediction = #"""
        OVERVIEW: Hold out edges, embed the rest, and score held-out edges against
        random pairs.

        The FastRP paper's protocol: keep a spanning tree plus random edges up to 1 −
        --hold-out of the edges, embed that graph, and report the fraction of held-out
        edges whose cosine similarity beats a random node pair's (ties count ½). The
        graph is treated as undirected.

        Example (the paper's BlogCatalog setting):
          fastrp link-prediction graphs/blogcatalog/edges.tsv --dim 512 --weights 1,0.01

        USAGE: fastrp link-prediction [<options>] <edges>

        ARGUMENTS:
          <edges>                 Edge list: `src dst [weight]` per line (tab, space or
                                  comma separated; # or % comments), plain or
                                  gzip-compressed (.gz); or a PyG edge_index .npy ([2 ×
                                  E] int64).

        RUN OPTIONS:
          --seed <seed>           Seed of every random draw (the random projection):
                                  the same seed gives the same results (default: 42).
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
          --metrics <file.jsonl>  Write one record (settings, timings per step, peak
                                  memory; under mpirun per rank too) to this file as
                                  JSON Lines, each as it happens: the run's first
                                  record replaces the file, later ones are appended (a
                                  non-finite number is written as null).

        OPTIONS:
          --directed              Treat edges as directed (rows of P are
                                  out-neighbours); default: undirected, each edge
                                  symmetrised.
          --weighted              Use the third column as edge weights (default: ignore
                                  its value; it must still be a number).
          --id-mode <mode>        Node ids: integer, string or automatic. (values:
                                  integer, string, automatic; default: automatic)
          --num-nodes <n>         Number of nodes, when isolated nodes have ids above
                                  every id in the file (integer ids).
          --skip-rows <N>         Skip the first N lines of the edge list (a header);
                                  every line counts, comments too. A header above
                                  integer ids is an error until skipped. (default: 0)
          --dim <dim>             Embedding dimension. (default: 128)
          --weights <list>        Iteration weights α₁,…,α_k (comma-separated); k is
                                  their count. (default: 0,1,1)
          --normalization-strength <beta>
                                  β, exponent of the degree normalisation d^β of the
                                  initial vectors (paper: [-1, 0]). (default: 0.0)
          --sparsity <s>          s of the sparse projection (entries ±√(s/dim) with
                                  probability 1/(2s)): `sqrt` for √n, or a number ≥ 1.
                                  (default: sqrt)
          --normalize-iterations/--no-normalize-iterations
                                  L2-normalise each iteration's rows before the
                                  weighted sum. (default: --normalize-iterations)
          --standardize           Standardise each output column to mean 0, variance 1
                                  (the reference code's final step).
          --self-influence <sigma>
                                  Weight σ of each node's own normalised initial vector
                                  (Neo4j GDS nodeSelfInfluence). (default: 0.0)
          --transition <weighted-degree|degree>
                                  On weighted graphs, divide neighbour sums by the
                                  weighted degree or by the edge count (GDS). (values:
                                  weighted-degree, degree; default: weighted-degree)
          --features <file>       Node features (.npy or .mtx, one row per node in id
                                  order) mixed into the initial vectors.
          --property-ratio <ratio>
                                  Share of the dimensions given to projected features
                                  (needs --features). (default: 0.0)
          --paper-blogcatalog     The paper's BlogCatalog settings: --dim 512 --weights
                                  1,1,7.81,45.28 --normalization-strength -0.628
                                  --standardize (overrides those options).
          --hold-out <fraction>   Share of edges held out, in (0, 1). (default: 0.3)
          --split-seed <seed>     Seed of the held-out edges and of the random pairs
                                  (--seed seeds the projection). (default: 0)
          -h, --help              Show help information.

        """#

}
