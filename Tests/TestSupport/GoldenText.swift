import ArgumentParser

/// Comparison of a produced text with the expected one written in a test (golden `--help`
/// texts, as swift-argument-parser's own tests check help screens).
public enum GoldenText {
    /// The width at which the golden `--help` texts are written.
    public static let helpColumns = 80

    /// `nil` when `actual == expected`, else a message naming the first differing line (1-based)
    /// and then the whole actual text, ready to be read and, once reviewed, pasted into the test.
    public static func difference(_ actual: String, expected: String) -> String? {
        guard actual != expected else { return nil }
        let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
        let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let line = (0..<min(a.count, e.count)).first { a[$0] != e[$0] } ?? min(a.count, e.count)
        let got = line < a.count ? String(a[line]) : "(end of text)"
        let want = line < e.count ? String(e[line]) : "(end of text)"
        return "line \(line + 1) differs:\n  actual:   \(got)\n  expected: \(want)\n--- actual text ---\n\(actual)"
    }

    /// ``difference(_:expected:)`` for the `--help` of `command` (a subcommand of `root`, or
    /// `root` itself) at ``helpColumns`` columns.
    public static func helpDifference(_ root: any ParsableCommand.Type, _ command: any ParsableCommand.Type,
                                      expected: String) -> String? {
        difference(root.helpMessage(for: command, columns: helpColumns), expected: expected)
    }
}
