import MessagePassing
import Testing

/// `gnnpipe probe-link`'s measurement and fit (``LinkProbe``).
@Suite struct LinkProbeTests {
    static func sample(_ linkBytes: Int, _ seconds: Double) -> LinkProbe.Sample {
        LinkProbe.Sample(pattern: .halo, messageBytes: linkBytes, linkBytes: linkBytes, seconds: seconds)
    }

    /// Samples on a line give back its overhead and rate exactly.
    @Test(arguments: [(0.002, 1e9), (0.0001, 8.5e8), (0, 1e8), (0.05, 3.7e9)])
    func fitRecoversALine(_ line: (overhead: Double, rate: Double)) throws {
        let samples = [1 << 10, 1 << 14, 1 << 18, 1 << 21, 1 << 24].map { Self.sample($0, line.overhead + 8 * Double($0) / line.rate) }
        let fit = try #require(LinkProbe.fit(samples))
        #expect(abs(fit.overheadSeconds - line.overhead) < 1e-9)
        #expect(abs(fit.bitsPerSecond / line.rate - 1) < 1e-9)
    }

    /// A fit whose intercept would be negative is refitted through the origin; too few sizes give nil.
    @Test func negativeOverheadIsClampedAndOneSizeIsNoFit() throws {
        let fit = try #require(LinkProbe.fit([Self.sample(1000, 0.0001), Self.sample(2000, 0.0003)]))
        #expect(fit.overheadSeconds == 0)
        // Through the origin with weights 1/y: slope = Σ x / Σ x²/y.
        let slope = (8000.0 + 16000.0) / (8000.0 * 8000.0 / 0.0001 + 16000.0 * 16000.0 / 0.0003)
        #expect(abs(fit.bitsPerSecond * slope - 1) < 1e-12)
        #expect(LinkProbe.fit([Self.sample(1000, 0.001), Self.sample(1000, 0.002)]) == nil)
        #expect(LinkProbe.fit([]) == nil)
    }

    /// Times that do not grow with size give no fit; the largest message's rate is the fallback.
    @Test func shrinkingTimesFallBackToTheLargestMessage() throws {
        let samples = [Self.sample(1 << 10, 0.004), Self.sample(1 << 16, 0.001), Self.sample(1 << 20, 0.0005)]
        #expect(LinkProbe.fit(samples) == nil)
        let bound = try #require(LinkProbe.largestMessageRate(samples))
        #expect(bound.overheadSeconds == 0)
        #expect(bound.bitsPerSecond == 8 * Double(1 << 20) / 0.0005)
        #expect(LinkProbe.largestMessageRate([]) == nil)
        #expect(LinkProbe.largestMessageRate([Self.sample(0, 0.001)]) == nil)
    }

    /// On P in-process ranks: one sample per size, with the bytes a rank sends in the step.
    @Test func measureCountsTheBytesOfEachPattern() throws {
        let results = try InProcessCommunicatorTests.all(3) { comm in
            (try LinkProbe.measure(comm, pattern: .halo, messageBytes: [6, 4096], repetitions: 3),
             try LinkProbe.measure(comm, pattern: .pipeline, messageBytes: [4096], repetitions: 1))
        }
        for (halo, pipeline) in results {
            #expect(halo.map(\.messageBytes) == [4, 4096])
            #expect(halo.map(\.linkBytes) == [8, 2 * 4096])
            #expect(pipeline.map(\.linkBytes) == [4096])
            #expect((halo + pipeline).allSatisfy { $0.seconds > 0 })
        }
        // Every rank reports the same slowest-rank times.
        #expect(Set(results.map { $0.0.map(\.seconds) }).count == 1)
    }
}
