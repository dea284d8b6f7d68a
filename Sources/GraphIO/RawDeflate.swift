import CLibz

/// Raw deflate decompression (RFC 1951, the data of a deflated zip member) and CRC-32, through
/// zlib. GraphIO is zlib's only importer; this file is its only user.
enum RawDeflate {
    /// Why a deflate stream could not be inflated.
    enum Failure: Error, Equatable {
        /// The input ends before the deflate stream does.
        case truncated
        /// The stream is malformed; zlib's message.
        case corrupt(String)
        /// The stream inflates to more than the allowed number of bytes.
        case exceedsLimit
        /// zlib could not allocate its state.
        case outOfMemory
    }

    /// Inflates the raw deflate stream at the start of `input` into at most `limit` bytes.
    ///
    /// The stream must end inside `input` (bytes after its end are ignored). Every call of
    /// zlib's `inflate` consumes input or produces output (it reports `Z_BUF_ERROR` when it can
    /// do neither), and both are bounded, so the loop ends: after at most `input.count` bytes
    /// read and `limit + 1` bytes written.
    /// - Complexity: O(`input.count` + output size); memory: the output, reserved up front only
    ///   as far as `input.count` can justify (deflate expands at most 1032-fold).
    /// - Throws: ``Failure``.
    static func inflate(_ input: [UInt8], limit: UInt64) throws(Failure) -> [UInt8] {
        // On the heap: zlib's state points back at the stream and refuses a stream that has
        // moved (inflateStateCheck), and `&local` promises no fixed address across calls.
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { stream.deallocate() }
        guard CLibz_inflateInitRaw(stream) == Z_OK else { throw .outOfMemory }
        defer { inflateEnd(stream) }
        let bound = Int(min(limit, UInt64(Int.max / 2)))
        let (justified, overflow) = input.count.multipliedReportingOverflow(by: 1032)
        var output: [UInt8] = []
        output.reserveCapacity(min(bound, overflow ? bound : justified, 1 << 26))
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        return try input.withUnsafeBufferPointer { (source) throws(Failure) -> [UInt8] in
            var fed = 0
            while true {
                if stream.pointee.avail_in == 0 && fed < source.count {
                    let n = min(source.count - fed, 1 << 30)
                    stream.pointee.next_in = UnsafeMutablePointer(mutating: source.baseAddress! + fed)
                    stream.pointee.avail_in = UInt32(n)
                    fed += n
                }
                // One byte of room past the bound, to notice a stream that does not stop there.
                let room = min(chunk.count, bound - output.count + 1)
                let inputBefore = stream.pointee.avail_in
                let (status, produced) = chunk.withUnsafeMutableBufferPointer { out in
                    stream.pointee.next_out = out.baseAddress
                    stream.pointee.avail_out = UInt32(room)
                    let status = CLibz.inflate(stream, Z_NO_FLUSH)
                    return (status, room - Int(stream.pointee.avail_out))
                }
                if produced > bound - output.count { throw .exceedsLimit }
                output.append(contentsOf: chunk[0..<produced])
                switch status {
                case Z_STREAM_END:
                    return output
                case Z_OK where produced > 0 || stream.pointee.avail_in != inputBefore:
                    continue
                case Z_OK, Z_BUF_ERROR:
                    // No progress: the input is used up (room for output there always is).
                    throw .truncated
                case Z_MEM_ERROR:
                    throw .outOfMemory
                default:
                    throw .corrupt(stream.pointee.msg.map { String(cString: $0) } ?? "error \(status)")
                }
            }
        }
    }

    /// The CRC-32 (ISO 3309, as zip uses it) of `bytes`.
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { UInt32(truncatingIfNeeded: crc32_z(0, $0.baseAddress, $0.count)) }
    }
}
