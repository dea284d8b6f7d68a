#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import DenseMath
import GraphCore

extension EdgeListReader {
    /// Decompressed bytes parsed at a time when a gzip edge list is streamed.
    static let compressedBlockBytes = 16 << 20

    /// Reads a gzip-compressed edge list (``Gzip``): the same format, result and errors as the
    /// uncompressed file (errors name the `.gz` path and the line of the decompressed text).
    ///
    /// Integer ids are parsed as the text is inflated, in blocks of whole lines of
    /// `blockBytes` (each block on ``EdgeListReadOptions/threadCount`` threads, as the mapped
    /// file's chunks), so memory is the result plus one block, never the whole text. Anything
    /// else — string ids, automatic mode's fall-back to names, and any parse failure (the first
    /// data line may be a header, which the whole-text rules decide) — decompresses the text
    /// into memory and parses it as the uncompressed file is parsed.
    static func readCompressed(_ path: String, options: EdgeListReadOptions,
                               blockBytes: Int = compressedBlockBytes) throws(GraphIOError) -> EdgeList {
        if options.idMode != .string, options.skipRows >= 0, options.numNodes.map({ $0 >= 0 && $0 <= largestNodeID + 1 }) ?? true,
           let list = try streamIntegerIDs(path, options: options, blockBytes: blockBytes) {
            return list
        }
        let bytes = try FileBytes.read(path)
        return try bytes.withByteBuffer { buffer throws(GraphIOError) in
            try parseBuffer(buffer, file: path, options: options)
        }
    }

    /// The integer-id parse of a gzip edge list block by block, or `nil` when it fails anywhere
    /// (or automatic mode would relabel sparse ids): the caller then reads the text whole.
    static func streamIntegerIDs(_ path: String, options: EdgeListReadOptions, blockBytes: Int) throws(GraphIOError) -> EdgeList? {
        var merged = Chunk()
        var sources: [Int32] = [], targets: [Int32] = [], weights: [Float] = []
        var skipLeft = options.skipRows
        var firstBlock = true
        var failed = false
        try Gzip.forEachLineBlock(path, blockBytes: max(1, blockBytes)) { (block: UnsafeBufferPointer<UInt8>) throws(GraphIOError) -> Bool in
            guard let base = block.baseAddress else { return true }
            // Where this block's data starts: past a BOM (first block) and the rows still to skip.
            var start = firstBlock ? TextScanning.bomLength(block) : 0
            firstBlock = false
            while skipLeft > 0 && start < block.count {
                if let hit = memchr(base + start, Int32(ASCII.newline), block.count - start) {
                    start = UnsafeRawPointer(hit).assumingMemoryBound(to: UInt8.self) - base + 1
                } else {
                    start = block.count
                }
                skipLeft -= 1
            }
            if start == block.count { return true }
            let threads = max(1, options.threadCount ?? (block.count - start >= 4 << 20 ? Parallel.defaultThreadCount : 1))
            let chunk = parseIntegerRange(base, from: start, to: block.count, options: options, threads: threads, releaseBehind: false)
            merged = merge([merged, chunk])
            if merged.failure != nil {
                failed = true
                return false
            }
            sources.append(contentsOf: chunk.sources)
            targets.append(contentsOf: chunk.targets)
            weights.append(contentsOf: chunk.weights)
            return true
        }
        if failed || merged.fieldCount == 0 { return nil }
        if options.idMode == .automatic && options.numNodes == nil && isSparseIDSpace(maxID: merged.maxID, edges: sources.count) {
            return nil
        }
        let hasWeights = merged.fieldCount == 3 && options.weighted != false
        return makeEdgeList(sources: sources, targets: targets, weights: hasWeights ? weights : nil,
                            numNodes: max(merged.maxID + 1, options.numNodes ?? 0), nodeIDs: nil)
    }
}
