import Foundation
import MessagePassing

/// A link measured by `gnnpipe probe-link -o FILE` (``/MessagePassing/LinkProbe``): the seconds of a halo step
/// and of a pipeline hand-off at each measured size, read back by `gnnpipe plan --link-profile`.
///
/// One line `overhead + bytes / rate` cannot give MPI-over-TCP's cost at every size: on the
/// emulated 100 Mbit/s hosts the fit said 80 Mbit/s (set by its 16 MiB messages) while halo
/// steps of 256 KiB–2 MiB per peer ran at 59–65 Mbit/s (BENCHMARKS.md, issue 12). The profile
/// keeps the measured table and ``seconds(bytes:pattern:)`` interpolates it.
///
/// Interpolation, per pattern, over the samples sorted by the bytes one rank sends (``/MessagePassing/LinkProbe/Sample/linkBytes``),
/// their seconds first made non-decreasing (a running maximum, so noise never makes more bytes cheaper):
/// - `bytes ≤ 0`: 0;
/// - up to the smallest measured size: that size's seconds (a step costs at least the smallest one's);
/// - between two measured sizes: linear in bytes;
/// - beyond the largest: its seconds plus the extra bytes at the last segment's rate (at the largest
///   sample's average rate when the last segment is flat).
///
/// File format (JSON, written atomically by probe-link's rank 0):
/// ```json
/// {"format": "gnnpipe link profile", "version": 1, "ranks": 4, "hosts": 4, "repetitions": 7,
///  "samples": [{"pattern": "halo", "message_bytes": 1024, "link_bytes": 3072, "seconds": 0.00041}, …]}
/// ```
public struct LinkProfile: Sendable, Equatable {
    /// Ranks and hosts of the probe run, and its repetitions per size.
    public let ranks: Int, hosts: Int, repetitions: Int
    /// The measured sizes of both patterns.
    public let samples: [LinkProbe.Sample]
    /// Per pattern: (link bytes, seconds), sorted, seconds non-decreasing.
    private let curves: [LinkProbe.Pattern: [(bytes: Double, seconds: Double)]]

    public static func == (a: LinkProfile, b: LinkProfile) -> Bool {
        a.ranks == b.ranks && a.hosts == b.hosts && a.repetitions == b.repetitions && a.samples == b.samples
    }

    /// A profile of `samples`, which must hold at least one sample of each pattern with
    /// `linkBytes > 0` and finite `seconds > 0`.
    /// - Throws: ``DistributedTrainingError/invalidSetup(_:)`` naming what is missing.
    public init(ranks: Int, hosts: Int, repetitions: Int, samples: [LinkProbe.Sample]) throws(DistributedTrainingError) {
        guard ranks >= 2, hosts >= 1, repetitions >= 1 else {
            throw .invalidSetup("a link profile needs at least 2 ranks, 1 host and 1 repetition; got \(ranks), \(hosts) and \(repetitions)")
        }
        if let bad = samples.first(where: { $0.linkBytes <= 0 || $0.messageBytes <= 0 || !($0.seconds > 0) || !$0.seconds.isFinite }) {
            throw .invalidSetup("a link profile sample needs positive bytes and seconds; got \(bad.pattern.rawValue) \(bad.messageBytes) B, "
                                + "\(bad.linkBytes) B per rank, \(bad.seconds) s")
        }
        var curves: [LinkProbe.Pattern: [(bytes: Double, seconds: Double)]] = [:]
        for pattern in LinkProbe.Pattern.allCases {
            let points = samples.filter { $0.pattern == pattern }.sorted { ($0.linkBytes, $0.seconds) < ($1.linkBytes, $1.seconds) }
            guard !points.isEmpty else { throw .invalidSetup("a link profile needs at least one \(pattern.rawValue) sample") }
            var curve: [(bytes: Double, seconds: Double)] = []
            for p in points {
                let seconds = max(p.seconds, curve.last?.seconds ?? 0)
                if let last = curve.last, last.bytes == Double(p.linkBytes) {
                    curve[curve.count - 1].seconds = seconds
                } else {
                    curve.append((Double(p.linkBytes), seconds))
                }
            }
            curves[pattern] = curve
        }
        self.ranks = ranks
        self.hosts = hosts
        self.repetitions = repetitions
        self.samples = samples
        self.curves = curves
    }

