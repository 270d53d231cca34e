import CLibEdit
import Foundation
import LLMSupport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where the chat's typed lines come from.
protocol LineReader: Sendable {
    /// The next line without its line break, or nil at the end of input (Ctrl-D).
    func readLine(prompt: String) async -> String?
    /// Adds a line to the history that the arrow keys recall.
    func remember(_ line: String)
}

/// Lines of standard input as they come, for pipes and files: no prompt, no editing, no history.
/// Each line is read on a thread of its own, so the cooperative pool never blocks.
struct PlainLineReader: LineReader {
    func readLine(prompt: String) async -> String? {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: Swift.readLine(strippingNewline: true)) }.start()
        }
    }

    func remember(_ line: String) {}
}

/// Line editing on a terminal with libedit: emacs keys (arrows, Ctrl-A/E, Ctrl-R search…), wide
/// characters such as Hangul edited as one character of two columns, and a history kept in a file
/// across sessions. libedit's `el_gets` blocks, so each line is read on a thread of its own and
/// handed back through a continuation.
final class EditLineReader: LineReader {
    // libedit's editor and history are used by one read at a time: the chat awaits each line before
    // it asks for the next, and `remember` is called between reads.
    nonisolated(unsafe) private let editor: OpaquePointer
    nonisolated(unsafe) private let history: OpaquePointer
    private let historyFile: String
    private let style: TerminalStyle

    /// An editor on standard input and output, with the history in `historyFile` (loaded now, saved
    /// after every line; its directory is created). Nil when libedit cannot set up the terminal.
    init?(historyFile: String, style: TerminalStyle) {
        Self.useUTF8Locale()
        guard let history = llm_history_open(1000) else { return nil }
        guard let editor = llm_editline_open("llm-client", history) else {
            history_end(history)
            return nil
        }
        self.editor = editor
        self.history = history
        self.historyFile = historyFile
        self.style = style
        try? FileManager.default.createDirectory(
            atPath: (historyFile as NSString).deletingLastPathComponent, withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700])
        _ = llm_history_load(history, historyFile)
    }

    deinit {
        llm_editline_close(editor)
        history_end(history)
    }

    func readLine(prompt: String) async -> String? {
        // Bytes between \1 markers are escape sequences that take no columns.
        let shown = style.isEnabled ? "\u{1}\u{1B}[1;36m\u{1}\(prompt)\u{1}\u{1B}[0m\u{1}" : prompt
        return await withCheckedContinuation { continuation in
            Thread {
                llm_editline_set_prompt(self.editor, shown)
                var count: Int32 = 0
                guard let line = el_gets(self.editor, &count), count > 0 else {
                    continuation.resume(returning: nil)
                    return
                }
                var text = String(cString: line)
                if text.hasSuffix("\n") { text.removeLast() }
                continuation.resume(returning: text)
            }.start()
        }
    }

    func remember(_ line: String) {
        guard !line.trimmingCharacters(in: .whitespaces).isEmpty else { return }
        _ = llm_history_enter(history, line)
        _ = llm_history_save(history, historyFile)
    }

    /// libedit edits wide characters only in a UTF-8 locale: take the user's (LC_CTYPE only, so
    /// number formatting stays as it is), and C.UTF-8 when theirs is not UTF-8 (LANG=C, POSIX).
    private static func useUTF8Locale() {
        setlocale(LC_CTYPE, "")
        if let codeset = nl_langinfo(nl_item(CODESET)), String(cString: codeset).uppercased().replacingOccurrences(of: "-", with: "") == "UTF8" {
            return
        }
        setlocale(LC_CTYPE, "C.UTF-8")
    }

    /// The history file: `$XDG_STATE_HOME/llm-client/chat_history`, or
    /// `~/.local/state/llm-client/chat_history` when XDG_STATE_HOME is unset or not absolute.
    static func historyFile(environment: [String: String]) -> String {
        if let state = environment["XDG_STATE_HOME"], state.hasPrefix("/") {
            return state + "/llm-client/chat_history"
        }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return home + "/.local/state/llm-client/chat_history"
    }
}
