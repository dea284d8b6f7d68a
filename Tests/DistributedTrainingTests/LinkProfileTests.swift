import DenseMath
import DistributedTraining
import Foundation
import MessagePassing
import Testing
import TestSupport

/// `gnnpipe plan --link-profile` (``LinkProfile``): the interpolation against a slow reference,
/// by hand, on a line; the file round trip and its errors; the planner routes halo and pipeline
/// steps to their own curves.
@Suite struct LinkProfileTests {
    static func sample(_ pattern: LinkProbe.Pattern, _ bytes: Int, _ seconds: Double) -> LinkProbe.Sample {
        LinkProbe.Sample(pattern: pattern, messageBytes: bytes, linkBytes: bytes, seconds: seconds)
    }

    static func profile(halo: [(Int, Double)], pipeline: [(Int, Double)]) throws -> LinkProfile {
        try LinkProfile(ranks: 4, hosts: 4, repetitions: 3,
                        samples: halo.map { sample(.halo, $0.0, $0.1) } + pipeline.map { sample(.pipeline, $0.0, $0.1) })
    }

    /// The documented rule written out point by point: running maximum over the sorted sizes,
    /// then the first segment that holds x (scanned from the start).
    static func reference(_ points: [(Int, Double)], _ bytes: Int64) -> Double {
        if bytes <= 0 { return 0 }
        let sorted = points.sorted { ($0.0, $0.1) < ($1.0, $1.1) }
        var xs: [Double] = [], ys: [Double] = []
        var running = 0.0
        for (b, s) in sorted {
            running = max(running, s)
            if let last = xs.last, last == Double(b) { ys[ys.count - 1] = running } else { xs.append(Double(b)); ys.append(running) }
        }
        let x = Double(bytes)
        if x <= xs[0] { return ys[0] }
        for i in 1..<xs.count where x <= xs[i] {
            return ys[i - 1] + (ys[i] - ys[i - 1]) * (x - xs[i - 1]) / (xs[i] - xs[i - 1])
        }
        let n = xs.count - 1
        let slope = n >= 1 && ys[n] > ys[n - 1] ? (ys[n] - ys[n - 1]) / (xs[n] - xs[n - 1]) : ys[n] / xs[n]
        return ys[n] + (x - xs[n]) * slope
    }

    @Test(arguments: 1...20)
    func interpolationMatchesTheReference(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        let count = Int.random(in: 1...7, using: &rng)
        // Sizes may repeat and times may fall with size (noise): both are in the rule.
        let points = (0..<count).map { _ in (Int.random(in: 1...(1 << 24), using: &rng), Double.random(in: 1e-6...0.2, using: &rng)) }
        let profile = try Self.profile(halo: points, pipeline: [(1, 1)])
        var queries: [Int64] = [0, -5, 1, 1 << 26] + points.map { Int64($0.0) } + points.map { Int64($0.0) + 1 }
        for _ in 0..<200 { queries.append(Int64.random(in: 1...(1 << 26), using: &rng)) }
        for q in queries {
            let want = Self.reference(points, q), got = profile.seconds(bytes: q, pattern: .halo)
            #expect(abs(got - want) <= 1e-12 * max(1, abs(want)), "bytes \(q): \(got) vs \(want); points \(points)")
        }
    }

    @Test func byHand() throws {
        // Halo: 1 KiB 1 ms, 2 KiB 3 ms, 4 KiB 2 ms (noise: taken as 3 ms), 8 KiB 7 ms.
        let p = try Self.profile(halo: [(1024, 0.001), (2048, 0.003), (4096, 0.002), (8192, 0.007)], pipeline: [(1000, 0.5)])
        #expect(p.seconds(bytes: 0, pattern: .halo) == 0)
        #expect(p.seconds(bytes: 10, pattern: .halo) == 0.001)
        #expect(abs(p.seconds(bytes: 1536, pattern: .halo) - 0.002) < 1e-15)
        #expect(abs(p.seconds(bytes: 3000, pattern: .halo) - 0.003) < 1e-15)
        #expect(abs(p.seconds(bytes: 6144, pattern: .halo) - 0.005) < 1e-15)
        // Beyond the largest: the last segment's rate, 4 ms per 4 KiB.
        #expect(abs(p.seconds(bytes: 12288, pattern: .halo) - 0.011) < 1e-15)
        // One pipeline sample: constant up to it, then its average rate.
        #expect(p.seconds(bytes: 1, pattern: .pipeline) == 0.5)
        #expect(abs(p.seconds(bytes: 3000, pattern: .pipeline) - 1.5) < 1e-12)
    }

