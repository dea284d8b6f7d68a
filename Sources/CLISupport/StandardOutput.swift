import Foundation

/// The C stdio stream behind `print`: line-buffered for every tool, and checked at exit so a
/// result that could not be written is an error, not a silent exit 0.
public enum StandardOutput {
    /// C's `stdout`, a global that Swift 6 will not read directly; looked up instead.
    static var stream: UnsafeMutablePointer<FILE>? {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "stdout") else { return nil }
        return symbol.assumingMemoryBound(to: UnsafeMutablePointer<FILE>.self).pointee
    }

    /// Standard output line by line, also on pipes and files (C stdio buffers them fully), so
    /// epoch lines reach a log as they are printed and survive a killed run. ``ToolMain`` calls
    /// it for every tool, once at start-up, before any other thread runs.
    public static func lineBuffer() {
        guard let stream else { return }
        setvbuf(stream, nil, _IOLBF, 0)
    }

    /// Flushes standard output and returns the error to report when a write to it failed (a full
    /// disk, `> /dev/full`, a closed descriptor), or `nil`. With line buffering a failed line is
    /// dropped when it fails, and its `errno` is gone by now: the stream's error flag
    /// (`ferror`) is what tells, and the message names where the output was going instead.
    public static func failure() -> String? {
        guard let stream else { return nil }
        let flushed = fflush(stream) == 0
        let reason = flushed ? nil : String(cString: strerror(errno))
        guard !flushed || ferror(stream) != 0 else { return nil }
        let path = target.map { " (\($0))" } ?? ""
        return "cannot write to standard output\(path): \(reason ?? "a write failed"), so the printed results are incomplete"
    }

    /// The file or device that descriptor 1 points to (`/dev/full`, a file's path), or `nil`
    /// for a pipe, a socket or a closed descriptor.
    static var target: String? {
        guard let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/1"), path.hasPrefix("/") else { return nil }
        return path
    }
}
