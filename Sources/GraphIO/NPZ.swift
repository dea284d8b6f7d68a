import Foundation
import ZIPFoundation

/// Reads and writes NumPy `.npz` archives: a zip file whose members `name.npy` are `.npy` files
/// (what `numpy.savez` and `numpy.savez_compressed` write).
public enum NPZ {
    /// Reads every `.npy` member of the archive at `path`, keyed by member name without `.npy`.
    ///
    /// Stored and deflated `.npy` members are read, each checked against its CRC-32; other
    /// members are ignored.
    /// - Throws: ``GraphIOError/fileNotFound(_:)``, ``GraphIOError/isDirectory(_:)``;
    ///   ``GraphIOError/archive(file:message:)`` for a file that is not a zip archive or a
    ///   corrupt member; ``GraphIOError/npy(file:message:)`` (file `archive.npz/name.npy`) for a
    ///   malformed member.
    public static func read(_ path: String) throws(GraphIOError) -> [String: NPYArray] {
        let zip = try ZipReader(path)
        var arrays: [String: NPYArray] = [:]
        for member in zip.memberPaths where member.hasSuffix(".npy") {
            let data = try zip.read(member)
            arrays[String(member.dropLast(4))] = try NPY.parse(data, file: "\(path)/\(member)")
        }
        return arrays
    }

    /// Writes `arrays` as an `.npz` archive (members `key.npy` in sorted key order), deflated
    /// when `compressed` (like `numpy.savez_compressed`) and stored otherwise (`numpy.savez`).
    /// The archive is built in memory and written through ``AtomicFile``.
    /// - Throws: ``GraphIOError/write(_:reason:)`` when ZIPFoundation fails; the errors of
    ///   ``AtomicFile/write(to:_:)``.
    public static func write(_ arrays: [String: NPYArray], to path: String, compressed: Bool = false) throws(GraphIOError) {
        let data: Data
        do {
            let archive = try Archive(data: Data(), accessMode: .create)
            for key in arrays.keys.sorted() {
                let bytes = Data(NPY.encode(arrays[key]!))
                try archive.addEntry(with: key + ".npy", type: .file, uncompressedSize: Int64(bytes.count),
                                     compressionMethod: compressed ? .deflate : .none, bufferSize: 1 << 20) { position, size in
                    bytes.subdata(in: Int(position)..<(Int(position) + size))
                }
            }
            guard let built = archive.data else { throw GraphIOError.write(path, reason: "the zip library produced no data") }
            data = built
        } catch let error as GraphIOError {
            throw error
        } catch {
            throw .write(path, reason: "cannot build the zip archive: \(error)")
        }
        try AtomicFile.write(data, to: path)
    }
}
