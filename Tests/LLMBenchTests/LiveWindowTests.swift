import Foundation
import LLMBench
import LLMClientKit
import LLMSupport
import Testing

/// The rolling statistics of `llm-client bench`'s live view, and the panel's text.
@Suite struct LiveWindowTests {
    private static func result(ttft: Double? = 0.05, itl: [Double] = [], tokens: Int = 16, error: ErrorKind? = nil) -> RequestResult {
        var result = RequestResult(request: GenerationRequest(prompt: .text("x")), model: "m", startedAt: Timestamp())
        result.success = error == nil
        result.errorKind = error
        result.ttftS = error == nil ? ttft : nil
        result.itlS = error == nil ? itl : []
        result.completionTokens = error == nil ? tokens : nil
        result.latencyS = 1
        return result
    }

    /// Within the 1/64-octave bucket of `expected` (0.8 % either side of its middle).
    private static func close(_ value: Double?, _ expected: Double) -> Bool {
        guard let value else { return false }
        return abs(value - expected) <= expected * 0.011
    }

    @Test func ratesCoverTheLastSecondsAndForgetOlderOnes() {
        var window = LiveWindow(seconds: 5)
        // Ten results a second for 15 s, 16 tokens each, then 20 a second for 5 s.
        let times = (0..<20).flatMap { second in (0..<(second < 15 ? 10 : 20)).map { Double(second) + Double($0) / 25 } }
        for time in times where time < 3 { window.record(Self.result(tokens: 16), at: time) }
        let early = window.statistics(at: 3)
        // Early on, the window is as long as the level so far: 30 results in 3 s.
        #expect(early.seconds == 3)
        #expect(early.finished == 30 && early.requestsPerSecond == 10)
        for time in times where time >= 3 { window.record(Self.result(tokens: 16), at: time) }
        let statistics = window.statistics(at: 20.0)
        // Seconds 15 to 19 complete and second 20 empty: 5 s of 20 results a second.
        #expect(statistics.seconds == 5)
        #expect(statistics.finished == 100)
        #expect(statistics.requestsPerSecond == 20)
        #expect(statistics.outputTokens == 1600 && statistics.outputTokensPerSecond == 320)
        #expect(statistics.totalFinished == 250 && statistics.totalFailed == 0)
        // Half a second on, the window is 5.5 s long (the current second has no results yet).
        let later = window.statistics(at: 20.5)
        #expect(later.seconds == 5.5 && later.finished == 100)
        #expect(window.statistics(at: 26).finished == 0 && window.statistics(at: 26).ttft == nil)
        #expect(window.statistics(at: 26).totalFinished == 250)
    }

    @Test func percentilesOfTTFTAndITL() throws {
        var window = LiveWindow(seconds: 5)
        // TTFT 1, 2, ..., 100 ms; each request with gaps of 5 ms, and one of 40 ms in every tenth.
        for millisecond in 1...100 {
            let gaps = Array(repeating: 0.005, count: 9) + [millisecond % 10 == 0 ? 0.040 : 0.005]
            window.record(Self.result(ttft: Double(millisecond) / 1000, itl: gaps), at: 3 + Double(millisecond) / 1000)
        }
        let statistics = window.statistics(at: 4)
        let ttft = try #require(statistics.ttft)
        #expect(ttft.count == 100)
        #expect(Self.close(ttft.p50, 0.050), "p50 \(ttft.p50)")
        #expect(Self.close(ttft.p99, 0.099), "p99 \(ttft.p99)")
        let itl = try #require(statistics.itl)
        #expect(itl.count == 1000)
        // 990 gaps of 5 ms and 10 of 40 ms: the 99th percentile is still 5 ms, the 99.1th 40 ms.
        #expect(Self.close(itl.p50, 0.005) && Self.close(itl.p99, 0.005), "\(itl)")
        window.record(Self.result(ttft: 0.2, itl: Array(repeating: 0.040, count: 20)), at: 4.5)
        let more = try #require(window.statistics(at: 4.6).itl)
        #expect(Self.close(more.p99, 0.040), "\(more)")
        // Values beyond the buckets' range are clamped, not lost.
        window.record(Self.result(ttft: 10_000, itl: [0, -1, .nan]), at: 4.7)
        #expect(window.statistics(at: 4.8).ttft?.count == 102)
        #expect(window.statistics(at: 4.8).itl?.count == 1023)
    }

