import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A one-line progress bar on stderr, drawn only when stderr is a terminal and `enabled`
/// (tools pass `!quiet`).
///
/// ```
/// fastrp [##########          ] 2/4 iteration 2
/// ```
public final class ProgressBar {
    private let label: String
    private let enabled: Bool
    private var drawn = false
    private var lastDraw = 0.0

    public init(enabled: Bool, label: String) {
        self.label = label
        self.enabled = enabled && isatty(2) == 1
    }

    /// Redraws the bar at `done` of `total` with an optional note, at most 10 times a second
    /// except for the last step.
    public func update(_ done: Int, of total: Int, note: String = "") {
        guard enabled, total > 0 else { return }
        let now = Date().timeIntervalSinceReferenceDate
        if done < total && now - lastDraw < 0.1 { return }
        lastDraw = now
        let width = 30
        let filled = min(width, done * width / total)
        let bar = String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled)
        FileHandle.standardError.write(Data("\r\u{1B}[K\(label) [\(bar)] \(done)/\(total) \(note)".utf8))
        drawn = true
    }

    /// Clears the bar's line.
    public func finish() {
        if drawn { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        drawn = false
    }
}
