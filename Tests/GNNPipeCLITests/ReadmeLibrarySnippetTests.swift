import Foundation
import Testing
import TestSupport

/// The README's "Using the library" snippets, a `Package.swift` and a `main.swift`, build and run
/// as written in a fresh package whose GraphLearning clone is in a folder NOT named
/// `GraphLearning` (SwiftPM names a path dependency after its folder, so a manifest that
/// hard-codes `package: "GraphLearning"` fails there). Only the path constant of the manifest is
/// changed, as a reader would change it. It builds the library once, in debug, in its own
/// scratch folder (a few minutes on two cores), and removes that folder afterwards.
@Suite("README library snippet", .serialized)
struct ReadmeLibrarySnippetTests {
    /// The first two ```swift blocks after `## Using the library`: the manifest, then the program.
    static func snippets() throws -> (manifest: String, program: String) {
        let readme = try String(contentsOf: Fixtures.repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let section = try #require(readme.components(separatedBy: "\n## Using the library\n").dropFirst().first,
                                   "README.md has no '## Using the library' section")
        let blocks = section.components(separatedBy: "```swift\n").dropFirst().prefix(2)
            .map { String($0.components(separatedBy: "\n```").first ?? "") + "\n" }
        try #require(blocks.count == 2, "expected a Package.swift and a main.swift block")
        return (blocks[0], blocks[1])
    }

    @Test func manifestDerivesThePackageIdentityFromThePath() throws {
        let (manifest, program) = try Self.snippets()
        #expect(manifest.contains("let graphLearningPath = \"../GraphLearning\"\n"), "\(manifest)")
        #expect(manifest.contains(".package(path: graphLearningPath)"))
        #expect(manifest.contains(".product(name: \"GraphLearning\", package: graphLearningPackage)"))
        #expect(!manifest.contains("package: \"GraphLearning\""), "a fixed identity breaks for other folder names")
        #expect(program.hasPrefix("import GraphLearning\n"))
    }

    @Test(.timeLimit(.minutes(30)))
    func snippetBuildsAndRunsWithACloneNotNamedGraphLearning() throws {
        let (manifest, program) = try Self.snippets()
        let fm = FileManager.default
        let work = TemporaryFiles.folder()
        defer { try? fm.removeItem(at: work) }
        // The clone, as a folder with another name (a symbolic link: SwiftPM keeps the link's name).
        let clone = work.appendingPathComponent("graph-learning-checkout")
        try fm.createSymbolicLink(at: clone, withDestinationURL: Fixtures.repositoryRoot)
        let app = work.appendingPathComponent("MyGraphTool")
        try fm.createDirectory(at: app.appendingPathComponent("Sources/MyGraphTool"), withIntermediateDirectories: true)
        try manifest.replacingOccurrences(of: "let graphLearningPath = \"../GraphLearning\"",
                                          with: "let graphLearningPath = \"../graph-learning-checkout\"")
            .write(to: app.appendingPathComponent("Package.swift"), atomically: true, encoding: .utf8)
        try program.write(to: app.appendingPathComponent("Sources/MyGraphTool/main.swift"), atomically: true, encoding: .utf8)

        let build = try CommandRunner.runPath("/usr/bin/env", ["timeout", "--kill-after=10", "1700", "swift", "build",
                                                               "--product", "MyGraphTool"], directory: app)
        #expect(build.status == 0, "swift build failed:\n\(build.stdout)\n\(build.stderr)")
        try #require(build.status == 0)

        // The program reads "path/to/GraphLearning/graphs/cora" and writes smoothed.npy in its
        // working folder: give it that path.
        let run = work.appendingPathComponent("run")
        try fm.createDirectory(at: run.appendingPathComponent("path/to"), withIntermediateDirectories: true)
        try fm.createSymbolicLink(at: run.appendingPathComponent("path/to/GraphLearning"), withDestinationURL: Fixtures.repositoryRoot)
        let r = try CommandRunner.runPath(app.appendingPathComponent(".build/debug/MyGraphTool").path, [], directory: run)
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        // print(parts.edgeCut, parts.partSizes): an edge cut, then four part sizes adding up to Cora's 2,708 nodes.
        let fields = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            .components(separatedBy: CharacterSet(charactersIn: " [],")).compactMap { Int($0) }
        #expect(fields.count == 5 && fields.dropFirst().reduce(0, +) == 2708, "stdout was: \(r.stdout)")
        let npy = try Data(contentsOf: run.appendingPathComponent("smoothed.npy"))
        // A NumPy header (magic, then a length padded to 64 bytes), then 2708 × 1433 floats.
        let payload = 2708 * 1433 * 4
        #expect(npy.prefix(6) == Data([0x93] + Array("NUMPY".utf8)) && npy.count > payload && (npy.count - payload) % 64 == 0,
                "smoothed.npy: \(npy.count) bytes")
    }
}
