import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// Log lines on stderr that name the tool once and, under mpirun, the rank once (every CLI):
///
/// ```
/// 2026-01-02T03:04:05+0000 info gnnpipe: graphs/cora: 2708 nodes, …          one process
/// 2026-01-02T03:04:05+0000 info gnnpipe rank 0: pipeline: 2 stages × …        under mpirun
/// ```
///
/// (swift-log's `StreamLogHandler` prints the label and then the source module in brackets,
/// `gnnpipe: [gnnpipe]`, the same name twice.) Metadata, if any, follows as `key=value`.
public struct ToolLogHandler: LogHandler {
    /// What precedes the colon: `gnnpipe` or `gnnpipe rank R`.
    public let prefix: String
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]

    public init(prefix: String) { self.prefix = prefix }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields = metadata
        for (k, v) in event.metadata ?? [:] { fields[k] = v }
        let extra = fields.isEmpty ? "" : " " + fields.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        FileHandle.standardError.write(Data("\(Self.timestamp()) \(event.level) \(prefix):\(extra) \(event.message)\n".utf8))
    }

    /// Local time as `2026-01-02T03:04:05+0000` (the format of swift-log's stream handler).
    static func timestamp() -> String {
        var now = time(nil)
        var parts = tm()
        localtime_r(&now, &parts)
        var buffer = [CChar](repeating: 0, count: 64)
        let count = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S%z", &parts)
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Sends every `Logger` of this process to stderr with `prefix` (call once per process).
    public static func bootstrap(prefix: String) {
        LoggingSystem.bootstrap { _ in ToolLogHandler(prefix: prefix) }
    }
}
