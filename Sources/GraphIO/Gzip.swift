import CLibz
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// gzip-compressed input files (RFC 1952, what `gzip`, SNAP's `.txt.gz` and OGB's `.csv.gz`
/// are), inflated through the system zlib as they are read. GraphIO's readers go through
/// ``FileBytes``, which sends such files here, so every text input may be compressed.
///
/// A file is read as gzip when its name ends in `.gz` (any case) or its first two bytes are
/// gzip's magic number `1f 8b` (no UTF-8 text starts with them). Several gzip members one after
/// another (`cat a.gz b.gz`, bgzip) are one stream, as `gzip -d` reads them.
///
/// Streamed: the compressed file is read in 1 MiB pieces with `read(2)` and each is inflated
/// into a 1 MiB buffer handed to the caller, so memory is what the caller keeps of it.
/// Every call of zlib's `inflate` consumes input or produces output, and the input is finite,
/// so a malformed file fails; it never loops.
///
/// Errors are ``GraphIOError/compressed(file:message:)`` naming the file: a `.gz` name on data
/// that does not start with the magic number, data that ends before the gzip stream does (a
/// truncated or partial download), corrupt deflate data or a trailer whose CRC-32 or length
/// does not match (zlib's message, explained), bytes after the last member that are not
/// another member; plus the file errors of ``FileBytes/read(_:)``.
enum Gzip {
    /// Bytes read from the file, and produced for the caller, per step.
    static let pieceSize = 1 << 20

    /// Whether the file at `path` is read as gzip: a `.gz` name, or the magic number `1f 8b`
    /// at its start. `false` for a file that cannot be opened (the reader reports that).
    static func isCompressed(_ path: String) -> Bool {
        if path.lowercased().hasSuffix(".gz") { return true }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { return false }
        defer { close(fd) }
        var two: (UInt8, UInt8) = (0, 0)
        let got = withUnsafeMutableBytes(of: &two) { pread(fd, $0.baseAddress, 2, 0) }
        return got == 2 && two == (0x1F, 0x8B)
    }

    /// The whole decompressed content of the gzip file at `path`.
    /// - Throws: as described on the type.
    /// - Complexity: O(compressed + decompressed size); memory: the decompressed content.
    static func readAll(_ path: String) throws(GraphIOError) -> [UInt8] {
        var bytes: [UInt8] = []
        try inflate(path) { (piece: UnsafeBufferPointer<UInt8>) throws(GraphIOError) -> Bool in
            bytes.append(contentsOf: piece)
            return true
        }
        return bytes
    }

    /// Calls `body` with the decompressed content of the gzip file at `path`, piece by piece in
    /// order (each piece at most ``pieceSize`` bytes, valid only during the call), until the
    /// end or until `body` returns `false`.
    /// - Throws: as described on the type, and what `body` throws.
    static func inflate(_ path: String,
                        _ body: (UnsafeBufferPointer<UInt8>) throws(GraphIOError) -> Bool) throws(GraphIOError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw FileBytes.openError(path, errno) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .unreadable(path, reason: FileBytes.osMessage(errno)) }
        if (info.st_mode & S_IFMT) == S_IFDIR { throw .isDirectory(path) }

