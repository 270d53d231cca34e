import Foundation
import LLMSupport
import Synchronization

/// A progress bar on stderr, redrawn in place at most five times a second; lines printed through
/// it appear above the bar. Only used when stderr is a terminal (logs get plain lines instead).
final class TerminalProgress: Sendable {
    private let bar: ProgressBar
    private let start = ContinuousClock.now
    private let state = Mutex((lastDraw: ContinuousClock.now - .seconds(1), shown: false))

    /// A bar when stderr is a terminal and `enabled`, else nil.
    static func onTerminal(_ bar: ProgressBar, enabled: Bool = true) -> TerminalProgress? {
        enabled && isatty(STDERR_FILENO) == 1 ? TerminalProgress(bar) : nil
    }

    private init(_ bar: ProgressBar) {
        self.bar = bar
    }

    /// Redraws the bar (unless it was drawn less than 200 ms ago and `force` is false).
    func update(done: Int, failed: Int, tokens: Int? = nil, force: Bool = false) {
        let now = ContinuousClock.now
        let elapsed = (now - start).seconds
        state.withLock { state in
            guard force || now - state.lastDraw > .milliseconds(200) else { return }
            state.lastDraw = now
            state.shown = true
            let line = bar.line(
                done: done, failed: failed, elapsed: elapsed, tokensPerSecond: tokens.map { Double($0) / max(elapsed, 1e-3) },
                columns: Self.columns - 1)
            FileHandle.standardError.write(Data(("\r\u{1B}[2K" + line).utf8))
        }
    }

    /// Prints `line` above the bar (the bar is redrawn by the next update).
    func printAbove(_ line: String) {
        state.withLock { state in
            FileHandle.standardError.write(Data(((state.shown ? "\r\u{1B}[2K" : "") + line + "\n").utf8))
            state.shown = false
            state.lastDraw = .now - .seconds(1)
        }
    }

    /// Clears the bar, leaving the terminal as it was.
    func finish() {
        state.withLock { state in
            if state.shown { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
            state.shown = false
        }
    }

    /// The terminal's width in columns (80 when it cannot tell).
    private static var columns: Int {
        var size = winsize()
        guard ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 80 }
        return Int(size.ws_col)
    }
}
