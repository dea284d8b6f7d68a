#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Byte values the text parsers look for.
enum ASCII {
    static let tab: UInt8 = 0x09
    static let newline: UInt8 = 0x0A
    static let carriageReturn: UInt8 = 0x0D
    static let space: UInt8 = 0x20
    static let hash: UInt8 = 0x23 // '#'
    static let percent: UInt8 = 0x25 // '%'
    static let plus: UInt8 = 0x2B
    static let comma: UInt8 = 0x2C
    static let minus: UInt8 = 0x2D
    static let dot: UInt8 = 0x2E
    static let zero: UInt8 = 0x30
    static let nine: UInt8 = 0x39
    static let lowerE: UInt8 = 0x65
    static let upperE: UInt8 = 0x45
}

/// Low-level helpers shared by the text readers: BOM, NUL detection, line iteration, field
/// splitting, number parsing and printable token descriptions.
enum TextScanning {
    /// Length of a UTF-8 byte-order mark at the start of `bytes` (3 or 0).
    @inline(__always)
    static func bomLength(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0
    }

    /// Throws when `bytes` holds a NUL byte, the surest sign of a binary file; the error names
    /// the line of the first NUL. Uses `memchr`, so it costs a small fraction of a parse.
    static func rejectNULBytes(_ bytes: UnsafeBufferPointer<UInt8>, file: String) throws(GraphIOError) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        guard let hit = memchr(base, 0, bytes.count) else { return }
        let offset = UnsafeRawPointer(hit) - UnsafeRawPointer(base)
        throw .parse(file: file, line: lineNumber(bytes, offset: offset), column: nil,
                     message: "found a NUL byte at byte offset \(offset): this looks like a binary file, not text")
    }

    /// The 1-based line number of byte `offset`.
    static func lineNumber(_ bytes: UnsafeBufferPointer<UInt8>, offset: Int) -> Int {
        var line = 1
        for i in 0..<min(offset, bytes.count) where bytes[i] == ASCII.newline { line += 1 }
        return line
    }

    /// The number of lines of `bytes` as the line loops count them: one per newline, plus one
    /// for a last line without one (a BOM is no line content).
    static func lineCount(_ bytes: UnsafeBufferPointer<UInt8>, skipBOM: Bool = true) -> Int {
        guard let base = bytes.baseAddress else { return 0 }
        let start = skipBOM ? bomLength(bytes) : 0
        var count = 0
        var p = start
        while p < bytes.count, let hit = memchr(base + p, Int32(ASCII.newline), bytes.count - p) {
            count += 1
            p = UnsafeRawPointer(hit).assumingMemoryBound(to: UInt8.self) - base + 1
        }
        return p < bytes.count ? count + 1 : count
    }

    /// Whether `byte` is a space, tab or carriage return (blank inside a line).
    @inline(__always)
    static func isBlank(_ byte: UInt8) -> Bool {
        byte == ASCII.space || byte == ASCII.tab || byte == ASCII.carriageReturn
    }

    /// Calls `body(lineNumber, line)` for every line of `bytes` (after a BOM), with the line's
    /// trailing `\r` removed. When `skipBlankAndComments` is set, lines that are blank or whose
    /// first non-blank byte is `#` or `%` are skipped. Returns the number of lines passed to
    /// `body`.
    @discardableResult
    static func forEachLine(
        _ bytes: UnsafeBufferPointer<UInt8>, skipBlankAndComments: Bool = true, skipBOM: Bool = true,
        _ body: (Int, UnsafeBufferPointer<UInt8>) throws(GraphIOError) -> Void
    ) throws(GraphIOError) -> Int {
        guard let base = bytes.baseAddress else { return 0 }
        let end = bytes.count
        var p = skipBOM ? bomLength(bytes) : 0
        var lineNumber = 0
        var delivered = 0
        while p < end {
            lineNumber += 1
            let lineStart = p
            var lineEnd: Int
            if let hit = memchr(base + p, Int32(ASCII.newline), end - p) {
                lineEnd = UnsafeRawPointer(hit).assumingMemoryBound(to: UInt8.self) - base
                p = lineEnd + 1
            } else {
                lineEnd = end
                p = end
            }
            if lineEnd > lineStart && base[lineEnd - 1] == ASCII.carriageReturn { lineEnd -= 1 }
            let line = UnsafeBufferPointer(start: base + lineStart, count: lineEnd - lineStart)
            if skipBlankAndComments {
                var q = 0
                while q < line.count && isBlank(line[q]) { q += 1 }
                if q == line.count || line[q] == ASCII.hash || line[q] == ASCII.percent { continue }
            }
            delivered += 1
            try body(lineNumber, line)
        }
        return delivered
    }

    /// Splits `line` at every byte equal to `separator` (empty fields are kept).
    static func split(_ line: UnsafeBufferPointer<UInt8>, separator: UInt8) -> [UnsafeBufferPointer<UInt8>] {
        var fields: [UnsafeBufferPointer<UInt8>] = []
        guard let base = line.baseAddress else { return [UnsafeBufferPointer(start: nil, count: 0)] }
        var start = 0
        for i in 0..<line.count where line[i] == separator {
            fields.append(UnsafeBufferPointer(start: base + start, count: i - start))
            start = i + 1
        }
        fields.append(UnsafeBufferPointer(start: base + start, count: line.count - start))
        return fields
    }

    /// Splits `line` the way edge lists are split: fields are separated by a run of spaces and
    /// tabs or by one comma (with optional blanks around it). Leading and trailing blanks are
    /// ignored. An empty field (two commas in a row, a leading or trailing comma) is returned as
    /// an empty buffer so the caller can report it.
    static func splitFields(_ line: UnsafeBufferPointer<UInt8>) -> [UnsafeBufferPointer<UInt8>] {
        var fields: [UnsafeBufferPointer<UInt8>] = []
        guard let base = line.baseAddress else { return fields }
        let n = line.count
        var p = 0
        while p < n && isBlank(line[p]) { p += 1 }
        if p == n { return fields }
        while true {
            let start = p
            while p < n && !isBlank(line[p]) && line[p] != ASCII.comma { p += 1 }
            fields.append(UnsafeBufferPointer(start: base + start, count: p - start))
            // Separator: blanks, at most one comma, blanks.
            var sawComma = false
            while p < n {
                if isBlank(line[p]) {
                    p += 1
                } else if line[p] == ASCII.comma && !sawComma {
                    sawComma = true
                    p += 1
                } else {
                    break
                }
            }
            if p == n {
                if sawComma { fields.append(UnsafeBufferPointer(start: base + p, count: 0)) }
                return fields
            }
        }
    }

    /// Removes leading and trailing blanks.
    static func trim(_ field: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        guard let base = field.baseAddress else { return field }
        var lo = 0, hi = field.count
        while lo < hi && isBlank(field[lo]) { lo += 1 }
        while hi > lo && isBlank(field[hi - 1]) { hi -= 1 }
        return UnsafeBufferPointer(start: base + lo, count: hi - lo)
    }

    /// The field as a Swift string, or `nil` when it is not valid UTF-8.
    static func string(_ field: UnsafeBufferPointer<UInt8>) -> String? {
        String(validating: field, as: UTF8.self)
    }

    /// A short, printable rendering of a token for error messages: `'abc'` (cut after 40
    /// characters), or a note that the bytes are not text.
    static func describe(_ token: UnsafeBufferPointer<UInt8>) -> String {
        if token.isEmpty { return "an empty field" }
        if token.contains(0) { return "binary data (a NUL byte)" }
        guard let text = string(token) else { return "bytes that are not valid UTF-8 text (a binary file?)" }
        if text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            return "control characters \(text.debugDescription.prefix(60))"
        }
        let shown = text.count > 40 ? String(text.prefix(40)) + "…" : text
        return "'\(shown)'"
    }

    // MARK: - Numbers

    /// Parses a whole token of ASCII digits as a non-negative integer not above `limit`.
    /// Returns `nil` when the token is empty or has a byte that is not a digit, and `limit + 1`
    /// (saturated) when the value is larger than `limit`.
    @inline(__always)
    static func parseUnsigned(_ token: UnsafeBufferPointer<UInt8>, limit: Int) -> Int? {
        if token.isEmpty { return nil }
        var value = 0
        var tooLarge = false
        for b in token {
            let d = Int(b) &- Int(ASCII.zero)
            guard d >= 0 && d <= 9 else { return nil }
            if !tooLarge {
                value = value &* 10 &+ d
                if value > limit { tooLarge = true }
            }
        }
        return tooLarge ? limit + 1 : value
    }

    /// Parses a whole token as a signed decimal integer (`[+-]digits`), `nil` when malformed or
    /// outside `Int` range.
    static func parseInteger(_ token: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let first = token.first else { return nil }
        var rest = token
        var negative = false
        if first == ASCII.minus || first == ASCII.plus {
            negative = first == ASCII.minus
            rest = UnsafeBufferPointer(rebasing: token[1...])
        }
        guard !rest.isEmpty, rest.count <= 19 else { return nil }
        var value = 0
        for b in rest {
            let d = Int(b) &- Int(ASCII.zero)
            guard d >= 0 && d <= 9 else { return nil }
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(d)
            if o1 || o2 { return nil }
            value = s
        }
        return negative ? -value : value
    }

    /// Exact powers of ten as `Float` (1e0 … 1e10, all exactly representable).
    private static let floatPowers: [Float] = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10]
    /// Exact powers of ten as `Double` (1e0 … 1e22, all exactly representable).
    private static let doublePowers: [Double] = [
        1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17,
        1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    /// Parses a whole token as a decimal number and rounds it to `Float`, or returns `nil` when
    /// the token is not a number.
    ///
    /// The usual decimal forms (`-12`, `0.5`, `1e-3`, `2.5E+04`) go through a hand parser:
    /// mantissas below 2^24 with a power of ten up to 10 are rounded exactly once in `Float`
    /// (Clinger's fast path), up to 2^53 and 10^22 once in `Double` and then to `Float`. Anything
    /// else (more than 19 significant digits, large exponents, `nan`, `inf`, hexadecimal) goes
    /// to `strtof` on a NUL-terminated copy. Infinite and NaN results are returned as such; the
    /// caller checks finiteness.
    @inline(__always)
    static func parseFloat(_ token: UnsafeBufferPointer<UInt8>) -> Float? {
        guard let base = token.baseAddress else { return nil }
        return parseFloat(base, token.count)
    }

    /// ``parseFloat(_:)`` over `count` bytes at `p`.
    static func parseFloat(_ p: UnsafePointer<UInt8>, _ count: Int) -> Float? {
        var i = 0
        var negative = false
        if count == 0 { return nil }
        if p[0] == ASCII.minus { negative = true; i = 1 } else if p[0] == ASCII.plus { i = 1 }
        var mantissa: UInt64 = 0
        var significant = 0
        var exponent = 0
        var digits = 0
        while i < count {
            let d = p[i] &- ASCII.zero
            if d > 9 { break }
            digits += 1
            if mantissa != 0 || d != 0 {
                if significant >= 19 { return strtofFallback(p, count) }
                mantissa = mantissa &* 10 &+ UInt64(d)
                significant += 1
            }
            i += 1
        }
        if i < count && p[i] == ASCII.dot {
            i += 1
            while i < count {
                let d = p[i] &- ASCII.zero
                if d > 9 { break }
                digits += 1
                if mantissa != 0 || d != 0 {
                    if significant >= 19 { return strtofFallback(p, count) }
                    mantissa = mantissa &* 10 &+ UInt64(d)
                    significant += 1
                }
                exponent -= 1
                i += 1
            }
        }
        if digits == 0 { return strtofFallback(p, count) } // nan, inf, ".", garbage
        if i < count && (p[i] == ASCII.lowerE || p[i] == ASCII.upperE) {
            i += 1
            var expNegative = false
            if i < count && (p[i] == ASCII.minus || p[i] == ASCII.plus) {
                expNegative = p[i] == ASCII.minus
                i += 1
            }
            var e = 0
            var expDigits = 0
            while i < count {
                let d = p[i] &- ASCII.zero
                if d > 9 { break }
                if e < 100_000 { e = e * 10 + Int(d) }
                expDigits += 1
                i += 1
            }
            if expDigits == 0 { return nil }
            exponent += expNegative ? -e : e
        }
        if i != count { return nil }
        if mantissa == 0 { return negative ? -0.0 : 0.0 }
        var value: Float
        if mantissa < (1 << 24) && exponent >= -10 && exponent <= 10 {
            value = Float(mantissa)
            value = exponent >= 0 ? value * floatPowers[exponent] : value / floatPowers[-exponent]
        } else if mantissa < (1 << 53) && exponent >= -22 && exponent <= 22 {
            var d = Double(mantissa)
            d = exponent >= 0 ? d * doublePowers[exponent] : d / doublePowers[-exponent]
            value = Float(d)
        } else {
            return strtofFallback(p, count)
        }
        return negative ? -value : value
    }

    /// `strtof` on a NUL-terminated copy of the token; `nil` unless the whole token is consumed.
    private static func strtofFallback(_ p: UnsafePointer<UInt8>, _ count: Int) -> Float? {
        if count == 0 || count > 255 { return nil }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: count + 1) { buffer -> Float? in
            let raw = UnsafeMutableRawPointer(buffer.baseAddress!)
            raw.copyMemory(from: p, byteCount: count)
            buffer[count] = 0
            // strtof skips leading white space; tokens never start with it, but be strict.
            if isBlank(p[0]) || p[0] == ASCII.newline { return nil }
            var end: UnsafeMutablePointer<CChar>? = nil
            let value = strtof(buffer.baseAddress!, &end)
            guard let end, end - buffer.baseAddress! == count else { return nil }
            return value
        }
    }
}

extension TextScanning {
    /// Splits `line` at tabs into `fields` (cleared first, capacity kept), trimming blanks
    /// around each field. Allocation-free once `fields` has grown.
    static func splitTabs(_ line: UnsafeBufferPointer<UInt8>, into fields: inout [UnsafeBufferPointer<UInt8>]) {
        fields.removeAll(keepingCapacity: true)
        guard let base = line.baseAddress else {
            fields.append(line)
            return
        }
        var start = 0
        for i in 0..<line.count where base[i] == ASCII.tab {
            fields.append(trim(UnsafeBufferPointer(start: base + start, count: i - start)))
            start = i + 1
        }
        fields.append(trim(UnsafeBufferPointer(start: base + start, count: line.count - start)))
    }
}
