import Foundation
import LLMSimulator
import TestSupport
import Testing

/// `llm-client chat` in a real terminal: tmux runs it in a detached 120×40 pane, the test types
/// keys into the pane and reads the screen back, as a user would see it.
@Suite struct ChatTerminalTests {
    /// The lines of `screen` that show the prompt, with what was typed after it (trailing blanks dropped).
    private static func promptLines(_ screen: String) -> [String] {
        screen.split(separator: "\n", omittingEmptySubsequences: false).filter { $0.hasPrefix(">") }
            .map { String($0.reversed().drop { $0 == " " }.reversed()) }
    }

    private static func statLines(_ screen: String) -> Int {
        screen.split(separator: "\n").filter { $0.hasPrefix("(ttft ") && $0.contains(" tokens · ") }.count
    }

    @Test(.requires(.tmux)) func aChatInARealTerminal() async throws {
        let tmuxPath = try RealService.tmux.required()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("llm-chat-tmux-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // Short answers at --max-tokens 6; a long, slow one (100 s) after /max-tokens 2000, to stop.
        let latency = LatencyModel(ttftMean: 0.02, ttftJitter: 0, prefillPerToken: 0, itlMean: 0.05, itlJitter: 0, outputTokensMean: 2000)
        try await SimulatorServer.withRunning(testSimulatorConfiguration(latency: latency)) { endpoint in
            let terminal = TmuxTerminal(
                tmux: URL(fileURLWithPath: tmuxPath), socket: directory.appendingPathComponent("tmux.sock").path, session: "chat")
            do {
                try await terminal.start(
                    [TestEnvironment.cliBinary.path, "chat", "--base-url", endpoint.baseURL, "--max-tokens", "6"],
                    environment: ["XDG_STATE_HOME": directory.path, "LANG": "C.UTF-8"])
                try await drive(terminal, directory: directory)
                await terminal.kill()
            } catch {
                await terminal.kill()
                throw error
            }
        }
    }

    private func drive(_ terminal: TmuxTerminal, directory: URL) async throws {
        // Keys are sent only once the empty prompt is back: libedit draws it after switching the
        // terminal to raw mode, so no key reaches the cooked-mode tty however slow the machine.
        // (Starting a process in tmux can take long on a loaded 2-core machine: up to 90 s here.)
        var screen = try await terminal.screen(within: 90) { $0.contains("/exit or Ctrl-D quits.") && Self.promptLines($0).last == ">" }
        #expect(screen.contains("llm-client chat · llm-sim at "))

        // A Korean message: the answer streams in Korean, then the stat line.
        try await terminal.type("안녕하세요 반가워요")
        screen = try await terminal.screen { Self.statLines($0) == 1 && Self.promptLines($0).last == ">" }
        #expect(Self.statLines(screen) == 1, "\(screen)")
        #expect(Self.promptLines(screen).contains("> 안녕하세요 반가워요"))
        let answer = screen.components(separatedBy: "> 안녕하세요 반가워요\n").last?.split(separator: "\n").first.map(String.init) ?? ""
        #expect(TextGenerator.isKorean(answer), "\(screen)")

        // Up recalls it; Ctrl-A goes to the start of the line to add a word.
        try await terminal.keys("Up")
        screen = try await terminal.screen { Self.promptLines($0).last == "> 안녕하세요 반가워요" }
        try await terminal.keys("C-a")
        try await terminal.type("다시 ")
        screen = try await terminal.screen { Self.statLines($0) == 2 && Self.promptLines($0).last == ">" }
        #expect(Self.promptLines(screen).contains("> 다시 안녕하세요 반가워요"), "\(screen)")
        #expect(Self.statLines(screen) == 2)

        // Wide characters are edited whole: two Lefts and a Backspace delete 어. Ctrl-C clears the line.
        try await terminal.type("한국어모델", enter: false)
        try await terminal.keys("Left", "Left", "BSpace")
        screen = try await terminal.screen { Self.promptLines($0).last == "> 한국모델" }
        #expect(Self.promptLines(screen).last == "> 한국모델", "\(screen)")
        try await terminal.keys("C-c")
        screen = try await terminal.screen { Self.promptLines($0).last == ">" }
        #expect(Self.promptLines(screen).last == ">", "\(screen)")

        try await terminal.type("/temperature 0.2")
        screen = try await terminal.screen { $0.contains("temperature = 0.2") && Self.promptLines($0).last == ">" }
        #expect(screen.contains("temperature = 0.2"))

        // Ctrl-C while a long answer streams stops it and returns to the prompt.
        try await terminal.type("/max-tokens 2000")
        screen = try await terminal.screen { $0.contains("max tokens = 2000") && Self.promptLines($0).last == ">" }
        try await terminal.type("길게 설명해 주세요")
        screen = try await terminal.screen {
            ($0.components(separatedBy: "> 길게 설명해 주세요\n").dropFirst().first ?? "").split(separator: " ").count >= 3
        }
        try await terminal.keys("C-c")
        screen = try await terminal.screen { $0.contains("(stopped") && Self.promptLines($0).last == ">" }
        #expect(screen.contains("(stopped; the part shown stays in the conversation)"), "\(screen)")
        #expect(Self.statLines(screen) == 2)
        #expect(try await terminal.isRunning)

        try await terminal.type("/stats")
        screen = try await terminal.screen { $0.contains("2 turns · ") && Self.promptLines($0).last == ">" }
        #expect(screen.contains("2 turns · "), "\(screen)")
        #expect(screen.contains("tok/s"))

        let saved = directory.appendingPathComponent("chat.json")
        try await terminal.type("/save \(saved.path)")
        screen = try await terminal.screen { $0.contains("saved 6 messages to") && Self.promptLines($0).last == ">" }
        #expect(screen.contains("saved 6 messages to \(saved.path)"), "\(screen)")

        try await terminal.type("/exit")
        let end = ContinuousClock.now + .seconds(30)
        while try await terminal.isRunning, ContinuousClock.now < end { try await Task.sleep(for: .milliseconds(100)) }
        #expect(try await !terminal.isRunning, "the chat ends at /exit")

        let json = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: saved)) as? [String: Any])
        let messages = try #require(json["messages"] as? [[String: String]])
        #expect(messages.map { $0["role"] } == ["user", "assistant", "user", "assistant", "user", "assistant"])
        #expect(messages.map { $0["content"] }.first == "안녕하세요 반가워요")
        #expect(messages[4]["content"] == "길게 설명해 주세요")
        #expect(!(messages[5]["content"] ?? "").isEmpty, "the stopped answer's part is kept")
        #expect((json["parameters"] as? [String: Any])?["temperature"] as? Double == 0.2)

        // The history file (libedit's format: a header, then one line per entry, spaces as \040).
        let history = try String(contentsOf: directory.appendingPathComponent("llm-client/chat_history"), encoding: .utf8)
            .replacingOccurrences(of: "\\040", with: " ")
        #expect(history.hasPrefix("_HiStOrY_V2_"))
        for entry in ["안녕하세요 반가워요", "다시 안녕하세요 반가워요", "/temperature 0.2", "/exit"] {
            #expect(history.split(separator: "\n").contains { $0 == entry }, "\(entry) in \(history)")
        }
    }
}
