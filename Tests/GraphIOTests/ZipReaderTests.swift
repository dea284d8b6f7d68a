import DenseMath
import Foundation
@testable import GraphIO
import Testing

/// GraphIO's zip reader (issue 15: ZIPFoundation's reader could hang on a damaged archive):
/// exact bytes for archives another writer made, a specific error for each kind of damage, and
/// for every truncation and byte flip of small archives an error or the right bytes, in bounded
/// time.
@Suite("Zip reader")
struct ZipReaderTests {
    /// Member `member` of archive `archive` of ``ZipFixture/all``, as make_zip_fixtures.py
    /// computes it: random bytes, low-entropy text, long runs (0 to 499 bytes) or nothing.
    static func content(archive: Int, member: Int) -> [UInt8] {
        var rng = SplitMix64(seed: UInt64(1000 * archive + member))
        let kind = rng.next() % 4
        let length = kind == 3 ? 0 : Int(rng.next() % 500)
        let alphabet = Array("acgt \n".utf8)
        var bytes: [UInt8] = []
        for k in 0..<length {
            let v = rng.next()
            bytes.append(kind == 0 ? UInt8(v >> 56) : kind == 1 ? alphabet[Int(v % 6)] : UInt8(0x30 + k / 50 % 7))
        }
        return bytes
    }

    /// The member number in a fixture path (`dir1/03.bin` → 3).
    static func memberNumber(_ path: String) -> Int {
        Int(path.split(separator: "/").last!.prefix(2))!
    }

    /// CRC-32 bit by bit (reflected polynomial 0xEDB88320), the definition zip uses.
    static func slowCRC32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    /// `bytes` written to `name` in a fresh temporary folder; returns the path.
    static func file(_ bytes: [UInt8], _ name: String = "a.zip") -> String {
        TestFiles.write(bytes: bytes, to: name, in: TestFiles.temporaryFolder())
    }

    /// Every file member of the archive at `path` with its content.
    static func readAll(_ path: String) throws(GraphIOError) -> [String: [UInt8]] {
        let zip = try ZipReader(path)
        var contents: [String: [UInt8]] = [:]
        for member in zip.memberPaths { contents[member] = try zip.read(member) }
        return contents
    }

    // MARK: Exact bytes

    @Test func pythonArchivesOfRandomMembersReadExactly() throws {
        for (a, fixture) in ZipFixture.all.enumerated() {
            let zip = try ZipReader(Self.file(fixture.bytes))
            #expect(zip.memberPaths == fixture.names, "archive \(a)")
            for name in fixture.names {
                let expected = Self.content(archive: a, member: Self.memberNumber(name))
                #expect(try zip.read(name) == expected, "archive \(a), \(name)")
            }
        }
    }

    @Test func crc32MatchesTheBitwiseDefinition() {
        for (a, fixture) in ZipFixture.all.enumerated() {
            for name in fixture.names {
                let bytes = Self.content(archive: a, member: Self.memberNumber(name))
                #expect(RawDeflate.crc32(bytes) == Self.slowCRC32(bytes))
            }
        }
        #expect(RawDeflate.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
    }

