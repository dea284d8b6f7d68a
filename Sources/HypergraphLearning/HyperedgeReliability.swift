import DenseMath
import Foundation
import GraphKernels
import NeuralNet

/// LightHGNN+'s hyperedge reliability (Feng et al., ICLR 2024, §4.2; reference
/// `HighOrderConstraint`): how stable the teacher's predictions on a hyperedge stay when the
/// features are perturbed.
///
/// ```
/// H_v  = −Σ_c p_vc log p_vc                      p = softmax(teacher(X, L)), 0·log 0 = 0
/// H_e  = v2e(H, mean)
/// X̃    = ℓ · X ⊙ (1 + ε),  ε ~ N(0, 1) per entry  (zeros stay zero)
/// δ_e  = |H̃_e − H_e|,      ρ_e = 1 − δ_e / max_e δ_e
/// ```
/// Each epoch keeps hyperedge e with probability ρ_e (``sample(epoch:)``). The least stable
/// hyperedge has ρ = 0. When every δ is 0 the reference divides by zero; here every ρ is 1.
public struct HyperedgeReliability: Sendable {
    /// δ_e, `[numHyperedges]`.
    public let entropyChange: [Float]
    /// ρ_e in [0, 1], `[numHyperedges]`.
    public let reliability: [Float]
    /// Seed of the per-epoch Bernoulli draws.
    public let samplingSeed: UInt64

    /// Reliabilities from given δ values (for tests and custom scores).
    public init(entropyChange: [Float], samplingSeed: UInt64) {
        self.entropyChange = entropyChange
        let top = entropyChange.max() ?? 0
        reliability = entropyChange.map { top > 0 ? 1 - $0 / top : 1 }
        self.samplingSeed = samplingSeed
    }

    /// Scores every hyperedge of the context's hypergraph with the trained `teacher` in
    /// evaluation mode.
    /// - Parameters:
    ///   - teacher: the trained HGNN teacher.
    ///   - features: `[numVertices × inputDim]`, the teacher's input.
    ///   - op: the teacher's propagation operator L_HGNN.
    ///   - mean: v2e of the same hypergraph.
    ///   - noiseLevel: ℓ (reference `hc_noise_level`, default 1).
    ///   - seed: seeds ε (per vertex stream) and the per-epoch sampling.
    ///   - threads: worker threads; the result does not depend on it.
    public init(teacher: HGNNTeacher, features: NodeFeatures, operator op: HGNNOperator, mean: HyperedgeMean,
                noiseLevel: Float = 1, seed: UInt64, threads: Int = 1) {
        let context = HypergraphContext(operator: op, isTraining: false, threads: threads)
        let clean = Self.hyperedgeEntropy(teacher.forward(features, context: context), mean: mean)
        let x = features.dense
        var noisy = Matrix(rows: x.rows, cols: x.cols)
        let noiseSeed = SplitMix64.mix(seed ^ 0x4E01_5E00)
        for i in 0..<x.rows {
            var rng = SplitMix64(seed: noiseSeed, stream: UInt64(i))
            for j in 0..<x.cols {
                let eps = rng.nextGaussian()
                let k = i * x.cols + j
                noisy.values[k] = noiseLevel * x.values[k] * (1 + eps)
            }
        }
        let perturbed = Self.hyperedgeEntropy(teacher.forward(NodeFeatures(noisy), context: context), mean: mean)
        self.init(entropyChange: zip(perturbed, clean).map { abs($0 - $1) }, samplingSeed: SplitMix64.mix(seed ^ 0x5A3B))
    }

    /// H_e = mean over members of the vertex entropies of softmax(`logits`), `[numHyperedges]`.
    public static func hyperedgeEntropy(_ logits: Matrix, mean: HyperedgeMean) -> [Float] {
        let p = Distillation.softmax(logits)
        var h = Matrix(rows: p.rows, cols: 1)
        for v in 0..<p.rows {
            var s = 0.0
            for j in 0..<p.cols {
                let q = Double(p[v, j])
                if q > 0 { s -= q * Foundation.log(q) }
            }
            h.values[v] = Float(s)
        }
        return mean.apply(h).values
    }

    /// The hyperedges kept in `epoch`: e is kept when a uniform draw is below ρ_e. The draws
    /// depend only on (seed, epoch), in hyperedge order.
    public func sample(epoch: Int) -> [Int] {
        var rng = SplitMix64(seed: samplingSeed, stream: UInt64(truncatingIfNeeded: epoch))
        var kept: [Int] = []
        kept.reserveCapacity(reliability.count)
        for (e, r) in reliability.enumerated() where rng.nextUnitFloat() < r { kept.append(e) }
        return kept
    }
}
