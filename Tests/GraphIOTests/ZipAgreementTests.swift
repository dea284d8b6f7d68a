import DenseMath
import Foundation
@testable import GraphIO
import Testing
import ZIPFoundation

/// GraphIO's zip reader on archives ZIPFoundation writes (the writer behind ``NPZ/write(_:to:compressed:)``):
/// random members, stored and deflated, up to a few hundred KiB so that inflating crosses the
/// reader's 64 KiB output chunks many times; the reader must return exactly the bytes written.
/// Truncated archives fail when opened; damaged data gives an error or the right bytes.
@Suite("Zip reader against ZIPFoundation")
struct ZipAgreementTests {
    /// One member to write: its path, its content and whether it is deflated.
    struct Member {
        let path: String
        let content: [UInt8]
        let deflated: Bool
    }

    /// `length` bytes of one of four kinds: random (deflate cannot shrink them), text over six
    /// letters, runs of 50 equal bytes, or zeros (deflate shrinks them about 1000-fold).
    static func content(_ rng: inout SplitMix64, length: Int) -> [UInt8] {
        let kind = rng.next() % 4
        let alphabet = Array("acgt \n".utf8)
        return (0..<length).map { k in
            switch kind {
            case 0: UInt8(truncatingIfNeeded: rng.next() >> 56)
            case 1: alphabet[Int(rng.next() % 6)]
            case 2: UInt8(0x30 + k / 50 % 7)
            default: 0
            }
        }
    }

    /// Up to six members with random paths (some under folders, one non-ASCII), kinds, methods
    /// and lengths: empty, short, around the 64 KiB chunk, or up to 300 KB.
    static func randomMembers(seed: UInt64) -> [Member] {
        var rng = SplitMix64(seed: seed)
        let count = 1 + Int(rng.next() % 6)
        return (0..<count).map { k in
            let length = switch rng.next() % 5 {
            case 0: 0
            case 1: Int(rng.next() % 2000)
            case 2: 65_536 - 8 + Int(rng.next() % 16)
            default: 60_000 + Int(rng.next() % 240_000)
            }
            let path = switch rng.next() % 3 {
            case 0: "m\(k).bin"
            case 1: "dir\(k % 2)/m\(k).npy"
            default: "données-\(k)/node.dat"
            }
            return Member(path: path, content: content(&rng, length: length), deflated: rng.next() % 2 == 0)
        }
    }

    /// The archive ZIPFoundation builds of `members` (in order), with a folder entry first when
    /// `withFolder`.
    static func zipFoundationArchive(_ members: [Member], withFolder: Bool = false) throws -> [UInt8] {
        let archive = try Archive(data: Data(), accessMode: .create)
        if withFolder {
            try archive.addEntry(with: "folder/", type: .directory, uncompressedSize: Int64(0), bufferSize: 1 << 14) { (_: Int64, _: Int) in Data() }
        }
        for member in members {
            let data = Data(member.content)
            try archive.addEntry(with: member.path, type: .file, uncompressedSize: Int64(data.count),
                                 compressionMethod: member.deflated ? .deflate : .none, bufferSize: 1 << 14) { position, size in
                data.subdata(in: Int(position)..<(Int(position) + size))
            }
        }
        return Array(try #require(archive.data))
    }

    @Test(arguments: 0..<12)
    func randomArchivesReadExactly(seed: Int) throws {
        let members = Self.randomMembers(seed: UInt64(seed))
        let path = ZipReaderTests.file(try Self.zipFoundationArchive(members, withFolder: seed % 3 == 0))
        let zip = try ZipReader(path)
        #expect(zip.memberPaths == members.map(\.path))
        for member in members {
            let read = try zip.read(member.path)
            #expect(read.count == member.content.count, "\(member.path)")
            #expect(read == member.content, "\(member.path), \(member.deflated ? "deflated" : "stored")")
        }
    }

    /// One stored and one deflated member of about 100 KB each, and a small one.
    static func damageArchive() throws -> (bytes: [UInt8], members: [Member]) {
        var rng = SplitMix64(seed: 77)
        let members = [
            Member(path: "a/node.dat", content: content(&rng, length: 100_000), deflated: true),
            Member(path: "a/link.dat", content: content(&rng, length: 90_000), deflated: false),
            Member(path: "a/label.dat", content: Array("0\tx\t0\t1\n".utf8), deflated: true),
        ]
        return (try zipFoundationArchive(members), members)
    }

    @Test func truncatedArchivesFailWhenOpened() throws {
        let (bytes, _) = try Self.damageArchive()
        var rng = SplitMix64(seed: 5)
        let lengths = [0, 1, 21, 22, bytes.count - 22, bytes.count - 1] + (0..<40).map { _ in Int(rng.next() % UInt64(bytes.count)) }
        let folder = TestFiles.temporaryFolder()
        for length in lengths {
            let path = TestFiles.write(bytes: Array(bytes.prefix(length)), to: "cut.zip", in: folder)
            #expect(throws: ZipDirectory.notAZip(path, "no readable central directory")) { try ZipReader(path) }
        }
    }

    @Test func damagedBytesGiveAnErrorOrTheRightBytes() throws {
        let (bytes, members) = try Self.damageArchive()
        let original = Dictionary(uniqueKeysWithValues: members.map { ($0.path, $0.content) })
        let path = TestFiles.temporaryFolder() + "/damaged.zip"
        let outcome = finishing(within: 300) {
            var rng = SplitMix64(seed: 9)
            var errors = 0, wrong: [String] = []
            for round in 0..<300 {
                var damaged = bytes
                // One to four random bytes anywhere, or a run of bytes set to one value.
                if round % 5 == 4 {
                    let start = Int(rng.next() % UInt64(bytes.count)), value = UInt8(truncatingIfNeeded: rng.next())
                    for i in start..<min(bytes.count, start + 1 + Int(rng.next() % 64)) { damaged[i] = value }
                } else {
                    for _ in 0...(rng.next() % 4) { damaged[Int(rng.next() % UInt64(bytes.count))] ^= UInt8(1 + rng.next() % 255) }
                }
                let result = ZipReaderTests.readsErrorOrOriginal(damaged, path: path, original: original)
                errors += members.count - result.reads
                wrong += result.wrong.map { "round \(round): \($0)" }
            }
            return (errors, wrong)
        }
        let (errors, wrong) = try #require(outcome, "no answer within 300 s")
        #expect(wrong == [])
        // Most damage lands in the two large members' data and must be caught.
        #expect(errors > 100)
    }

    @Test(arguments: [false, true])
    func largeNPZArraysRoundTripThroughZIPFoundation(compressed: Bool) throws {
        var rng = SplitMix64(seed: compressed ? 3 : 4)
        let values = (0..<150_000).map { _ in Float(rng.next() % 1000) / 8 }
        let arrays = ["features": try NPYArray(float32: values, shape: [1500, 100]), "empty": try NPYArray(float32: [], shape: [0, 3])]
        let path = TestFiles.temporaryFolder() + "/large.npz"
        try NPZ.write(arrays, to: path, compressed: compressed)
        #expect(try NPZ.read(path) == arrays)
    }
}