    /// A one-member stored archive with every size and offset in ZIP64 fields (APPNOTE 4.3.7,
    /// 4.3.12, 4.3.14–4.3.16, 4.5.3), written field by field; without the central ZIP64 extra
    /// field when `centralExtra` is false.
    static func zip64Archive(_ content: [UInt8], name: String, centralExtra: Bool = true) -> [UInt8] {
        var out: [UInt8] = []
        func u16(_ v: Int) { out += [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
        func u32(_ v: Int) { u16(v & 0xFFFF); u16(v >> 16 & 0xFFFF) }
        func u64(_ v: Int) { u32(v & 0xFFFF_FFFF); u32(v >> 32) }
        let crc = Int(slowCRC32(content)), saturated = 0xFFFF_FFFF, nameBytes = Array(name.utf8)
        u32(0x0403_4B50); u16(45); u16(0); u16(0); u16(0); u16(0x21); u32(crc); u32(saturated); u32(saturated)
        u16(nameBytes.count); u16(20); out += nameBytes
        u16(1); u16(16); u64(content.count); u64(content.count)
        out += content
        let central = out.count
        u32(0x0201_4B50); u16(0x031E); u16(45); u16(0); u16(0); u16(0); u16(0x21); u32(crc); u32(saturated); u32(saturated)
        u16(nameBytes.count); u16(centralExtra ? 28 : 0); u16(0); u16(0); u16(0); u32(0o100644 << 16); u32(saturated)
        out += nameBytes
        if centralExtra { u16(1); u16(24); u64(content.count); u64(content.count); u64(0) }
        let centralSize = out.count - central, record = out.count
        u32(0x0606_4B50); u64(44); u16(45); u16(45); u32(0); u32(0); u64(1); u64(1); u64(centralSize); u64(central)
        u32(0x0706_4B50); u32(0); u64(record); u32(1)
        u32(0x0605_4B50); u16(0); u16(0); u16(0xFFFF); u16(0xFFFF); u32(saturated); u32(saturated); u16(0)
        return out
    }

    @Test func zip64DirectoryAndFieldsAreRead() throws {
        let content = Self.content(archive: 99, member: 1)
        let contents = try Self.readAll(Self.file(Self.zip64Archive(content, name: "x/features.npy")))
        #expect(contents == ["x/features.npy": content])
        let path = Self.file(Self.zip64Archive(content, name: "x/features.npy", centralExtra: false))
        #expect(throws: ZipDirectory.notAZip(path, "central directory entry 1 of 1 is damaged")) { try ZipReader(path) }
    }

    // MARK: Each kind of damage, its error

    /// `bytes` with the little-endian `width`-byte field at `offset` set to `value`.
    static func patched(_ bytes: [UInt8], at offset: Int, width: Int, to value: Int) -> [UInt8] {
        var out = bytes
        for k in 0..<width { out[offset + k] = UInt8(value >> (8 * k) & 0xFF) }
        return out
    }

    /// Offsets in tiny_hgb.zip (1,122 bytes; Python's zipfile): central entry 2 (tiny/node.dat:
    /// deflated, 56 → 66 bytes, local header at 37) and 3 (tiny/link.dat); the end record.
    static let nodeEntry = 728, linkEntry = 787, endRecord = 1100

    @Test func memberDamageNamesTheMember() throws {
        let tiny = FixtureData.bytes("tiny_hgb.zip")
        let cases: [(field: Int, width: Int, value: Int, message: String)] = [
            (Self.nodeEntry + 10, 2, 12, "compression method 12 is not supported (only stored and deflated members are)"),
            (Self.nodeEntry + 8, 2, 1, "the member is encrypted, which is not supported"),
            (Self.nodeEntry + 16, 4, 0x1234_5678, "CRC-32 mismatch (the archive is corrupt)"),
            (Self.nodeEntry + 20, 4, 55, "cannot extract: the deflate data ends before the stream does; the archive is truncated or damaged"),
            (Self.nodeEntry + 24, 4, 65, "cannot extract: the member inflates to more than the 65 bytes the central directory declares; the archive is damaged"),
            (Self.nodeEntry + 24, 4, 67, "cannot extract: the member inflates to 66 bytes but declares 67; the archive is damaged"),
            // The first byte of node.dat's data (after its 30 + 13-byte local header at 37).
            (80, 1, 0xFF, "cannot extract: corrupt deflate data (zlib: invalid block type); the archive is damaged"),
        ]
        for c in cases {
            let path = Self.file(Self.patched(tiny, at: c.field, width: c.width, to: c.value))
            let zip = try ZipReader(path)
            #expect(throws: GraphIOError.archive(file: path + "/tiny/node.dat", message: c.message)) { try zip.read("tiny/node.dat") }
            #expect(throws: Never.self) { try zip.read("tiny/link.dat") }
        }
        // Stored: the data is the member, so its sizes must agree.
        let stored = FixtureData.bytes("stored.npz")
        let path = Self.file(Self.patched(stored, at: 442 + 24, width: 4, to: 151))
        #expect(throws: GraphIOError.archive(file: path + "/features.npy", message: "cannot extract: the member is stored in 152 bytes but declares 151; the archive is damaged")) {
            try ZipReader(path).read("features.npy")
        }
    }

    @Test func misplacedMembersAreRefusedWhenOpened() {
        let tiny = FixtureData.bytes("tiny_hgb.zip")
        let damaged = { (message: String) in "damaged member: \(message); the archive is truncated or corrupt, download or copy it again" }
        // link.dat's local header offset moved onto node.dat's (two members sharing their bytes,
        // as "zip bombs" do; the later one in the central directory is refused), then into
        // node.dat's data.
        var path = Self.file(Self.patched(tiny, at: Self.linkEntry + 42, width: 4, to: 37))
        #expect(throws: GraphIOError.archive(file: path + "/tiny/link.dat", message: damaged("it overlaps member 'tiny/node.dat'"))) { try ZipReader(path) }
        path = Self.file(Self.patched(tiny, at: Self.linkEntry + 42, width: 4, to: 80))
        #expect(throws: GraphIOError.archive(file: path + "/tiny/link.dat", message: damaged("no local file header at byte 80"))) { try ZipReader(path) }
        // node.dat's data claims to run into the central directory (at byte 677).
        path = Self.file(Self.patched(tiny, at: Self.nodeEntry + 20, width: 4, to: 700))
        #expect(throws: GraphIOError.archive(file: path + "/tiny/node.dat", message: damaged("its 700 bytes of data from byte 80 run into the central directory (byte 677)"))) {
            try ZipReader(path)
        }
        // node.dat's data claims one byte of link.dat's local header (at 136).
        path = Self.file(Self.patched(tiny, at: Self.nodeEntry + 20, width: 4, to: 57))
        #expect(throws: GraphIOError.archive(file: path + "/tiny/link.dat", message: damaged("it overlaps member 'tiny/node.dat'"))) { try ZipReader(path) }
    }

