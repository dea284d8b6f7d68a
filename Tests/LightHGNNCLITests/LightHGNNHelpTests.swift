import ArgumentParser
import Testing
import TestSupport
@testable import lighthgnn

/// The `--help` of every `lighthgnn` command at 80 columns against the text a user reads (GoldenText).
/// A changed option changes one of them: update it from the text the failing test prints, and
/// read it as a user would (does it say the unit, the default, an example?).
@Suite("lighthgnn --help")
struct LightHGNNHelpTests {
    @Test("lighthgnn --help") func root() {
        #expect(GoldenText.helpDifference(LightHGNNCommand.self, LightHGNNCommand.self, expected: Self.root) == nil)
    }

    @Test("lighthgnn train --help") func train() {
        #expect(GoldenText.helpDifference(LightHGNNCommand.self, Train.self, expected: Self.train) == nil)
    }

    @Test("lighthgnn predict --help") func predict() {
        #expect(GoldenText.helpDifference(LightHGNNCommand.self, Predict.self, expected: Self.predict) == nil)
    }

    /// `lighthgnn --generate-completion-script bash|zsh|fish` writes scripts that name every
    /// subcommand, and the bash one completes in bash (ShellCompletion).
    @Test func shellCompletionScripts() throws {
        let problems = try ShellCompletion.problems(tool: "lighthgnn", subcommands: ["train", "predict"])
        #expect(problems.isEmpty, "\(problems)")
        #expect(try ShellCompletion.bash("lighthgnn", ["train", "--log-level", ""])
                == ["trace", "debug", "info", "notice", "warning", "error", "critical"])
    }

    static let root = #"""
        OVERVIEW: Distil an HGNN teacher into an MLP student that needs no hypergraph
        at inference.

        Examples:
          lighthgnn train graphs/cocitation-cora --student light+
          lighthgnn train graphs/coauthorship-cora --student light --metrics run.jsonl
          lighthgnn train graphs/cocitation-cora --seed 0 --save model/
          lighthgnn predict --model model/ --features features.mtx -o pred.npy

        Every command that reads a graph or dataset takes it as the first argument, and
        the run options (--seed, --threads, -q/--quiet, --log-level, --metrics) are
        spelt and mean the same in every command that takes them: -q and --log-level in
        every command that prints more than its results, the others where they apply
        (RUN OPTIONS in each command's help; the README has the table). Shell
        completion: `lighthgnn --generate-completion-script bash` (or zsh, fish); the
        README says where to put it.

        USAGE: lighthgnn <subcommand>

        OPTIONS:
          -h, --help              Show help information.

        SUBCOMMANDS:
          train                   Train the HGNN teacher, a plain MLP and the
                                  LightHGNN/LightHGNN+ student; report test scores over
                                  seeds.
          predict                 Classify vertices with a saved student MLP from their
                                  features alone (no hypergraph).

          See 'lighthgnn help <subcommand>' for detailed help.
        """#

    static let train = #"""
        OVERVIEW: Train the HGNN teacher, a plain MLP and the LightHGNN/LightHGNN+
        student; report test scores over seeds.

        DATASET is a folder with hyperedges.tsv (one hyperedge per line, tab-separated
        0-based vertex ids) or edges.tsv (an ordinary graph: each vertex's closed 1-hop
        neighbourhood and each edge become hyperedges), features.mtx or features.npy,
        and labels.tsv. As in DHG, identical hyperedges are merged and vertices in no
        hyperedge get a singleton hyperedge (--keep-duplicates, --no-singletons turn
        this off); feature rows are L1-normalised.

        Split: per seed, 20 training and 100 validation vertices per class, the rest
        test. Each model trains 200 full-batch epochs with Adam (lr 0.01, L2 5e-4) and
        keeps its best-validation epoch. The student's loss is λ·CE + (1−λ)·KD with λ =
        0 by default; LightHGNN+ adds the hyperedge-level soft-label loss on hyperedges
        sampled by reliability each epoch.

        --kd-loss reference (default) is the reference code's loss (teacher
        probabilities passed as log-probabilities, a flattened soft target); true-kl is
        the textbook KL(p_t ‖ p_s)·T². The default is the loss behind the published
        numbers; on the two Cora hypergraphs the two losses differ by less than one
        standard deviation (BENCHMARKS.md).

        --setting production holds 90% of the test vertices out of the teacher's
        hypergraph and the student's training rows; scores are given for the observed
        test vertices (trans), the held-out ones (ind) and all test vertices (prod).

        --save DIR writes the student of the first seed (DIR/student.ckpt) with its
        training-time class predictions (DIR/predictions.npy, int32) and logits
        (DIR/logits.npy) for every vertex.

        Examples:
          lighthgnn train graphs/cocitation-cora --student light+
          lighthgnn train graphs/coauthorship-cora --seeds 0-9 --metrics run.jsonl
          lighthgnn train graphs/cocitation-cora --seed 0 --save model/

        USAGE: lighthgnn train [<options>] <dataset>

        ARGUMENTS:
          <dataset>               Dataset folder: hyperedges.tsv (or edges.tsv, a
                                  graph), features.mtx or features.npy, labels.tsv
                                  (each may be .gz). (--dataset PATH, the older
                                  spelling, is accepted too.)

        RUN OPTIONS:
          --seed <seed>           Seed of every random draw (split, weights, dropout,
                                  noise and sampling of one run): the same seed gives
                                  the same results (default: --seeds 0-4).
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
          --metrics <file.jsonl>  Write one record per epoch of each model (seed,
                                  model, epoch, loss, val_accuracy, best, seconds), one
                                  per seed and model with its scores, then a summary
                                  record to this file as JSON Lines, each as it
                                  happens: the run's first record replaces the file,
                                  later ones are appended (a non-finite number is
                                  written as null).

        OPTIONS:
          --skip-rows <N>         Skip the first N lines of the edge list (a header);
                                  every line counts, comments too. A header above
                                  integer ids is an error until skipped. (default: 0)
          --student <student>     Student: light (LightHGNN) or light+ (LightHGNN+).
                                  (values: light, light+; default: light+)
          --teacher <teacher>     Teacher: hgnn. (values: hgnn; default: hgnn)
          --setting <setting>     Setting: transductive or production. (values:
                                  transductive, production; default: transductive)
          --seeds <list>          Seeds as a range or list, e.g. 0-4 or 0,3,7: each
                                  trains all three models; scores are mean ± std over
                                  them (default 0-4; --seed N is one seed).
          --epochs <epochs>       Epochs per model. (default: 200)
          --lr <lr>               Adam learning rate. (default: 0.01)
          --weight-decay <weight-decay>
                                  Adam L2 weight decay. (default: 0.0005)
          --dropout <dropout>     Dropout of teacher and student. (default: 0.5)
          --teacher-hidden <teacher-hidden>
                                  Teacher hidden width. (default: 32)
          --student-hidden <student-hidden>
                                  Student and MLP hidden width. (default: 128)
          --kd-loss <kd-loss>     KD loss: reference or true-kl. (values: reference,
                                  true-kl; default: reference)
          --lambda <lambda>       λ, the weight of the label loss in the student's
                                  loss. (default: 0.0)
          --tau <tau>             τ of the hyperedge soft-label loss (LightHGNN+).
                                  (default: 1.0)
          --temperature <temperature>
                                  Temperature T of the true-kl vertex loss. (default:
                                  1.0)
          --noise-level <noise-level>
                                  Feature-noise level ℓ of the hyperedge reliability
                                  (LightHGNN+). (default: 1.0)
          --train-per-class <train-per-class>
                                  Training vertices per class. (default: 20)
          --val-per-class <val-per-class>
                                  Validation vertices per class. (default: 100)
          --feature-normalization <feature-normalization>
                                  Feature preprocessing: l1 (row L1 norm) or none.
                                  (values: l1, none; default: l1)
          --keep-duplicates       Keep identical hyperedges as separate hyperedges.
          --no-singletons         Do not give vertices in no hyperedge a singleton
                                  hyperedge.
          --save <dir>            Save the first seed's student here (folder, created
                                  if missing).
          -h, --help              Show help information.

        """#

    static let predict = #"""
        OVERVIEW: Classify vertices with a saved student MLP from their features alone
        (no hypergraph).

        FEATURES is a .npy (float32/float64, [vertices × dim]) or Matrix Market .mtx
        file with the dimension the model was trained on; rows are L1-normalised when
        the model was. Writes the predicted class of every row as int32 .npy (and, with
        --logits, the logits as float32 .npy), each written to a temporary file and
        renamed.

        Example:
          lighthgnn predict --model model/ --features features.mtx -o pred.npy

        USAGE: lighthgnn predict [<options>] --model <dir> --features <file> -o <file>

        RUN OPTIONS:
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
          --model <dir>           Model folder written by `lighthgnn train --save`.
          --features <file>       Feature file (.npy or .mtx).
          -o, --output <file.npy> Output class predictions (.npy).
          --logits <file.npy>     Also write the logits (.npy).
          -h, --help              Show help information.

        """#

}
