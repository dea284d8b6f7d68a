/// A network link between two hosts as `tc` shapes it: a rate and a one-way delay.
///
/// Rates use `tc`'s units (SI multipliers): `bit`, `kbit`, `mbit`, `gbit`, `tbit` are bits per
/// second; `bps`, `kbps`, `mbps`, `gbps` are bytes per second (e.g. `100mbit`, `1gbit`, `10gbit`).
/// Delays: `s`, `ms`, `us` (e.g. `0.1ms`). Sending `b` bytes takes `delay + 8 b / rate` seconds.
public struct LinkModel: Sendable, Equatable {
    /// Bits per second.
    public let bitsPerSecond: Double
    /// One-way delay per message, seconds.
    public let delaySeconds: Double

    public init(bitsPerSecond: Double, delaySeconds: Double = 0) {
        precondition(bitsPerSecond > 0 && delaySeconds >= 0, "LinkModel: rate must be positive, delay non-negative")
        self.bitsPerSecond = bitsPerSecond
        self.delaySeconds = delaySeconds
    }

    /// A link from `tc`-style strings.
    /// - Throws: ``DistributedTrainingError/invalidSetup(_:)`` naming what a rate or delay looks like.
    public init(rate: String, delay: String = "0ms") throws(DistributedTrainingError) {
        guard let r = Self.parse(rate, units: [("tbit", 1e12), ("gbit", 1e9), ("mbit", 1e6), ("kbit", 1e3), ("bit", 1),
                                               ("gbps", 8e9), ("mbps", 8e6), ("kbps", 8e3), ("bps", 8)]), r > 0 else {
            throw .invalidSetup("bandwidth '\(rate)': expected a positive number with a unit of tc, e.g. 100mbit, 1gbit, 10gbit")
        }
        guard let d = Self.parse(delay, units: [("ms", 1e-3), ("us", 1e-6), ("s", 1)]), d >= 0 else {
            throw .invalidSetup("delay '\(delay)': expected a number with a unit, e.g. 0.1ms, 50us")
        }
        self.init(bitsPerSecond: r, delaySeconds: d)
    }

    /// Seconds to send `bytes` in one message (0 for nothing to send).
    public func seconds(bytes: Int64) -> Double {
        bytes <= 0 ? 0 : delaySeconds + 8 * Double(bytes) / bitsPerSecond
    }

    private static func parse(_ text: String, units: [(String, Double)]) -> Double? {
        let t = text.lowercased()
        for (unit, scale) in units where t.hasSuffix(unit) {
            guard let value = Double(t.dropLast(unit.count)), value.isFinite else { return nil }
            return value * scale
        }
        return nil
    }
}
