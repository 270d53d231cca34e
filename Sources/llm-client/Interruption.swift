import Foundation
import LLMClientKit
import Synchronization
import UnixSignals

/// Ctrl-C (SIGINT) and SIGTERM during a batch or benchmark. The first signal stops sending and
/// gives the requests in flight `gracePeriod` seconds to finish, then cancels them; a second one
/// cancels them at once. Either way the run returns normally with every finished result, so the
/// command can write its files and its partial summary and exit with status 130.
///
/// The signals arrive on ServiceLifecycle's `UnixSignalsSequence` (a `ServiceGroup` cannot serve
/// here: it hears only the first of its graceful-shutdown signals, and a second Ctrl-C must cancel).
final class Interruption: Sendable {
    /// Signalled at the first SIGINT or SIGTERM.
    let stop = StopSignal()
    private let gracePeriod: Double
    private let state = Mutex(State())

    private struct State {
        var signals = 0
        var cancel: (@Sendable () -> Void)?
    }

    /// Installs the handlers; they stay, and the interruption with them, until the process ends.
    init(gracePeriod: Double) async {
        self.gracePeriod = gracePeriod
        let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)
        Task { [self] in
            for await _ in signals { received() }
        }
    }

    /// Whether a signal arrived.
    var wasInterrupted: Bool {
        state.withLock { $0.signals > 0 }
    }

    /// Runs `body` as a task that the signals can cancel, and returns its value.
    func run<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let task = Task { try await body() }
        let cancelNow = state.withLock { state -> Bool in
            state.cancel = { task.cancel() }
            return state.signals > 1
        }
        if cancelNow { task.cancel() }
        return try await task.value
    }

    private func received() {
        let (count, cancel) = state.withLock { state in
            state.signals += 1
            return (state.signals, state.cancel)
        }
        if count == 1 {
            stop.stop()
            printError("\ninterrupted: sending no more requests; waiting up to \(gracePeriod) s for those in flight (Ctrl-C again to stop now)")
            Task { [self] in
                try? await Task.sleep(for: .seconds(gracePeriod))
                state.withLock { $0.cancel }?()
            }
        }
        if count == 2 {
            printError("interrupted again: cancelling the requests in flight")
            cancel?()
            // Cancelled requests end within milliseconds; should anything hang, leave anyway (JSONL
            // and CSV rows are already on disk).
            Task {
                try? await Task.sleep(for: .seconds(5))
                printError("error: the run did not stop within 5 s of the second interrupt; exiting")
                exit(CommandFailure.Status.interrupted.rawValue)
            }
        }
    }
}
