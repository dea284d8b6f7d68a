import Foundation
import GraphIO
import Testing
import TestSupport

/// Paths of the repository, the bundled graphs and this target's fixtures, found from `#filePath`.
enum TestFiles {
    /// `Tests/GraphIOTests`.
    static let testsFolder: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    /// The repository root (holds Package.swift).
    static let repositoryRoot: URL = testsFolder.deletingLastPathComponent().deletingLastPathComponent()

    /// A file under `graphs/`.
    static func graph(_ relative: String) -> String {
        repositoryRoot.appendingPathComponent("graphs").appendingPathComponent(relative).path
    }

    /// A fresh empty folder under the system temporary folder.
    static func temporaryFolder() -> String {
        TemporaryFiles.folder().path
    }

    /// Writes `text` to `folder/name` and returns the path.
    @discardableResult
    static func write(_ text: String, to name: String, in folder: String) -> String {
        let path = folder + "/" + name
        try! Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Writes raw bytes to `folder/name` and returns the path.
    @discardableResult
    static func write(bytes: [UInt8], to name: String, in folder: String) -> String {
        let path = folder + "/" + name
        try! Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// The names in `folder`.
    static func listing(_ folder: String) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: folder).sorted()) ?? []
    }
}

/// The (line, column) of a parse error, or `nil` for another error.
func location(_ error: GraphIOError) -> (line: Int, column: Int?)? {
    if case let .parse(_, line, column, _) = error { return (line, column) }
    return nil
}

/// Runs `body`, expecting it to throw a ``GraphIOError``, and returns the error.
func expectError<T>(_ body: () throws -> T, sourceLocation: SourceLocation = #_sourceLocation) -> GraphIOError? {
    do {
        let value = try body()
        Issue.record("expected an error, got \(value)", sourceLocation: sourceLocation)
        return nil
    } catch let error as GraphIOError {
        return error
    } catch {
        Issue.record("expected a GraphIOError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// Expects `body` to throw a parse error in `file` at `line` (and `column` when given) whose
/// message contains `fragment`.
func expectParseError<T>(file: String, line: Int, column: Int?? = nil, containing fragment: String = "",
                         sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> T) {
    guard let error = expectError(body, sourceLocation: sourceLocation) else { return }
    guard case let .parse(f, l, c, message) = error else {
        Issue.record("expected a parse error, got \(error)", sourceLocation: sourceLocation)
        return
    }
    #expect(f == file, sourceLocation: sourceLocation)
    #expect(l == line, "\(error)", sourceLocation: sourceLocation)
    if let column { #expect(c == column, "\(error)", sourceLocation: sourceLocation) }
    #expect(message.contains(fragment), "\(error)", sourceLocation: sourceLocation)
}
