import Foundation
import LLMClientKit
import LLMResults
import Testing

@testable import LLMReport

/// A run whose answers were checked and judged, each prompt sent three times: the Korean prompt's
/// third answer differs from the first two and misses its expectation, the judge failed on one
/// answer, and texts carry markup. With `settings`, every request is sent once per setting.
func qualityRunDocument(settings: [String] = []) -> RunDocument {
    let prompts: [(id: String, prompt: String, answers: [String])] = [
        ("ai", "인공지능이란 무엇인가요?", ["인공지능은 배우는 프로그램입니다.", "인공지능은 배우는 프로그램입니다.", "잘 모르겠습니다 <b>!</b>"]),
        ("math", "<i>2+2</i>?", ["4", "4", "4"]),
    ]
    var results: [RequestResult] = []
    for setting in settings.isEmpty ? [nil] : settings.map(Optional.some) {
        for repeatIndex in 0..<3 {
            for entry in prompts {
                let index = results.count
                var result = RequestResult(
                    request: GenerationRequest(
                        index: index, repeatIndex: repeatIndex, promptID: entry.id, prompt: .text(entry.prompt),
                        parameters: .init(temperature: 0.7, maxTokens: 64), setting: setting),
                    model: "llm-sim", startedAt: Timestamp(Date(timeIntervalSince1970: 1_800_000_000 + Double(index) * 0.1)))
                result.output = entry.answers[repeatIndex]
                result.success = true
                result.latencyS = 0.2 + 0.01 * Double(index)
                result.ttftS = 0.05
                result.completionTokens = 6
                result.tokensPerSecond = 30
                let missed = entry.id == "ai" && repeatIndex == 2
                result.assertionsPassed = !missed
                result.assertionFailures = missed ? ["does not contain \"<배우는>\""] : []
                if entry.id == "math" && repeatIndex == 1 {
                    result.judgeError = "judge reply held no score: \"<none>\""
                } else {
                    result.judgeScore = missed ? 2 : 9
                    result.judgeReason = missed ? "질문에 답하지 않았습니다 & <틀림>" : "정확하고 간결합니다."
                }
                results.append(result)
            }
        }
    }
    var info = RunInfo(
        baseURL: "http://127.0.0.1:8000/v1", api: "completions", model: "llm-sim", stream: true, temperature: 0.7, maxTokens: 64,
        topP: nil, seed: nil, concurrency: 1, repeat: 3, promptFile: "prompts.yaml", promptCount: 2,
        startedAt: Timestamp(Date(timeIntervalSince1970: 1_800_000_000)), finishedAt: nil, toolVersion: "0.1.0")
    info.judgeModel = "judge-<model>"
    if !settings.isEmpty { info.settings = settings }
    return RunDocument(run: info, summary: ResultSummary(results: results, durationSeconds: 2), results: results)
}

/// The answers' quality in the report: the summary's quality table, the per-request marks, the
/// consistency section and the comparison's quality rows, all absent from runs without quality.
@Suite struct QualityReportTests {
    /// Markup that only a run with quality has.
    static let qualityMarkup = [
        "<h3>Quality</h3>", "<table class=\"quality\">", "<th>Quality</th>", "<td class=\"quality\">", "id=\"consistency\"",
        "Consistency across repeats", "Judge model", "<span class=\"judge", "judge score", "assertion pass rate",
    ]

