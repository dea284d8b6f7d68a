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
            unlink(temporary)
            throw error
        }
        if close(fd) != 0 {
            let reason = FileBytes.osMessage(errno)
            unlink(temporary)
            throw .write(path, reason: reason)
        }
        if rename(temporary, path) != 0 {
            let reason = FileBytes.osMessage(errno)
            unlink(temporary)
            throw .write(path, reason: reason)
        }
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
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        if fd < 0 { throw .write(path, reason: FileBytes.osMessage(errno)) }
        _ = fchmod(fd, 0o644)
        let temporary = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return (fd, temporary)
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
