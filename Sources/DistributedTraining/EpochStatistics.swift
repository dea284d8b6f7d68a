import Distributed

/// What one rank did in one training epoch: traffic, time split and the analytic volume it is
/// compared with. Bytes are MPI payload (float32 rows), not counting MPI headers.
public struct RankEpochStatistics: Sendable, Equatable, Codable {
    /// This rank.
    public var rank: Int
    /// Epoch number, from 1.
    public var epoch: Int
    /// Point-to-point bytes sent by the training step (pipeline: chunk activations forward and
    /// gradients backward; graph parallel: halo rows forward and halo gradients backward).
    public var bytesSent: Int64 = 0
    /// Point-to-point bytes received by the training step.
    public var bytesReceived: Int64 = 0
    /// Bytes this rank contributed to collectives in the training step (gradient all-reduce,
    /// loss reduction), counted once at the local buffer size.
    public var collectiveBytes: Int64 = 0
    /// Point-to-point bytes sent by the evaluation forward pass (not part of training volume).
    public var evaluationBytesSent: Int64 = 0
    /// Seconds computing (forward, backward, optimizer) in the training step.
    public var computeSeconds: Double = 0
    /// Seconds blocked waiting for messages or collectives in the training step.
    public var waitSeconds: Double = 0
    /// Seconds of pipeline bubble: fill/drain steps in which this stage had no chunk (0 for
    /// graph parallelism).
    public var bubbleSeconds: Double = 0
    /// Wall seconds of the training step (forward + backward + optimizer, with communication).
    public var trainSeconds: Double = 0
    /// Wall seconds of the evaluation pass.
    public var evaluationSeconds: Double = 0
    /// This rank's peak resident memory so far, MiB (`getrusage` max RSS; 0 if not measured).
    public var peakResidentMiB: Double = 0

    /// Zeroed statistics for `rank` at `epoch`.
    public init(rank: Int, epoch: Int) {
        self.rank = rank
        self.epoch = epoch
    }
}

/// Counts a communicator's traffic over a span of work.
public struct TrafficMeter {
    private let sent: Int64
    private let received: Int64
    private let collective: Int64

    /// Starts counting from the communicator's current totals.
    public init(_ communicator: Communicator) {
        sent = communicator.bytesSent
        received = communicator.bytesReceived
        collective = communicator.collectiveBytes
    }

    /// Bytes sent, received and contributed to collectives since ``init(_:)``.
    public func delta(_ communicator: Communicator) -> (sent: Int64, received: Int64, collective: Int64) {
        (communicator.bytesSent - sent, communicator.bytesReceived - received, communicator.collectiveBytes - collective)
    }
}

/// Analytic per-epoch communication volumes (training step, forward + backward), in floats,
/// from the GNNPipe notes §3.
public enum CommunicationModel {
    /// Graph parallelism: every graph layer sends each partition's halo rows forward and their
    /// gradients backward, `2 · L · d · Σ_p |B_p|` (halo B_p = nodes outside partition p with an
    /// edge into it).
    /// - Parameters: `layerWidths` the input width of each graph layer (d per layer), `haloSizes`
    ///   |B_p| per partition.
    public static func graphParallelFloats(layerWidths: [Int], haloSizes: [Int]) -> Int64 {
        let halo = Int64(haloSizes.reduce(0, +))
        return layerWidths.reduce(Int64(0)) { $0 + 2 * Int64($1) * halo }
    }

    /// Pipeline parallelism: every stage boundary carries all N rows forward and their gradients
    /// backward, `2 · (P − 1) · N · d` with d the width crossing each boundary.
    /// - Parameter boundaryWidths: the row width crossing each of the P − 1 boundaries.
    public static func pipelineFloats(numNodes: Int, boundaryWidths: [Int]) -> Int64 {
        boundaryWidths.reduce(Int64(0)) { $0 + 2 * Int64(numNodes) * Int64($1) }
    }
}