    /// Samples on a line, the smallest at 1 byte: the profile is the line at every size.
    @Test func aLineIsReproduced() throws {
        let line = LinkModel(bitsPerSecond: 8.5e8, delaySeconds: 2e-4)
        let sizes = [1, 1 << 10, 1 << 16, 1 << 20, 1 << 24]
        let points = sizes.map { ($0, line.seconds(bytes: Int64($0))) }
        let profile = try Self.profile(halo: points, pipeline: points)
        for bytes: Int64 in [1, 700, 5000, 123_456, 1 << 22, 1 << 28] {
            for pattern in LinkProbe.Pattern.allCases {
                #expect(abs(profile.seconds(bytes: bytes, pattern: pattern) / line.seconds(bytes: bytes) - 1) < 1e-9)
            }
        }
    }

    @Test func fileRoundTrips() throws {
        // As probe-link measures on 4 ranks: a halo step sends its message to each of 3 peers.
        let profile = try LinkProfile(ranks: 4, hosts: 4, repetitions: 3, samples: [
            LinkProbe.Sample(pattern: .halo, messageBytes: 1024, linkBytes: 3072, seconds: 4.1e-4),
            LinkProbe.Sample(pattern: .halo, messageBytes: 1 << 20, linkBytes: 3 << 20, seconds: 0.031),
            Self.sample(.pipeline, 1024, 1e-5), Self.sample(.pipeline, 1 << 20, 0.0123456789),
        ])
        let path = try CommandRunner.temporaryDirectory().appendingPathComponent("link.json").path
        try Data(profile.jsonText().utf8).write(to: URL(fileURLWithPath: path))
        #expect(try LinkProfile.read(path: path) == profile)
    }

