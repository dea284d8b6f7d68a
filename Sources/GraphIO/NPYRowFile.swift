#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import DenseMath

/// A float32 `[rows × cols]` `.npy` file filled in place by several writers (the ranks of a
/// distributed run), then renamed into place: nothing half-written is ever at the target.
///
/// 1. One writer calls ``create(for:rows:cols:)``: a temporary `.<name>.tmp-XXXXXX` next to
///    the target, holding the `numpy.save` header and sized to the whole array.
/// 2. Every writer calls ``writeRows(_:firstRow:temporary:target:)`` for its rows (one
///    `pwrite` at `header + firstRow · cols · 4`).
/// 3. The creator calls ``commit(_:to:)`` (fsync + rename) once all writers finished, or
///    ``discard(_:)`` if any failed.
///
/// The bytes equal ``NPY/write(_:to:)-(Matrix,_)`` of the stacked rows.
public enum NPYRowFile {
    /// The header bytes `numpy.save` writes for a float32 `[rows × cols]` array.
    public static func header(rows: Int, cols: Int) -> [UInt8] {
        NPY.header(dtype: .float32, shape: [rows, cols])
    }

    /// Creates the temporary file with the header, sized for the data; returns its path.
    /// - Throws: the errors of ``AtomicFile/write(to:_:)`` for the target's folder and
    ///   ``GraphIOError/write(_:reason:)`` when the file cannot be made or sized.
    public static func create(for path: String, rows: Int, cols: Int) throws(GraphIOError) -> String {
        let (fd, temporary) = try AtomicFile.createTemporary(for: path)
        defer { close(fd) }
        let head = header(rows: rows, cols: cols)
        let size = head.count + rows * cols * MemoryLayout<Float>.stride
        let written = head.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        if written != head.count || ftruncate(fd, off_t(size)) != 0 {
            let reason = FileBytes.osMessage(errno)
            discard(temporary)
            throw .write(path, reason: reason)
        }
        return temporary
    }

    /// Writes `rows` (`[k × cols]`) as rows `firstRow ..< firstRow + k` of the temporary file.
    /// - Throws: ``GraphIOError/write(_:reason:)`` naming `target`.
    public static func writeRows(_ rows: Matrix, firstRow: Int, temporary: String, target: String) throws(GraphIOError) {
        let fd = open(temporary, O_WRONLY | O_CLOEXEC)
        if fd < 0 { throw .write(target, reason: FileBytes.osMessage(errno)) }
        let headerBytes = header(rows: 1, cols: rows.cols).count  // the header length does not depend on the row count
        var offset = headerBytes + firstRow * rows.cols * MemoryLayout<Float>.stride
        let failure: Int32 = rows.values.withUnsafeBytes { raw in
            var p = raw.baseAddress, left = raw.count
            while left > 0, let base = p {
                let n = pwrite(fd, base, min(left, 1 << 30), off_t(offset))
                if n < 0 { if errno == EINTR { continue }; return errno }
                p = base + n
                left -= n
                offset += n
            }
            return 0
        }
        let closed = close(fd)
        if failure != 0 { throw .write(target, reason: FileBytes.osMessage(failure)) }
        if closed != 0 { throw .write(target, reason: FileBytes.osMessage(errno)) }
    }

    /// Flushes the temporary file and renames it to `path`.
    /// - Throws: ``GraphIOError/write(_:reason:)``; the temporary file is then removed.
    public static func commit(_ temporary: String, to path: String) throws(GraphIOError) {
        let fd = open(temporary, O_RDONLY | O_CLOEXEC)
        if fd < 0 || fsync(fd) != 0 {
            let reason = FileBytes.osMessage(errno)
            if fd >= 0 { close(fd) }
            discard(temporary)
            throw .write(path, reason: reason)
        }
        close(fd)
        let failure = TemporaryPathRegistry.shared.unregister(temporary, after: { rename(temporary, path) == 0 ? 0 : errno })
        if failure != 0 {
            discard(temporary)
            throw .write(path, reason: FileBytes.osMessage(failure))
        }
    }

    /// Removes the temporary file (a failed run).
    public static func discard(_ temporary: String) {
        _ = TemporaryPathRegistry.shared.unregister(temporary, after: { unlink(temporary) })
    }
}
