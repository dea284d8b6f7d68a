#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file open for reads at given offsets (`pread(2)`), each bounded by the size the file had
/// when it was opened: a read past that size returns `nil` without allocating. Closed when it
/// goes out of scope.
struct PositionalFile: ~Copyable {
    /// The path as the caller gave it.
    let path: String
    /// The file's size in bytes when it was opened.
    let size: Int
    private let descriptor: Int32

    /// Opens the file at `path` for reading.
    /// - Throws: ``GraphIOError/fileNotFound(_:)``, ``GraphIOError/isDirectory(_:)``,
    ///   ``GraphIOError/unreadable(_:reason:)``.
    init(_ path: String) throws(GraphIOError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw FileBytes.openError(path, errno) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let code = errno
            close(fd)
            throw .unreadable(path, reason: FileBytes.osMessage(code))
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw .isDirectory(path)
        }
        self.path = path
        size = Int(info.st_size)
        descriptor = fd
    }

    deinit { close(descriptor) }

    /// The `count` bytes at `offset`, or `nil` when they do not lie inside the file (or the file
    /// has shrunk since it was opened).
    /// - Throws: ``GraphIOError/unreadable(_:reason:)`` for an I/O error.
    func bytes(at offset: Int, count: Int) throws(GraphIOError) -> [UInt8]? {
        guard offset >= 0, count >= 0, offset <= size, count <= size - offset else { return nil }
        if count == 0 { return [] }  // see DenseMath's HugePages on the shared empty storage
        var failure: Int32 = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, filled in
            filled = 0
            while filled < count {
                let got = pread(descriptor, buffer.baseAddress! + filled, min(count - filled, 1 << 30), off_t(offset + filled))
                if got < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                if got == 0 { return } // the file shrank
                filled += got
            }
        }
        if failure != 0 { throw .unreadable(path, reason: FileBytes.osMessage(failure)) }
        return bytes.count == count ? bytes : nil
    }
}