    /// Seconds of a step of `pattern` in which one rank sends `bytes` (the interpolation above).
    public func seconds(bytes: Int64, pattern: LinkProbe.Pattern) -> Double {
        guard bytes > 0, let curve = curves[pattern], let first = curve.first, let last = curve.last else { return 0 }
        let x = Double(bytes)
        if x <= first.bytes { return first.seconds }
        if x >= last.bytes {
            let before = curve.count >= 2 ? curve[curve.count - 2] : last
            let slope = last.seconds > before.seconds ? (last.seconds - before.seconds) / (last.bytes - before.bytes) : last.seconds / last.bytes
            return last.seconds + (x - last.bytes) * slope
        }
        // The first point at or beyond x; its predecessor is below x.
        var lo = 0, hi = curve.count - 1
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if curve[mid].bytes < x { lo = mid } else { hi = mid }
        }
        let a = curve[lo], b = curve[hi]
        return a.seconds + (x - a.bytes) / (b.bytes - a.bytes) * (b.seconds - a.seconds)
    }
}

extension LinkProfile {
    // Counts are read as numbers and checked to be whole below, so that 3072.5 or 1e30 get a
    // message naming the field rather than the decoder's "not valid JSON".
    private struct File: Codable {
        var format: String
        var version: Double
        var ranks: Double
        var hosts: Double
        var repetitions: Double
        var samples: [Entry]
    }

    private struct Entry: Codable {
        var pattern: String
        var message_bytes: Double
        var link_bytes: Double
        var seconds: Double
    }

    /// Seconds a measured step may take: from 1 ns to one day.
    static let plausibleSeconds: ClosedRange<Double> = 1e-9...86_400

    static let formatName = "gnnpipe link profile"

    /// The profile as the JSON file described above (keys sorted, one sample per line).
    public func jsonText() -> String {
        let entries = samples.map { s in
            "{\"link_bytes\": \(s.linkBytes), \"message_bytes\": \(s.messageBytes), \"pattern\": \"\(s.pattern.rawValue)\", "
                + "\"seconds\": \(s.seconds)}"
        }
        return "{\"format\": \"\(Self.formatName)\", \"version\": 1, \"ranks\": \(ranks), \"hosts\": \(hosts), \"repetitions\": \(repetitions),\n"
            + " \"samples\": [\n  " + entries.joined(separator: ",\n  ") + "\n ]}\n"
    }

