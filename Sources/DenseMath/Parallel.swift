import Dispatch
import Foundation

/// Parallel loops with a fixed work split, so results never depend on scheduling.
public enum Parallel {
    /// Runs `body(range)` over `count` ranges that cover `0..<total` in order, using
    /// `DispatchQueue.concurrentPerform`. With `count == 1` the body runs on the calling thread.
    ///
    /// Each range is processed by exactly one call, so a body that writes only to its own range
    /// gives the same result for any `count`. The body may write through unsafe pointers to
    /// disjoint parts of shared buffers; it must not touch shared state otherwise.
    public static func forEachRange(total: Int, count: Int, _ body: (Range<Int>) -> Void) {
        let parts = max(1, min(count, total))
        var bounds = [Int](repeating: 0, count: parts + 1)
        for p in 0...parts { bounds[p] = total * p / parts }
        forEachRange(bounds: bounds, body)
    }

    /// Runs `body(range)` over ranges whose boundaries come from `bounds` (ascending, first 0,
    /// last = total): range `p` is `bounds[p]..<bounds[p+1]`.
    public static func forEachRange(bounds: [Int], _ body: (Range<Int>) -> Void) {
        let parts = bounds.count - 1
        if parts <= 0 { return }
        if parts == 1 {
            body(bounds[0]..<bounds[1])
            return
        }
        withoutActuallyEscaping(body) { escapable in
            let box = UncheckedSendableBox(value: escapable)
            let ranges = UncheckedSendableBox(value: bounds)
            DispatchQueue.concurrentPerform(iterations: parts) { p in
                box.value(ranges.value[p]..<ranges.value[p + 1])
            }
        }
    }

    /// Splits rows `0..<offsets.count-1` into `parts` contiguous ranges of about equal work,
    /// where row `i` costs `offsets[i+1] - offsets[i] + 1` (CSR row offsets: degree-balanced).
    public static func balancedBounds(offsets: [Int], parts: Int) -> [Int] {
        let n = offsets.count - 1
        let p = max(1, min(parts, max(n, 1)))
        let totalWork = offsets[n] + n
        var bounds = [0]
        var row = 0
        for k in 1..<p {
            let goal = totalWork * k / p
            while row < n && offsets[row] + row < goal { row += 1 }
            bounds.append(max(row, bounds.last!))
        }
        bounds.append(n)
        return bounds
    }

    /// The number of active processor cores.
    public static var defaultThreadCount: Int { ProcessInfo.processInfo.activeProcessorCount }
}

/// Carries a value into `concurrentPerform`'s `@Sendable` closure. Safe here because every
/// worker only reads the value (a closure or an immutable array) and the call joins before return.
struct UncheckedSendableBox<T>: @unchecked Sendable {
    let value: T
}
