/// One member of a zip archive as its central directory describes it, with where its data
/// starts (from its local header).
struct ZipMember: Sendable {
    /// The member's path inside the archive (UTF-8; invalid bytes replaced).
    let path: String
    /// Whether it is a regular file (not a folder or a link).
    let isFile: Bool
    /// General-purpose flags (bit 0: encrypted).
    let flags: UInt16
    /// Compression method: 0 stored, 8 deflated.
    let method: UInt16
    /// CRC-32 of the uncompressed content.
    let crc32: UInt32
    /// Size of the stored data in bytes; the data lies inside the file.
    let compressedSize: Int
    /// The uncompressed size the central directory declares: a bound for the reader, not a
    /// promise (a damaged directory may claim terabytes).
    let uncompressedSize: UInt64
    /// Offset of the local file header.
    let headerOffset: Int
    /// Offset of the data, after the local header.
    let dataOffset: Int
}

/// Parsing and checking of a zip archive's end records and central directory (PKWARE
/// APPNOTE.TXT 6.3: end of central directory record 4.3.16, ZIP64 end record and locator
/// 4.3.14–4.3.15, central directory header 4.3.12, local file header 4.3.7, ZIP64 extended
/// information 4.5.3), https://pkware.cachefly.net/webdocs/casestudies/APPNOTE.TXT.
///
/// Every offset and size is checked against the file before it is used: the central directory
/// lies inside the file, before the end records; its declared entry count fits its size and
/// its entries fill it exactly; each member's local header and data lie before the central
/// directory; no two members overlap. Nothing is allocated beyond what the file holds.
enum ZipDirectory {
    /// Signatures (little-endian `PK..`).
    static let endSignature = 0x0605_4B50
    static let zip64EndSignature = 0x0606_4B50
    static let zip64LocatorSignature = 0x0706_4B50
    static let centralSignature = 0x0201_4B50
    static let localSignature = 0x0403_4B50

    /// Fixed sizes of the records.
    static let endSize = 22, zip64EndSize = 56, zip64LocatorSize = 20, centralSize = 46, localSize = 30

    /// Where the central directory is and how many entries it declares.
    struct Location {
        var offset: Int
        var size: Int
        var count: Int
    }

    /// The members of the archive in `file`, in central directory order.
    /// - Throws: ``GraphIOError/archive(file:message:)``: "truncated or not a zip archive (…)"
    ///   naming the archive for a damaged or missing directory, or naming `archive/member` for a
    ///   member whose local header or data is out of place; the read errors of
    ///   ``PositionalFile``.
    static func members(of file: borrowing PositionalFile) throws(GraphIOError) -> [ZipMember] {
        let location = try locate(in: file)
        guard let directory = try file.bytes(at: location.offset, count: location.size) else {
            throw notAZip(file.path, "the central directory lies outside the file")
        }
        var members: [ZipMember] = []
        members.reserveCapacity(location.count)
        var position = 0
        for k in 0..<location.count {
            let damaged = notAZip(file.path, "central directory entry \(k + 1) of \(location.count) is damaged")
            guard directory.count - position >= centralSize, directory.le32(position) == centralSignature else { throw damaged }
            let nameLength = directory.le16(position + 28), extraLength = directory.le16(position + 30)
            let end = position + centralSize + nameLength + extraLength + directory.le16(position + 32)
            guard end <= directory.count else { throw damaged }
            let nameStart = position + centralSize
            let path = String(decoding: directory[nameStart..<(nameStart + nameLength)], as: UTF8.self)
            var sizes = [UInt64(directory.le32(position + 24)), UInt64(directory.le32(position + 20)),
                         UInt64(directory.le32(position + 42))]
            let saturated = sizes.filter { $0 == 0xFFFF_FFFF }.count
            if saturated > 0 {
                let extra = directory[(nameStart + nameLength)..<(nameStart + nameLength + extraLength)]
                guard let values = zip64Values(extra, count: saturated) else { throw damaged }
                var next = values.makeIterator()
                sizes = sizes.map { $0 == 0xFFFF_FFFF ? next.next()! : $0 }
            }
            let member = try placed(path: path, central: directory[position..<end], uncompressed: sizes[0],
                                    compressed: sizes[1], headerOffset: sizes[2], before: location.offset, in: file)
            members.append(member)
            position = end
        }
        guard position == directory.count else {
            throw notAZip(file.path, "the central directory holds more than its \(location.count) declared entries")
        }
        try checkNoOverlap(members, archive: file.path)
        return members
    }