    @Test func twoMembersWithOnePathAreRefused() {
        // Byte 725 of Python archive 7 is in the central entry of dir1/00.bin: "0" ^ 1 is "1",
        // so two entries then name dir1/01.bin (which one a reader takes differs by reader).
        var bytes = ZipFixture.all[7].bytes
        bytes[725] ^= 1
        let path = Self.file(bytes)
        #expect(throws: ZipDirectory.damagedMember(path + "/dir1/01.bin", "another member has the same path")) { try ZipReader(path) }
    }

    @Test func damagedDirectorySaysTruncatedOrNotAZip() {
        let tiny = FixtureData.bytes("tiny_hgb.zip")
        // The end record: entries on this disk and in all (+8, +10), directory size (+12, 423
        // bytes: room for 9 entries of 46 bytes) and offset (+16, 677).
        let entries = { (n: Int) in n | n << 16 }
        let cases: [(field: Int, width: Int, value: Int, reason: String)] = [
            (Self.endRecord + 8, 4, entries(8), "central directory entry 8 of 8 is damaged"),
            (Self.endRecord + 8, 4, entries(6), "the central directory holds more than its 6 declared entries"),
            (Self.endRecord + 8, 4, entries(10), "the central directory declares 10 entries but has room for 9"),
            (Self.endRecord + 10, 2, 6, "it is one part of a split archive, which cannot be read"),
            (Self.endRecord + 16, 4, 676, "central directory entry 1 of 7 is damaged"),
            (Self.endRecord + 12, 4, 424, "the central directory lies outside the file"),
            (Self.endRecord + 16, 4, 0xFFFF_FFFF, "the central directory lies outside the file"),
            (Self.endRecord + 4, 2, 1, "it is one part of a split archive, which cannot be read"),
            (Self.endRecord, 1, 0, "no readable central directory"),
        ]
        for c in cases {
            let path = Self.file(Self.patched(tiny, at: c.field, width: c.width, to: c.value))
            #expect(throws: ZipDirectory.notAZip(path, c.reason)) { try ZipReader(path) }
        }
        for bytes in [[], Array("not a zip".utf8), Array(repeating: 0, count: 100)] {
            let path = Self.file(bytes)
            #expect(throws: ZipDirectory.notAZip(path, "no readable central directory")) { try ZipReader(path) }
        }
    }

