import MessagePassing
import NeuralNet

/// Sums the gradients of parameters replicated on several ranks, so every replica takes the
/// same optimizer step: `∂W ← Σ_r ∂W_r` over a communicator, added in rank order (a
/// reduce-scatter and an all-gather of the flattened gradients, each rank sending 2 · (P − 1) / P
/// of them; see ``MessagePassing/Communicating/allReduceSum(_:)-([Float])``).
///
/// Distributed training reduces a stage's parameters over its group (graph-parallel replicas)
/// and, with GCNII over several stages, the input layers over all ranks (every stage recomputes
/// H⁰ and contributes the part of ∂W_in that its layers caused).
struct GradientReduction {
    /// The parameters, in a fixed order every rank shares.
    let parameters: [Parameter]
    /// The ranks holding a replica of each.
    let communicator: any Communicating

    /// Total number of scalars.
    var count: Int { parameters.reduce(0) { $0 + $1.count } }

    /// Replaces every gradient by its sum over the ranks (nothing to do on one rank).
    /// - Returns: the seconds spent in the all-reduce.
    func run(trace: TraceRecorder?, label: String) throws(DistributedTrainingError) -> Double {
        guard communicator.size > 1, !parameters.isEmpty else { return 0 }
        var flat: [Float] = []
        flat.reserveCapacity(count)
        for p in parameters { flat += p.gradient.values }
        let start = TraceRecorder.now()
        try communicating { () throws(CommunicationError) in try communicator.allReduceSum(&flat) }
        let end = TraceRecorder.now()
        trace?.record(label, category: "allreduce", start: start, end: end, args: ["floats": Double(flat.count)])
        var offset = 0
        for p in parameters {
            let n = p.count
            p.gradient.values.withUnsafeMutableBufferPointer { g in
                flat.withUnsafeBufferPointer { f in
                    for i in 0..<n { g[i] = f[offset + i] }
                }
            }
            offset += n
        }
        return Double(end - start) / 1e9
    }
}