    @Test func errorsAreCountedByKindOverTheLevel() {
        var window = LiveWindow(seconds: 5)
        window.record(Self.result(error: .httpStatus), at: 1)
        window.record(Self.result(error: .streamCut), at: 1.5)
        window.record(Self.result(error: .httpStatus), at: 2)
        window.record(Self.result(), at: 2)
        window.record(Self.result(error: .connectTimeout), at: 30)
        let statistics = window.statistics(at: 30.5)
        #expect(statistics.totalFailed == 4 && statistics.totalFinished == 5)
        #expect(statistics.failed == 1 && statistics.finished == 1)
        #expect(
            statistics.errorsByKind == [
                .init(kind: "http_status", count: 2), .init(kind: "connect_timeout", count: 1), .init(kind: "stream_cut", count: 1),
            ])
        // A failure has no TTFT or tokens.
        #expect(statistics.ttft == nil && statistics.outputTokens == 0)
    }

    @Test func aLateResultOfAnOldSecondCountsOnlyInTheTotals() {
        var window = LiveWindow(seconds: 5)
        window.record(Self.result(), at: 12)
        // Second 6 shares second 12's slot: recorded after it, it must not wipe it.
        window.record(Self.result(), at: 6)
        let statistics = window.statistics(at: 12.5)
        #expect(statistics.finished == 1 && statistics.totalFinished == 2)
    }

    @Test func memoryStaysFixedWhateverTheNumberOfResults() {
        // A million results over 1,000 s: the window keeps six slots of fixed size, so this is
        // quick and the statistics cover only the last seconds.
        var window = LiveWindow(seconds: 5)
        let result = Self.result(itl: [0.01, 0.02])
        for index in 0..<1_000_000 { window.record(result, at: Double(index) / 1000) }
        let statistics = window.statistics(at: 1000)
        #expect(statistics.finished == 5000 && statistics.totalFinished == 1_000_000)
        #expect(statistics.itl?.count == 10_000)
    }

    private static let statistics = LiveWindow.Statistics(
        seconds: 5, finished: 132, failed: 1, outputTokens: 2110, ttft: .init(p50: 0.0121, p99: 0.048, count: 132),
        itl: .init(p50: 0.00521, p99: 0.0098, count: 1980), totalFinished: 153, totalFailed: 3,
        errorsByKind: [.init(kind: "http_status", count: 2), .init(kind: "stream_cut", count: 1)])

    private static func panel(expected: Int? = 200, duration: Double? = nil, inFlight: Int? = 4, cpu: Double? = 34.4) -> LivePanelText {
        LivePanelText(
            label: "c=8", elapsed: 4.3, duration: duration, expectedRequests: expected, inFlight: inFlight, statistics: statistics,
            windowSeconds: 5, cpuPercent: cpu, cpuSeconds: 1.02, cores: 2)
    }

    @Test func thePanelShowsTheLevelsNumbers() {
        let lines = Self.panel().lines(columns: 100, style: .plain)
        let text = lines.joined(separator: "\n")
        #expect(lines.count == 6, "\(text)")
        // 153 of 200 done: 9 of 12 cells.
        #expect(lines[0] == "c=8  █████████░░░  4s  done 153/200  in flight 4", "\(text)")
        #expect(lines[1].contains("26.4 req/s") && lines[1].contains("422 tok/s out") && lines[1].hasSuffix("last 5 s"), "\(text)")
        #expect(lines[2].hasPrefix("  TTFT") && lines[2].contains("p50 12.1 ms") && lines[2].contains("p99 48.0 ms"), "\(text)")
        #expect(lines[2].hasSuffix("last 5 s, 132 requests"), "\(text)")
        #expect(lines[3].hasPrefix("  ITL") && lines[3].contains("p50 5.21 ms") && lines[3].contains("p99 9.80 ms"), "\(text)")
        #expect(lines[3].hasSuffix("last 5 s, 1980 gaps"), "\(text)")
        #expect(lines[4] == "  errors   3: http_status 2, stream_cut 1  (1 in the last 5 s)", "\(text)")
        #expect(lines[5].contains("CPU 34 % of a core (2 cores)") && lines[5].hasSuffix("last 1 s"), "\(text)")
        // The columns line up.
        #expect(Set(lines[1...3].map { $0.range(of: "last 5 s")?.lowerBound.utf16Offset(in: $0) }).count == 1, "\(text)")
    }

    @Test func thePanelBeforeAnyResultAndWithADuration() {
        let empty = LiveWindow(seconds: 5).statistics(at: 0.2)
        let text = LivePanelText(
            label: "r=20/s", elapsed: 3, duration: 6, expectedRequests: nil, inFlight: nil, statistics: empty, windowSeconds: 5,
            cpuPercent: nil, cores: 1)
        let lines = text.lines(columns: 100, style: .plain)
        #expect(lines[0] == "r=20/s  ██████░░░░░░  3s/6s  done 0  in flight –", "\(lines)")
        #expect(lines[1].contains("0 req/s") && lines[2].contains("TTFT     –") && lines[4] == "  errors   none", "\(lines)")
        #expect(lines[5] == "  client   CPU –", "\(lines)")
    }

    @Test func thePanelFitsTheTerminal() {
        for columns in [20, 39, 60] {
            for line in Self.panel().lines(columns: columns, style: TerminalStyle(isEnabled: true)) {
                let plain = line.replacingOccurrences(of: #"\x1B\[[0-9;]*m"#, with: "", options: .regularExpression)
                #expect(plain.displayWidth <= columns && !plain.isEmpty && !plain.contains("\u{1B}"), "\(columns) columns: \(plain)")
            }
        }
        let narrow = Self.panel().lines(columns: 30, style: .plain)
        #expect(narrow[2] == "  TTFT     p50 12.1 ms   p99 …", "\(narrow)")
    }

    @Test func colourOnlyWhenAllowed() {
        let plain = Self.panel(cpu: 190).lines(columns: 100, style: TerminalStyle(isEnabled: false)).joined()
        #expect(!plain.contains("\u{1B}"), "\(plain)")
        // NO_COLOR turns the style off even on a terminal.
        #expect(!TerminalStyle.allowsColor(isTerminal: true, environment: ["NO_COLOR": "1"]))
        let coloured = Self.panel(cpu: 190).lines(columns: 100, style: TerminalStyle(isEnabled: true))
        #expect(coloured[0].hasPrefix("\u{1B}[1mc=8\u{1B}[0m"), "\(coloured)")
        // Errors in red; a client busy past 80 % of its two cores in yellow.
        #expect(coloured[4].contains("\u{1B}[31m3\u{1B}[0m"), "\(coloured)")
        #expect(coloured[5].contains("\u{1B}[33mCPU 190 % of a core\u{1B}[0m"), "\(coloured)")
        #expect(!Self.panel(cpu: 150).lines(columns: 100, style: TerminalStyle(isEnabled: true))[5].contains("\u{1B}[33m"))
    }
}
