#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-file reads with one `read(2)` per gigabyte, mapping OS errors to ``GraphIOError``.
///
/// A gzip-compressed file (a `.gz` name or gzip's magic number, see ``Gzip``) gives its
/// decompressed content, so every reader that goes through here accepts `.gz` inputs with the
/// same results and the same error lines (naming the `.gz` path) as the uncompressed file.
enum FileBytes {
    /// The whole content of the file at `path`, decompressed when it is gzip.
    ///
    /// Regular files are read straight into an array of their size (one allocation, no copy);
    /// pipes and devices are read until end of file.
    /// - Throws: ``GraphIOError/fileNotFound(_:)``, ``GraphIOError/isDirectory(_:)``,
    ///   ``GraphIOError/unreadable(_:reason:)``; ``GraphIOError/compressed(file:message:)``
    ///   for a malformed gzip file.
    static func read(_ path: String) throws(GraphIOError) -> [UInt8] {
        if Gzip.isCompressed(path) { return try Gzip.readAll(path) }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw openError(path, errno) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .unreadable(path, reason: osMessage(errno)) }
        if (info.st_mode & S_IFMT) == S_IFDIR { throw .isDirectory(path) }
        // A regular file of size 0 (or a /proc file, which reports 0) is read as a stream below.
        if (info.st_mode & S_IFMT) == S_IFREG && info.st_size > 0 {
            let size = Int(info.st_size)
            var failure: Int32 = 0
            let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
                count = 0
                while count < size {
                    let want = min(size - count, 1 << 30)
                    let got = posixRead(fd, buffer.baseAddress! + count, want)
                    if got < 0 {
                        if errno == EINTR { continue }
                        failure = errno
                        return
                    }
                    if got == 0 { break } // the file shrank while we read it
                    count += got
                }
            }
            if failure != 0 { throw failure == EISDIR ? .isDirectory(path) : .unreadable(path, reason: osMessage(failure)) }
            return bytes
        }
        // Pipes, character devices: read until end of file.
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let got = chunk.withUnsafeMutableBytes { posixRead(fd, $0.baseAddress!, $0.count) }
            if got < 0 {
                if errno == EINTR { continue }
                throw .unreadable(path, reason: osMessage(errno))
            }
            if got == 0 { break }
            bytes.append(contentsOf: chunk[0..<got])
        }
        return bytes
    }

    /// Calls `body(bytes, mapped)` with the whole content of the file at `path`: mapped into
    /// memory with `mmap(MAP_PRIVATE)` when it is a regular non-empty file (`mapped == true`; no
    /// copy, the pages of the OS file cache are used directly), else read with ``read(_:)``
    /// (so a gzip file is decompressed into memory whole).
    ///
    /// With `populate`, the mapping is filled up front (`MAP_POPULATE`); without, pages are
    /// faulted in as `body` reads them, and `body` may hand pages it has finished with back to
    /// the OS with `madvise(MADV_DONTNEED)` to bound resident memory: an unmodified private
    /// file mapping reads such pages back from the file if they are touched again. The buffer
    /// is valid only inside `body`. A file truncated by another process while mapped can raise
    /// SIGBUS, as with any memory-mapped reader.
    /// - Throws: the errors of ``read(_:)`` and whatever `body` throws.
    static func withContents<T>(_ path: String, populate: Bool = true,
                                _ body: (UnsafeBufferPointer<UInt8>, Bool) throws(GraphIOError) -> T) throws(GraphIOError) -> T {
        if Gzip.isCompressed(path) {
            let bytes = try Gzip.readAll(path)
            return try bytes.withByteBuffer { buffer throws(GraphIOError) in try body(buffer, false) }
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw openError(path, errno) }
        var info = stat()
        let statOK = fstat(fd, &info) == 0
        let size = Int(info.st_size)
        if statOK && (info.st_mode & S_IFMT) == S_IFREG && size > 0 {
            var flags = MAP_PRIVATE
            #if canImport(Glibc)
            if populate { flags |= MAP_POPULATE }
            #endif
            let mapped = mmap(nil, size, PROT_READ, flags, fd, 0)
            close(fd)
            if let mapped, mapped != MAP_FAILED {
                defer { munmap(mapped, size) }
                if !populate { _ = madvise(mapped, size, MADV_SEQUENTIAL) }
                return try body(UnsafeBufferPointer(start: mapped.assumingMemoryBound(to: UInt8.self), count: size), true)
            }
        } else {
            close(fd)
        }
        let bytes = try read(path)
        return try bytes.withByteBuffer { buffer throws(GraphIOError) in try body(buffer, false) }
    }

    /// Hands the whole pages inside `base[from ..< to]` of a private read-only file mapping back
    /// to the OS (`MADV_DONTNEED`); they are read from the file again if touched.
    static func releasePages(_ base: UnsafePointer<UInt8>, from: Int, to: Int) {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let origin = Int(bitPattern: base)
        let lo = (origin + from + page - 1) / page * page
        let hi = (origin + to) / page * page
        if hi > lo { _ = madvise(UnsafeMutableRawPointer(bitPattern: lo), hi - lo, MADV_DONTNEED) }
    }

    /// Whether `path` names an existing folder.
    static func isFolder(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// Whether anything exists at `path`.
    static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    /// The ``GraphIOError`` for a failed `open` of an input file.
    static func openError(_ path: String, _ code: Int32) -> GraphIOError {
        switch code {
        case ENOENT, ENOTDIR: .fileNotFound(path)
        case EISDIR: .isDirectory(path)
        default: .unreadable(path, reason: osMessage(code))
        }
    }

    /// The C library's message for `errno` value `code`.
    static func osMessage(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "error \(code)" }
        return String(cString: text)
    }
}

/// `read(2)`, named so it is not confused with the readers' own `read` functions.
@inline(__always)
func posixRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.read(fd, buffer, count)
    #else
    return Darwin.read(fd, buffer, count)
    #endif
}

