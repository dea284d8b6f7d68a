import CLISupport
import DenseMath

/// Stops before writing embeddings that overflowed Float32 (huge `--weights` or edge weights):
/// NaN or ±∞ in the output would be written silently otherwise.
func refuseNonFinite(_ embeddings: Matrix) throws {
    let bad = embeddings.values.reduce(0) { $0 + ($1.isFinite ? 0 : 1) }
    guard bad > 0 else { return }
    throw CommandFailure("the embeddings overflow Float32 (\(bad) of \(embeddings.values.count) values are NaN or infinite); "
                         + "use smaller --weights or divide the edge weights by a common factor (nothing written)")
}
