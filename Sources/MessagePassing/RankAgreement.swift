/// Some ranks failed a step that every rank ran (``Communicating/agree(_:describe:)``): every
/// rank throws this with the same exit status; rank 0 carries what to report.
public struct AgreedFailure: Error, Sendable, CustomStringConvertible {
    /// One message and the ranks that failed with it.
    public struct Report: Sendable, Equatable {
        /// Failing ranks, ascending.
        public let ranks: [Int]
        /// Their message.
        public let message: String
    }

    /// The exit status every rank should end with: rank 0's when it failed, else the lowest
    /// failing rank's.
    public let code: Int32
    /// Whether rank 0 failed (then ``reports`` is rank 0's message alone: every rank read the
    /// same input, so the others most likely failed the same way).
    public let rootFailed: Bool
    /// On rank 0: each distinct message with its ranks, in rank order. Empty on other ranks.
    public let reports: [Report]

    public var description: String {
        reports.map { r in rootFailed ? r.message : "\(Self.who(r.ranks)): \(r.message)" }.joined(separator: "\n")
    }

    /// `rank 3` or `ranks 1, 3`.
    public static func who(_ ranks: [Int]) -> String {
        ranks.count == 1 ? "rank \(ranks[0])" : "ranks " + ranks.map(String.init).joined(separator: ", ")
    }
}

extension Communicating {
    /// Runs `step` on every rank, then every rank learns whether some rank failed (one
    /// all-gather of exit statuses; a gather of messages when a rank other than 0 failed). For
    /// set-up steps every rank runs on the same input (arguments, dataset, model, checkpoint to
    /// resume), so an error is reported once instead of once per rank, and no rank goes on to
    /// wait for a rank that already gave up.
    ///
    /// `step` must not call collectives that a failing rank would skip: each of its collectives
    /// must be reached by all ranks or by none.
    /// - Parameters:
    ///   - step: the set-up work every rank runs (reading data, checking options).
    ///   - describe: the message and non-zero exit status of an error (the caller's
    ///     convention, e.g. 64 for usage errors; default: its description, status 1).
    /// - Throws: ``AgreedFailure`` on every rank when any rank failed;
    ///   ``CommunicationError`` when the agreement itself fails.
    public func agree<T>(_ step: () throws -> T,
                         describe: (any Error) -> (message: String, code: Int32) = { ("\($0)", 1) }) throws -> T {
        let outcome = Result { try step() }
        var mine: (message: String, code: Int32)?
        if case .failure(let error) = outcome {
            let d = describe(error)
            mine = (d.message, d.code == 0 ? 1 : d.code)
        }
        let codes: [Int32] = try allGather([mine?.code ?? 0])
        guard let firstFailing = codes.firstIndex(where: { $0 != 0 }) else { return try outcome.get() }
        if codes[0] != 0 {
            let reports = rank == 0 ? [AgreedFailure.Report(ranks: [0], message: mine!.message)] : []
            throw AgreedFailure(code: codes[0], rootFailed: true, reports: reports)
        }
        var reports: [AgreedFailure.Report] = []
        if let messages = try gather(Array((mine?.message ?? "").utf8), root: 0) {
            var grouped: [(message: String, ranks: [Int])] = []
            for (r, bytes) in messages.enumerated() where codes[r] != 0 {
                let text = String(decoding: bytes, as: UTF8.self)
                if let k = grouped.firstIndex(where: { $0.message == text }) { grouped[k].ranks.append(r) }
                else { grouped.append((text, [r])) }
            }
            reports = grouped.map { AgreedFailure.Report(ranks: $0.ranks, message: $0.message) }
        }
        throw AgreedFailure(code: codes[firstFailing], rootFailed: false, reports: reports)
    }
}
