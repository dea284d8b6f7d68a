#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// All-or-nothing file output: a failed write leaves no half-written file behind.
///
/// The content goes to a temporary file `.<name>.tmp-XXXXXX` (made by `mkstemp`) in the same
/// folder as the target, is flushed to disk (`fsync`), and is then renamed over the target, which
/// is atomic on POSIX file systems. If the body throws or any write fails, the temporary file is
/// removed and the target is left as it was. The new file gets mode 0644.
///
/// While it exists, the temporary file is listed in ``TemporaryPathRegistry/shared``, so a
/// command-line tool interrupted by SIGINT, SIGTERM or SIGHUP removes it before it dies
/// (SIGKILL cannot be caught: then the `.<name>.tmp-XXXXXX` file stays).
public enum AtomicFile {
    /// Writes the file at `path` through a buffered ``FileWriter`` passed to `body`.
    /// - Throws: ``GraphIOError/outputDirectoryMissing(_:)`` when the folder of `path` does not
    ///   exist; ``GraphIOError/isDirectory(_:)`` when `path` is a folder;
    ///   ``GraphIOError/write(_:reason:)`` when the OS refuses; whatever `body` throws.
    public static func write(to path: String, _ body: (inout FileWriter) throws(GraphIOError) -> Void) throws(GraphIOError) {
        let (fd, temporary) = try createTemporary(for: path)
        var writer = FileWriter(descriptor: fd, path: path)
        do throws(GraphIOError) {
            try body(&writer)
            try writer.flush()
            if fsync(fd) != 0 { throw GraphIOError.write(path, reason: FileBytes.osMessage(errno)) }
        } catch {
            close(fd)
            discard(temporary)
            throw error
        }
        if close(fd) != 0 {
            let reason = FileBytes.osMessage(errno)
            discard(temporary)
            throw .write(path, reason: reason)
        }
        // Renamed under the registry's lock: an interrupt cleanup either removes the temporary
        // file before the rename (the target stays as it was) or comes after it (the target is complete).
        let failure = TemporaryPathRegistry.shared.unregister(temporary, after: { rename(temporary, path) == 0 ? 0 : errno })
        if failure != 0 {
            let reason = FileBytes.osMessage(failure)
            discard(temporary)
            throw .write(path, reason: reason)
        }
    }

    /// Removes the temporary file and takes it off the registry.
    private static func discard(_ temporary: String) {
        _ = TemporaryPathRegistry.shared.unregister(temporary, after: { unlink(temporary) })
    }

    /// Writes `bytes` (`[UInt8]`, `Data`, …) as the whole content of the file at `path`.
    /// - Throws: as ``write(to:_:)``.
    public static func write<Bytes: ContiguousBytes>(_ bytes: Bytes, to path: String) throws(GraphIOError) {
        try write(to: path) { (writer: inout FileWriter) throws(GraphIOError) in
            try writer.write(bytes: bytes)
        }
    }

    /// Checks the target and creates the temporary file next to it.
    static func createTemporary(for path: String) throws(GraphIOError) -> (Int32, String) {
        guard !path.isEmpty else { throw .write(path, reason: "empty output path") }
        if FileBytes.isFolder(path) { throw .isDirectory(path) }
        let folder = GraphIOError.parentFolder(of: path)
        if !FileBytes.isFolder(folder) {
            if FileBytes.exists(folder) { throw .write(path, reason: "'\(folder)' is not a folder") }
            throw .outputDirectoryMissing(path)
        }
        let name = path.split(separator: "/").last.map(String.init) ?? path
        var template = Array("\(folder)/.\(name).tmp-XXXXXX".utf8CString)
        var fd: Int32 = -1
        var failure: Int32 = 0
        let made = TemporaryPathRegistry.shared.register {
            fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
            if fd < 0 { failure = errno; return nil }
            return template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        }
        guard let temporary = made else { throw .write(path, reason: FileBytes.osMessage(failure)) }
        _ = fchmod(fd, 0o644)
        return (fd, temporary)
    }
}

/// The process-wide list of temporary files and folders that are being filled right now and
/// would be left behind if the process ended: ``AtomicFile``'s `.<name>.tmp-XXXXXX` files and
/// the hidden folders that pre-computation outputs are built in.
///
/// Code that makes such a path creates it through ``register(making:)`` and calls
/// ``unregister(_:)`` once it has renamed or removed it. A command-line tool that catches
/// SIGINT, SIGTERM or SIGHUP calls ``removeAllBeforeExit()`` before it dies, so an interrupted
/// run leaves nothing behind. A process killed with SIGKILL cannot clean up: its files stay
/// until someone removes them (pre-computation cache folders are swept by later runs once their
/// process is gone; see `PrecomputationCache.removeStaleTemporaryFolders()`).
///
/// Thread-safe: one lock guards the list, and creating a path happens under that lock, so a
/// cleanup either sees a path registered or runs before it exists.
public final class TemporaryPathRegistry: @unchecked Sendable { // `paths` is only touched under `lock`
    /// The registry that ``AtomicFile`` and the pre-computation cache use.
    public static let shared = TemporaryPathRegistry()

    private let lock = NSLock()
    private var paths: Set<String> = []

    /// An empty registry (tests use their own; the tools use ``shared``).
    public init() {}

    /// Calls `make`, which creates a file or folder and returns its path (or `nil` when it made
    /// nothing), and registers that path, all under the registry's lock. Returns what `make`
    /// returned. `make` must not call back into the registry.
    public func register(making make: () -> String?) -> String? {
        lock.lock()
        defer { lock.unlock() }
        guard let path = make() else { return nil }
        paths.insert(path)
        return path
    }

