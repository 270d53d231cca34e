import Foundation
import LLMSimulator
import TestSupport
import Testing

/// `llm-client bench`'s live panel in a real terminal: tmux runs the bench in a detached 120×40
/// pane, and the test reads the screen (with its escapes) while the bench runs and after it ends.
@Suite(.serialized) struct LiveViewTests {
    /// What a bench run in the terminal looked like.
    private struct Watched {
        /// The screens (with escapes) read while the bench ran, in order.
        var screens: [String]
        /// The whole pane after the bench ended (without escapes).
        var final: String
        /// The bench's exit status, nil when it did not end in time.
        var status: Int?

        /// The panels seen while the bench ran (without escapes), each as its six lines joined.
        var panels: [String] { screens.compactMap { LiveViewTests.panel(in: LiveViewTests.plain($0)) } }
    }

    /// Answers of about 0.1 s: four in flight finish some 40 requests a second.
    private static let shortAnswers = LatencyModel(
        ttftMean: 0.02, ttftJitter: 0.005, prefillPerToken: 0, itlMean: 0.005, itlJitter: 0.001, outputTokensMean: 16)

    private static let exitMarker = "LIVE-VIEW-EXIT="

    /// `screen` without SGR escapes (colours and styles).
    static func plain(_ screen: String) -> String {
        screen.replacingOccurrences(of: #"\x1B\[[0-9;:]*m"#, with: "", options: .regularExpression)
    }

    static func hasSGR(_ text: String) -> Bool {
        text.range(of: #"\x1B\[[0-9;:]*m"#, options: .regularExpression) != nil
    }

    /// The panel's six lines on `screen`, from its header (`… done N … in flight …`) to its `client` line.
    static func panel(in screen: String) -> String? {
        let lines = screen.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let header = lines.firstIndex(where: { $0.contains(" done ") && $0.contains(" in flight ") }), header + 5 < lines.count,
            lines[header + 5].hasPrefix("  client ")
        else { return nil }
        return lines[header...(header + 5)].joined(separator: "\n")
    }

    /// The lines only a panel has (none of them is in the final report).
    static func panelLines(in text: String) -> [String] {
        text.split(separator: "\n").map(String.init).filter {
            $0.contains(" in flight ") || $0.contains("tok/s out") || $0.hasPrefix("  client   CPU") || $0.hasPrefix("  errors   ")
        }
    }

    /// Runs `llm-client bench` with `arguments` against the simulator in a tmux pane, reading the
    /// screen every 150 ms until it ends (or `timeout` seconds pass).
    private func watch(_ arguments: [String], environment: String, latency: LatencyModel = shortAnswers, timeout: Double = 240) async throws
        -> Watched
    {
        let tmuxPath = try RealService.tmux.required()
        let directory = try makeTemporaryDirectory("llm-client-live-view")
        defer { try? FileManager.default.removeItem(at: directory) }
        return try await SimulatorServer.withRunning(testSimulatorConfiguration(latency: latency)) { endpoint in
            let terminal = TmuxTerminal(
                tmux: URL(fileURLWithPath: tmuxPath), socket: directory.appendingPathComponent("tmux.sock").path, session: "bench")
            let bench =
                [
                    TestEnvironment.cliBinary.path, "bench", "--base-url", endpoint.baseURL, "--synthetic-input-tokens", "16",
                    "--synthetic-output-tokens", "16",
                ]
                + arguments
            // The shell ignores Ctrl-C and stays after the bench, so that the screen can be read after it ends.
            let script =
                "trap : INT; \(environment) \(bench.map(TmuxTerminal.quoted).joined(separator: " ")); echo \(Self.exitMarker)$?; exec sleep 600"
            do {
                try await terminal.start(["sh", "-c", script])
                var screens: [String] = []
                let end = ContinuousClock.now + .seconds(timeout)
                while ContinuousClock.now < end {
                    let screen = try await terminal.screenWithEscapes()
                    if screen.contains(Self.exitMarker) { break }
                    screens.append(screen)
                    try await Task.sleep(for: .milliseconds(150))
                }
                let final = try await terminal.screen(history: 2000)
                await terminal.kill()
                let status = final.components(separatedBy: Self.exitMarker).dropFirst().first.flatMap { Int($0.prefix { $0.isNumber }) }
                return Watched(screens: screens, final: final, status: status)
            } catch {
                await terminal.kill()
                throw error
            }
        }
    }

    /// The number after `done ` in a panel.
    static func done(_ panel: String) -> Int? {
        guard let range = panel.range(of: #"done \d+"#, options: .regularExpression) else { return nil }
        return Int(panel[range].dropFirst("done ".count))
    }

    @Test(.requires(.tmux)) func thePanelShowsTheLevelAndIsRefreshedThenCleared() async throws {
        let watched = try await watch(["--concurrent", "4", "--duration", "6"], environment: "env -u NO_COLOR TERM=screen")
        #expect(watched.status == 0, "the bench did not end with status 0:\n\(watched.final)")
        let panels = watched.panels
        let shown = "\(panels.count) panels seen in \(watched.screens.count) screens; the last screen:\n\(Self.plain(watched.screens.last ?? ""))"
        try #require(!panels.isEmpty, "no panel while the bench ran: \(shown)")
        // Its parts, once results have come in.
        let full = try #require(panels.last { (Self.done($0) ?? 0) > 0 && $0.contains("TTFT     p50") }, "no panel with results: \(shown)")
        let lines = full.split(separator: "\n").map(String.init)
        #expect(lines[0].hasPrefix("c=4  ") && lines[0].contains("s/6s") && lines[0].contains(" in flight "), "\(full)")
        #expect(lines[1].contains(" req/s ") && lines[1].contains(" tok/s out ") && lines[1].hasSuffix("last 5 s"), "\(full)")
        #expect(lines[2].contains("TTFT") && lines[2].contains("p50 ") && lines[2].contains("p99 ") && lines[2].contains(" requests"), "\(full)")
        #expect(lines[3].contains("ITL") && lines[3].contains("p50 ") && lines[3].contains("p99 ") && lines[3].contains(" gaps"), "\(full)")
        #expect(lines[4] == "  errors   none", "\(full)")
        #expect(lines[5].contains("client   CPU ") && lines[5].contains(" % of a core"), "\(full)")
        // Refreshed: the panel changes, and more requests are done later than earlier.
        let distinct = panels.filter { (Self.done($0) ?? 0) > 0 }.reduce(into: [String]()) { if $0.last != $1 { $0.append($1) } }
        #expect(distinct.count >= 2, "the panel was not refreshed: \(distinct.joined(separator: "\n---\n"))")
        let counts = panels.compactMap(Self.done)
        #expect((counts.last ?? 0) > (counts.first ?? 0), "done counts \(counts)")
        #expect(counts == counts.sorted(), "done counts \(counts)")
        // Light styling on a terminal with colour: the label is bold.
        #expect(watched.screens.contains { $0.contains("\u{1B}[1mc=4") }, "no bold label: \(watched.screens.last ?? "")")
        // Afterwards: the report, and nothing of the panel (nor in the history).
        #expect(watched.final.contains("📊 BENCHMARK") && watched.final.contains("Request throughput:"), "\(watched.final)")
        #expect(Self.panelLines(in: watched.final).isEmpty, "panel lines left: \(Self.panelLines(in: watched.final))\n\(watched.final)")
    }

    @Test(.requires(.tmux)) func thePanelMovesWhileNothingFinishes() async throws {
        // First tokens after 4 s, a level of 3 s: no request finishes while the panel shows, and
        // it shows the two requests in flight all the same.
        let slow = LatencyModel(ttftMean: 4, ttftJitter: 0, prefillPerToken: 0, itlMean: 0.001, itlJitter: 0, outputTokensMean: 4)
        let watched = try await watch(["--concurrent", "2", "--duration", "3"], environment: "env -u NO_COLOR TERM=screen", latency: slow)
        let waiting = watched.panels.filter { Self.done($0) == 0 }
        #expect(waiting.contains { $0.contains("in flight 2") }, "\(waiting.last ?? "")")
        try #require(!waiting.isEmpty, "no panel in \(watched.screens.count) screens; the last:\n\(Self.plain(watched.screens.last ?? ""))")
        let seconds = Set(waiting.compactMap { panel in panel.range(of: #"\d+s/3s"#, options: .regularExpression).map { String(panel[$0]) } })
        #expect(seconds.count >= 2, "the panel did not move while waiting: \(seconds)\n\(waiting.last ?? "")")
        #expect(Self.panelLines(in: watched.final).isEmpty, "panel lines left: \(Self.panelLines(in: watched.final))\n\(watched.final)")
    }

    @Test(.requires(.tmux)) func noColourWithNO_COLOR() async throws {
        let watched = try await watch(["--concurrent", "4", "--duration", "4"], environment: "env NO_COLOR=1 TERM=screen")
        #expect(watched.status == 0, "the bench did not end with status 0:\n\(watched.final)")
        let withPanel = watched.screens.filter { Self.panel(in: Self.plain($0)) != nil }
        try #require(!withPanel.isEmpty, "no panel in \(watched.screens.count) screens; the last:\n\(watched.screens.last ?? "")")
        #expect(withPanel.contains { Self.done(Self.panel(in: $0) ?? "") ?? 0 > 0 }, "\(withPanel.last ?? "")")
        for screen in withPanel {
            #expect(!Self.hasSGR(screen), "an SGR escape with NO_COLOR: \(screen.debugDescription)")
        }
        #expect(watched.final.contains("📊 BENCHMARK"), "\(watched.final)")
        #expect(Self.panelLines(in: watched.final).isEmpty, "panel lines left: \(Self.panelLines(in: watched.final))\n\(watched.final)")
    }

    @Test(.requires(.tmux)) func noPanelWithQuiet() async throws {
        let watched = try await watch(["--concurrent", "4", "--duration", "3", "--quiet"], environment: "env -u NO_COLOR TERM=screen")
        #expect(watched.status == 0, "the bench did not end with status 0:\n\(watched.final)")
        #expect(watched.screens.count >= 5, "the bench ran \(watched.screens.count) screens long")
        let seen = watched.screens.flatMap { Self.panelLines(in: Self.plain($0)) }
        #expect(seen.isEmpty, "a panel with --quiet: \(seen)")
        #expect(watched.final.contains("📊 BENCHMARK"), "\(watched.final)")
        #expect(Self.panelLines(in: watched.final).isEmpty, "\(watched.final)")
    }
}
