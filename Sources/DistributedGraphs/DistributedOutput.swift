import DenseMath
import GraphCore
import GraphIO
import MessagePassing

/// Writes rows held by several ranks as one file, all or nothing (issue 13).
///
/// `.npy`: rank 0 creates a temporary file with the header, sized for all rows; every rank
/// writes its rows in place at their offset; once every rank reported success rank 0 flushes
/// and renames it (``/GraphIO/NPYRowFile``). The file system must be shared by the ranks (one
/// machine, or NFS/Lustre across machines). Text (`.tsv`, word2vec): rank 0 writes, receiving
/// the other ranks' rows in rank order in blocks of ``textBlockRows`` rows, so no rank holds
/// more than its own rows and one block. Any failure leaves no file at the target and no
/// temporary file; every rank throws the same ``/MessagePassing/AgreedFailure``.
public enum DistributedOutput {
    /// Rows per message when gathering rows for text output.
    public static let textBlockRows = 4096

    /// Writes `rows` (this rank's, starting at global row `firstRow`) of a `[numRows × cols]`
    /// float32 `.npy` at `path`. Collective.
    /// - Throws: ``/MessagePassing/AgreedFailure`` (rank 0 holds the messages) or
    ///   ``/MessagePassing/CommunicationError``.
    public static func writeNPY(_ rows: Matrix, firstRow: Int, numRows: Int, to path: String,
                                communicator: any Communicating,
                                describe: (any Error) -> (message: String, code: Int32)) throws {
        let rank = communicator.rank
        var temporary = ""
        do {
            let made = try communicator.agree({ rank == 0 ? try NPYRowFile.create(for: path, rows: numRows, cols: rows.cols) : "" },
                                              describe: describe)
            var name = Array(made.utf8)
            var length = [Int64(name.count)]
            try communicator.broadcast(&length, root: 0)
            if rank != 0 { name = [UInt8](repeating: 0, count: Int(length[0])) }
            try communicator.broadcast(bytes: &name, root: 0)
            temporary = String(decoding: name, as: UTF8.self)
            try communicator.agree({ try NPYRowFile.writeRows(rows, firstRow: firstRow, temporary: temporary, target: path) },
                                   describe: describe)
            try communicator.agree({ if rank == 0 { try NPYRowFile.commit(temporary, to: path) } }, describe: describe)
        } catch {
            if rank == 0 && !temporary.isEmpty { NPYRowFile.discard(temporary) }
            throw error
        }
    }

    /// Writes `.tsv` (or word2vec text) of the stacked rows of all ranks: rank 0 writes, the
    /// others send their rows. `nodeIDs` (rank 0) names the rows; `nil` writes row numbers.
    /// Collective; throws as ``writeNPY(_:firstRow:numRows:to:communicator:describe:)``.
    public static func writeText(_ rows: Matrix, partition: RowPartition, nodeIDs: NodeIDMap?, to path: String,
                                 word2vec: Bool, communicator: any Communicating,
                                 describe: (any Error) -> (message: String, code: Int32)) throws {
        let (rank, size) = (communicator.rank, communicator.size)
        let cols = rows.cols
        let block = textBlockRows
        try communicator.agree({
            if rank == 0 {
                var q = 0, next = 0  // the rank and its next row to take
                var failure: CommunicationError? = nil
                try EmbeddingWriter.writeStreaming(rows: partition.numRows, cols: cols, nodeIDs: nodeIDs, to: path, word2vec: word2vec) {
                    () throws(GraphIOError) -> Matrix in
                    while next >= partition.rows(of: q).count { q += 1; next = 0 }
                    let count = min(block, partition.rows(of: q).count - next)
                    defer { next += count }
                    if q == 0 {
                        return Matrix(rows: count, cols: cols, values: Array(rows.values[(next * cols)..<((next + count) * cols)]))
                    }
                    let buffer = MessageBuffer(capacity: count * cols)
                    do throws(CommunicationError) {
                        if failure == nil {
                            try communicator.waitAll([communicator.irecv(buffer, count: count * cols, from: q, tag: 7)])
                        }
                    } catch { failure = error }
                    return Matrix(rows: count, cols: cols, values: Array(buffer.buffer(count: count * cols)))
                }
                if let failure { throw failure }
            } else {
                let buffer = MessageBuffer(capacity: min(block, max(rows.rows, 1)) * cols)
                var start = 0
                while start < rows.rows {
                    let count = min(block, rows.rows - start)
                    _ = buffer.buffer(count: count * cols).update(from: rows.values[(start * cols)..<((start + count) * cols)])
                    try communicator.waitAll([communicator.isend(buffer, count: count * cols, to: 0, tag: 7)])
                    start += count
                }
            }
        }, describe: describe)
        _ = size
    }
}