    /// Forgets `path` (after it was renamed into place or removed); unknown paths are ignored.
    public func unregister(_ path: String) {
        unregister(path, after: {})
    }

    /// Calls `finish`, which renames or removes `path`, and forgets `path`, both under the
    /// registry's lock; returns what `finish` returned. An interrupt cleanup thus runs either
    /// before `finish` (and removes the path) or after it (and leaves the result alone).
    /// `finish` must not call back into the registry.
    public func unregister<Result>(_ path: String, after finish: () -> Result) -> Result {
        lock.lock()
        defer { lock.unlock() }
        let result = finish()
        paths.remove(path)
        return result
    }

    /// The registered paths, sorted.
    public var registered: [String] {
        lock.lock()
        defer { lock.unlock() }
        return paths.sorted()
    }

    /// Removes every registered file and folder (folders with their contents) from disk,
    /// empties the registry and returns the paths that were removed. Paths that are already gone
    /// are skipped.
    @discardableResult
    public func removeAll() -> [String] {
        lock.lock()
        defer { lock.unlock() }
        return removeLocked()
    }

    /// As ``removeAll()``, but the registry stays locked for good: a thread that is about to
    /// create or rename a temporary path waits instead, so nothing new appears between this
    /// cleanup and the end of the process. Call it only when the process is about to end.
    @discardableResult
    public func removeAllBeforeExit() -> [String] {
        lock.lock()
        return removeLocked()
    }

    private func removeLocked() -> [String] {
        var removed: [String] = []
        for path in paths.sorted() where Self.remove(path) { removed.append(path) }
        paths.removeAll()
        return removed
    }

    /// Removes a file, or a folder with its contents. Another thread may still be writing into a
    /// folder, so its removal is retried a few times when new entries appear meanwhile.
    private static func remove(_ path: String) -> Bool {
        var status = stat()
        guard lstat(path, &status) == 0 else { return false }
        if status.st_mode & S_IFMT != S_IFDIR { return unlink(path) == 0 }
        for _ in 0..<5 {
            if (try? FileManager.default.removeItem(atPath: path)) != nil { return true }
            if lstat(path, &status) != 0 { return true }
        }
        return false
    }
}

/// A buffered writer over an open file, used inside ``AtomicFile/write(to:_:)``.
///
/// Bytes are collected in a 1 MiB buffer and written with `write(2)` when it fills.
public struct FileWriter {
    private let descriptor: Int32
    /// The target path, for error messages.
    public let path: String
    private var buffer: [UInt8] = []
    private static let capacity = 1 << 20

    init(descriptor: Int32, path: String) {
        self.descriptor = descriptor
        self.path = path
        buffer.reserveCapacity(Self.capacity)
    }

    /// Appends the UTF-8 bytes of `text`.
    /// - Throws: ``GraphIOError/write(_:reason:)``.
    public mutating func write(_ text: String) throws(GraphIOError) {
        var text = text
        text.withUTF8 { buffer.append(contentsOf: $0) }
        if buffer.count >= Self.capacity { try flush() }
    }

    /// Appends raw bytes.
    /// - Throws: ``GraphIOError/write(_:reason:)``.
    public mutating func write<Bytes: ContiguousBytes>(bytes: Bytes) throws(GraphIOError) {
        let failure: GraphIOError? = bytes.withUnsafeBytes { raw in
            if raw.count >= Self.capacity {
                do throws(GraphIOError) {
                    try flush()
                    try writeAll(raw)
                } catch {
                    return error
                }
                return nil
            }
            buffer.append(contentsOf: raw)
            return nil
        }
        if let failure { throw failure }
        if buffer.count >= Self.capacity { try flush() }
    }

    /// Appends one byte.
    /// - Throws: ``GraphIOError/write(_:reason:)``.
    public mutating func write(byte: UInt8) throws(GraphIOError) {
        buffer.append(byte)
        if buffer.count >= Self.capacity { try flush() }
    }

    /// Appends the shortest decimal text that reads back as exactly `value` (Swift's
    /// `description`, e.g. `0.1`, `1e-05`, `-2.0`).
    /// - Throws: ``GraphIOError/write(_:reason:)``.
    public mutating func write(_ value: Float) throws(GraphIOError) {
        try write(value.description)
    }

    /// Writes the buffered bytes to the file.
    /// - Throws: ``GraphIOError/write(_:reason:)``.
    public mutating func flush() throws(GraphIOError) {
        if buffer.isEmpty { return }
        let pending = buffer
        buffer.removeAll(keepingCapacity: true)
        let failure: GraphIOError? = pending.withUnsafeBytes { raw in
            do throws(GraphIOError) { try writeAll(raw) } catch { return error }
            return nil
        }
        if let failure { throw failure }
    }

    private func writeAll(_ raw: UnsafeRawBufferPointer) throws(GraphIOError) {
        guard var p = raw.baseAddress else { return }
        var left = raw.count
        while left > 0 {
            #if canImport(Glibc)
            let n = Glibc.write(descriptor, p, min(left, 1 << 30))
            #else
            let n = Darwin.write(descriptor, p, min(left, 1 << 30))
            #endif
            if n < 0 {
                if errno == EINTR { continue }
                throw .write(path, reason: FileBytes.osMessage(errno))
            }
            p += n
            left -= n
        }
    }
}
