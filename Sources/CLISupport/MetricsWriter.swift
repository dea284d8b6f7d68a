import Foundation
import GraphIO
import Synchronization

/// `--metrics FILE` for every tool: one JSON object per line (JSON Lines, keys sorted), each
/// record written to the file as it happens, so a run stopped by Ctrl-C, `kill` or a crash
/// leaves every record up to its last one.
///
/// The meaning is the same in every tool: the file is replaced by this run — truncated (or
/// created) when the first record arrives — and then appended to, one `write(2)` per record,
/// with no user-space buffer to lose. A run that fails before its first record leaves no file
/// (an older file stays as it was). A record is one line written in one call, so a reader never
/// sees half a record unless the disk fills.
///
/// The output path is checked up front by the command (``validateOutputPath(_:option:extensions:)``);
/// `nil` makes every call a no-op. Safe to use from several threads (a lock orders the writes).
///
/// ```swift
/// let metrics = MetricsWriter(path: options.metrics)
/// for epoch in 1...epochs { try metrics.append(["epoch": epoch, "loss": loss]) }
/// try metrics.append(["summary": true, "best_epoch": best])
/// ```
public final class MetricsWriter: Sendable {
    /// The metrics file, or `nil` when the run writes none.
    public let path: String?
    /// Whether the first record creates the file's missing parent folders (for a metrics file
    /// inside an output folder the run creates later, such as `--save DIR/run.jsonl`).
    public let createsParentFolders: Bool
    /// The open descriptor once the first record is written (-1 before, -2 after ``close()``).
    private let descriptor = Mutex<Int32>(-1)

    /// A writer for `path` (`nil`: no metrics). Touches no file until the first record.
    public init(path: String?, createsParentFolders: Bool = false) {
        self.path = path
        self.createsParentFolders = createsParentFolders
    }

    deinit { close() }

    /// One record as a JSON line (keys sorted, no trailing newline handling needed by callers).
    /// A number that is not finite (the loss of a diverging run: NaN, ±∞), which JSON cannot
    /// hold, is written as `null` (pandas reads it as NaN), at any depth of the record.
    /// - Throws: ``CommandFailure`` when `record` holds a value JSON cannot encode.
    public static func line(_ record: [String: Any]) throws -> Data {
        do {
            var line = try JSONSerialization.data(withJSONObject: finite(record), options: [.sortedKeys, .withoutEscapingSlashes])
            line.append(0x0A)
            return line
        } catch {
            throw CommandFailure("cannot encode a metrics record as JSON: \(error.localizedDescription)")
        }
    }

    /// `value` with every non-finite Double or Float replaced by `NSNull()`.
    static func finite(_ value: Any) -> Any {
        switch value {
        case let d as Double: return d.isFinite ? d : NSNull()
        case let f as Float: return f.isFinite ? f : NSNull()
        case let dictionary as [String: Any]: return dictionary.mapValues { finite($0) }
        case let array as [Any]: return array.map { finite($0) }
        default: return value
        }
    }

    /// Writes `record` as one line: the first call replaces the file, later calls append.
    /// - Throws: ``CommandFailure`` naming the file when it cannot be created or written.
    public func append(_ record: [String: Any]) throws {
        guard let path else { return }
        let line = try Self.line(record)
        try descriptor.withLock { fd throws(CommandFailure) in
            if fd == -2 { throw CommandFailure("metrics file \(path) was already closed") }
            if fd == -1 {
                if createsParentFolders {
                    let folder = FilePaths.parent(of: path)
                    do {
                        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                    } catch {
                        throw CommandFailure("cannot create the folder of metrics file \(path): \(error.localizedDescription)")
                    }
                }
                fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0o644)
                if fd < 0 {
                    fd = -1
                    throw CommandFailure("cannot create metrics file \(path): \(String(cString: strerror(errno)))")
                }
            }
            let descriptor = fd
            let failure: Int32 = line.withUnsafeBytes { bytes in
                var offset = 0
                while offset < bytes.count {
                    let n = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                    if n < 0 && errno == EINTR { continue }
                    if n <= 0 { return n == 0 ? ENOSPC : errno }
                    offset += n
                }
                return 0
            }
            if failure != 0 {
                throw CommandFailure("cannot write to metrics file \(path): \(String(cString: strerror(failure)))")
            }
        }
    }

    /// Closes the file (later ``append(_:)`` calls throw). Called on deinit too.
    public func close() {
        descriptor.withLock { fd in
            if fd >= 0 { _ = Glibc.close(fd) }
            fd = -2
        }
    }
}
