import RealModule

/// SplitMix64 pseudo-random generator (Steele, Lea & Flood, OOPSLA 2014).
///
/// Floats are derived from the generator's bits here rather than through the standard library's
/// `random(in:using:)`, whose algorithm may change between Swift releases. Use
/// ``SplitMix64/init(seed:stream:)`` to derive an independent stream per node, so results do not
/// depend on thread, chunk or rank count.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    @usableFromInline var state: UInt64

    /// A generator starting from `seed`.
    public init(seed: UInt64) { state = seed }

    /// A generator for stream `stream` (for example a node id) under `seed`.
    /// The two are mixed so that nearby streams give unrelated sequences.
    public init(seed: UInt64, stream: UInt64) {
        state = SplitMix64.mix(seed &+ SplitMix64.mix(stream &+ 0x632B_E59B_D9B4_E019))
    }

    /// The SplitMix64 finaliser: a bijective 64-bit mix.
    @inlinable
    public static func mix(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The next 64 random bits.
    @inlinable
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return SplitMix64.mix(state)
    }

    /// A uniform `Float` in `[0, 1)` from the top 24 bits.
    @inlinable
    public mutating func nextUnitFloat() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// A uniform `Double` in `[0, 1)` from the top 53 bits.
    @inlinable
    public mutating func nextUnitDouble() -> Double {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// A uniform integer in `0..<bound` (Lemire's multiply-shift with rejection).
    @inlinable
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "bound must be positive")
        let b = UInt64(bound)
        while true {
            let r = next()
            let (hi, lo) = r.multipliedFullWidth(by: b)
            if lo >= (0 &- b) % b { return Int(hi) }
        }
    }

    /// A standard normal sample (Box–Muller on two uniforms).
    public mutating func nextGaussian() -> Float {
        let u1 = max(nextUnitDouble(), Double.leastNonzeroMagnitude)
        let u2 = nextUnitDouble()
        return Float((-2 * Double.log(u1)).squareRoot() * Double.cos(2 * Double.pi * u2))
    }
}

