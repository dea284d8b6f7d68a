import DenseMath
import Foundation

/// Named tensors plus string metadata, saved as one binary file (model parameters, optimizer
/// moments, training position), so training can stop and resume exactly.
///
/// File layout (little-endian):
/// ```
/// "GLCKPT02"                      8 bytes magic
/// headerLength: UInt64            bytes of the JSON header
/// header: JSON                    {"metadata": {String: String}, "tensors": [{"name", "rows", "cols"}]}
/// data: Float32 × Σ rows·cols     tensors in header order, row-major
/// checksum: UInt64                FNV-1a (64-bit) of every byte before it, so a file damaged
///                                 anywhere (not only truncated) is rejected on read
/// ```
/// ``write(to:)`` writes a temporary file in the same folder and renames it over the target
/// (Foundation's atomic write), so a crash never leaves a half-written checkpoint.
public struct Checkpoint: Sendable, Equatable {
    /// Tensors in file order.
    public var tensors: [(name: String, value: Matrix)]
    /// Free-form string metadata (epoch, best validation accuracy, configuration, …).
    public var metadata: [String: String]

    /// A checkpoint from named tensors and metadata.
    public init(tensors: [(name: String, value: Matrix)] = [], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    public static func == (a: Checkpoint, b: Checkpoint) -> Bool {
        a.metadata == b.metadata && a.tensors.count == b.tensors.count
            && zip(a.tensors, b.tensors).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }

    /// Tensors by name.
    public var tensorsByName: [String: Matrix] {
        Dictionary(tensors.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
    }

    static let magic = Array("GLCKPT02".utf8)

    /// FNV-1a, 64-bit, over `bytes` (Fowler–Noll–Vo; fast, not cryptographic: it detects
    /// damaged files, not tampering).
    static func fnv1a(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return h
    }

    private struct Header: Codable {
        struct Entry: Codable { var name: String; var rows: Int; var cols: Int }
        var metadata: [String: String]
        var tensors: [Entry]
    }

    /// Writes the checkpoint atomically to `path`.
    /// - Throws: ``NeuralNetError/io(path:reason:)`` when the file cannot be written (for example
    ///   a missing folder).
    public func write(to path: String) throws(NeuralNetError) {
        let header = Header(metadata: metadata, tensors: tensors.map { .init(name: $0.name, rows: $0.value.rows, cols: $0.value.cols) })
        let json: Data
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            json = try encoder.encode(header)
        } catch {
            throw .io(path: path, reason: "cannot encode header: \(error)")
        }
        var data = Data(Self.magic)
        var length = UInt64(json.count).littleEndian
        withUnsafeBytes(of: &length) { data.append(contentsOf: $0) }
        data.append(json)
        for (_, m) in tensors {
            m.values.withUnsafeBufferPointer { buffer in
                #if _endian(big)
                for v in buffer { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
                #else
                data.append(UnsafeBufferPointer(start: buffer.baseAddress, count: buffer.count))
                #endif
            }
        }
        var checksum = data.withUnsafeBytes { Self.fnv1a($0) }.littleEndian
        withUnsafeBytes(of: &checksum) { data.append(contentsOf: $0) }
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw .io(path: path, reason: (error as NSError).localizedDescription)
        }
    }

    /// Reads a checkpoint written by ``write(to:)``.
    /// - Throws: ``NeuralNetError/io(path:reason:)`` when the file cannot be read;
    ///   ``NeuralNetError/corruptCheckpoint(path:reason:)`` when its content is malformed or truncated.
    public static func read(from path: String) throws(NeuralNetError) -> Checkpoint {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .io(path: path, reason: (error as NSError).localizedDescription)
        }
        var bytes = [UInt8](data)
        if bytes.count >= 8, Array(bytes[0..<8]) == Array("GLCKPT01".utf8) {
            throw .corruptCheckpoint(path: path, reason: "written by an older version (GLCKPT01, no checksum); start a new run")
        }
        guard bytes.count >= 24, Array(bytes[0..<8]) == magic else {
            throw .corruptCheckpoint(path: path, reason: "missing GLCKPT02 header")
        }
        var stored: UInt64 = 0
        for k in 0..<8 { stored |= UInt64(bytes[bytes.count - 8 + k]) << (8 * UInt64(k)) }
        bytes.removeLast(8)
        guard bytes.withUnsafeBytes({ Self.fnv1a($0) }) == stored else {
            throw .corruptCheckpoint(path: path, reason: "checksum mismatch: the file is damaged or truncated")
        }
        var length: UInt64 = 0
        for k in 0..<8 { length |= UInt64(bytes[8 + k]) << (8 * UInt64(k)) }
        guard length <= UInt64(bytes.count - 16) else {
            throw .corruptCheckpoint(path: path, reason: "header length \(length) exceeds the file")
        }
        let headerEnd = 16 + Int(length)
        let header: Header
        do {
            header = try JSONDecoder().decode(Header.self, from: Data(bytes[16..<headerEnd]))
        } catch {
            throw .corruptCheckpoint(path: path, reason: "unreadable header")
        }
        var offset = headerEnd
        var tensors: [(name: String, value: Matrix)] = []
        for entry in header.tensors {
            guard entry.rows >= 0, entry.cols >= 0 else {
                throw .corruptCheckpoint(path: path, reason: "tensor '\(entry.name)' has a negative dimension")
            }
            let count = entry.rows * entry.cols
            guard offset + 4 * count <= bytes.count else {
                throw .corruptCheckpoint(path: path, reason: "file ends inside tensor '\(entry.name)'")
            }
            var values = [Float](repeating: 0, count: count)
            bytes.withUnsafeBytes { raw in
                for i in 0..<count {
                    let bits = raw.loadUnaligned(fromByteOffset: offset + 4 * i, as: UInt32.self)
                    values[i] = Float(bitPattern: UInt32(littleEndian: bits))
                }
            }
            offset += 4 * count
            tensors.append((entry.name, Matrix(rows: entry.rows, cols: entry.cols, values: values)))
        }
        guard offset == bytes.count else {
            throw .corruptCheckpoint(path: path, reason: "\(bytes.count - offset) trailing bytes")
        }
        return Checkpoint(tensors: tensors, metadata: header.metadata)
    }
}

extension Sequential {
    /// Parameters and buffers as named tensors (copies share storage until written).
    public func stateTensors() -> [(name: String, value: Matrix)] {
        (parameters + buffers).map { ($0.name, $0.value) }
    }

    /// Loads parameter and buffer values by name.
    /// - Throws: ``NeuralNetError/checkpointMismatch(_:)`` when a tensor is missing or has another shape.
    public func loadState(from tensors: [String: Matrix]) throws(NeuralNetError) {
        let targets = parameters + buffers
        for p in targets {
            guard let t = tensors[p.name] else { throw .checkpointMismatch("missing tensor '\(p.name)'") }
            guard t.rows == p.value.rows && t.cols == p.value.cols else {
                throw .checkpointMismatch("'\(p.name)' is \(t.rows)×\(t.cols), expected \(p.value.rows)×\(p.value.cols)")
            }
        }
        for p in targets { p.value = tensors[p.name]! }
    }
}
