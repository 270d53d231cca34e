import LLMBench
import LLMClientKit
import LLMSupport
import Synchronization

/// What `llm-client bench` shows on the terminal while it runs: a progress bar per level on
/// stderr when it is a terminal (nothing with `--quiet`).
final class BenchProgressDisplay: Sendable {
    private let quiet: Bool
    private let duration: Double?
    private let progress = Mutex<TerminalProgress?>(nil)

    /// - Parameter duration: the seconds each level lasts, when a duration (not a count) ends it.
    init(quiet: Bool, duration: Double?) {
        self.quiet = quiet
        self.duration = duration
    }

    /// A level starts.
    func levelStarted(_ level: BenchSession.LevelStart) {
        let bar = ProgressBar(label: level.label, total: level.expectedRequests, duration: duration)
        progress.withLock { $0 = TerminalProgress.onTerminal(bar, enabled: !quiet) }
    }

    /// The level's measurements so far, after each measured request.
    func progressed(_ metrics: BenchMetrics) {
        let (finished, failed, tokens) = metrics.progress
        progress.withLock { $0 }?.update(done: finished, failed: failed, tokens: tokens)
    }

    /// A measured request finished.
    func finished(_ result: RequestResult) {}

    /// The level ended.
    func levelEnded() {
        progress.withLock { $0 }?.finish()
    }
}
