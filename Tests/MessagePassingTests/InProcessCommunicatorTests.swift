import Foundation
import MessagePassing
import Testing

/// The in-process communicator keeps the semantics the trainers rely on (and MPICommunicator
/// gives): tagged messages matched in posting order, collectives in rank order, sub-groups,
/// deadlines, abort and agreement.
@Suite struct InProcessCommunicatorTests {
    /// Runs `body` on `ranks` threads and returns the results in rank order, failing on errors.
    static func all<T>(_ ranks: Int, timeout: Double = 30, _ body: @escaping @Sendable (InProcessCommunicator) throws -> T) throws -> [T] {
        try InProcessCommunicator.run(ranks: ranks, timeout: timeout, body).map { try $0.get() }
    }

    /// The sum of float vectors in rank order is bit-identical on every rank and equals the
    /// serial sum `((x₀ + x₁) + x₂) + x₃` (floats are not associative: another order differs).
    @Test(arguments: [2, 3, 4])
    func allReduceAddsInRankOrder(_ ranks: Int) throws {
        @Sendable func values(_ r: Int) -> [Float] { (0..<1000).map { i in Float(sin(Double(i * (r + 3)))) * powf(10, Float((i + r) % 7 - 3)) } }
        let sums = try Self.all(ranks) { comm in
            var x = values(comm.rank)
            try comm.allReduceSum(&x)
            return x
        }
        var serial = values(0)
        for r in 1..<ranks { for i in serial.indices { serial[i] += values(r)[i] } }
        for s in sums { #expect(s == serial) }
    }

    /// The reduce-scatter/all-gather sum against the serial rank-order sum, for lengths shorter
    /// than, equal to and not divisible by the rank count, in Float, Double and Int64; and the
    /// maximum. Every rank gets the same bits.
    @Test(arguments: [1, 2, 3, 4, 7, 1001])
    func allReduceOfEveryLengthEqualsTheSerialReduction(_ n: Int) throws {
        for ranks in [2, 3, 4] {
            @Sendable func floats(_ r: Int) -> [Float] { (0..<n).map { i in Float(sin(Double(i * 7 + r * 13 + 1))) * powf(10, Float((i + r) % 5 - 2)) } }
            @Sendable func integers(_ r: Int) -> [Int64] { (0..<n).map { i in Int64(i * 1_000_003 - r * 77) } }
            let got = try Self.all(ranks) { comm -> ([Float], [Double], [Int64], [Double]) in
                var f = floats(comm.rank), d = floats(comm.rank).map { Double($0) / 3 }, k = integers(comm.rank), m = d
                try comm.allReduceSum(&f)
                try comm.allReduceSum(&d)
                try comm.allReduceSum(&k)
                try comm.allReduceMax(&m)
                return (f, d, k, m)
            }
            var f = floats(0), d = floats(0).map { Double($0) / 3 }, k = integers(0), m = d
            for r in 1..<ranks {
                for i in 0..<n {
                    f[i] += floats(r)[i]
                    d[i] += Double(floats(r)[i]) / 3
                    k[i] += integers(r)[i]
                    m[i] = max(m[i], Double(floats(r)[i]) / 3)
                }
            }
            for g in got {
                #expect(g.0 == f)
                #expect(g.1 == d)
                #expect(g.2 == k)
                #expect(g.3 == m)
            }
        }
    }

    /// Every rank's block for q arrives at q, in rank order; empty blocks count as nothing.
    @Test func allToAllDeliversEachBlockToItsRank() throws {
        let ranks = 4
        @Sendable func block(from r: Int, to q: Int) -> [UInt8] { (0..<((r + 2 * q) % 5)).map { UInt8(truncatingIfNeeded: 31 * r + 7 * q + $0) } }
        let got = try Self.all(ranks) { comm -> ([[UInt8]], Int64) in
            let out = try comm.allToAll((0..<ranks).map { block(from: comm.rank, to: $0) },
                                        receiveCounts: (0..<ranks).map { block(from: $0, to: comm.rank).count })
            return (out, comm.traffic.collectiveBytes)
        }
        for (q, g) in got.enumerated() {
            #expect(g.0 == (0..<ranks).map { block(from: $0, to: q) })
            #expect(g.1 == Int64((0..<ranks).filter { $0 != q }.reduce(0) { $0 + block(from: q, to: $1).count }))
        }
    }

    @Test func messagesMatchInPostingOrderAndCheckLengths() throws {
        let got = try Self.all(2) { comm -> [Float] in
            if comm.rank == 0 {
                for k in 0..<3 {
                    let b = MessageBuffer(capacity: 2)
                    b.pointer[0] = Float(k); b.pointer[1] = Float(10 * k)
                    try comm.waitAll([try comm.isend(b, count: 2, to: 1, tag: 5)])
                }
                return []
            }
            let buffers = (0..<3).map { _ in MessageBuffer(capacity: 2) }
            let requests = try buffers.map { try comm.irecv($0, count: 2, from: 0, tag: 5) }
            try comm.waitAll(requests.reversed())  // waiting order does not change the matching
            return buffers.flatMap { [$0.pointer[0], $0.pointer[1]] }
        }
        #expect(got[1] == [0, 0, 1, 10, 2, 20])
        let wrong = InProcessCommunicator.run(ranks: 2, timeout: 10) { comm in
            let b = MessageBuffer(capacity: 4)
            if comm.rank == 0 { _ = try comm.isend(b, count: 3, to: 1, tag: 1) } else { try comm.waitAll([try comm.irecv(b, count: 4, from: 0, tag: 1)]) }
        }
        guard case .failure(let error as CommunicationError) = wrong[1] else { Issue.record("expected a length error"); return }
        #expect(error.kind == .invalidMessage && error.message == "expected 4 floats from rank 0 (tag 1), got 3")
    }

    @Test func splitGathersAndBroadcasts() throws {
        let results = try Self.all(6) { comm -> [Double] in
            let group = try comm.split(color: comm.rank / 3, key: -comm.rank)  // keys reverse the order
            var x = [Double(comm.rank)]
            try group.allReduceSum(&x)
            var b: [Int32] = group.rank == 0 ? [Int32(comm.rank), 7] : [0, 0]
            try group.broadcast(&b, root: 0)
            let gathered = try comm.gather([Double(comm.rank * comm.rank)], root: 2)
            return [Double(group.rank), Double(group.size), x[0], Double(b[0]), Double(b[1]), Double(gathered?.count ?? -1)]
        }
        for (r, v) in results.enumerated() {
            #expect(v[0] == Double(2 - r % 3) && v[1] == 3)
            #expect(v[2] == (r < 3 ? 3 : 12))
            #expect(v[3] == (r < 3 ? 2 : 5) && v[4] == 7)
            #expect(v[5] == (r == 2 ? 6 : -1))
        }
    }

    /// A peer that is alive but never sends: the deadline ends the wait. A peer that ended
    /// (returned or threw) without sending: the wait fails at once.
    @Test func aWaitWithoutASenderTimesOut() throws {
        let start = Date()
        let outcome = InProcessCommunicator.run(ranks: 2, timeout: 0.3) { comm in
            if comm.rank == 1 { try comm.waitAll([try comm.irecv(MessageBuffer(capacity: 1), count: 1, from: 0, tag: 3)]) }
            else { Thread.sleep(forTimeInterval: 1) }
        }
        guard case .failure(let error as CommunicationError) = outcome[1] else { Issue.record("expected a timeout"); return }
        #expect(error.kind == .timedOut)
        #expect(error.description == "wait timed out: no message from rank 0 (tag 3) within 0.3 s")
        #expect(Date().timeIntervalSince(start) < 10)
        let ended = InProcessCommunicator.run(ranks: 2, timeout: 60) { comm in
            if comm.rank == 1 { try comm.waitAll([try comm.irecv(MessageBuffer(capacity: 1), count: 1, from: 0, tag: 3)]) }
        }
        guard case .failure(let gone as CommunicationError) = ended[1] else { Issue.record("expected a failure"); return }
        #expect(gone.description == "wait failed: rank 0 ended without sending (tag 3)")
    }

    @Test func abortWakesEveryRank() throws {
        let outcome = InProcessCommunicator.run(ranks: 3, timeout: 30) { comm in
            if comm.rank == 2 { try comm.abort(code: 3, reason: "disk full") }
            try comm.barrier()
        }
        for o in outcome {
            guard case .failure(let error as CommunicationError) = o else { Issue.record("expected an abort"); continue }
            #expect(error.kind == .aborted && error.message == "rank 2 aborted the job: disk full")
        }
    }

    struct Failure: Error, CustomStringConvertible { let description: String }

    @Test func agreementReportsOnceOnRankZero() throws {
        let describe: @Sendable (any Error) -> (message: String, code: Int32) = { ("\($0)", 64) }
        let others = InProcessCommunicator.run(ranks: 4, timeout: 30) { comm in
            try comm.agree({ if comm.rank % 2 == 1 { throw Failure(description: "bad line") } }, describe: describe)
        }
        for (r, o) in others.enumerated() {
            guard case .failure(let error as AgreedFailure) = o else { Issue.record("rank \(r) did not fail"); continue }
            #expect(error.code == 64 && !error.rootFailed)
            #expect(error.reports.map(\.ranks) == (r == 0 ? [[1, 3]] : []) && error.reports.map(\.message) == (r == 0 ? ["bad line"] : []))
            if r == 0 { #expect(error.description == "ranks 1, 3: bad line") }
        }
        let root = InProcessCommunicator.run(ranks: 3, timeout: 30) { comm in
            try comm.agree({ throw Failure(description: "no such file (rank \(comm.rank))") }, describe: describe)
        }
        guard case .failure(let error as AgreedFailure) = root[0] else { Issue.record("rank 0 did not fail"); return }
        #expect(error.rootFailed && error.reports.map(\.message) == ["no such file (rank 0)"])
        let fine = try Self.all(3) { comm in try comm.agree({ comm.rank * 2 }, describe: describe) }
        #expect(fine == [0, 2, 4])
    }
}

/// The Open MPI communicator started without mpirun is a one-rank world: collectives are
/// identities and the trainers run on it unchanged.
@Suite struct MPISingletonTests {
    @Test func singletonWorld() throws {
        let world = try MPICommunicator.initialize()
        #expect(world.size == 1 && world.rank == 0 && !world.hostName.isEmpty)
        var x: [Float] = [1.5, -2]
        try world.allReduceSum(&x)
        #expect(x == [1.5, -2])
        let alone = try world.split(color: 0, key: 0)
        #expect(alone.size == 1)
        try world.barrier()
    }
}
