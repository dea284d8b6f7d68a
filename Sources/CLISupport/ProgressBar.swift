import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A one-line progress bar on stderr, drawn only when stderr is a terminal and not `quiet`.
///
/// ```
/// embedding ███████████░░░░░░░░░  3/5  iteration 3
/// ```
public final class ProgressBar {
    private let title: String
    private let total: Int
    private let enabled: Bool
    private var lastDraw = 0.0

    public init(title: String, total: Int, quiet: Bool = false) {
        self.title = title
        self.total = max(total, 1)
        self.enabled = !quiet && isatty(2) == 1
    }

    /// Redraws the bar at `done` of `total`, with an optional note; at most 10 times a second
    /// except for the final step.
    public func update(_ done: Int, note: String = "") {
        guard enabled else { return }
        let now = Date().timeIntervalSinceReferenceDate
        if done < total && now - lastDraw < 0.1 { return }
        lastDraw = now
        let width = 24
        let filled = min(width, width * done / total)
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        FileHandle.standardError.write(Data("\r\u{1B}[2K\(title) \(bar) \(done)/\(total) \(note)".utf8))
        if done >= total { finish() }
    }

    /// Clears the bar's line.
    public func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
    }
}
