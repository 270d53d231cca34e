import Foundation
import Synchronization

/// A block of lines on stderr (a terminal), redrawn in place and cleared when done.
///
/// The block starts with an empty line, where the cursor waits between redraws: a line that
/// something else prints meanwhile (a note, a warning) lands on that empty line, and the next
/// redraw starts below it, so a short line stays whole above the block (``printAbove(_:)`` keeps
/// any text whole). Only cursor movement and erasing are written (`\r`, cursor up and down, erase
/// the line, erase below); styling is the lines' own.
final class LivePanel: Sendable {
    /// The lines on the screen (the cursor then waits at the start of the empty line above them),
    /// and whether the block was closed (it is then never drawn again).
    private let state = Mutex((shown: [String](), closed: false))

    init() {}

    /// Draws `lines` in place of the block shown before (nothing once closed). The caller fits
    /// them to ``columns``; the block keeps to the terminal's height.
    func show(_ lines: [String]) {
        let lines = Array(lines.prefix(max(1, Self.size.rows - 1)))
        state.withLock { state in
            guard !state.closed, !lines.isEmpty else { return }
            Self.write(Self.frame(lines))
            state.shown = lines
        }
    }

    /// Prints `text` and a newline above the block, which is drawn again below it.
    func printAbove(_ text: String) {
        state.withLock { state in
            guard !state.shown.isEmpty else { return Self.write(text + "\n") }
            Self.write(Self.erase + text + "\n" + Self.frame(state.shown))
        }
    }

    /// Clears the block for good, leaving the cursor at the start of its empty line.
    func close() {
        state.withLock { state in
            if !state.shown.isEmpty { Self.write(Self.erase) }
            state.shown = []
            state.closed = true
        }
    }

    /// From the empty line: each line erased and drawn, the rest of the screen erased (from the end
    /// of the last line: never from the screen's top left corner, which tmux would first copy to
    /// its history), and back up to the empty line.
    private static func frame(_ lines: [String]) -> String {
        "\r\u{1B}[2K\n" + lines.map { "\u{1B}[2K" + $0 }.joined(separator: "\n") + "\u{1B}[J\r\u{1B}[\(lines.count)A"
    }

    /// From the empty line: it and everything below erased, the cursor back at its start.
    private static let erase = "\r\u{1B}[2K\u{1B}[B\u{1B}[J\u{1B}[A"

    /// The terminal's width in columns (80 when it cannot tell).
    static var columns: Int { size.columns }

    private static var size: (columns: Int, rows: Int) {
        var size = winsize()
        guard ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return (80, 24) }
        return (Int(size.ws_col), size.ws_row > 0 ? Int(size.ws_row) : 24)
    }

    private static func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
