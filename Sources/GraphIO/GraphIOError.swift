/// Errors raised while reading or writing graph files.
///
/// Every case names the file it concerns, exactly as the caller spelled the path (for a member
/// of a `.zip` archive: `archive.zip/folder/member`). Parse errors also carry the 1-based line
/// number and, when one field is at fault, its 1-based field (column) number, so the
/// ``description`` reads like a compiler diagnostic:
///
/// ```
/// cora/edges.tsv:17: field 2: expected an integer node id, found 'abc'
/// ```
public enum GraphIOError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The input file does not exist.
    case fileNotFound(String)
    /// The input path names a folder where a file was expected (or the output path is a folder).
    case isDirectory(String)
    /// The file exists but could not be read (permissions, I/O error); `reason` is the OS message.
    case unreadable(String, reason: String)
    /// The file holds no data: it is empty or has only blank and comment lines.
    case empty(String)
    /// A text file is malformed at `line` (1-based); `column` is the 1-based field number, when
    /// one field is at fault; `message` says what was expected and what was found.
    case parse(file: String, line: Int, column: Int?, message: String)
    /// A NumPy `.npy` file (or an `.npz` member) is malformed or uses an unsupported layout.
    case npy(file: String, message: String)
    /// A `.zip` archive (`.npz`, HGB dataset) cannot be opened, lacks a member, or is corrupt.
    case archive(file: String, message: String)
    /// A gzip-compressed input (`.gz`) is not gzip data, is truncated or is corrupt.
    case compressed(file: String, message: String)
    /// A dataset folder lacks a part, has parts that disagree (counts, splits) or is of a kind
    /// that is not supported; `message` says which.
    case dataset(folder: String, message: String)
    /// An in-memory array does not have the shape or element type a conversion needs.
    case shapeMismatch(String)
    /// The folder an output file should go into does not exist.
    case outputDirectoryMissing(String)
    /// Writing an output file failed; `reason` is the OS message. No partial file is left behind.
    case write(String, reason: String)

    public var description: String {
        switch self {
        case let .fileNotFound(path): "\(path): no such file"
        case let .isDirectory(path): "\(path): is a folder, expected a file"
        case let .unreadable(path, reason): "\(path): cannot read: \(reason)"
        case let .empty(path): "\(path): no data (the file is empty or has only blank and comment lines)"
        case let .parse(file, line, column, message):
            if let column { "\(file):\(line): field \(column): \(message)" } else { "\(file):\(line): \(message)" }
        case let .npy(file, message): "\(file): \(message)"
        case let .archive(file, message): "\(file): \(message)"
        case let .compressed(file, message): "\(file): \(message)"
        case let .dataset(folder, message): "\(folder): \(message)"
        case let .shapeMismatch(message): "shape mismatch: \(message)"
        case let .outputDirectoryMissing(path): "\(path): the output folder '\(Self.parentFolder(of: path))' does not exist"
        case let .write(path, reason): "\(path): cannot write: \(reason)"
        }
    }

    /// The folder part of `path` ("." when there is none).
    static func parentFolder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }
}
