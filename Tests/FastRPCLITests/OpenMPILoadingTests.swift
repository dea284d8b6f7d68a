import Foundation
import Testing
import TestSupport

/// Open MPI is loaded at run time, by distributed runs only (issue 16: "`fastrp` and
/// `graphlearning` no longer link Open MPI"; MessagePassing's article "Loading Open MPI").
/// `swift test` builds every product, so all five tools and the example program are checked.
@Suite("Open MPI loaded at run time")
struct OpenMPILoadingTests {
    /// A library file that does not exist: a run that tried to load Open MPI would fail.
    static let missing = ["GRAPHLEARNING_LIBMPI": "/nonexistent/libmpi.so.40"]
    let karate = Fixtures.graphPath("karate/edges.tsv")

    @Test("no binary needs libmpi to start", arguments: ["fastrp", "graphlearning", "gnnpipe", "rphgnn", "lighthgnn", "distributed-cora"])
    func binaryDoesNotLinkOpenMPI(_ tool: String) throws {
        let path = CommandRunner.productsDirectory.appendingPathComponent(tool).path
        try #require(FileManager.default.isExecutableFile(atPath: path), "\(path) is not built")
        // ldd lists every library the loader maps at start, directly needed or through another.
        let r = try CommandRunner.runPath("/usr/bin/env", ["ldd", path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("libc.so"), "unexpected ldd output: \(r.stdout)")
        let mpi = r.stdout.split(separator: "\n").filter { line in
            ["libmpi", "libopen-rte", "libopen-pal", "libpmix"].contains { line.contains($0) }
        }
        #expect(mpi.isEmpty, "\(tool) links Open MPI: \(mpi.joined(separator: "; "))")
    }

    @Test func oneProcessRunsNeverLoadOpenMPI() throws {
        let dir = TemporaryFiles.folder()
        let out = dir.appendingPathComponent("k.npy").path
        let embed = try CommandRunner.run("fastrp", ["embed", karate, "-o", out, "--quiet"], environment: Self.missing)
        #expect(embed.status == 0, "\(embed.stderr)")
        #expect(FileManager.default.fileExists(atPath: out))
        let summary = try CommandRunner.run("graphlearning", ["summary", Fixtures.graphPath("cora"), "--parts", "2"], environment: Self.missing)
        #expect(summary.status == 0, "\(summary.stderr)")
    }

    @Test func mpiCheckWithoutTheLibraryNamesItAndThePackage() throws {
        let r = try CommandRunner.run("graphlearning", ["mpi-check"], environment: Self.missing)
        #expect(r.status == 1)
        #expect(r.stdout.isEmpty)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1, "one error line expected: \(r.stderr)")
        #expect(r.stderr.hasPrefix("error: loading Open MPI failed: /nonexistent/libmpi.so.40: cannot open shared object file"), "\(r.stderr)")
        #expect(r.stderr.contains("apt install openmpi-bin"), "\(r.stderr)")
        #expect(r.stderr.contains("GRAPHLEARNING_LIBMPI"), "\(r.stderr)")
    }

    @Test func libraryThatIsNotOpenMPIIsRefused() throws {
        let r = try CommandRunner.run("graphlearning", ["mpi-check"], environment: ["GRAPHLEARNING_LIBMPI": "libz.so.1"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("libz.so.1 has no symbol MPI_Abort, so it is not Open MPI's libmpi"), "\(r.stderr)")
    }

    /// Needs Open MPI's mpirun (installed by launch/install-deps.sh); fails, not skips, without it.
    @Test func distributedFastRPWithoutTheLibraryFailsBeforeWriting() throws {
        #expect(CommandRunner.hasMPIRun, "mpirun is not on the PATH")
        let dir = TemporaryFiles.folder()
        let out = dir.appendingPathComponent("k.npy").path
        let fastrp = CommandRunner.productsDirectory.appendingPathComponent("fastrp").path
        let r = try CommandRunner.runPath("/usr/bin/env",
                                          ["timeout", "--kill-after=10", "300", "mpirun", "-n", "2", "-x", "GRAPHLEARNING_LIBMPI",
                                           fastrp, "embed", karate, "-o", out, "--threads", "1"],
                                          environment: CommandRunner.mpiEnvironment.merging(Self.missing) { $1 })
        #expect(r.status != 0)
        #expect(r.stderr.contains("error: cannot start MPI: loading Open MPI failed: /nonexistent/libmpi.so.40"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        #expect(leftovers.isEmpty, "files left: \(leftovers)")
    }
}
