import Foundation
@testable import GraphIO
import Testing

/// Inputs found by the libFuzzer targets (Benchmarks/Fuzz, issue 15), kept as regression tests.
@Suite("Fuzz findings")
struct FuzzRegressionTests {
    /// An `.npz` whose central directory claims a 4,278,189,975-byte member (the deflated data
    /// holds 89 bytes). ZipReader reserved the claimed size up front: 4 GiB per read (libFuzzer:
    /// out-of-memory, npz target; a claim near 2^63 would have trapped). The zip reader now
    /// reserves no more than the compressed bytes can inflate to, stops inflating at the claimed
    /// size, and refuses a member whose content is not the size its entry declares.
    static let hugeClaimedSize = """
        UEsDBC0AAAAIAAAAIQAK+FUK//////////8MABQAZmVhdHVyZXMubnB5AQAQAJgAAAAAAAAAWQAAAAAAAACb7BfqGxDJyFDGUK2e
        klqcXKRupaBuk2airqOgnpZfVFKUmBefX5SSChJ3S8wpTgWKF2ckFqQC+RpGOgrGmjoKtQpkAy4GhgY7ILZnYEg4wMDA4MAABk8c
        AFBLAwQtAAAACAAAACEA7rAWeP//////////CgAUAGxhYmVscy5ucHkBABAAqAAAAAAAAABQAAAAAAAAAJvsF+obEMnIUMZQrZ6S
        WpxcpG6loG6TaaGuo6Cell9UUpSYF59flJIKEndLzClOBYoXZyQWpAL5GqY6mjoKtQoUAC5mBghghNIsaHxWKA0AUEsBAi0DLQAA
        AAgAAAAhAAr4VQpZAAAAl////gwAAAAAAAAAAAAAAIABAAAAAGZlYXR1cmVzLm5weVBLAQItAy0AAAAIAAAAIQDusBZ4UAAAAKgA
        AAAKAAAAAAAAAAAAAACAAZcAAABsYWJlbHMubnB5UEsFBgAAAAACAAIAcgAAACMBAAAAAA==
        """

