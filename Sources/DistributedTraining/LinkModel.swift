import Foundation
import MessagePassing

/// A network link between two hosts as `tc` shapes it: a rate and a one-way delay; or, with a
/// ``profile``, the seconds `gnnpipe probe-link` measured at each size.
///
/// Rates use `tc`'s units (SI multipliers): `bit`, `kbit`, `mbit`, `gbit`, `tbit` are bits per
/// second; `bps`, `kbps`, `mbps`, `gbps` are bytes per second (e.g. `100mbit`, `1gbit`, `10gbit`).
/// Delays: `s`, `ms`, `us` (e.g. `0.1ms`). Sending `b` bytes takes `delay + 8 b / rate` seconds.
public struct LinkModel: Sendable, Equatable {
    /// Bits per second.
    public let bitsPerSecond: Double
    /// One-way delay per message, seconds.
    public let delaySeconds: Double
    /// Measured seconds by size; when set, ``seconds(bytes:pattern:)`` interpolates it and
    /// the rate and delay are only its description (the largest halo step's rate, the smallest's seconds).
    public let profile: LinkProfile?

    public init(bitsPerSecond: Double, delaySeconds: Double = 0) {
        precondition(bitsPerSecond > 0 && delaySeconds >= 0, "LinkModel: rate must be positive, delay non-negative")
        self.bitsPerSecond = bitsPerSecond
        self.delaySeconds = delaySeconds
        self.profile = nil
    }

    /// A link whose costs are `profile`'s interpolated measurements.
    public init(profile: LinkProfile) {
        let halo = profile.samples.filter { $0.pattern == .halo }
        let largest = halo.max { $0.linkBytes < $1.linkBytes }!, smallest = halo.min { $0.linkBytes < $1.linkBytes }!
        self.bitsPerSecond = 8 * Double(largest.linkBytes) / largest.seconds
        self.delaySeconds = smallest.seconds
        self.profile = profile
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

    /// Seconds of a step in which one rank sends `bytes` (0 for nothing to send): `delay + 8 bytes / rate`,
    /// or the profile's measured step of `pattern` (a halo exchange or all-reduce step: ``/MessagePassing/LinkProbe/Pattern/halo``;
    /// a stage's message to the next: ``/MessagePassing/LinkProbe/Pattern/pipeline``).
    public func seconds(bytes: Int64, pattern: LinkProbe.Pattern = .halo) -> Double {
        if let profile { return profile.seconds(bytes: bytes, pattern: pattern) }
        return bytes <= 0 ? 0 : delaySeconds + 8 * Double(bytes) / bitsPerSecond
    }

    /// `bitsPerSecond` as a rate ``init(rate:delay:)`` reads back: whole `mbit` from 1 Mbit/s up,
    /// else whole `kbit` (at least `1kbit`), so a slow link never prints as `0mbit`.
    public static func tcRate(bitsPerSecond: Double) -> String {
        bitsPerSecond >= 1e6 ? String(format: "%.0fmbit", bitsPerSecond / 1e6) : String(format: "%.0fkbit", max(1, bitsPerSecond / 1e3))
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
