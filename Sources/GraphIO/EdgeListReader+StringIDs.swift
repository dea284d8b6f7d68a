import DenseMath
import Foundation
import GraphCore

// String ids: node names mapped to dense ids in order of first appearance.
extension EdgeListReader {
    static func parseStringIDs(_ bytes: UnsafeBufferPointer<UInt8>, file: String,
                               options: EdgeListReadOptions, from start: StartPoint) throws(GraphIOError) -> EdgeList {
        try TextScanning.rejectNULBytes(bytes, file: file)
        // From `start` on (past the BOM and skipped lines); line numbers stay the file's.
        let text = start.offset == 0 ? bytes : UnsafeBufferPointer(rebasing: bytes[start.offset...])
        var run = parseStringRun(text, skipBOM: start.offset == 0, options: options,
                                 capacity: options.numNodes ?? (largestNodeID + 1))
        if let failure = run.summary.failure {
            throw parseError(failure, file: file, lineOffset: start.lines, firstDataLine: start.lines + run.summary.firstDataLine)
        }
        if run.summary.fieldCount == 0 { throw noEdges(file, skipRows: options.skipRows, linesSkipped: start.lines) }
        let hasWeights = run.summary.fieldCount == 3 && options.weighted != false
        let list = makeEdgeList(sources: run.sources, targets: run.targets, weights: hasWeights ? run.weights : nil,
                                numNodes: max(run.names.count, options.numNodes ?? 0), nodeIDs: run.names)
        run = StringRun()
        return list
    }

    /// The edges of a run of lines with string ids: ids are numbered in order of first
    /// appearance in the run (``names``).
    struct StringRun {
        var sources: [Int32] = []
        var targets: [Int32] = []
        var weights: [Float] = []
        /// The run's distinct names, in order of first appearance.
        var names = NodeIDMap()
        /// Run-relative line of each name's first appearance, `[names.count]`.
        var nameLines: [Int] = []
        /// Field counts, lines and the first failure, as for integer runs (no ids in `maxID`).
        var summary = Chunk()
    }

    /// Parses the lines of `text` (a run of whole lines; a BOM skipped when `skipBOM`) with
    /// string ids. Never throws: parsing stops at the first failure, recorded in the summary
    /// with a run-relative line. With `capacity`, the name that would be number `capacity + 1`
    /// is a failure (one reader of the whole file); without, names are not counted (the ranks of
    /// a distributed read count them together).
    static func parseStringRun(_ text: UnsafeBufferPointer<UInt8>, skipBOM: Bool, options: EdgeListReadOptions,
                               capacity: Int?) -> StringRun {
        var run = StringRun()
        var fieldCount = 0
        var firstDataLine = 0
        var lastLine = 0
        func fail(_ line: Int, _ column: Int?, _ message: String) -> GraphIOError {
            .parse(file: "", line: line, column: column, message: message)
        }
        do throws(GraphIOError) {
            try TextScanning.forEachLine(text, skipBOM: skipBOM) { (line: Int, text: UnsafeBufferPointer<UInt8>) throws(GraphIOError) in
                lastLine = line
                let fields = TextScanning.splitFields(text)
                if fields.count == 1 {
                    throw fail(line, nil, "expected at least 2 fields (source and target), found 1")
                }
                if fields.count > 3 {
                    throw fail(line, 4, "expected at most 3 fields (source, target, weight), found \(fields.count)")
                }
                var ids: (Int32, Int32) = (0, 0)
                for f in 0..<2 {
                    let token = fields[f]
                    guard !token.isEmpty else {
                        throw fail(line, f + 1, "expected a node id, found an empty field")
                    }
                    guard let name = TextScanning.string(token), !token.contains(0) else {
                        throw fail(line, f + 1, "expected a node id, found \(TextScanning.describe(token))")
                    }
                    let isNew = run.names.lookup(name) == nil
                    if isNew, let capacity, run.names.count >= capacity {
                        throw fail(line, f + 1, "node '\(name)' is name number \(run.names.count + 1), more than numNodes = \(capacity)")
                    }
                    if isNew { run.nameLines.append(line) }
                    let id = run.names.id(for: name)
                    if f == 0 { ids.0 = id } else { ids.1 = id }
                }
                var weight: Float = 1
                if fields.count == 3 {
                    switch thirdField(fields[2], weighted: options.weighted) {
                    case let .success(w): weight = w
                    case let .failure(message): throw fail(line, 3, message.text)
                    }
                }
                if options.weighted == true && fields.count == 2 {
                    throw fail(line, 3, "expected a weight (weighted edge list), found none")
                }
                if fieldCount == 0 {
                    fieldCount = fields.count
                    firstDataLine = line
                } else if fields.count != fieldCount {
                    run.summary.failure = ChunkFailure(line: line, column: nil, kind: .fieldCount(expected: fieldCount, found: fields.count))
                    throw fail(line, nil, "")
                }
                run.sources.append(ids.0)
                run.targets.append(ids.1)
                if fields.count == 3 && options.weighted != false { run.weights.append(weight) }
            }
            run.summary.lines = TextScanning.lineCount(text, skipBOM: skipBOM)
        } catch {
            if run.summary.failure == nil, case let .parse(_, line, column, message) = error {
                run.summary.failure = ChunkFailure(line: line, column: column, kind: .message(message))
            }
            run.summary.lines = lastLine
        }
        run.summary.fieldCount = fieldCount
        run.summary.firstDataLine = firstDataLine
        run.summary.edgeCount = run.sources.count
        return run
    }
}
