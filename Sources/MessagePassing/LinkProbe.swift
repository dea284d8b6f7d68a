import Dispatch

/// Measures what messages cost on a communicator's links as training uses them, and fits the
/// two numbers a link model needs: a fixed cost per exchange and an effective rate
/// (`gnnpipe probe-link`; issue 12).
///
/// Two patterns, each at several sizes:
/// - ``Pattern/halo``: every rank sends `bytes` to every other rank and receives as much from
///   each (one ``HaloExchange`` step, as a graph-parallel layer does). A rank's link carries
///   (P − 1) · `bytes` out and in.
/// - ``Pattern/pipeline``: rank r sends `bytes` to rank r + 1 (the last rank to none), as the
///   stages hand a chunk on.
///
/// Each repetition starts after a barrier; its time is the slowest rank's. The sample keeps
/// the median of the repetitions. ``fit(_:)`` fits seconds = overhead + 8 · linkBytes / rate
/// by least squares, where linkBytes is what one rank sends in the step.
public enum LinkProbe {
    /// Who sends to whom in one step.
    public enum Pattern: String, Sendable, CaseIterable {
        /// Every rank to every other rank.
        case halo
        /// Rank r to rank r + 1.
        case pipeline
    }

    /// One measured size.
    public struct Sample: Sendable, Equatable {
        public let pattern: Pattern
        /// Bytes of each message.
        public let messageBytes: Int
        /// Bytes the busiest rank sends in the step ((P − 1) · messageBytes for a halo step).
        public let linkBytes: Int
        /// Median over the repetitions of the slowest rank's seconds.
        public let seconds: Double

        public init(pattern: Pattern, messageBytes: Int, linkBytes: Int, seconds: Double) {
            self.pattern = pattern
            self.messageBytes = messageBytes
            self.linkBytes = linkBytes
            self.seconds = seconds
        }
    }

    /// Fixed seconds per step and bits per second of one rank's link, fitted to samples.
    public struct Fit: Sendable, Equatable {
        public let overheadSeconds: Double
        public let bitsPerSecond: Double
    }

    /// Measures `pattern` with messages of each of `messageBytes` (rounded down to whole floats,
    /// at least one), `repetitions` times each after one untimed warm-up. Every rank must call
    /// it with the same arguments; every rank gets the samples.
    /// - Throws: ``CommunicationError``.
    public static func measure(_ communicator: any Communicating, pattern: Pattern, messageBytes: [Int],
                               repetitions: Int) throws(CommunicationError) -> [Sample] {
        precondition(repetitions >= 1, "LinkProbe: at least one repetition")
        let P = communicator.size, me = communicator.rank
        let exchange = HaloExchange(communicator: communicator)
        var samples: [Sample] = []
        for bytes in messageBytes {
            let floats = max(1, bytes / 4)
            var send = [Int](repeating: 0, count: P), receive = send
            switch pattern {
            case .halo:
                for q in 0..<P where q != me {
                    send[q] = floats
                    receive[q] = floats
                }
            case .pipeline:
                if me + 1 < P { send[me + 1] = floats }
                if me > 0 { receive[me - 1] = floats }
            }
            var times: [Double] = []
            for repetition in 0...repetitions {
                try communicator.barrier()
                let start = DispatchTime.now().uptimeNanoseconds
                try exchange.exchange(width: 1, tag: 7100, sendRows: send, receiveRows: receive,
                                      pack: { _, buffer in buffer.update(repeating: 1, count: floats) },
                                      unpack: { _, _ in }, label: "probe")
                var seconds = [Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9]
                try communicator.allReduceMax(&seconds)
                if repetition > 0 { times.append(seconds[0]) }
            }
            times.sort()
            let median = times.count % 2 == 1 ? times[times.count / 2] : (times[times.count / 2 - 1] + times[times.count / 2]) / 2
            let perRank = pattern == .halo ? (P - 1) * floats * 4 : (P > 1 ? floats * 4 : 0)
            samples.append(Sample(pattern: pattern, messageBytes: floats * 4, linkBytes: perRank, seconds: median))
        }
        exchange.releaseBuffers()
        return samples
    }

    /// Least squares of seconds = overhead + 8 · linkBytes / rate, each sample weighted by
    /// 1 / seconds (between absolute error, where the largest size would set the overhead too,
    /// and relative error, where the smallest sizes would set the rate). Nil for fewer than two distinct sizes or a fit without a positive rate; a
    /// negative overhead is clamped to 0 (the rate refitted through the origin).
    public static func fit(_ samples: [Sample]) -> Fit? {
        let points = samples.filter { $0.linkBytes > 0 && $0.seconds > 0 }.map { (x: 8 * Double($0.linkBytes), y: $0.seconds) }
        guard Set(points.map(\.x)).count >= 2 else { return nil }
        var sw = 0.0, sx = 0.0, sy = 0.0, sxx = 0.0, sxy = 0.0
        for p in points {
            let w = 1 / p.y
            sw += w; sx += w * p.x; sy += w * p.y; sxx += w * p.x * p.x; sxy += w * p.x * p.y
        }
        let det = sw * sxx - sx * sx
        guard det > 0 else { return nil }
        var slope = (sw * sxy - sx * sy) / det
        var intercept = (sy - slope * sx) / sw
        if intercept < 0 {
            intercept = 0
            slope = sxy / sxx
        }
        guard slope > 0 else { return nil }
        return Fit(overheadSeconds: intercept, bitsPerSecond: 1 / slope)
    }

    /// The rate of the sample with the most bytes, all of its seconds counted as transfer
    /// (overhead 0): a lower bound on the rate, for when ``fit(_:)`` finds none because the
    /// times did not grow with size (a busy machine, or a link whose per-byte cost hides in
    /// the noise). Nil without a sample that sends bytes.
    public static func largestMessageRate(_ samples: [Sample]) -> Fit? {
        guard let largest = samples.filter({ $0.linkBytes > 0 && $0.seconds > 0 }).max(by: { $0.linkBytes < $1.linkBytes }) else {
            return nil
        }
        return Fit(overheadSeconds: 0, bitsPerSecond: 8 * Double(largest.linkBytes) / largest.seconds)
    }
}