    /// Finds the end of central directory record (and the ZIP64 end record when its locator
    /// precedes it) and checks the directory's place and entry count.
    static func locate(in file: borrowing PositionalFile) throws(GraphIOError) -> Location {
        let noDirectory = notAZip(file.path, "no readable central directory")
        guard file.size >= endSize else { throw noDirectory }
        // The record ends the file, followed by a comment of at most 65,535 bytes.
        let tailCount = min(file.size, endSize + 0xFFFF)
        guard let tail = try file.bytes(at: file.size - tailCount, count: tailCount) else { throw noDirectory }
        var found: Int?
        for i in stride(from: tailCount - endSize, through: 0, by: -1)
        where tail.le32(i) == endSignature && tail.le16(i + 20) <= tailCount - i - endSize {
            found = i
            break
        }
        guard let i = found else { throw noDirectory }
        let end = file.size - tailCount + i
        var disk = tail.le16(i + 4), directoryDisk = tail.le16(i + 6)
        var entriesHere = UInt64(tail.le16(i + 8)), entries = UInt64(tail.le16(i + 10))
        var size = UInt64(tail.le32(i + 12)), offset = UInt64(tail.le32(i + 16))
        var limit = end
        if end >= zip64LocatorSize, let locator = try file.bytes(at: end - zip64LocatorSize, count: zip64LocatorSize),
           locator.le32(0) == zip64LocatorSignature {
            let damaged = notAZip(file.path, "the ZIP64 end of central directory record is damaged")
            let recordOffset = locator.le64(8), room = end - zip64LocatorSize - zip64EndSize
            guard locator.le32(4) == 0, locator.le32(16) <= 1, room >= 0, recordOffset <= UInt64(room),
                  let record = try file.bytes(at: Int(recordOffset), count: zip64EndSize),
                  record.le32(0) == zip64EndSignature else { throw damaged }
            disk = Int(record.le32(16))
            directoryDisk = Int(record.le32(20))
            entriesHere = record.le64(24)
            entries = record.le64(32)
            size = record.le64(40)
            offset = record.le64(48)
            limit = Int(recordOffset)
        }
        guard disk == 0, directoryDisk == 0, entriesHere == entries else {
            throw notAZip(file.path, "it is one part of a split archive, which cannot be read")
        }
        guard offset <= UInt64(limit), size <= UInt64(limit) - offset else {
            throw notAZip(file.path, "the central directory lies outside the file")
        }
        guard entries <= size / UInt64(centralSize) else {
            throw notAZip(file.path, "the central directory declares \(entries) entries but has room for \(size / UInt64(centralSize))")
        }
        return Location(offset: Int(offset), size: Int(size), count: Int(entries))
    }

    /// The first `count` 64-bit values of the ZIP64 extended information field (id 1) of
    /// `extra`: the values of the fields saturated (`0xFFFFFFFF`) in the central header, in the
    /// order uncompressed size, compressed size, local header offset. `nil` when that field is
    /// absent or too short, or an extra field runs past the end of `extra`.
    static func zip64Values(_ extra: ArraySlice<UInt8>, count: Int) -> [UInt64]? {
        var position = extra.startIndex
        while extra.endIndex - position >= 4 {
            let length = extra.le16(position + 2), data = position + 4
            guard length <= extra.endIndex - data else { return nil }
            if extra.le16(position) == 1 {
                guard length >= 8 * count else { return nil }
                return (0..<count).map { extra.le64(data + 8 * $0) }
            }
            position = data + length
        }
        return nil
    }

    /// The member that central header `central` describes, once its local header and data are
    /// found inside the file, before the central directory at `directoryOffset`.
    static func placed(path: String, central: ArraySlice<UInt8>, uncompressed: UInt64, compressed: UInt64,
                       headerOffset: UInt64, before directoryOffset: Int,
                       in file: borrowing PositionalFile) throws(GraphIOError) -> ZipMember {
        let c = central.startIndex
        let name = "\(file.path)/\(path)"
        guard directoryOffset >= localSize, headerOffset <= UInt64(directoryOffset - localSize),
              let local = try file.bytes(at: Int(headerOffset), count: localSize), local.le32(0) == localSignature else {
            throw damagedMember(name, "no local file header at byte \(headerOffset)")
        }
        let dataOffset = Int(headerOffset) + localSize + local.le16(26) + local.le16(28)
        guard dataOffset <= directoryOffset, compressed <= UInt64(directoryOffset - dataOffset) else {
            throw damagedMember(name, "its \(compressed) bytes of data from byte \(dataOffset) run into the central directory (byte \(directoryOffset))")
        }
        let host = central.le16(c + 4) >> 8, external = central.le32(c + 38)
        let mode = (external >> 16) & 0o170000
        // Unix (3) and macOS (19) store the file mode; MS-DOS (0) a folder attribute (0x10).
        let isFolderOrLink = ((host == 3 || host == 19) && (mode == 0o040000 || mode == 0o120000))
            || (host == 0 && external & 0x10 != 0) || path.hasSuffix("/")
        return ZipMember(path: path, isFile: !isFolderOrLink, flags: UInt16(central.le16(c + 8)),
                         method: UInt16(central.le16(c + 10)), crc32: UInt32(central.le32(c + 16)),
                         compressedSize: Int(compressed), uncompressedSize: uncompressed,
                         headerOffset: Int(headerOffset), dataOffset: dataOffset)
    }

    /// Checks that no member's local header and data overlap another's; names the later member
    /// (in central directory order) of an overlapping pair at the same offset.
    static func checkNoOverlap(_ members: [ZipMember], archive: String) throws(GraphIOError) {
        let order = members.indices.sorted { (members[$0].headerOffset, $0) < (members[$1].headerOffset, $1) }
        for (a, b) in zip(order, order.dropFirst()) where members[a].dataOffset + members[a].compressedSize > members[b].headerOffset {
            throw damagedMember("\(archive)/\(members[b].path)", "it overlaps member '\(members[a].path)'")
        }
    }

    /// The error for a file that holds no readable zip directory.
    static func notAZip(_ path: String, _ reason: String) -> GraphIOError {
        .archive(file: path, message: "truncated or not a zip archive (\(reason)); download or copy it again")
    }

    /// The error for member `name` (`archive/member`) whose place in the file is impossible.
    static func damagedMember(_ name: String, _ reason: String) -> GraphIOError {
        .archive(file: name, message: "damaged member: \(reason); the archive is truncated or corrupt, download or copy it again")
    }
}

extension Collection<UInt8> where Index == Int {
    /// The little-endian 16-bit value at `i` (the caller checks the bounds).
    func le16(_ i: Int) -> Int { Int(self[i]) | Int(self[i + 1]) << 8 }
    /// The little-endian 32-bit value at `i`.
    func le32(_ i: Int) -> Int { le16(i) | le16(i + 2) << 16 }
    /// The little-endian 64-bit value at `i`.
    func le64(_ i: Int) -> UInt64 { UInt64(le32(i)) | UInt64(le32(i + 4)) << 32 }
}
