import Foundation
import LLMResults
import Testing

@testable import LLMReport

@Suite struct ComparisonReportTests {
    /// The sample run, and the same run with every latency doubled.
    private func comparison() -> RunComparison {
        let baseline = sampleRunDocument()
        var slower = sampleRunDocument()
        for index in slower.results.indices {
            slower.results[index].latencyS *= 2
            slower.results[index].ttftS = slower.results[index].ttftS.map { $0 * 2 }
        }
        return RunComparison(runs: ComparedRun.runs(of: baseline, file: "runs/기준.json") + ComparedRun.runs(of: slower, file: "runs/slower.json"))
    }

    @Test func comparisonReportOverlaysRunsAndAddsDifferencesAndPrompts() {
        let html = HTMLReport.render(ReportInput(comparison: comparison()))
        #expect(html.contains("<title>Comparison of 2 runs</title>"))
        #expect(html.contains("<a href=\"#differences\">Differences from the baseline</a>"))
        #expect(html.contains("<a href=\"#prompts\">Prompts side by side</a>"))
        #expect(!html.contains("id=\"requests\""), "the side-by-side table replaces the per-run request tables")
        // Both runs on the same axes, each in its colour, named by label.
        #expect(html.contains(">기준.json</text>") && html.contains(">slower.json</text>"))
        #expect(html.contains("series series-0") && html.contains("series series-1"))
        #expect(html.contains("<span class=\"run-swatch series-1\"></span>slower.json"))
        // The differences: latency doubled is +100 %, and the per-request tests are there.
        #expect(html.contains("+100.0 %"))
        #expect(html.contains("Larger than run-to-run noise?") && html.contains("Mann–Whitney"))
        // Prompts side by side: Korean as it is, markup escaped.
        #expect(html.contains("인공지능이란 무엇인지 쉽게 설명해주세요."))
        #expect(html.contains("&lt;script&gt;alert(&#39;output&#39;)&lt;/script&gt; &amp; more"))
        #expect(!html.contains("<script>"))
        #expect(html.contains("✗ HTTP 500: &lt;b&gt;simulated&lt;/b&gt; failure"))
    }

    @Test func jsonlRunsWithoutARunRecordGetOneFromTheirResults() {
        let results = sampleRunDocument().results
        let runs = ComparedRun.runs(ofResults: results, file: "a.jsonl") + ComparedRun.runs(ofResults: results, file: "b.jsonl")
        let input = ReportInput(comparison: RunComparison(runs: runs))
        guard case .run(let document) = input.documents[0].content else {
            Issue.record("not a run")
            return
        }
        #expect(document.run.model == "llm-sim" && document.run.baseURL == "(not recorded)")
        #expect(document.run.promptCount == 3 && document.run.repeat == 1 && document.run.concurrency == 2)
        #expect(HTMLReport.render(input).contains("(not recorded)"))
    }
}
