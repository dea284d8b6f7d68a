#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The lines of a text input in blocks, for readers that go through a file once: a plain file
/// is one block (mapped, ``FileBytes/withContents(_:populate:_:)``); a gzip file is inflated
/// and handed over in blocks of whole lines as it is decompressed (``Gzip/forEachLineBlock(_:blockBytes:_:)``),
/// so its text is never held whole.
enum TextBlocks {
    /// Decompressed bytes per block of a gzip file.
    static let blockBytes = 16 << 20

    /// Calls `body(line, text)` for the data lines of the file at `path`, block by block, with
    /// each line's 1-based number in the whole text: lines are those of
    /// ``TextScanning/forEachLine(_:skipBlankAndComments:skipBOM:_:)`` (a BOM skipped, CR
    /// removed; blank lines and `#`/`%` comments skipped unless `skipBlankLines` is `false`,
    /// which keeps every line but a last, empty one). Returns the number of lines given to `body`.
    /// - Throws: the errors of ``FileBytes/read(_:)`` and what `body` throws.
    @discardableResult
    static func forEachLine(_ path: String, blockBytes: Int = blockBytes, skipBlankLines: Bool = true,
                            _ body: (Int, UnsafeBufferPointer<UInt8>) throws(GraphIOError) -> Void) throws(GraphIOError) -> Int {
        guard Gzip.isCompressed(path) else {
            return try FileBytes.withContents(path, populate: false) { (bytes, _) throws(GraphIOError) -> Int in
                try TextScanning.rejectNULBytes(bytes, file: path)
                return try TextScanning.forEachLine(bytes, skipBlankAndComments: skipBlankLines, body)
            }
        }
        var linesBefore = 0, bytesBefore = 0, delivered = 0, first = true
        try Gzip.forEachLineBlock(path, blockBytes: blockBytes) { (block: UnsafeBufferPointer<UInt8>) throws(GraphIOError) -> Bool in
            if let base = block.baseAddress, let hit = memchr(base, 0, block.count) {
                let offset = UnsafeRawPointer(hit) - UnsafeRawPointer(base)
                throw .parse(file: path, line: linesBefore + TextScanning.lineNumber(block, offset: offset), column: nil,
                             message: "found a NUL byte at byte offset \(bytesBefore + offset): this looks like a binary file, not text")
            }
            let offset = linesBefore
            delivered += try TextScanning.forEachLine(block, skipBlankAndComments: skipBlankLines, skipBOM: first) { (line: Int, text: UnsafeBufferPointer<UInt8>) throws(GraphIOError) in
                try body(offset + line, text)
            }
            linesBefore += TextScanning.lineCount(block, skipBOM: first)
            bytesBefore += block.count
            first = false
            return true
        }
        return delivered
    }
}
