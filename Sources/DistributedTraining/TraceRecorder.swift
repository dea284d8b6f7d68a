import Dispatch
import Foundation
import MessagePassing

/// Records complete ("X") events of the Chrome trace-event format for one rank; the ranks'
/// events are merged into one file that chrome://tracing and Perfetto (ui.perfetto.dev) open,
/// one track (`pid` 0, `tid` = rank) per rank.
///
/// Timestamps are microseconds since ``origin`` (take it right after a barrier so the ranks'
/// clocks line up to within the barrier's skew on one machine).
public final class TraceRecorder {
    /// Whether events are kept; a disabled recorder costs one branch per call.
    public let isEnabled: Bool
    /// This rank (the track id).
    public let rank: Int
    /// Zero of the time axis, `DispatchTime` nanoseconds.
    public private(set) var origin: UInt64
    private var events: [String] = []

    /// A recorder for `rank`; records nothing unless `enabled`.
    public init(rank: Int, enabled: Bool) {
        self.rank = rank
        self.isEnabled = enabled
        origin = DispatchTime.now().uptimeNanoseconds
    }

    /// Sets the time origin to now (call right after a barrier).
    public func resetOrigin() { origin = DispatchTime.now().uptimeNanoseconds }

    /// Current time in `DispatchTime` nanoseconds.
    public static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    /// Adds an event from `start` to `end` (`DispatchTime` nanoseconds) named `name` in
    /// `category` (e.g. "forward", "backward", "wait", "optimizer") with numeric arguments.
    public func record(_ name: String, category: String, start: UInt64, end: UInt64, args: [String: Double] = [:]) {
        guard isEnabled else { return }
        let ts = Double(Int64(start) - Int64(origin)) / 1000
        let dur = Double(end >= start ? end - start : 0) / 1000
        var fields = [
            "\"name\":\(Self.quoted(name))", "\"cat\":\(Self.quoted(category))", "\"ph\":\"X\"",
            "\"ts\":\(Self.number(ts))", "\"dur\":\(Self.number(dur))", "\"pid\":0", "\"tid\":\(rank)",
        ]
        if !args.isEmpty {
            let a = args.keys.sorted().map { "\(Self.quoted($0)):\(Self.number(args[$0]!))" }.joined(separator: ",")
            fields.append("\"args\":{\(a)}")
        }
        events.append("{" + fields.joined(separator: ",") + "}")
    }

    /// A ``/MessagePassing/HaloExchange`` wait observer that records each wait as a "wait" event
    /// named by the step's label; `nil` when the recorder is disabled.
    public var waitObserver: HaloExchange.WaitObserver? {
        guard isEnabled else { return nil }
        return { [self] label, start, end in record(label, category: "wait", start: start, end: end) }
    }

    /// Runs `body` and records it as one event.
    public func measure<T>(_ name: String, category: String, args: [String: Double] = [:],
                           _ body: () throws -> T) rethrows -> T {
        guard isEnabled else { return try body() }
        let start = Self.now()
        defer { record(name, category: category, start: start, end: Self.now(), args: args) }
        return try body()
    }

    /// This rank's events plus a thread-name metadata event, one JSON object per line (the
    /// payload each rank sends to the rank that writes the file).
    public func encodedEvents() -> [UInt8] {
        let meta = "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":0,\"tid\":\(rank),\"args\":{\"name\":\"rank \(rank)\"}}"
        return Array(([meta] + events).joined(separator: "\n").utf8)
    }

    /// A complete trace file from the ranks' ``encodedEvents()``.
    public static func traceFile(parts: [[UInt8]]) -> Data {
        var lines: [String] = []
        for part in parts {
            lines += String(decoding: part, as: UTF8.self).split(separator: "\n").map(String.init)
        }
        let body = "{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n" + lines.joined(separator: ",\n") + "\n]}\n"
        return Data(body.utf8)
    }

    private static func quoted(_ s: String) -> String {
        var out = "\""
        for ch in s.unicodeScalars {
            switch ch {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out + "\""
    }

    private static func number(_ x: Double) -> String {
        x.isFinite ? String(format: "%.3f", x) : "0"
    }
}
