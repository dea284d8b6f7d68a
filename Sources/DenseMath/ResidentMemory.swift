import Foundation

/// This process's resident memory, from Linux's `/proc/self/status`.
public enum ResidentMemory {
    /// Peak resident set size (`VmHWM`) in MiB, or 0 where unavailable.
    public static func peakMiB() -> Double { field("VmHWM:") }
    /// Current resident set size (`VmRSS`) in MiB, or 0 where unavailable.
    public static func currentMiB() -> Double { field("VmRSS:") }

    private static func field(_ name: String) -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        return field(name, in: status)
    }

    /// The value in MiB of the `kB` field `name` (e.g. `VmHWM:`) of a `/proc/PID/status` text.
    /// The kernel pads values with spaces after a tab (`VmHWM:\t  123456 kB`), and an
    /// 8-digit value leaves no space at all (`VmHWM:\t12119156 kB`).
    public static func field(_ name: String, in status: String) -> Double {
        for line in status.split(separator: "\n") where line.hasPrefix(name) {
            let words = line.dropFirst(name.count).split(whereSeparator: { $0 == " " || $0 == "\t" })
            return (words.first.flatMap { Double($0) } ?? 0) / 1024
        }
        return 0
    }
}
