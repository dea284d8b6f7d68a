import ArgumentParser
import CLISupport
import Foundation
import GraphIO
import HeterogeneousLearning
import Logging

/// This machine's memory in bytes, from `/proc/meminfo` (`MemTotal`, `MemAvailable`).
///
/// The environment variable `RPHGNN_MEMINFO` names another file in that format (tests use it
/// to stand for a smaller or busier machine). Without the file, `physical` is
/// `ProcessInfo.physicalMemory` and `available` is unknown.
struct MachineMemory {
    /// Installed memory (`MemTotal`).
    var physical: Int
    /// Memory the kernel can give a new process without swapping (`MemAvailable`), if known.
    var available: Int?

    static func current() -> MachineMemory {
        let path = ProcessInfo.processInfo.environment["RPHGNN_MEMINFO"] ?? "/proc/meminfo"
        var memory = MachineMemory(physical: Int(clamping: ProcessInfo.processInfo.physicalMemory), available: nil)
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return memory }
        for line in text.split(separator: "\n") {
            // "MemAvailable:   23489456 kB"
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 2, let kib = Int(fields[1]) else { continue }
            let bytes = kib.multipliedReportingOverflow(by: fields.count > 2 && fields[2] == "kB" ? 1024 : 1)
            guard !bytes.overflow else { continue }
            if fields[0] == "MemTotal:" { memory.physical = bytes.partialValue }
            if fields[0] == "MemAvailable:" { memory.available = bytes.partialValue }
        }
        return memory
    }
}

/// Checks the estimated peak memory of the run before any tensor is made:
/// - an estimate that overflows 64 bits (`Int.max`, the estimate saturates) is refused (exit 64)
///   as "--hops 100000000000 is far too large", naming the options that alone bring it back
///   into range;
/// - above physical memory, refused (exit 64), naming the options that drive the estimate;
/// - above available memory (`MemAvailable`) but within physical memory, a warning;
/// - otherwise the estimate is logged.
///
/// An option "drives" the estimate when setting it to 1 would cut at least a tenth of it
/// (`estimate` re-estimates with changed settings); they are named largest cut first. The
/// candidates are --hops and, where a node type has no features, --random-feature-dim; for
/// training also --hidden and --batch-size.
/// - Throws: ``CommandFailure`` with exit code 64; the errors of `estimate`.
func checkMemory(_ e: RpHGNNMemoryEstimate, data: HGBDataset, settings s: RpHGNNSettings, training: Bool,
                 logger: Logger, estimate: (RpHGNNSettings) throws -> RpHGNNMemoryEstimate) throws {
    let machine = MachineMemory.current()
    var parts = "groups \(bytesText(e.groupBytes)), inputs \(bytesText(e.inputBytes)), working memory \(bytesText(e.workspaceBytes))"
    if training { parts += ", training \(bytesText(e.trainingBytes))" }
    let total = e.totalBytes
    if total < Int.max && total <= machine.physical {
        if let available = machine.available, total > available {
            logger.warning("the run would need about \(bytesText(total)) of memory at its peak (\(parts)), more than the \(bytesText(available)) available now (of \(bytesText(machine.physical)) physical memory); it may swap or be stopped by the system: close other programs or lower the sizes")
        } else {
            logger.info("estimated peak memory \(bytesText(total)) (\(parts)); physical memory \(bytesText(machine.physical))\(machine.available.map { ", available \(bytesText($0))" } ?? "")")
        }
        return
    }

    // The options that set the size, with the estimate each would give at 1.
    var candidates: [(name: String, value: Int, lowered: (inout RpHGNNSettings) -> Void)] = [
        ("--hops", s.iterations, { $0.iterations = 1 }),
    ]
    if data.features.contains(where: { $0 == nil }) {
        candidates.append(("--random-feature-dim", s.randomFeatureDim, { $0.randomFeatureDim = 1 }))
    }
    if training {
        candidates.append(("--hidden", s.hiddenDim, { $0.hiddenDim = 1 }))
        candidates.append(("--batch-size", s.batchSize, { $0.batchSize = 1 }))
    }
    var cuts: [(name: String, value: Int, total: Int)] = []
    for c in candidates where c.value > 1 {
        var lowered = s
        c.lowered(&lowered)
        cuts.append((c.name, c.value, try estimate(lowered).totalBytes))
    }

    if total == Int.max {
        // Options that alone bring the estimate back below 2⁶³ bytes; else all that lower it.
        var culprits = cuts.filter { $0.total < Int.max }
        if culprits.isEmpty { culprits = cuts }
        let named = culprits.map { "\($0.name) \($0.value)" }
        let list = named.count <= 1 ? (named.first ?? "the settings") : named.dropLast().joined(separator: ", ") + " and " + named.last!
        throw CommandFailure("""
            \(list) \(named.count > 1 ? "are" : "is") far too large: the run's memory would exceed 8 EiB (2⁶³ bytes), \
            while this machine has \(bytesText(machine.physical)) of physical memory; \
            each group holds \(formatCount(e.numNodes)) target nodes × hops × width floats
            """, code: 64)
    }

    let drivers = cuts.filter { total - $0.total >= total / 10 }.sorted { $0.total < $1.total }
    let lower = (drivers.isEmpty ? Array(cuts.sorted { $0.total < $1.total }.prefix(1)) : drivers)
        .map { "\($0.name) (now \($0.value))" }
    let perNode = Double(e.groupBytes) / 4 / Double(max(e.numNodes, 1))
    throw CommandFailure("""
        the run would need about \(bytesText(total)) of memory at its peak (\(parts); the \(e.groupShapes.count) \
        groups hold \(formatCount(e.numNodes)) target nodes × \(formatCount(Int(perNode))) floats), more than the \
        \(bytesText(machine.physical)) of physical memory of this machine\(lower.isEmpty ? "" : "; lower " + lower.joined(separator: " or "))
        """, code: 64)
}
