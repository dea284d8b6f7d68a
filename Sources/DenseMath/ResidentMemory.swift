import Foundation

/// This process's resident memory, from Linux's `/proc/self/status`.
public enum ResidentMemory {
    /// Peak resident set size (`VmHWM`) in MiB, or 0 where unavailable.
    public static func peakMiB() -> Double { field("VmHWM:") }
    /// Current resident set size (`VmRSS`) in MiB, or 0 where unavailable.
    public static func currentMiB() -> Double { field("VmRSS:") }

    private static func field(_ name: String) -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix(name) {
            return (line.split(separator: " ").dropFirst().first.flatMap { Double($0) } ?? 0) / 1024
        }
        return 0
    }
}