    @Test func summaryHasTheQualityTable() {
        let html = HTMLReport.render(ReportInput(run: qualityRunDocument(), name: "quality.json"))
        #expect(html.contains("<h3>Quality</h3>"))
        // One run: a column of figures without a header row, like the configuration.
        #expect(html.contains("<table class=\"quality\"><tbody>"))
        // 5 of 6 answers passed; 5 scores (one missing) of 9, 9, 9, 2, 9.
        #expect(
            html.contains("<th scope=\"row\">Assertions passed</th><td><span class=\"bad\">83.3 %</span><span class=\"sub\">5/6 passed</span></td>"))
        #expect(
            html.contains(
                "<th scope=\"row\">Judge score (1–10)</th><td>7.60<span class=\"sub\">5 scored · range 2–9</span><span class=\"bad error-message\">1 without a score</span></td>"
            ))
        // Korean: two identical of three; 2+2: all three identical.
        #expect(html.contains("<th scope=\"row\">Consistency</th><td>83.3 % identical<span class=\"sub\">1.5 distinct · similarity "))
        #expect(html.contains("<tr><th scope=\"row\">Judge model</th><td>judge-&lt;model&gt;</td></tr>"))
    }

    @Test func requestsShowMarksFailuresAndTheJudgesReason() {
        let html = HTMLReport.render(ReportInput(run: qualityRunDocument(), name: "quality.json"))
        #expect(html.contains("<th>Status</th><th>Quality</th>"))
        #expect(
            html.contains(
                "<td class=\"quality\"><span class=\"good\">✓ passed</span><span class=\"judge\">judge 9/10</span><span class=\"sub\">정확하고 간결합니다.</span></td>"
            ))
        #expect(html.contains("<span class=\"bad\">✗ failed</span><span class=\"error-message\">does not contain &quot;&lt;배우는&gt;&quot;</span>"))
        #expect(html.contains("<span class=\"judge\">judge 2/10</span><span class=\"sub\">질문에 답하지 않았습니다 &amp; &lt;틀림&gt;</span>"))
        #expect(
            html.contains(
                "<span class=\"judge bad\">judge: no score</span><span class=\"error-message\">judge reply held no score: &quot;&lt;none&gt;&quot;</span>"
            ))
        #expect(html.contains("잘 모르겠습니다 &lt;b&gt;!&lt;/b&gt;"))
        #expect(html.components(separatedBy: "<td class=\"quality\">").count - 1 == 6)
        #expect(!html.contains("<b>") && !html.contains("<i>2+2") && !html.contains("<틀림>"))
    }

    @Test func consistencySectionListsEveryRepeatedPrompt() throws {
        let html = HTMLReport.render(ReportInput(run: qualityRunDocument(), name: "quality.json"))
        #expect(html.contains("<a href=\"#consistency\">Consistency across repeats</a>"))
        let section = try #require(html.firstRange(of: "<section id=\"consistency\">").map { html[$0.lowerBound...] })
        #expect(
            section.contains(
                "<th class=\"num\">Answers</th><th class=\"num\">Distinct</th><th class=\"num\">Identical</th><th class=\"num\">Similarity</th><th>Prompt</th>"
            ))
        #expect(!section.prefix(2000).contains("<th>Setting</th>"), "a run without settings has no setting column")
        #expect(section.contains("<tr><td class=\"num\">3</td><td class=\"num\">2</td><td class=\"num\">66.7 %</td>"))
        #expect(section.contains("<span class=\"sub\">ai</span>인공지능이란 무엇인가요?</td></tr>"))
        #expect(
            section.contains(
                "<tr><td class=\"num\">3</td><td class=\"num\">1</td><td class=\"num\">100.0 %</td><td class=\"num\">1.000</td><td class=\"text\"><span class=\"sub\">math</span>&lt;i&gt;2+2&lt;/i&gt;?</td></tr>"
            ))
        // The section comes before the requests.
        #expect(try #require(html.range(of: "id=\"consistency\"")).lowerBound < (try #require(html.range(of: "id=\"requests\""))).lowerBound)
    }

    @Test func settingsGetColumnsOfTheirOwn() throws {
        let html = HTMLReport.render(ReportInput(run: qualityRunDocument(settings: ["temperature=0.1", "temperature=0.9"]), name: "sweep.json"))
        #expect(
            html.contains(
                "<table class=\"quality\"><thead><tr><th></th><th>sweep.json</th><th>temperature=0.1</th><th>temperature=0.9</th></tr></thead>"))
        #expect(
            html.contains(
                "<span class=\"sub\">10/12 passed</span></td><td><span class=\"bad\">83.3 %</span><span class=\"sub\">5/6 passed</span></td>"))
        let section = try #require(html.firstRange(of: "<section id=\"consistency\">").map { html[$0.lowerBound...] })
        #expect(section.contains("<th>Setting</th>"))
        #expect(section.contains("<tr><td>temperature=0.9</td><td class=\"num\">3</td>"))
    }

    @Test func requestsOfAComparisonRunNameTheirSetting() throws {
        let html = HTMLReport.render(ReportInput(run: qualityRunDocument(settings: ["temperature=0.1", "model=<sim>&b"]), name: "sweep.json"))
        let requests = try #require(html.firstRange(of: "<section id=\"requests\">").map { html[$0.lowerBound...] })
        #expect(requests.contains("<th class=\"num\">#</th><th>Setting</th><th>Prompt</th><th>Output</th>"))
        // The same prompt under each setting, told apart by the setting (escaped) in every row.
        #expect(
            requests.contains(
                "<tr><td class=\"num\">0</td><td>temperature=0.1</td><td class=\"text\"><span class=\"sub\">ai</span>인공지능이란 무엇인가요?</td>"))
        #expect(
            requests.contains(
                "<tr><td class=\"num\">6</td><td>model=&lt;sim&gt;&amp;b</td><td class=\"text\"><span class=\"sub\">ai</span>인공지능이란 무엇인가요?</td>"))
        #expect(requests.components(separatedBy: "<td>temperature=0.1</td>").count - 1 == 6)
        #expect(requests.components(separatedBy: "<td>model=&lt;sim&gt;&amp;b</td>").count - 1 == 6)
        #expect(!requests.contains("<sim>"))

        // A run without settings has no setting column, in the requests or anywhere else.
        for plain in [
            HTMLReport.render(ReportInput(run: qualityRunDocument(), name: "quality.json")),
            HTMLReport.render(ReportInput(run: sampleRunDocument(), name: "run.json")),
        ] {
            let section = try #require(plain.firstRange(of: "<section id=\"requests\">").map { plain[$0.lowerBound...] })
            #expect(section.contains("<th class=\"num\">#</th><th>Prompt</th><th>Output</th>"))
            #expect(!plain.contains("<th>Setting</th>"))
        }
    }

    @Test func aRunWithoutQualityLooksAsBefore() {
        let html = HTMLReport.render(ReportInput(run: sampleRunDocument(), name: "run.json"))
        for markup in Self.qualityMarkup { #expect(!html.contains(markup), "\(markup)") }
        // A comparison of such runs has none either.
        let runs = ComparedRun.runs(of: sampleRunDocument(), file: "a.json") + ComparedRun.runs(of: sampleRunDocument(), file: "b.json")
        let comparison = HTMLReport.render(ReportInput(comparison: RunComparison(runs: runs)))
        for markup in Self.qualityMarkup { #expect(!comparison.contains(markup), "\(markup)") }
        #expect(!comparison.contains("percentage points") && !comparison.contains("✓"))
    }

    @Test func comparisonShowsQualityPerRunAndSideBySide() throws {
        var worse = qualityRunDocument()
        for index in worse.results.indices where worse.results[index].judgeScore != nil {
            worse.results[index].judgeScore = 4
            worse.results[index].assertionsPassed = false
            worse.results[index].assertionFailures = ["does not match /^4$/"]
        }
        worse = RunDocument(run: worse.run, summary: ResultSummary(results: worse.results, durationSeconds: 2), results: worse.results)
        let comparison = RunComparison(
            runs: ComparedRun.runs(of: qualityRunDocument(), file: "좋은.json") + ComparedRun.runs(of: worse, file: "worse.json"))
        let html = HTMLReport.render(ReportInput(comparison: comparison))
        // Per run in the summary.
        #expect(html.contains("<table class=\"quality\"><thead><tr><th></th><th>좋은.json</th><th>worse.json</th></tr></thead>"))
        // The differences: shares in %, Δ in points, and the judge's scores tested per request.
        #expect(html.contains("shares in % (their Δ in percentage points)"))
        #expect(
            html.contains(
                "<tr><th scope=\"row\">assertion pass rate (%)</th><td class=\"num\">83.3</td><td class=\"num\">16.7</td><td class=\"num\">-66.7</td><td class=\"num\">-80.0 %</td></tr>"
            ))
        #expect(
            html.contains(
                "<tr><th scope=\"row\">judge mean score</th><td class=\"num\">7.60</td><td class=\"num\">4.00</td><td class=\"num\">-3.60</td><td class=\"num\">-47.4 %</td></tr>"
            ))
        #expect(html.contains("<th scope=\"row\">identical answers (%)</th>") && html.contains("<th scope=\"row\">answer similarity</th>"))
        #expect(html.contains("<td>judge score</td>"))
        // Side by side: the marks under each run's answer, with the first answer's failures.
        #expect(html.contains("<span class=\"sub\"><span class=\"good\">✓ 3/3 passed</span> · judge 9</span>"))
        #expect(
            html.contains(
                "<span class=\"sub\"><span class=\"bad\">✗ 0/3 passed</span> · judge 4</span><span class=\"error-message\">does not match /^4$/</span>"
            ))
        #expect(html.contains("<span class=\"sub\"><span class=\"bad\">✗ 2/3 passed</span> · judge 6.67</span>"))
    }
}
