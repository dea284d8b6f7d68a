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

    /// The format extension of an input file, lowercased, ignoring a final `.gz` (inputs may be
    /// gzip-compressed): `"edges.txt.gz"` → `"txt"`, `"x.NPY"` → `"npy"`, `"a.gz"` → `""`,
    /// `"dir.v2/edges"` → `""`.
    public static func formatExtension(of path: String) -> String {
        var name = Substring(path)
        if let slash = name.lastIndex(of: "/") { name = name[name.index(after: slash)...] }
        if name.lowercased().hasSuffix(".gz") { name = name.dropLast(3) }
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "" }
        return name[name.index(after: dot)...].lowercased()
    }
}
