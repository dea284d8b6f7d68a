import DenseMath
import Foundation
import GraphCore

// One chunk of integer-id lines: tokens, ids, the third field (weights).
extension EdgeListReader {
    /// Parses the whole lines in `base[start ..< end]` with integer ids. Stops at the first
    /// error, which it records with a chunk-relative line number.
    static func parseIntegerChunk(_ base: UnsafePointer<UInt8>, from start: Int, to end: Int, weighted: Bool?,
                                  limit: Int, releaseBehind: Bool = false) -> Chunk {
        // Locals only (no captured state) so the loop compiles to plain loads and stores.
        var sources: [Int32] = [], targets: [Int32] = [], weights: [Float] = []
        let estimate = (end - start) / 10
        sources.reserveCapacity(estimate)
        targets.reserveCapacity(estimate)
        var failure: ChunkFailure?
        var fieldCount = 0
        var firstDataLine = 0
        var maxID = -1
        var line = 0
        var p = start
        let releaseStep = 16 << 20
        var nextRelease = releaseBehind ? start + releaseStep : Int.max

        parsing: while p < end {
            line += 1
            if p >= nextRelease {
                FileBytes.releasePages(base, from: start, to: p)
                nextRelease = p + releaseStep
            }
            while p < end {
                let c = base[p]
                if c == ASCII.space || c == ASCII.tab || c == ASCII.carriageReturn { p += 1 } else { break }
            }
            if p == end { break }
            let first = base[p]
            if first == ASCII.newline { p += 1; continue }
            if first == ASCII.hash || first == ASCII.percent {
                var lineEnd = end
                if let hit = memchr(base + p, Int32(ASCII.newline), end - p) {
                    lineEnd = UnsafeRawPointer(hit).assumingMemoryBound(to: UInt8.self) - base
                }
                if memchr(base + p, 0, lineEnd - p) != nil {
                    failure = ChunkFailure(line: line, column: nil, kind: .message(nulMessage))
                    break parsing
                }
                p = min(lineEnd + 1, end)
                continue
            }

            var field = 0
            var source = 0, target = 0
            var weight: Float = 1
            while true {
                field += 1
                let tokenStart = p
                if field <= 2 {
                    var value = 0
                    var tooLarge = false
                    if end - p >= 8 {
                        // Up to 8 digits at once (SWAR; Lemire, "Faster integer parsing", 2018).
                        let (digits, parsed) = parseEightDigits(base + p)
                        value = parsed
                        p += digits
                        if value > limit { tooLarge = true }
                    }
                    while p < end {
                        let d = base[p] &- ASCII.zero
                        if d > 9 { break }
                        if !tooLarge {
                            value = value &* 10 &+ Int(d)
                            if value > limit { tooLarge = true }
                        }
                        p += 1
                    }
                    if p == tokenStart || tooLarge || (p < end && tokenEnd(base, p, end) != p) {
                        let e = tokenEnd(base, p, end)
                        failure = idFailure(UnsafeBufferPointer(start: base + tokenStart, count: e - tokenStart),
                                            tooLarge: tooLarge && e == p, limit: limit, field: field, line: line)
                        break parsing
                    }
                    if field == 1 { source = value } else { target = value }
                } else if field == 3 {
                    let e = tokenEnd(base, p, end)
                    let token = UnsafeBufferPointer(start: base + tokenStart, count: e - tokenStart)
                    if token.contains(0) {
                        failure = ChunkFailure(line: line, column: 3, kind: .message(nulMessage))
                        break parsing
                    }
                    switch thirdField(token, weighted: weighted) {
                    case let .success(w): weight = w
                    case let .failure(message):
                        failure = ChunkFailure(line: line, column: 3, kind: .message(message.text))
                        break parsing
                    }
                    p = e
                } else {
                    failure = ChunkFailure(line: line, column: field,
                                           kind: .message("expected at most 3 fields (source, target, weight), found more"))
                    break parsing
                }
                // Separator: blanks, at most one comma, blanks.
                var sawComma = false
                while p < end {
                    let c = base[p]
                    if c == ASCII.space || c == ASCII.tab || c == ASCII.carriageReturn {
                        p += 1
                    } else if c == ASCII.comma && !sawComma {
                        sawComma = true
                        p += 1
                    } else {
                        break
                    }
                }
                if p == end || base[p] == ASCII.newline {
                    if sawComma {
                        failure = ChunkFailure(line: line, column: field + 1,
                                               kind: .message(field + 1 <= 2 ? "expected an integer node id, found an empty field"
                                                                             : "expected a weight, found an empty field after a trailing ','"))
                        break parsing
                    }
                    break
                }
            }
            if p < end { p += 1 } // the newline

            if field == 1 {
                failure = ChunkFailure(line: line, column: nil, kind: .message("expected at least 2 fields (source and target), found 1"))
                break parsing
            }
            if weighted == true && field == 2 {
                failure = ChunkFailure(line: line, column: 3, kind: .message("expected a weight (weighted edge list), found none"))
                break parsing
            }
            if fieldCount == 0 {
                fieldCount = field
                firstDataLine = line
                if field == 3 && weighted != false { weights.reserveCapacity(estimate) }
            } else if field != fieldCount {
                failure = ChunkFailure(line: line, column: nil, kind: .fieldCount(expected: fieldCount, found: field))
                break parsing
            }
            sources.append(Int32(truncatingIfNeeded: source))
            targets.append(Int32(truncatingIfNeeded: target))
            if field == 3 && weighted != false { weights.append(weight) }
            if source > maxID { maxID = source }
            if target > maxID { maxID = target }
        }
        if releaseBehind { FileBytes.releasePages(base, from: start, to: p) }
        var chunk = Chunk()
        chunk.sources = sources
        chunk.targets = targets
        chunk.weights = weights
        chunk.fieldCount = fieldCount
        chunk.firstDataLine = firstDataLine
        chunk.lines = line
        chunk.maxID = maxID
        chunk.failure = failure
        chunk.edgeCount = chunk.sources.count
        return chunk
    }

    /// A message for a malformed weight.
    struct WeightError: Error { var text: String }

    /// Parses a weight token: a finite, non-negative decimal number.
    static func parseWeight(_ token: UnsafeBufferPointer<UInt8>) -> Result<Float, WeightError> {
        guard let w = TextScanning.parseFloat(token) else {
            return .failure(WeightError(text: "expected a weight (a number), found \(TextScanning.describe(token))"))
        }
        guard w.isFinite else {
            return .failure(WeightError(text: "expected a finite weight, found \(TextScanning.describe(token))"))
        }
        guard w >= 0 else {
            return .failure(WeightError(text: "expected a non-negative weight, found \(TextScanning.describe(token))"))
        }
        return .success(w)
    }

    /// The third field of an edge line: the weight, or with `weighted == false` a valid weight
    /// that is ignored (returned as 1): a token that is not a finite, non-negative number is an
    /// error either way, so a tool that ignores weights refuses the files a tool that reads them
    /// refuses; not a number at all gets a hint for names that contain a blank.
    static func thirdField(_ token: UnsafeBufferPointer<UInt8>, weighted: Bool?) -> Result<Float, WeightError> {
        guard TextScanning.parseFloat(token) != nil else {
            return .failure(WeightError(text: "expected a weight (a number), found \(TextScanning.describe(token)) (fields are separated by blanks or one comma, so a node name with a space reads as two fields)"))
        }
        return parseWeight(token).map { weighted == false ? 1 : $0 }
    }
}
