/// The rows each step of an epoch sends to and receives from the other members of a stage
/// group, for one chunk order (the halo protocol of hybrid and graph parallelism).
///
/// A chunk at position i reads a neighbour u of chunk c(u) **fresh** when pos(c(u)) ≤ i and from
/// **history** when pos(c(u)) > i. For a row u owned by q and read by member g, with R = the
/// positions of g's chunks that read u and p = pos(c(u)), at every layer:
/// ```
/// forward, step p:   q → g  u's fresh row               if max R ≥ p   (g reads it fresh)
/// forward, step 0:   q → g  u's historical row          if min R < p   (g reads it from history)
/// backward, step p:  g → q  ∂u summed over g's chunks   if max R ≥ p, or (deferred) min R < p
/// ```
/// Each row and version crosses once per layer and direction, whatever the number of chunks
/// that read it. ∂u from historical reads (deferred stale gradients) waits in g's pending table
/// and travels with next epoch's step p, when q's chunk c(u) runs backward again (one epoch
/// late, as with one rank). Lists hold local rows, ascending original id on both sides.
public struct ExchangeLists: Sendable {
    /// `[position][peer]`: own rows of chunk order[i] sent fresh.
    public let forwardSend: [[[Int32]]]
    /// `[position][peer]`: remote rows of chunk order[i] received fresh.
    public let forwardReceive: [[[Int32]]]
    /// `[peer]`: own rows sent from history at the first step.
    public let historySend: [[Int32]]
    /// `[peer]`: remote rows received into history at the first step.
    public let historyReceive: [[Int32]]
    /// `[position][peer]`: remote rows of chunk order[i] whose gradients go back to their owner.
    public let backwardSend: [[[Int32]]]
    /// `[position][peer]`: own rows of chunk order[i] whose gradients a peer sends.
    public let backwardReceive: [[[Int32]]]

    /// Rows this rank sends per epoch at one exchanging layer (multiply by the layer's width for
    /// floats): the analytic halo volume of this rank.
    public var rowsSentPerLayer: Int {
        forwardSend.reduce(0) { $0 + $1.reduce(0) { $0 + $1.count } } + historySend.reduce(0) { $0 + $1.count }
            + backwardSend.reduce(0) { $0 + $1.reduce(0) { $0 + $1.count } }
    }
}

extension RankPlan {
    /// The lists for chunk `order` (a permutation of `0 ..< C`); `deferred` when gradients of
    /// historical reads are deferred rather than dropped.
    public func exchangeLists(order: [Int], deferred: Bool) -> ExchangeLists {
        precondition(order.count == numChunks, "exchangeLists: the order has \(order.count) chunks, the plan \(numChunks)")
        var position = [Int](repeating: 0, count: numChunks)
        for (i, c) in order.enumerated() { position[c] = i }
        let empty = [[Int32]](repeating: [], count: groupSize)
        var forwardSend = [[[Int32]]](repeating: empty, count: numChunks), forwardReceive = forwardSend
        var backwardSend = forwardSend, backwardReceive = forwardSend
        var historySend = empty, historyReceive = empty
        for q in 0..<groupSize where q != member {
            for (reads, isOwn) in [(sendCandidates[q], true), (receiveCandidates[q], false)] {
                for (k, u) in reads.rows.enumerated() {
                    let p = position[Int(localChunk[Int(u)])]
                    var first = Int.max, last = Int.min
                    for c in reads.chunks[reads.readerOffsets[k]..<reads.readerOffsets[k + 1]] {
                        first = min(first, position[Int(c)])
                        last = max(last, position[Int(c)])
                    }
                    let fresh = last >= p, historical = first < p
                    if isOwn {
                        if fresh { forwardSend[p][q].append(u) }
                        if historical { historySend[q].append(u) }
                        if fresh || (deferred && historical) { backwardReceive[p][q].append(u) }
                    } else {
                        if fresh { forwardReceive[p][q].append(u) }
                        if historical { historyReceive[q].append(u) }
                        if fresh || (deferred && historical) { backwardSend[p][q].append(u) }
                    }
                }
            }
        }
        return ExchangeLists(forwardSend: forwardSend, forwardReceive: forwardReceive, historySend: historySend,
                             historyReceive: historyReceive, backwardSend: backwardSend, backwardReceive: backwardReceive)
    }

    /// The lists of a pass without chunks (evaluation, warm-up epochs): one step, every read
    /// fresh, every row a peer reads sent once.
    public var wholeExchangeLists: ExchangeLists {
        let empty = [[Int32]](repeating: [], count: groupSize)
        var send = empty, receive = empty
        for q in 0..<groupSize where q != member {
            send[q] = sendCandidates[q].rows
            receive[q] = receiveCandidates[q].rows
        }
        return ExchangeLists(forwardSend: [send], forwardReceive: [receive], historySend: empty, historyReceive: empty,
                             backwardSend: [receive], backwardReceive: [send])
    }
}
