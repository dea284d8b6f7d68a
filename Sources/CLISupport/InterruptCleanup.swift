#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import GraphIO

/// Removes the temporary files and folders of a run that is interrupted by SIGINT (Ctrl-C),
/// SIGTERM (`kill`, `mpirun`, Slurm) or SIGHUP (closed terminal), then lets the signal end the
/// process.
///
/// What is removed: every path in ``GraphIO/TemporaryPathRegistry/shared``, i.e. the
/// `.<name>.tmp-XXXXXX` files of ``GraphIO/AtomicFile`` writes in progress and the hidden
/// `.<name>.tmp-<pid>-<n>` folders of pre-computation outputs and cache entries being filled.
/// Finished outputs and the files a run started from are not touched.
///
/// When: on the first of those signals. ``install()`` takes away the three signals' default
/// action (setting them to "ignore"; libdispatch then forwards them to its sources) and watches
/// them with `DispatchSource` signal sources on a dedicated serial queue, so the cleanup runs
/// on an ordinary thread, not inside a signal handler. The registry then stays
/// locked, so no new temporary path appears before the end. The signal's default action is
/// restored and the signal sent again to the process, which dies of it: a shell reports
/// status 128 + signal number (130 for Ctrl-C, 143 for SIGTERM) and `mpirun` sees a signal
/// death, as without the cleanup.
///
/// A signal that was already ignored when the tool started (`nohup` ignores SIGHUP, a shell
/// script's `cmd &` ignores SIGINT) stays ignored.
///
/// SIGKILL (`kill -9`, or `mpirun`/Slurm escalating after SIGTERM) cannot be caught: its
/// temporary files stay. Later runs remove pre-computation cache folders of dead processes
/// (after an hour); a leftover `.<name>.tmp-XXXXXX` file has to be deleted by hand.
public enum InterruptCleanup {
    /// The signals handled: SIGINT, SIGTERM, SIGHUP.
    public static let signals: [Int32] = [SIGINT, SIGTERM, SIGHUP]

    /// Installs the handlers, once per process; later calls do nothing. Called by
    /// ``ToolMain/run(_:arguments:)`` before the command runs.
    public static func install() {
        _ = watchers
    }

    /// The signal sources, made on first use (a `static let` is initialised exactly once).
    private static let watchers = Watchers()

    /// Keeps the signal sources alive for the life of the process.
    private final class Watchers: @unchecked Sendable { // written once in init, never read afterwards
        private let sources: [any DispatchSourceSignal]

        init() {
            let queue = DispatchQueue(label: "graphlearning.interrupt-cleanup")
            sources = InterruptCleanup.signals.compactMap { number in
                // Ignored first, so the signal only reaches the source, not the default action.
                let before = signal(number, SIG_IGN)
                // Ignored already (`nohup`, `cmd &` in a script): the caller wants it ignored.
                if unsafeBitCast(before, to: Int.self) == unsafeBitCast(SIG_IGN, to: Int.self) { return nil }
                let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
                source.setEventHandler { InterruptCleanup.terminate(by: number) }
                source.resume()
                return source
            }
        }
    }

    /// Removes the registered temporary paths and ends the process by `number`.
    private static func terminate(by number: Int32) -> Never {
        TemporaryPathRegistry.shared.removeAllBeforeExit()
        signal(number, SIG_DFL)
        // Dispatch threads block signals; unblock it here so the process surely receives it.
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, number)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        kill(getpid(), number)
        // Not reached once the signal is delivered; the conventional status otherwise.
        _exit(128 + number)
    }
}