        // On the heap: zlib's state points back at the stream and refuses one that has moved.
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { stream.deallocate() }
        guard CLibz_inflateInitGzip(stream) == Z_OK else {
            throw .compressed(file: path, message: "zlib could not allocate its state (out of memory)")
        }
        defer { inflateEnd(stream) }
        let input = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: pieceSize)
        let output = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: pieceSize)
        defer {
            input.deallocate()
            output.deallocate()
        }

        var fed = 0              // compressed bytes read from the file so far
        var memberStart = 0      // compressed offset where the current member starts
        var memberOutput = 0     // bytes the current member has produced
        var members = 0          // members ended so far
        var endOfFile = false
        /// Compressed bytes consumed by zlib so far.
        func consumed() -> Int { fed - Int(stream.pointee.avail_in) }
        /// Reads more input when zlib has used what it had; `false` at the end of the file.
        func refill() throws(GraphIOError) -> Bool {
            if stream.pointee.avail_in > 0 { return true }
            if endOfFile { return false }
            while true {
                let got = posixRead(fd, input.baseAddress!, pieceSize)
                if got < 0 {
                    if errno == EINTR { continue }
                    throw .unreadable(path, reason: FileBytes.osMessage(errno))
                }
                if got == 0 {
                    endOfFile = true
                    return false
                }
                fed += got
                stream.pointee.next_in = input.baseAddress
                stream.pointee.avail_in = UInt32(got)
                return true
            }
        }
        /// After a member has ended, what follows must be a whole member.
        func notAMember() -> GraphIOError {
            .compressed(file: path, message: "the bytes from compressed byte \(memberStart) on, after the end of gzip member \(members), are not a complete gzip member")
        }

        guard try refill() else {
            throw .compressed(file: path, message: "expected gzip data, found an empty file")
        }
        let first = UnsafeBufferPointer(start: stream.pointee.next_in, count: Int(stream.pointee.avail_in))
        if first[0] != 0x1F || (first.count > 1 && first[1] != 0x8B) {
            let shown = first.prefix(2).map { hex($0) }.joined(separator: " ")
            throw .compressed(file: path, message: "expected gzip data (starting with the bytes 1f 8b), found \(shown): not a gzip file")
        }
        while true {
            _ = try refill()
            stream.pointee.next_out = output.baseAddress
            stream.pointee.avail_out = UInt32(pieceSize)
            let inputBefore = stream.pointee.avail_in
            let status = CLibz.inflate(stream, Z_NO_FLUSH)
            let produced = pieceSize - Int(stream.pointee.avail_out)
            memberOutput += produced
            if produced > 0, try !body(UnsafeBufferPointer(start: output.baseAddress, count: produced)) { return }
            switch status {
            case Z_STREAM_END:
                members += 1
                // Another member may follow; anything else after the last one is an error.
                guard try refill() else { return }
                memberStart = consumed()
                memberOutput = 0
                guard inflateReset(stream) == Z_OK else {
                    throw .compressed(file: path, message: "zlib could not restart for the next member")
                }
            case Z_OK, Z_BUF_ERROR:
                if produced > 0 || stream.pointee.avail_in != inputBefore { continue }
                // No progress with room for output: zlib needs input it does not have.
                if stream.pointee.avail_in == 0, try refill() { continue }
                if stream.pointee.avail_in > 0 {
                    throw .compressed(file: path, message: "corrupt gzip data near compressed byte \(consumed()): zlib made no progress")
                }
                if members > 0 && memberOutput == 0 { throw notAMember() }
                throw .compressed(file: path, message: "the gzip data ends early, inside member \(members + 1) (after \(fed) compressed bytes): the file is truncated or was not completely downloaded")
            case Z_MEM_ERROR:
                throw .compressed(file: path, message: "out of memory while inflating")
            default:
                let text = stream.pointee.msg.map { String(cString: $0) } ?? "error \(status)"
                if members > 0 && memberOutput == 0 && (text == "incorrect header check" || text == "unknown compression method") {
                    throw notAMember()
                }
                throw .compressed(file: path, message: "corrupt gzip data in member \(members + 1), near compressed byte \(consumed()): \(explain(text))")
            }
        }
    }

    /// zlib's message, with what its checks mean.
    static func explain(_ zlibMessage: String) -> String {
        switch zlibMessage {
        case "incorrect data check": "the CRC-32 in the trailer does not match the decompressed data (incorrect data check)"
        case "incorrect length check": "the length in the trailer does not match the decompressed data (incorrect length check)"
        default: zlibMessage
        }
    }

    static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 15)]])
    }
}

extension Gzip {
    /// Calls `body` with the decompressed content of the gzip file at `path` in blocks of whole
    /// lines, in order: each block ends just after a newline (the last one at the end of the
    /// data) and holds about `blockBytes` bytes (more when one line is longer), until the end
    /// or until `body` returns `false`. Blocks are valid only during the call.
    /// - Throws: as ``inflate(_:_:)``.
    /// - Complexity: memory about `blockBytes` + one line + ``pieceSize``.
    static func forEachLineBlock(_ path: String, blockBytes: Int,
                                 _ body: (UnsafeBufferPointer<UInt8>) throws(GraphIOError) -> Bool) throws(GraphIOError) {
        var block: [UInt8] = []
        block.reserveCapacity(blockBytes + pieceSize)
        var stopped = false
        /// Hands the whole lines of `block` to `body` and keeps the rest (all of it at the end).
        func deliver(all: Bool) throws(GraphIOError) {
            let cut = all ? block.count : (block.lastIndex(of: ASCII.newline).map { $0 + 1 } ?? 0)
            guard cut > 0 else { return }
            let more = try block.withUnsafeBufferPointer { whole throws(GraphIOError) in
                try body(UnsafeBufferPointer(rebasing: whole[..<cut]))
            }
            block.removeFirst(cut)
            if !more { stopped = true }
        }
        try inflate(path) { (piece: UnsafeBufferPointer<UInt8>) throws(GraphIOError) -> Bool in
            block.append(contentsOf: piece)
            if block.count >= blockBytes { try deliver(all: false) }
            return !stopped
        }
        if !stopped { try deliver(all: true) }
    }
}