    // MARK: Every truncation and byte flip: an error or the right bytes, never a hang

    /// Small archives: Python's zipfile (deflated, a folder entry, CRLF), numpy (ZIP64 local
    /// headers, stored and deflated), and Python fixtures with a folder entry and with data
    /// descriptors.
    static let damageFixtures = ["tiny_hgb.zip", "stored.npz", "deflated.npz", "python-0", "python-7"]

    static func damageFixture(_ name: String) -> [UInt8] {
        name.hasPrefix("python-") ? ZipFixture.all[Int(name.dropFirst(7))!].bytes : FixtureData.bytes(name)
    }

    /// Reads every member of `bytes` (written to `path`): each read must end in an error or the
    /// content of the original member of that path (or, where the damage changed the path, of
    /// some original member). Returns how many members read and the paths that read other bytes.
    static func readsErrorOrOriginal(_ bytes: [UInt8], path: String, original: [String: [UInt8]]) -> (reads: Int, wrong: [String]) {
        try! Data(bytes).write(to: URL(fileURLWithPath: path))
        guard let zip = try? ZipReader(path) else { return (0, []) }
        var reads = 0, wrong: [String] = []
        for member in zip.memberPaths {
            guard let data = try? zip.read(member) else { continue }
            reads += 1
            if !(original[member].map { $0 == data } ?? original.values.contains(data)) { wrong.append(member) }
        }
        return (reads, wrong)
    }

    @Test(arguments: damageFixtures)
    func everyTruncationFailsWhenOpened(fixture: String) throws {
        let bytes = Self.damageFixture(fixture)
        let folder = TestFiles.temporaryFolder()
        let outcome = finishing(within: 120) {
            (0..<bytes.count).filter { length in
                let path = TestFiles.write(bytes: Array(bytes.prefix(length)), to: "cut.zip", in: folder)
                do throws(GraphIOError) {
                    _ = try ZipReader(path)
                    return true
                } catch {
                    return !error.description.contains("truncated or not a zip archive")
                }
            }
        }
        #expect(outcome == [], "prefix lengths that opened or failed otherwise; nil: no answer within 120 s")
    }

    @Test(arguments: damageFixtures)
    func everyByteFlipGivesAnErrorOrTheRightBytes(fixture: String) throws {
        let bytes = Self.damageFixture(fixture)
        let original = try Self.readAll(Self.file(bytes))
        let path = TestFiles.temporaryFolder() + "/flipped.zip"
        let outcome = finishing(within: 300) {
            var reads = 0, wrong: [String] = []
            for offset in bytes.indices {
                for mask: UInt8 in [0x01, 0xFF] {
                    var flipped = bytes
                    flipped[offset] ^= mask
                    let result = Self.readsErrorOrOriginal(flipped, path: path, original: original)
                    reads += result.reads
                    wrong += result.wrong.map { "byte \(offset) ^ \(mask): \($0)" }
                }
            }
            return (reads, wrong)
        }
        guard let (reads, wrong) = outcome else {
            Issue.record("no answer within 300 s")
            return
        }
        #expect(wrong == [])
        // Flips in timestamps, attributes and unused fields leave members readable.
        #expect(reads > 0)
    }
}

/// Holds the result of a worker thread; written before the worker signals `done` and read only
/// after a successful wait, so the semaphore orders the two accesses.
private final class WorkerOutcome<T>: @unchecked Sendable {
    var value: T?
    let done = DispatchSemaphore(value: 0)
}

/// Runs `body` on a thread of its own and waits at most `seconds` for its result: `nil` when it
/// has not finished by then. A hang thus fails the test that waits instead of stopping the
/// suite (the worker is left running).
func finishing<T>(within seconds: Double, _ body: @escaping @Sendable () -> T) -> T? {
    let outcome = WorkerOutcome<T>()
    let worker = Thread {
        outcome.value = body()
        outcome.done.signal()
    }
    worker.stackSize = 16 << 20
    worker.start()
    guard outcome.done.wait(timeout: .now() + seconds) == .success else { return nil }
    return outcome.value
}
