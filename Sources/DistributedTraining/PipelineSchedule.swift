import DenseMath

/// The fill/drain (GPipe) schedule of one epoch, as data: which chunk each stage runs at each
/// tick, forward and backward, and where the bubbles are (GNNPipe notes §2.3). No messages:
/// stages follow it by waiting for their inputs, and the trace and `gnnpipe partition` show it.
///
/// With S stages and the chunk order `o₀ … o_{C−1}`:
/// ```
/// forward  of position i on stage s:  tick s + i
/// backward of position i on stage s:  tick (C + S − 1) + (S − 1 − s) + (C − 1 − i)
/// ```
/// so each stage works 2C of the 2(C + S − 1) ticks and idles 2(S − 1): the bubble fraction is
/// (S − 1) / (C + S − 1), e.g. 3/19 = 15.8 % for S = 4, C = 16.
public struct PipelineSchedule: Sendable, Equatable {
    /// Forward or backward.
    public enum Phase: String, Sendable, Equatable { case forward, backward }

    /// One step of one stage.
    public struct Step: Sendable, Equatable {
        /// Forward or backward.
        public let phase: Phase
        /// The chunk.
        public let chunk: Int
        /// Its position in the epoch's order.
        public let position: Int
        /// The tick it runs at.
        public let tick: Int
        /// Idle ticks since this stage's previous step (or the epoch's start): the fill bubble
        /// before a stage's first forward step, the drain bubble before its first backward step.
        public let bubbleBefore: Int
    }

    /// Number of stages S.
    public let stages: Int
    /// The epoch's chunk order.
    public let order: [Int]

    /// The schedule of `stages` stages over chunks in `order`.
    /// - Precondition: `stages ≥ 1`, `order` non-empty.
    public init(stages: Int, order: [Int]) {
        precondition(stages >= 1 && !order.isEmpty, "PipelineSchedule needs a stage and a chunk")
        self.stages = stages
        self.order = order
    }

    /// Number of chunks C.
    public var chunks: Int { order.count }
    /// Ticks in an epoch, 2(C + S − 1).
    public var ticks: Int { 2 * (chunks + stages - 1) }
    /// Share of a stage's ticks spent idle, (S − 1) / (C + S − 1).
    public var bubbleFraction: Double { Double(stages - 1) / Double(chunks + stages - 1) }

    /// Stage `s`'s steps in the order it runs them: forward positions 0 … C−1, then backward
    /// positions C−1 … 0.
    public func steps(stage s: Int) -> [Step] {
        precondition(s >= 0 && s < stages, "stage \(s) outside 0..<\(stages)")
        var out: [Step] = []
        out.reserveCapacity(2 * chunks)
        var previous = -1
        func add(_ phase: Phase, _ i: Int, _ tick: Int) {
            out.append(Step(phase: phase, chunk: order[i], position: i, tick: tick, bubbleBefore: tick - previous - 1))
            previous = tick
        }
        for i in 0..<chunks { add(.forward, i, s + i) }
        for i in stride(from: chunks - 1, through: 0, by: -1) {
            add(.backward, i, (chunks + stages - 1) + (stages - 1 - s) + (chunks - 1 - i))
        }
        return out
    }

    /// The schedule as a grid, one line per stage and one column per tick: `F3` = forward of
    /// chunk 3, `B3` = its backward, `·` = bubble.
    public func rendered() -> String {
        let width = max(2, String(order.max() ?? 0).count + 1)
        var lines: [String] = []
        for s in 0..<stages {
            var cells = [String](repeating: "·".padding(toLength: width, withPad: " ", startingAt: 0), count: ticks)
            for step in steps(stage: s) {
                cells[step.tick] = ((step.phase == .forward ? "F" : "B") + String(step.chunk))
                    .padding(toLength: width, withPad: " ", startingAt: 0)
            }
            var line = "stage \(s)  " + cells.joined(separator: " ")
            while line.last == " " { line.removeLast() }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    /// The chunk order of epoch `epoch`: `0, 1, …, C−1`, or with `shuffled` a Fisher–Yates
    /// permutation drawn from `SplitMix64(mix(seed ^ 0x5C4ED0C5), stream: epoch)`, the same on
    /// every rank.
    public static func chunkOrder(epoch: Int, chunks: Int, shuffled: Bool, seed: UInt64) -> [Int] {
        var order = Array(0..<chunks)
        guard shuffled, chunks > 1 else { return order }
        var rng = SplitMix64(seed: SplitMix64.mix(seed ^ 0x5C4E_D0C5), stream: UInt64(epoch))
        for i in stride(from: chunks - 1, to: 0, by: -1) {
            order.swapAt(i, rng.nextInt(below: i + 1))
        }
        return order
    }
}