    /// Reads a file written by `gnnpipe probe-link -o`.
    /// - Throws: ``DistributedTrainingError/invalidSetup(_:)`` as `PATH: what was expected`
    ///   (unreadable, not JSON, not a link profile, a version this build does not read, counts
    ///   that are not whole numbers, more hosts than ranks, a sample whose link bytes are not
    ///   what probe-link measures for its message size and rank count, seconds outside 1 ns–1 day,
    ///   a pattern without samples).
    public static func read(path: String) throws(DistributedTrainingError) -> LinkProfile {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw .invalidSetup("\(path): cannot read the link profile: \((error as NSError).localizedDescription)")
        }
        let expected = "expected the JSON that gnnpipe probe-link -o writes ({\"format\": \"\(formatName)\", \"version\": 1, …, \"samples\": […]})"
        let file: File
        do { file = try JSONDecoder().decode(File.self, from: data) } catch {
            throw .invalidSetup("\(path): \(expected); \(Self.reason(error))")
        }
        guard file.format == formatName else { throw .invalidSetup("\(path): \(expected); format is \"\(file.format)\"") }
        func text(_ value: Double) -> String { String(format: "%.15g", value) }
        guard file.version == 1 else { throw .invalidSetup("\(path): link profile version \(text(file.version)); this build reads version 1") }
        func whole(_ value: Double, _ field: String, _ range: ClosedRange<Int>) throws(DistributedTrainingError) -> Int {
            guard value.rounded() == value, value >= Double(range.lowerBound), value <= Double(range.upperBound) else {
                throw .invalidSetup("\(path): \(field) is \(text(value)); expected a whole number from \(range.lowerBound) to \(range.upperBound)")
            }
            return Int(value)
        }
        let ranks = try whole(file.ranks, "ranks", 2...1 << 24), hosts = try whole(file.hosts, "hosts", 1...ranks)
        let repetitions = try whole(file.repetitions, "repetitions", 1...1 << 30)
        var samples: [LinkProbe.Sample] = []
        for (i, e) in file.samples.enumerated() {
            let at = "sample \(i + 1)"
            guard let pattern = LinkProbe.Pattern(rawValue: e.pattern) else {
                throw .invalidSetup("\(path): \(at): pattern \"\(e.pattern)\"; expected \"halo\" or \"pipeline\"")
            }
            let message = try whole(e.message_bytes, "\(at): message_bytes", 1...1 << 40)
            let link = try whole(e.link_bytes, "\(at): link_bytes", 1...1 << 48)
            // What LinkProbe measured: a halo step sends one message to each other rank.
            let expectedLink = pattern == .halo ? message * (ranks - 1) : message
            guard link == expectedLink else {
                throw .invalidSetup("\(path): \(at): link_bytes \(link) of a \(pattern.rawValue) step of \(message)-byte messages on \(ranks) ranks; expected \(expectedLink)")
            }
            guard Self.plausibleSeconds.contains(e.seconds) else {
                throw .invalidSetup("\(path): \(at): seconds \(text(e.seconds)); expected a measured step from 1e-09 to 86400 seconds")
            }
            if let first = samples.firstIndex(where: { $0.pattern == pattern && $0.messageBytes == message }) {
                throw .invalidSetup("\(path): \(at): a second \(pattern.rawValue) sample of \(message)-byte messages (sample \(first + 1) is one); probe-link writes one per size")
            }
            samples.append(LinkProbe.Sample(pattern: pattern, messageBytes: message, linkBytes: link, seconds: e.seconds))
        }
        do {
            return try LinkProfile(ranks: ranks, hosts: hosts, repetitions: repetitions, samples: samples)
        } catch {
            throw .invalidSetup("\(path): \(error)")
        }
    }

    /// A one-line reason from a decoding error: the key path and what was wrong.
    private static func reason(_ error: any Error) -> String {
        // samples, [0], seconds → "sample 1: seconds" (samples counted from 1, as the other messages do).
        func at(_ path: [any CodingKey]) -> String {
            guard !path.isEmpty else { return "the top level" }
            if path.count >= 2, path[0].stringValue == "samples", let i = path[1].intValue {
                return (["sample \(i + 1)"] + path.dropFirst(2).map(\.stringValue)).joined(separator: ": ")
            }
            return path.map { $0.intValue.map { "item \($0 + 1)" } ?? $0.stringValue }.joined(separator: ": ")
        }
        switch error {
        case DecodingError.keyNotFound(let key, let context): return "\(at(context.codingPath + [key])) is missing"
        case DecodingError.typeMismatch(_, let context): return "\(at(context.codingPath)) has the wrong type"
        case DecodingError.valueNotFound(_, let context): return "\(at(context.codingPath)) is null"
        case DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty: return "not valid JSON (or a number beyond a double's range)"
        case DecodingError.dataCorrupted(let context): return "\(at(context.codingPath)) is not valid"
        default: return "\(error)"
        }
    }
}
