/// Path arithmetic on plain strings. (Foundation's `NSString.deletingLastPathComponent` traps on
/// one-character paths such as `"m"` or `"m/"` in swift-corelibs-foundation 6.3.1.)
public enum FilePaths {
    /// The folder that holds `path`: `"a/b/c"` → `"a/b"`, `"a/b/"` → `"a"`, `"m"` → `"."`,
    /// `"/m"` → `"/"`, `"/"` → `"/"`, `"."` → `"."`.
    public static func parent(of path: String) -> String {
        var p = Substring(path)
        while p.count > 1 && p.hasSuffix("/") { p.removeLast() }
        guard let slash = p.lastIndex(of: "/") else { return "." }
        if slash == p.startIndex { return "/" }
        var head = p[..<slash]
        while head.count > 1 && head.hasSuffix("/") { head.removeLast() }
        return String(head)
    }
}
