import ArgumentParser

extension SingleValueParsingStrategy {
    /// For numeric options: the word after the option is its value even when it starts with `-`,
    /// so `--epochs -3` reaches the command's `validate()` ("--epochs must be at least 1, got -3")
    /// instead of being read as an option name ("Missing value for '--epochs'").
    ///
    /// The same as `.unconditional`: an option name that follows is taken as the value and
    /// rejected as a number (`--epochs --seed 3` → "The value '--seed' is invalid for '--epochs'").
    ///
    /// ```swift
    /// @Option(parsing: .signedNumber, help: "Last epoch.") var epochs = 200
    /// ```
    public static var signedNumber: SingleValueParsingStrategy { .unconditional }
}

/// A training run whose loss stopped being a number: it ends with an error (exit 1) instead of
/// training on with NaN weights and reporting success. The epochs before it stay printed and
/// in the metrics file; the caller throws before saving the diverged weights.
public enum Divergence {
    /// Throws when `loss` (the training loss of `epoch`, or `which` loss) is NaN or infinite.
    /// - Parameter learningRate: the `--lr` value of the run, named in the hint.
    public static func check(loss: Double, epoch: Int, learningRate: Float, which: String = "training") throws {
        guard !loss.isFinite else { return }
        let value = loss.isNaN ? "NaN" : "infinite"
        throw CommandFailure("the \(which) loss became \(value) at epoch \(epoch): training diverged (lower --lr, now \(learningRate))")
    }
}
