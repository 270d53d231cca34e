public import Foundation
import Testing

/// A tmux server of a test's own (its own socket, in the test's directory so nothing is left
/// behind), with one detached 120×40 session running a command: the test types keys into the pane
/// and reads the screen back, as a user would see it.
public struct TmuxTerminal: Sendable {
    public let tmux: URL
    public let socket: String
    /// The session's name, as `-t` targets it.
    public let session: String

    public init(tmux: URL, socket: String, session: String) {
        self.tmux = tmux
        self.socket = socket
        self.session = session
    }

    private var arguments: [String] { ["-S", socket, "-f", "/dev/null", "-u"] }

    private func run(_ arguments: [String]) async throws -> ProcessOutput {
        try await runProcess(tmux, self.arguments + arguments, environment: ["LANG": "C.UTF-8"], timeout: 30)
    }

    /// Starts the tmux server with `command` in the session. The tmux client that starts the
    /// server forks it, and Foundation's `Process` then never sees that client end (it stays a
    /// zombie), so this one command goes through `system()` on a thread of its own, with its
    /// output to /dev/null (the server would otherwise hold the pipes open).
    public func start(_ command: [String], environment: [String: String] = [:]) async throws {
        let words =
            [tmux.path] + arguments + ["new-session", "-d", "-s", session, "-x", "120", "-y", "40"]
            + environment.sorted { $0.key < $1.key }.flatMap { ["-e", "\($0.key)=\($0.value)"] } + command
        let line =
            "env -u TMUX -u OPENAI_BASE_URL -u OPENAI_API_KEY LANG=C.UTF-8 " + words.map(Self.quoted).joined(separator: " ")
            + " </dev/null >/dev/null 2>&1"
        let status = await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: system(line)) }.start()
        }
        #expect(status == 0, "tmux new-session failed: \(line)")
    }

    /// `word` quoted for `sh`.
    public static func quoted(_ word: String) -> String {
        "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// Types `text` literally (no key names), then Enter if `enter`.
    public func type(_ text: String, enter: Bool = true) async throws {
        _ = try await run(["send-keys", "-t", session, "-l", text])
        if enter { try await keys("Enter") }
    }

    /// Presses keys by tmux's names: Up, Left, BSpace, C-a, C-c, Enter.
    public func keys(_ names: String...) async throws {
        _ = try await run(["send-keys", "-t", session] + names)
    }

    /// The screen and up to `history` lines of its scrollback, wrapped lines joined, without escapes.
    public func screen(history: Int = 1000) async throws -> String {
        try await run(["capture-pane", "-p", "-J", "-S", "-\(history)", "-t", session]).stdout
    }

    /// The visible screen with its colours and styles as escapes (`capture-pane -e`).
    public func screenWithEscapes() async throws -> String {
        try await run(["capture-pane", "-p", "-e", "-t", session]).stdout
    }

    /// The screen once `condition` holds, polled until `deadline` seconds have passed (then the
    /// last screen, for the failing expectation to show).
    public func screen(within deadline: Double = 20, until condition: (String) -> Bool) async throws -> String {
        let end = ContinuousClock.now + .seconds(deadline)
        var text = try await screen()
        while !condition(text), ContinuousClock.now < end {
            try await Task.sleep(for: .milliseconds(100))
            text = try await screen()
        }
        return text
    }

    /// Whether the session's command is still running.
    public var isRunning: Bool {
        get async throws { try await run(["has-session", "-t", session]).status == 0 }
    }

    /// Stops the tmux server and its session.
    public func kill() async {
        _ = try? await run(["kill-server"])
    }
}