    @Test(arguments: [
        ("not json", "expected the JSON that gnnpipe probe-link -o writes"),
        (#"{"format": "gnnpipe link profile", "version": 1, "ranks": 2, "hosts": 1, "repetitions": 1}"#, "samples is missing"),
        (#"{"format": "other", "version": 1, "ranks": 2, "hosts": 1, "repetitions": 1, "samples": []}"#, #"format is "other""#),
        (#"{"format": "gnnpipe link profile", "version": 2, "ranks": 2, "hosts": 1, "repetitions": 1, "samples": []}"#, "version 2; this build reads version 1"),
        (#"{"format": "gnnpipe link profile", "version": 1, "ranks": 2, "hosts": 1, "repetitions": 1, "samples": [{"pattern": "ring", "message_bytes": 4, "link_bytes": 4, "seconds": 1}]}"#,
         #"sample 1: pattern "ring""#),
        (#"{"format": "gnnpipe link profile", "version": 1, "ranks": 2, "hosts": 1, "repetitions": 1, "samples": [{"pattern": "halo", "message_bytes": 4, "link_bytes": 4, "seconds": 1}]}"#,
         "needs at least one pipeline sample"),
        (#"{"format": "gnnpipe link profile", "version": 1, "ranks": 2, "hosts": 1, "repetitions": 1, "samples": [{"pattern": "halo", "message_bytes": 4, "link_bytes": 4, "seconds": -1}]}"#,
         "sample 1: seconds -1; expected a measured step from 1e-09 to 86400 seconds"),
        (#"{"format": "gnnpipe link profile", "version": 1, "ranks": 2, "hosts": 1, "repetitions": 1, "samples": [{"pattern": "halo", "message_bytes": "4", "link_bytes": 4, "seconds": 1}]}"#,
         "sample 1: message_bytes has the wrong type"),
        (#"{"format": "gnnpipe link profile", "version": 1, "ranks": 2, "hosts": 1, "repetitions": 1, "samples": [{"pattern": "halo", "message_bytes": 4, "link_bytes": 3072.5, "seconds": 1}]}"#,
         "sample 1: link_bytes is 3072.5; expected a whole number"),
        (#"{"format": "gnnpipe link profile", "version": 1, "ranks": 2, "hosts": 1, "repetitions": 1, "samples": [{"pattern": "halo", "message_bytes": 4, "link_bytes": 1e30, "seconds": 1}]}"#,
         "sample 1: link_bytes is 1e+30; expected a whole number"),
        (#"{"format": "gnnpipe link profile", "version": 1, "ranks": 4, "hosts": 1, "repetitions": 1, "samples": [{"pattern": "halo", "message_bytes": 1024, "link_bytes": 1024, "seconds": 1}]}"#,
         "sample 1: link_bytes 1024 of a halo step of 1024-byte messages on 4 ranks; expected 3072"),
        (#"{"format": "gnnpipe link profile", "version": 1, "ranks": 2, "hosts": 1, "repetitions": 1, "samples": [{"pattern": "halo", "message_bytes": 4, "link_bytes": 4, "seconds": 1e300}]}"#,
         "sample 1: seconds 1e+300; expected a measured step from 1e-09 to 86400 seconds"),
        (#"{"format": "gnnpipe link profile", "version": 1, "ranks": 2, "hosts": 4, "repetitions": 1, "samples": []}"#,
         "hosts is 4; expected a whole number from 1 to 2"),
        (#"{"format": "gnnpipe link profile", "version": 1, "ranks": 2, "hosts": 2, "repetitions": 1, "samples": [{"pattern": "halo", "message_bytes": 4, "link_bytes": 4, "seconds": 1}, {"pattern": "pipeline", "message_bytes": 4, "link_bytes": 4, "seconds": 1}, {"pattern": "halo", "message_bytes": 4, "link_bytes": 4, "seconds": 2}]}"#,
         "sample 3: a second halo sample of 4-byte messages (sample 1 is one); probe-link writes one per size"),
    ])
    func badFilesNameThePathAndWhatWasExpected(_ text: String, _ message: String) throws {
        let dir = try CommandRunner.temporaryDirectory().path
        let path = dir + "/bad.json"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        do {
            _ = try LinkProfile.read(path: path)
            Issue.record("read \(text)")
        } catch {
            #expect(error.description.hasPrefix(path + ": "), "\(error)")
            #expect(error.description.contains(message), "\(error)")
        }
        #expect(throws: DistributedTrainingError.self) { try LinkProfile.read(path: dir + "/missing.json") }
    }

    /// A profile whose two curves are one line plans exactly as that line; a dearer pipeline
    /// curve changes only the modes that send stage to stage.
    @Test func plannerUsesEachPatternsCurve() throws {
        let (adjacency, task) = try Toy.problem(nodes: 64, edges: 220)
        let configuration = Toy.configuration(.gcnii, layers: 4, task: task)
        let line = LinkModel(bitsPerSecond: 1e8, delaySeconds: 1e-4)
        let sizes = [1, 1 << 10, 1 << 20, 1 << 26]
        let points = sizes.map { ($0, line.seconds(bytes: Int64($0))) }
        func predict(_ link: LinkModel) throws -> [String: Double] {
            let settings = EpochPlanner.Settings(ranks: 4, chunks: 4, link: link)
            let p = try EpochPlanner.predict(configuration: configuration, adjacency: adjacency, features: task.features, settings: settings)
            return Dictionary(uniqueKeysWithValues: p.map { ($0.name, $0.linkSeconds) })
        }
        let nominal = try predict(line)
        let same = try predict(LinkModel(profile: try Self.profile(halo: points, pipeline: points)))
        let dearPipeline = try predict(LinkModel(profile: try Self.profile(halo: points, pipeline: points.map { ($0.0, 10 * $0.1) })))
        for (name, seconds) in nominal {
            #expect(abs(same[name]! / seconds - 1) < 1e-9, "\(name)")
        }
        #expect(abs(dearPipeline["graph 1 × 4"]! / nominal["graph 1 × 4"]! - 1) < 1e-9)
        #expect(dearPipeline["pipeline 4 × 1"]! > 2 * nominal["pipeline 4 × 1"]!)
        #expect(dearPipeline["hybrid 2 × 2"]! > nominal["hybrid 2 × 2"]!)
    }
}
