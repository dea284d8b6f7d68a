/// Read access to the members of a `.zip` file (stored and deflated members, ZIP64) with every
/// read bounded by the file, so that no input, however damaged, makes it hang, trap or
/// allocate more than the file justifies.
///
/// Opening reads and checks the central directory and every member's local header
/// (``ZipDirectory``). Reading a member reads exactly its compressed bytes and copies them
/// (stored) or inflates them with zlib (deflated), stopping at the size the central directory
/// declares, then checks the CRC-32. (ZIPFoundation's reader kept asking for input past the end
/// of the file while a damaged deflate stream had not ended: an endless loop, issue 15.)
struct ZipReader {
    /// The archive's path as the caller gave it.
    let path: String
    /// Paths of the file members (folders and links left out), in archive order.
    let memberPaths: [String]
    /// The file members by path.
    private let members: [String: ZipMember]

    /// Opens the archive at `path` for reading.
    /// - Throws: ``GraphIOError/fileNotFound(_:)``, ``GraphIOError/isDirectory(_:)``,
    ///   ``GraphIOError/unreadable(_:reason:)``; ``GraphIOError/archive(file:message:)`` ("truncated
    ///   or not a zip archive (…)") when it is not a readable zip file, or naming
    ///   `archive/member` for a member whose local header or data is out of place or whose path
    ///   another file member has too.
    init(_ path: String) throws(GraphIOError) {
        let file = try PositionalFile(path)
        let files = try ZipDirectory.members(of: file).filter(\.isFile)
        // Two members with one path: readers disagree on which one counts (Python's zipfile
        // takes the last, ZIPFoundation the first), so the archive is refused, not guessed at.
        var byPath: [String: ZipMember] = [:]
        for member in files where byPath.updateValue(member, forKey: member.path) != nil {
            throw ZipDirectory.damagedMember("\(path)/\(member.path)", "another member has the same path")
        }
        self.path = path
        memberPaths = files.map(\.path)
        members = byPath
    }

    /// The uncompressed content of member `member`, checked against its CRC-32.
    /// - Throws: ``GraphIOError/fileNotFound(_:)`` naming `archive/member` when it is absent;
    ///   ``GraphIOError/archive(file:message:)`` naming `archive/member` when it is encrypted or
    ///   compressed other than by deflate, cannot be decompressed, does not match its declared
    ///   size or its checksum is wrong; the errors of ``PositionalFile``.
    /// - Complexity: O(compressed + uncompressed size) time and memory.
    func read(_ member: String) throws(GraphIOError) -> [UInt8] {
        let name = "\(path)/\(member)"
        guard let entry = members[member] else { throw .fileNotFound(name) }
        if entry.flags & 1 != 0 { throw .archive(file: name, message: "the member is encrypted, which is not supported") }
        guard entry.method == 0 || entry.method == 8 else {
            throw .archive(file: name, message: "compression method \(entry.method) is not supported (only stored and deflated members are)")
        }
        let file = try PositionalFile(path)
        guard let stored = try file.bytes(at: entry.dataOffset, count: entry.compressedSize) else {
            throw .archive(file: name, message: "cannot extract: the archive has shrunk since it was opened")
        }
        let data: [UInt8]
        if entry.method == 0 {
            guard UInt64(stored.count) == entry.uncompressedSize else {
                throw .archive(file: name, message: "cannot extract: the member is stored in \(stored.count) bytes but declares \(entry.uncompressedSize); the archive is damaged")
            }
            data = stored
        } else {
            do {
                data = try RawDeflate.inflate(stored, limit: entry.uncompressedSize)
            } catch {
                throw .archive(file: name, message: "cannot extract: " + Self.describe(error, declared: entry.uncompressedSize))
            }
            guard UInt64(data.count) == entry.uncompressedSize else {
                throw .archive(file: name, message: "cannot extract: the member inflates to \(data.count) bytes but declares \(entry.uncompressedSize); the archive is damaged")
            }
        }
        guard RawDeflate.crc32(data) == entry.crc32 else {
            throw .archive(file: name, message: "CRC-32 mismatch (the archive is corrupt)")
        }
        return data
    }

    /// What went wrong in inflating a member whose central directory declares `declared` bytes.
    private static func describe(_ failure: RawDeflate.Failure, declared: UInt64) -> String {
        switch failure {
        case .truncated: "the deflate data ends before the stream does; the archive is truncated or damaged"
        case let .corrupt(message): "corrupt deflate data (zlib: \(message)); the archive is damaged"
        case .exceedsLimit: "the member inflates to more than the \(declared) bytes the central directory declares; the archive is damaged"
        case .outOfMemory: "zlib could not allocate its state"
        }
    }
}