    @Test func zipMemberClaimingGigabytesIsRefusedWithoutReservingThem() throws {
        let bytes = Array(Data(base64Encoded: Self.hugeClaimedSize.filter { !$0.isWhitespace })!)
        let path = TestFiles.write(bytes: bytes, to: "huge.npz", in: TestFiles.temporaryFolder())
        let before = peakResidentBytes()
        // The member's data is intact (152 bytes, the CRC-32 matches); its size field is not.
        #expect(throws: GraphIOError.archive(file: path + "/features.npy",
                                             message: "cannot extract: the member inflates to 152 bytes but declares 4278189975; the archive is damaged")) {
            try NPZ.read(path)
        }
        // Far below the 4 GiB the header claims (the test process itself may be large).
        #expect(peakResidentBytes() - before < 1 << 30)
    }

    @Test func damagedZipSaysTruncatedWithoutInternalNames() throws {
        let whole = FixtureData.bytes("tiny_hgb.zip")
        let path = TestFiles.write(bytes: Array(whole.prefix(whole.count / 2)), to: "half.zip", in: TestFiles.temporaryFolder())
        do {
            _ = try HGBDataset.load(path)
            Issue.record("a truncated zip was read")
        } catch {
            #expect(error.description == "\(path): truncated or not a zip archive (no readable central directory); download or copy it again")
        }
    }

    /// A 417-byte damaged HGB zip (hgbzip target, libFuzzer timeout; also the seed
    /// Benchmarks/Fuzz/corpus/hgbzip/regression-zipfoundation-inflate-hang.zip): `graphlearning
    /// summary` on it ran past 120 s. Its first member, `bad/node.dat`, has an intact entry but
    /// damaged deflate data that does not end within its 56 compressed bytes (and would inflate
    /// past the 66 bytes declared); ZIPFoundation's inflate loop kept asking for input past them
    /// (empty chunks) while the stream had not ended. The second central directory entry's
    /// signature is damaged too (`NK`), so the whole archive now fails when it is opened.
    static let inflateHang = """
        UEsDBBQAAAAIAIGNfV1VV1McOAAAAEIAAAAMAAAAYmFkL25vZGUuZGF0DYqxDcAwDMNm6RansOzkoAzdPfR/VOBAEGBiEuY5
        IQojx1LUu8TClGxhYmVsLmRhdC50ZXN0X2Z1bGwEFAAAAAgAgY19Xb4tD5UTAAAAGAAAAAwAAABiYWQvbGluay5kYXQz4DTm
        NOA01DPg5TLgTExKAAAAAAAAAAAAAAAIAIGNfV1Z1gQGEgAAABIAAAANAAAAYmFkL2xhYmVsLmRhdDPg5DTgNOQy5CwwBDIM
        dIy4AFBLAQIUAxQAAAAIAIGNfV1VV1McOAAAAEIAAAAMAAAAAAAAAAAAAACAAQAAAABiYWQvbm9kZS5kYXROSwECFAMUAAAA
        CACBjX1dvi0PlRMAAAAYAAAADAAAAAAAAAAAAAAAgAFqAAAAYmFkL2xpbmsuZGF0UEsBAhQDFAAAAAgAgY19XVnWBAYSAAAA
        EgAAAA0AAAAAAI19XVnWBAYSAAAAAGJhZC9sYWJlbC5kYXRQSwUGAAAAAAMAAwCvAAAA3AAAAAAA
        """

    /// The error `HGBDataset.load` gives for `bytes` (written to a fresh `hang.zip`), and the
    /// path; the test fails instead of hanging when no answer comes within 10 s (a generous
    /// bound for a 417-byte file, so that sanitizers and a loaded machine do not make it flaky).
    func loadError(_ bytes: [UInt8]) -> (error: GraphIOError?, path: String)? {
        let path = TestFiles.write(bytes: bytes, to: "hang.zip", in: TestFiles.temporaryFolder())
        let outcome = finishing(within: 10) { () -> GraphIOError? in
            do throws(GraphIOError) {
                _ = try HGBDataset.load(path)
                return nil
            } catch {
                return error
            }
        }
        guard let outcome else {
            Issue.record("HGBDataset.load did not return within 10 s")
            return nil
        }
        return (outcome, path)
    }

    @Test func damagedZipThatHungZIPFoundationFailsWhenOpened() throws {
        let bytes = Array(Data(base64Encoded: Self.inflateHang.filter { !$0.isWhitespace })!)
        #expect(bytes.count == 417)
        guard let (error, path) = loadError(bytes) else { return }
        #expect(error?.description == "\(path): truncated or not a zip archive (central directory entry 2 of 3 is damaged); download or copy it again")
    }

    /// The same archive cut down to its first member: bytes 0..<220 (local headers and data),
    /// then node.dat's central entry (bytes 220..<278) alone, then an end record for it. Reading
    /// node.dat now goes through the inflate loop that hung: it stops at the declared size, or,
    /// with a larger declared size, at the end of the compressed bytes.
    @Test(arguments: [
        (66, "the member inflates to more than the 66 bytes the central directory declares; the archive is damaged"),
        (1000, "the deflate data ends before the stream does; the archive is truncated or damaged"),
    ])
    func hangingMemberAloneFailsInItsInflate(declared: Int, message: String) throws {
        let whole = Array(Data(base64Encoded: Self.inflateHang.filter { !$0.isWhitespace })!)
        var bytes = Array(whole[0..<278])
        // The uncompressed size field of the central entry (+24).
        for k in 0..<4 { bytes[220 + 24 + k] = UInt8(declared >> (8 * k) & 0xFF) }
        // End of central directory: 1 entry, directory of 58 bytes at byte 220, no comment.
        bytes += [0x50, 0x4B, 0x05, 0x06, 0, 0, 0, 0, 1, 0, 1, 0, 58, 0, 0, 0, 220, 0, 0, 0, 0, 0]
        guard let (error, path) = loadError(bytes) else { return }
        #expect(error == .archive(file: path + "/bad/node.dat", message: "cannot extract: " + message))
    }

    /// A size line claiming 72,147,483,647 entries over three real ones: the reader reserved
    /// room for all of them up front, 288 GB per array, and the allocation trapped (libFuzzer:
    /// AddressSanitizer out of memory, mtx target). Now the reservation is bounded by the file.
    @Test(arguments: [false, true])
    func matrixMarketSizeLineClaimingBillionsOfEntries(sparse: Bool) {
        let text = "%%MatrixMarket matrix coordinate real general\n% damaged size line\n3 1433 72147483647\n1 20 1\n2 89 1\n3 2 1\n"
        let expected = GraphIOError.parse(file: "f.mtx", line: 6, column: nil,
                                          message: "the file ends after 3 entries; the size line (line 3) declares 72147483647")
        #expect(throws: expected) {
            if sparse { _ = try MatrixMarketReader.parseSparse(Array(text.utf8), file: "f.mtx") } else { _ = try MatrixMarketReader.parse(Array(text.utf8), file: "f.mtx") }
        }
    }

    /// Peak resident memory of this process (VmHWM), in bytes.
    func peakResidentBytes() -> Int {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            return (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) * 1024
        }
        return 0
    }
}
