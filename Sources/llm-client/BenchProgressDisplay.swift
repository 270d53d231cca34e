import Foundation
import LLMBench
import LLMClientKit
import LLMSupport
import Synchronization

/// What `llm-client bench` shows on the terminal while it runs: a live panel per level on stderr
/// when it is a terminal (nothing with `--quiet`, when stderr is not a terminal, or with
/// `TERM=dumb`, which cannot move the cursor), redrawn about once a second from a timer, and
/// cleared when the level ends:
///
///     c=4  ████████░░░░  4s/6s  done 60  in flight 4
///       rate     14.9 req/s   239 tok/s out         last 5 s
///       TTFT     p50 106 ms    p99 115 ms           last 5 s, 60 requests
///       ITL      p50 9.95 ms   p99 13.2 ms          last 5 s, 900 gaps
///       errors   2: http_status 1, stream_cut 1  (1 in the last 5 s)
///       client   CPU 25 % of a core (2 cores)       last 1 s
///
/// Rates, TTFT and ITL are those of the requests that finished in the last 5 s; errors count the
/// whole level; the requests in flight are read from the level's metrics (handed over as its
/// measured load starts, after any warm-up). The per-request callbacks only add the result to a fixed-size window
/// (``LiveWindow``) under a lock; the statistics and the text are made once per refresh.
final class BenchProgressDisplay: Sendable {
    /// The running level's measurements.
    private struct Level {
        var label: String
        var expectedRequests: Int?
        var start: ContinuousClock.Instant
        var window: LiveWindow
        var metrics: BenchMetrics?
    }

    /// Seconds between refreshes, and of the window of rates and percentiles.
    private static let refreshSeconds = 1
    private static let windowSeconds = 5

    private let enabled: Bool
    private let duration: Double?
    private let style: TerminalStyle
    private let level = Mutex<Level?>(nil)
    private let screen = Mutex<(panel: LivePanel, refresher: Task<Void, Never>)?>(nil)

    /// - Parameters:
    ///   - duration: the seconds each level lasts, when a duration (not a count) ends it.
    ///   - environment: for `NO_COLOR` and `TERM`.
    ///   - isTerminal: whether stderr is a terminal.
    init(
        quiet: Bool, duration: Double?, environment: [String: String] = ProcessInfo.processInfo.environment,
        isTerminal: Bool = isatty(STDERR_FILENO) == 1
    ) {
        self.duration = duration
        enabled = !quiet && isTerminal && environment["TERM"] != "dumb"
        style = TerminalStyle(isEnabled: enabled && TerminalStyle.allowsColor(isTerminal: isTerminal, environment: environment))
    }

    /// A level starts: its panel is drawn at once, then once a second.
    func levelStarted(_ start: BenchSession.LevelStart) {
        guard enabled else { return }
        levelEnded()
        let now = ContinuousClock.now
        level.withLock {
            $0 = Level(
                label: start.label, expectedRequests: start.expectedRequests, start: now, window: LiveWindow(seconds: Self.windowSeconds),
                metrics: nil)
        }
        let panel = LivePanel()
        let refresher = Task.detached { [self] in await refresh(panel, from: now) }
        screen.withLock { $0 = (panel, refresher) }
    }

    /// The level's measurements so far, after each measured request (kept for the requests in flight).
    func progressed(_ metrics: BenchMetrics) {
        guard enabled else { return }
        level.withLock { level in
            if level?.metrics !== metrics { level?.metrics = metrics }
        }
    }

    /// A measured request finished: it joins the window.
    func finished(_ result: RequestResult) {
        guard enabled else { return }
        let now = ContinuousClock.now
        level.withLock { level in
            guard let start = level?.start else { return }
            level?.window.record(result, at: (now - start).seconds)
        }
    }

    /// The level ended: its panel is cleared.
    func levelEnded() {
        guard enabled else { return }
        let shown = screen.withLock { screen in
            defer { screen = nil }
            return screen
        }
        shown?.refresher.cancel()
        shown?.panel.close()
        level.withLock { $0 = nil }
    }

    /// Prints `line` on stderr, above the panel when one is shown (so neither garbles the other).
    func printAbove(_ line: String) {
        guard let panel = screen.withLock({ $0?.panel }) else { return FileHandle.standardError.write(Data((line + "\n").utf8)) }
        panel.printAbove(line)
    }

    /// Draws the panel now and then after each whole second since `start`, until cancelled.
    private func refresh(_ panel: LivePanel, from start: ContinuousClock.Instant) async {
        let cores = ProcessUsage.availableCores
        var last = (usage: ProcessUsage.current(), time: ContinuousClock.now)
        var cpu: (percent: Double, seconds: Double)?
        var tick = 0
        while !Task.isCancelled {
            guard let lines = lines(cpu: cpu, cores: cores) else { return }
            panel.show(lines)
            // Just after the next whole second (skipping those a busy machine let pass).
            tick = max(tick + Self.refreshSeconds, Int((ContinuousClock.now - start).seconds) + 1)
            do {
                try await Task.sleep(until: start + .seconds(tick) + .milliseconds(20), clock: .continuous)
            } catch {
                return
            }
            let now = (usage: ProcessUsage.current(), time: ContinuousClock.now)
            let wall = (now.time - last.time).seconds
            if wall > 0 { cpu = (100 * max(0, now.usage.cpuSeconds - last.usage.cpuSeconds) / wall, wall) }
            last = now
        }
    }

    /// The panel's lines now, fitted to the terminal; nil once the level has ended.
    private func lines(cpu: (percent: Double, seconds: Double)?, cores: Int) -> [String]? {
        let now = ContinuousClock.now
        let snapshot = level.withLock { level in
            level.map { level in
                let elapsed = (now - level.start).seconds
                return (level.label, level.expectedRequests, elapsed, level.metrics, level.window.statistics(at: elapsed))
            }
        }
        guard let (label, expectedRequests, elapsed, metrics, statistics) = snapshot else { return nil }
        let text = LivePanelText(
            label: label, elapsed: elapsed, duration: duration, expectedRequests: expectedRequests, inFlight: metrics?.inFlight,
            statistics: statistics, windowSeconds: Self.windowSeconds, cpuPercent: cpu?.percent, cpuSeconds: cpu?.seconds ?? 1, cores: cores)
        return text.lines(columns: LivePanel.columns - 1, style: style)
    }
}
