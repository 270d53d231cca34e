import Dispatch
import Foundation
import LLMClientKit
import Synchronization

/// Ctrl-C (SIGINT) and SIGTERM during a batch or benchmark. The first signal stops sending and
/// gives the requests in flight `gracePeriod` seconds to finish, then cancels them; a second one
/// cancels them at once. Either way the run returns normally with every finished result, so the
/// command can write its files and its partial summary and exit with status 130.
final class Interruption: Sendable {
    /// Signalled at the first SIGINT or SIGTERM.
    let stop = StopSignal()
    private let gracePeriod: Double
    private let state = Mutex(State())
    /// Kept so the handlers stay installed. Dispatch sources are thread-safe.
    nonisolated(unsafe) private let sources: [any DispatchSourceSignal]

    private struct State {
        var signals = 0
        var cancel: (@Sendable () -> Void)?
    }

    /// Installs the handlers; they stay until the process ends.
    init(gracePeriod: Double) {
        self.gracePeriod = gracePeriod
        sources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            return DispatchSource.makeSignalSource(signal: number, queue: .global())
        }
        for source in sources {
            // Signals that arrive before the handler runs are coalesced into one event; `data` counts them.
            // (The handler holds its source: both live as long as the process.)
            source.setEventHandler { [weak self, source] in self?.received(Int(source.data)) }
            source.resume()
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

    private func received(_ newSignals: Int) {
        let (before, count, cancel) = state.withLock { state in
            let before = state.signals
            state.signals += max(newSignals, 1)
            return (before, state.signals, state.cancel)
        }
        if before == 0 {
            stop.stop()
            printError("\ninterrupted: sending no more requests; waiting up to \(gracePeriod) s for those in flight (Ctrl-C again to stop now)")
            DispatchQueue.global().asyncAfter(deadline: .now() + gracePeriod) { [weak self] in
                self?.state.withLock { $0.cancel }?()
            }
        }
        if before < 2 && count >= 2 {
            printError("interrupted again: cancelling the requests in flight")
            cancel?()
            // Cancelled requests end within milliseconds; should anything hang, leave anyway (JSONL
            // and CSV rows are already on disk).
            DispatchQueue.global().asyncAfter(deadline: .now() + 5) {
                printError("error: the run did not stop within 5 s of the second interrupt; exiting")
                exit(130)
            }
        }
    }
}
