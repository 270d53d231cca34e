import LLMExperiment
import LLMResults
import LLMSupport
import Testing

@Suite struct TerminalTextTests {
    @Test(arguments: [
        ("한국어모델", 10), ("abc", 3), ("", 0), ("LLM 한국어", 10), ("日本語", 6), ("ひらがな", 8), ("ＡＢ", 4),
        ("e\u{301}", 1), ("a\u{200B}b", 2), ("\u{1112}\u{1161}\u{11AB}", 2), ("👍", 2), ("🇰🇷", 2), ("❤️", 2), ("\t", 0),
    ])
    func displayWidthFollowsEastAsianWidth(text: String, columns: Int) {
        #expect(text.displayWidth == columns, "\(text.unicodeScalars.map { String($0.value, radix: 16) })")
    }

    @Test func paddingCountsColumnsNotCharacters() {
        #expect("한국".padded(toWidth: 6) == "한국  ")
        #expect("한국".padded(toWidth: 6, alignment: .right) == "  한국")
        #expect("한국어모델".padded(toWidth: 4) == "한국어모델")
        #expect(["한국어", "abc"].map { $0.padded(toWidth: 8).displayWidth } == [8, 8])
    }

    @Test func truncationNeverSplitsAWideCharacter() {
        #expect("한국어모델".truncated(toWidth: 10) == "한국어모델")
        #expect("한국어모델".truncated(toWidth: 6) == "한국…")
        #expect("한국어모델".truncated(toWidth: 7) == "한국어…")
        #expect("abcdef".truncated(toWidth: 4, ellipsis: "...") == "a...")
        #expect("abc".truncated(toWidth: 0) == "")
        #expect("한국어모델".fitted(toWidth: 6) == "한국… ")
        #expect("한국어모델".fitted(toWidth: 6).displayWidth == 6)
    }

    @Test func colourOnlyOnATerminalWithoutNoColorOrDumbTerm() {
        #expect(TerminalStyle.allowsColor(isTerminal: true, environment: ["TERM": "xterm-256color"]))
        #expect(TerminalStyle.allowsColor(isTerminal: true, environment: ["NO_COLOR": ""]))
        #expect(!TerminalStyle.allowsColor(isTerminal: false, environment: ["TERM": "xterm-256color"]))
        #expect(!TerminalStyle.allowsColor(isTerminal: true, environment: ["NO_COLOR": "1"]))
        #expect(!TerminalStyle.allowsColor(isTerminal: true, environment: ["TERM": "dumb"]))
        #expect(TerminalStyle.plain.red("error") == "error")
        #expect(TerminalStyle(isEnabled: true).red("error") == "\u{1B}[31merror\u{1B}[0m")
        #expect(TerminalStyle(isEnabled: true).bold("") == "")
    }

    @Test func theSummaryIsPlainUnlessAskedForColour() {
        let summary = ResultSummary(results: [], durationSeconds: 1)
        #expect(!formatSummary(summary).contains("\u{1B}"))
        #expect(formatSummary(summary, style: TerminalStyle(isEnabled: true)).contains("\u{1B}[1m📊 EXPERIMENT SUMMARY\u{1B}[0m"))
        let lines = formatSummary(summary).split(separator: "\n")
        #expect(lines.contains("Total requests:      0"))
    }
}
