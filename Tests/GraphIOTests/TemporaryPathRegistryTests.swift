import Foundation
@testable import GraphIO
import Testing

/// The registry of in-flight temporary paths that an interrupted tool removes. No signals are
/// sent here (the CLI test `InterruptTests` does that to a child process); the shared registry is
/// only read, since other tests write files through it at the same time.
@Suite("Temporary path registry")
struct TemporaryPathRegistryTests {
    /// The registered temporary files of `AtomicFile` writes to `folder/name`.
    func registeredTemporaries(of name: String, in folder: String) -> [String] {
        TemporaryPathRegistry.shared.registered.filter { $0.hasPrefix(folder + "/." + name + ".tmp-") }
    }

    @Test func atomicFileRegistersItsTemporaryFileWhileWriting() throws {
        let folder = TestFiles.temporaryFolder()
        let path = folder + "/out.txt"
        var seen: [String] = []
        try AtomicFile.write(to: path) { (out: inout FileWriter) throws(GraphIOError) in
            try out.write("content")
            seen = registeredTemporaries(of: "out.txt", in: folder)
        }
        #expect(seen.count == 1)
        #expect(seen.allSatisfy { $0.hasPrefix(folder + "/.out.txt.tmp-") })
        // Renamed into place and off the list.
        #expect(registeredTemporaries(of: "out.txt", in: folder) == [])
        #expect(TestFiles.listing(folder) == ["out.txt"])
        #expect(FileManager.default.contents(atPath: path) == Data("content".utf8))
    }

    @Test func atomicFileUnregistersAfterAFailedBody() {
        let folder = TestFiles.temporaryFolder()
        let path = folder + "/out.txt"
        let failure = GraphIOError.write(path, reason: "simulated failure")
        var seen: [String] = []
        #expect(throws: failure) {
            try AtomicFile.write(to: path) { (out: inout FileWriter) throws(GraphIOError) in
                seen = registeredTemporaries(of: "out.txt", in: folder)
                throw failure
            }
        }
        #expect(seen.count == 1)
        #expect(registeredTemporaries(of: "out.txt", in: folder) == [])
        #expect(TestFiles.listing(folder) == [])
    }

    @Test func removeAllDeletesRegisteredFilesAndFoldersOnly() throws {
        let registry = TemporaryPathRegistry()
        let folder = TestFiles.temporaryFolder()
        let file = folder + "/.a.tmp-1"
        let tree = folder + "/.b.tmp-2"
        let finished = folder + "/.c.tmp-3"
        let vanished = folder + "/.d.tmp-4"
        TestFiles.write("keep", to: "input.txt", in: folder)

        #expect(registry.register { FileManager.default.createFile(atPath: file, contents: Data("x".utf8)) ? file : nil } == file)
        #expect(registry.register { mkdir(tree, 0o755) == 0 ? tree : nil } == tree)
        TestFiles.write("inner", to: "group-00.npy", in: tree)
        try FileManager.default.createDirectory(atPath: tree + "/sub", withIntermediateDirectories: false)
        TestFiles.write("deep", to: "x", in: tree + "/sub")
        // Finished: renamed into place, then off the list.
        #expect(registry.register { FileManager.default.createFile(atPath: finished, contents: nil) ? finished : nil } == finished)
        let renamed = registry.unregister(finished, after: { rename(finished, folder + "/c.txt") })
        #expect(renamed == 0)
        // Registered but already removed by its owner.
        #expect(registry.register { FileManager.default.createFile(atPath: vanished, contents: nil) ? vanished : nil } == vanished)
        #expect(unlink(vanished) == 0)
        // Nothing made, nothing listed.
        #expect(registry.register { nil } == nil)

        #expect(registry.registered == [file, tree, vanished])
        #expect(registry.removeAll() == [file, tree])
        #expect(registry.registered == [])
        #expect(TestFiles.listing(folder) == ["c.txt", "input.txt"])
        #expect(registry.removeAll() == [])
    }

    @Test func unregisterForgetsOnlyThatPath() {
        let registry = TemporaryPathRegistry()
        let folder = TestFiles.temporaryFolder()
        let first = folder + "/.first.tmp-1", second = folder + "/.second.tmp-2"
        _ = registry.register { FileManager.default.createFile(atPath: first, contents: nil) ? first : nil }
        _ = registry.register { FileManager.default.createFile(atPath: second, contents: nil) ? second : nil }
        registry.unregister(first)
        registry.unregister(folder + "/never-registered")
        #expect(registry.registered == [second])
        #expect(registry.removeAll() == [second])
        // An unregistered path is no longer the registry's to remove.
        #expect(TestFiles.listing(folder) == [".first.tmp-1"])
    }
}
