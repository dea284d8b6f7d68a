import DenseMath
import Foundation
import GraphIO
import Testing

/// Damaged inputs never crash a reader: each either parses or throws a ``GraphIOError``.
@Suite("Robustness against damaged input")
struct RobustnessTests {
    /// `valid` with a few random bytes overwritten, or cut at a random length.
    static func damaged(_ valid: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var bytes = valid
        if rng.nextInt(below: 3) == 0 {
            return Array(bytes.prefix(rng.nextInt(below: bytes.count + 1)))
        }
        for _ in 0..<(1 + rng.nextInt(below: 4)) where !bytes.isEmpty {
            let choices: [UInt8] = [0, 9, 10, 13, 32, 44, 45, 46, 48, 57, 0x23, 0x25, 0x65, 0x78, 0xC3, 0xFF]
            bytes[rng.nextInt(below: bytes.count)] = choices[rng.nextInt(below: choices.count)]
        }
        return bytes
    }

    /// Runs `body` on 200 damaged copies of `valid`; only ``GraphIOError`` may escape.
    func fuzz(_ valid: String, seed: UInt64, _ body: ([UInt8]) throws -> Void) {
        fuzz(Array(valid.utf8), seed: seed, body)
    }

    func fuzz(_ valid: [UInt8], seed: UInt64, _ body: ([UInt8]) throws -> Void) {
        var rng = SplitMix64(seed: seed)
        for _ in 0..<200 {
            let input = Self.damaged(valid, &rng)
            do {
                try body(input)
            } catch is GraphIOError {
                // expected for most damaged inputs
            } catch {
                Issue.record("unexpected error type \(type(of: error)): \(error)")
            }
        }
    }

    @Test func edgeLists() {
        let text = "# c\n0\t1\t0.5\n1 2 1e-3\r\n2,3,7\n\n3 0 2\n"
        for mode in EdgeListReadOptions.IDMode.allCases {
            fuzz(text, seed: 1) { _ = try EdgeListReader.parse($0, file: "e", options: .init(idMode: mode, threadCount: 2)) }
        }
    }

    @Test func labelsSplitsAndHyperedges() {
        fuzz("0\t1\n1\tb c\n2 3\n", seed: 2) { _ = try LabelReader.parse($0, file: "l", numNodes: 4) }
        fuzz("0\ttrain\n1\tval\n2\ttest\n", seed: 3) { _ = try SplitReader.parse($0, file: "s", numNodes: 4) }
        fuzz("1\t2\t3\n4 5\n6\n", seed: 4) { _ = try HyperedgeListReader.parse($0, file: "h", numVertices: 8) }
    }

    @Test func matrixMarket() {
        let coordinate = "%%MatrixMarket matrix coordinate real symmetric\n3 3 3\n1 1 1.5\n2 1 2\n3 2 -1\n"
        fuzz(coordinate, seed: 5) { _ = try MatrixMarketReader.parse($0, file: "m") }
        fuzz(coordinate, seed: 6) { _ = try MatrixMarketReader.parseSparse($0, file: "m") }
        let array = "%%MatrixMarket matrix array real skew-symmetric\n3 3\n1\n2\n3\n"
        fuzz(array, seed: 7) { _ = try MatrixMarketReader.parse($0, file: "m") }
    }

    @Test func numPy() throws {
        for name in ["float32_2x3.npy", "int64_5.npy", "float64_scalar.npy", "empty_0x7.npy"] {
            fuzz(FixtureData.bytes(name), seed: 8) { _ = try NPY.parse($0, file: name) }
        }
    }
}
