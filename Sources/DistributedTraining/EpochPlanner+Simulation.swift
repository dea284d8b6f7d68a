/// One step of a rank's timeline in ``EpochPlanner``'s simulation of a training epoch.
enum PlanOperation: Equatable {
    /// Kernels worth this many seconds on a core of its own.
    case compute(Double)
    /// A collective of `members` ranks (halo exchange, all-reduce) identified by `key`: it starts
    /// when the last member arrives, then each member is on its link for `seconds`.
    case exchange(key: Int, members: Int, seconds: Double)
    /// A message that leaves now and arrives `seconds` later; the sender goes on (non-blocking).
    /// An eager message: up to Open MPI's eager limit the bytes go out with the send.
    case send(message: Int, seconds: Double)
    /// A message above the eager limit (rendezvous protocol): after the handshake its bytes move
    /// only while the sender is inside MPI again, which a rank that goes on computing is not.
    /// Its `seconds` start at the sender's next MPI call: the end of its next compute operation
    /// (the trainer lets the transport progress after every layer, ``/MessagePassing/Communicating/progress()``),
    /// its next communication operation (send, receive, exchange) or the end of its timeline,
    /// whichever comes first.
    case rendezvousSend(message: Int, seconds: Double)
    /// Waits until `message` has arrived.
    case receive(message: Int)
}

/// A discrete-event simulation of P ranks' timelines (``PlanOperation``) with processor sharing:
/// when `sharedCores` is set (hosts emulated on one machine), the n ranks computing at one moment
/// progress at min(1, cores / (n · threads)) seconds of kernel work per second; ranks that wait
/// for a message or a collective sleep and leave their core (``MPICommunicator``'s polling).
/// While more than one core computes, kernels also run `coRunFactor` times slower (shared memory
/// bandwidth and last-level cache). Links are independent: a rank's transfers do not slow another's;
/// a rank's own point-to-point messages queue on its link (a message starts moving when the
/// rank's previous one has left: they share the rank's one link out).
enum TimelineSimulation {
    /// Seconds until every rank has finished its last operation.
    /// - Precondition: the timelines match (every received message is sent, every collective key
    ///   is reached by exactly `members` ranks); otherwise the ranks would wait forever.
    static func run(_ timelines: [[PlanOperation]], sharedCores: Int?, threads: Int = 1, coRunFactor: Double = 1) -> Double {
        let P = timelines.count
        var position = [Int](repeating: 0, count: P)
        var remaining = [Double?](repeating: nil, count: P)  // kernel seconds left of the current compute
        var linkEnd = [Double?](repeating: nil, count: P)    // end of the current collective's transfer
        var arrival: [Int: Double] = [:]                      // message → arrival time
        var arrived: [Int: [Int]] = [:]                       // collective key → ranks waiting in it
        var unsent = [[(message: Int, seconds: Double)]](repeating: [], count: P)  // rendezvous sends not yet moving
        var linkFree = [Double](repeating: 0, count: P)      // when rank r's link has sent its queued messages
        var now = 0.0
        // Message `message` joins rank r's link queue now.
        func transmit(_ r: Int, _ message: Int, _ seconds: Double) {
            linkFree[r] = max(now, linkFree[r]) + seconds
            arrival[message] = linkFree[r]
        }
        // Rank r is inside MPI now: its rendezvous messages start moving.
        func progress(_ r: Int) {
            for m in unsent[r] { transmit(r, m.message, m.seconds) }
            unsent[r].removeAll()
        }
        while true {
            // Run every rank through what takes no time (sends, arrived messages, completed collectives).
            var changed = true
            while changed {
                changed = false
                for r in 0..<P {
                    guard position[r] < timelines[r].count else {
                        progress(r)  // the end of the step waits for its sends
                        continue
                    }
                    if case .compute = timelines[r][position[r]] {} else { progress(r) }
                    switch timelines[r][position[r]] {
                    case .compute(let seconds):
                        if remaining[r] == nil { remaining[r] = seconds }
                        if remaining[r]! <= 1e-12 {
                            remaining[r] = nil
                            position[r] += 1
                            progress(r)  // the trainer's progress call after a layer's kernels
                            changed = true
                        }
                    case .send(let message, let seconds):
                        transmit(r, message, seconds)
                        position[r] += 1
                        changed = true
                    case .rendezvousSend(let message, let seconds):
                        unsent[r].append((message, seconds))
                        position[r] += 1
                        changed = true
                    case .receive(let message):
                        if let t = arrival[message], t <= now {
                            position[r] += 1
                            changed = true
                        }
                    case .exchange(let key, let members, let seconds):
                        if let end = linkEnd[r] {
                            if end <= now {
                                linkEnd[r] = nil
                                position[r] += 1
                                changed = true
                            }
                        } else if !(arrived[key]?.contains(r) ?? false) {
                            arrived[key, default: []].append(r)
                            if arrived[key]!.count == members {
                                for m in arrived[key]! { linkEnd[m] = now + seconds }
                                arrived[key] = nil
                                changed = true
                            }
                        }
                    }
                }
            }
            // The next event: a compute finishing, a message arriving, a transfer ending.
            let computing = (0..<P).filter { position[$0] < timelines[$0].count && remaining[$0] != nil }
            let rate = sharedCores.map { cores in
                let busy = computing.count * threads
                return min(1, Double(cores) / Double(max(1, busy))) / (min(busy, cores) > 1 ? coRunFactor : 1)
            } ?? 1
            var next = Double.infinity
            for r in computing { next = min(next, now + remaining[r]! / rate) }
            for r in 0..<P where position[r] < timelines[r].count {
                if case .receive(let message) = timelines[r][position[r]], let t = arrival[message] { next = min(next, t) }
                if let end = linkEnd[r] { next = min(next, end) }
            }
            if next == .infinity {
                precondition(position.indices.allSatisfy { position[$0] == timelines[$0].count }, "TimelineSimulation: the timelines wait forever")
                return now
            }
            // The ranks whose compute ends at `next` end exactly (at a large `now`, now + a small
            // remainder rounds to now, and subtracting would never reach zero).
            for r in computing {
                if now + remaining[r]! / rate <= next { remaining[r] = 0 } else { remaining[r]! -= (next - now) * rate }
            }
            now = next
        }
    }
}
