import Foundation
import LLMClientKit
import LLMResults
import Testing

@testable import LLMReport

/// A run of three requests built by hand: Korean, a prompt and an answer with markup, a failure.
func sampleRunDocument(name: String = "sample") -> RunDocument {
    func result(_ index: Int, prompt: String, output: String, startOffset: Double, latency: Double, success: Bool = true) -> RequestResult {
        var result = RequestResult(
            request: GenerationRequest(index: index, prompt: .text(prompt), parameters: .init(temperature: 0.7, maxTokens: 64)),
            model: "llm-sim", startedAt: Timestamp(Date(timeIntervalSince1970: 1_800_000_000 + startOffset)))
        result.output = output
        result.success = success
        result.latencyS = latency
        if success {
            result.ttftS = latency / 5
            result.itlS = [0.010, 0.012, 0.011, 0.030]
            result.tpotS = 0.011
            result.promptTokens = 12
            result.completionTokens = 5
            result.tokensPerSecond = 5 / latency
            result.finishReason = "stop"
        } else {
            result.errorKind = .httpStatus
            result.httpStatus = 500
            result.error = "HTTP 500: <b>simulated</b> failure"
        }
        return result
    }
    let results = [
        result(0, prompt: "인공지능이란 무엇인지 쉽게 설명해주세요.", output: "인공지능은 사람처럼 배우는 컴퓨터 프로그램입니다.", startOffset: 0, latency: 0.8),
        result(1, prompt: "<script>alert('prompt')</script>", output: "<script>alert('output')</script> & more", startOffset: 0.1, latency: 1.6),
        result(2, prompt: "실패하는 요청", output: "", startOffset: 1.2, latency: 0.05, success: false),
    ]
    let info = RunInfo(
        baseURL: "http://127.0.0.1:8000/v1", api: "completions", model: "llm-sim", stream: true, temperature: 0.7, maxTokens: 64,
        topP: nil, seed: nil, concurrency: 2, repeat: 1, promptFile: "prompts.txt", promptCount: 3,
        startedAt: Timestamp(Date(timeIntervalSince1970: 1_800_000_000)), finishedAt: nil, toolVersion: "0.1.0")
    // RunDocument has no public memberwise initialiser: build it as ResultWriter writes it.
    let encoder = JSONEncoder()
    let parts = [
        ("run", try! encoder.encode(info)), ("summary", try! encoder.encode(ResultSummary(results: results, durationSeconds: 1.7))),
        ("results", try! encoder.encode(results)),
    ]
    let json = "{" + parts.map { "\"\($0.0)\": \(String(decoding: $0.1, as: UTF8.self))" }.joined(separator: ", ") + "}"
    return try! JSONDecoder().decode(RunDocument.self, from: Data(json.utf8))
}

/// A two-level sweep in the bench document's JSON form.
let sampleBenchJSON = """
    {"run": {"base_url": "http://127.0.0.1:8000/v1", "api": "completions", "model": "llm-sim", "stream": true, "temperature": 0.7,
             "concurrency": 1, "repeat": 1, "prompt_count": 10, "started_at": "2027-01-15T08:00:00.000Z", "tool_version": "0.1.0"},
     "bench": {"load": "c=1,c=4", "workload": "prompts.txt"},
     "saturation_level": "c=1",
     "levels": [
       {"label": "c=1", "summary": {"total_requests": 4, "successful": 4, "failed": 0, "errors_by_kind": {}, "duration_s": 2.0,
          "request_throughput": 2.0, "output_token_throughput": 40.0, "total_token_throughput": 60.0, "input_tokens": 40,
          "output_tokens": 80, "max_in_flight": 1, "client": {"cpu_s": 0.48, "cores": 2, "peak_memory_mb": 31.5, "cpu_percent": 12.0},
          "ttft_s": {"count": 4, "mean": 0.05, "min": 0.04, "max": 0.06, "p50": 0.05, "p90": 0.06, "p95": 0.06, "p99": 0.06},
          "e2e_s": {"count": 4, "mean": 0.5, "min": 0.4, "max": 0.6, "p50": 0.5, "p90": 0.6, "p95": 0.6, "p99": 0.6}},
        "time_series": [{"second": 0, "completed": 2, "errors": 0, "output_tokens": 40, "max_in_flight": 1},
                        {"second": 1, "completed": 2, "errors": 0, "output_tokens": 40, "max_in_flight": 1}],
        "histograms": {"ttft_us": [[40000, 1], [50000, 2], [60000, 1]], "e2e_us": [[400000, 1], [500000, 2], [600000, 1]]}},
       {"label": "c=4", "summary": {"total_requests": 4, "successful": 3, "failed": 1, "errors_by_kind": {"http_status": 1}, "duration_s": 1.8,
          "request_throughput": 1.7, "output_token_throughput": 33.0, "total_token_throughput": 50.0, "input_tokens": 30,
          "output_tokens": 60, "max_in_flight": 4,
          "ttft_s": {"count": 3, "mean": 0.3, "min": 0.2, "max": 0.4, "p50": 0.3, "p90": 0.4, "p95": 0.4, "p99": 0.4},
          "e2e_s": {"count": 3, "mean": 1.0, "min": 0.9, "max": 1.1, "p50": 1.0, "p90": 1.1, "p95": 1.1, "p99": 1.1}},
        "time_series": [{"second": 0, "completed": 3, "errors": 1, "output_tokens": 60, "max_in_flight": 4}],
        "histograms": {"ttft_us": [[200000, 1], [300000, 1], [400000, 1]], "e2e_us": [[900000, 1], [1000000, 1], [1100000, 1]]}}
     ]}
    """

/// The report page: its sections, escaping, self-containment, and the files it reads.
@Suite struct HTMLReportTests {
    @Test func runReportHasEverySectionAndEscapesText() {
        let html = HTMLReport.render(ReportInput(run: sampleRunDocument(), name: "run.json"))
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("<meta charset=\"utf-8\">"))
        #expect(html.contains("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"))
        #expect(html.contains("prefers-color-scheme: dark"))
        #expect(html.contains("Noto Sans CJK KR"))
        for section in ["configuration", "summary", "latency", "over-time", "requests"] {
            #expect(html.contains("<section id=\"\(section)\">"), "section \(section)")
        }
        #expect(!html.contains("<section id=\"sweep\">"))
        #expect(!html.contains("Client CPU"), "no client load column for a file without one")
        // 3 metrics × (histogram, CDF) + 4 charts over time.
        #expect(html.components(separatedBy: "<svg ").count - 1 == 10)
        #expect(html.contains("인공지능이란 무엇인지 쉽게 설명해주세요."))
        #expect(html.contains("인공지능은 사람처럼 배우는 컴퓨터 프로그램입니다."))
        #expect(html.contains("&lt;script&gt;alert(&#39;prompt&#39;)&lt;/script&gt;"))
        #expect(html.contains("&lt;script&gt;alert(&#39;output&#39;)&lt;/script&gt; &amp; more"))
        #expect(!html.lowercased().contains("<script"))
        #expect(html.contains("✗ http_status 500"))
        #expect(html.contains("HTTP 500: &lt;b&gt;simulated&lt;/b&gt; failure"))
        #expect(html.contains(">p50 "))
        #expect(!html.contains("NaN") && !html.contains("inf\""))
    }

    @Test func reportIsSelfContained() throws {
        let html = HTMLReport.render(
            try ReportInput(resultFiles: [try writeTemporary(sampleRunJSON(), "run.json"), try writeTemporary(sampleBenchJSON, "bench.json")]))
        // Text may mention URLs (the server's base URL is shown); markup may not load anything.
        let markup = html.replacing(/>[^<]*</, with: "><")
        #expect(!markup.contains("http://") && !markup.contains("https://"), "a reference to the network")
        for forbidden in ["<link", "<script", "<img", "<iframe", "@import", "url(http", "src="] {
            #expect(!html.lowercased().contains(forbidden), "\(forbidden)")
        }
        #expect(html.contains("http://127.0.0.1:8000/v1"))
    }

    @Test func sweepReportPlotsLevelsAndMarksSaturation() throws {
        let path = try writeTemporary(sampleBenchJSON, "sweep.json")
        let html = try HTMLReport.render(resultFiles: [path])
        #expect(html.contains("<title>Benchmark sweep: sweep.json</title>"))
        #expect(html.contains("<section id=\"sweep\">"))
        #expect(!html.contains("<section id=\"requests\">"))
        #expect(html.contains(">saturation</text>"))
        #expect(html.contains("Saturation at <strong>c=1</strong>"))
        #expect(html.contains(">c=4</text>"))
        #expect(html.contains("Throughput (requests/s)") && html.contains("Throughput (tokens/s)"))
        #expect(html.contains("Latency (ms)"))
        #expect(html.contains("http_status 1"))
        #expect(html.contains("Client CPU (of its cores)") && html.contains(">12 % of 2</td>"), "the client's own load, where measured")
    }

    @Test func aCapacitySearchIsChartedWithItsCapacityMarked() throws {
        // The sample sweep as the probes of a search: c=1 met the SLO, c=4 did not.
        var document = try JSONDecoder().decode(BenchDocument.self, from: Data(sampleBenchJSON.utf8))
        document.levels[0].summary.sloAttainmentPercent = 100
        document.levels[0].summary.goodput = 2
        document.levels[1].summary.sloAttainmentPercent = 40
        document.levels[1].summary.goodput = 0.7
        document.capacity = BenchCapacity(
            dimension: "concurrency", value: 1, slo: ["ttft": 0.1], requiredPercent: 95, attainment: 100, goodput: 2, firstFailing: 4,
            precision: 0.05, status: .found,
            probes: [
                .init(
                    level: "c=1", value: 1, attainment: 100, goodput: 2, requestsPerSecond: 2, outputTokensPerSecond: 40, passed: true, requests: 4),
                .init(
                    level: "c=4", value: 4, attainment: 40, goodput: 0.7, requestsPerSecond: 1.7, outputTokensPerSecond: 33, passed: false,
                    requests: 4),
            ])
        let path = try writeTemporary(String(decoding: try ResultJSON.document(document), as: UTF8.self), "capacity.json")
        let html = try HTMLReport.render(resultFiles: [path])
        #expect(html.contains("<strong>Capacity:</strong> 1 in flight, 4 missed it; there 100.0 % met the SLO, goodput 2.00 req/s"))
        #expect(html.contains(">SLO attainment<") && html.contains(">95 % required</text>") && html.contains(">capacity</text>"))
        #expect(html.contains(">goodput</text>"), "goodput beside the throughput")
    }

    @Test func comparisonOverlaysRunsNamedByFile() throws {
        let first = try writeTemporary(sampleRunJSON(), "first.json")
        let second = try writeTemporary(sampleRunJSON(), "second.json")
        let html = try HTMLReport.render(resultFiles: [first, second])
        #expect(html.contains("<title>Comparison of 2 runs</title>"))
        #expect(html.contains("<th>first.json</th>") && html.contains("<th>second.json</th>"))
        #expect(html.contains("class=\"legend\""))
        #expect(html.contains(">first.json</text>") && html.contains(">second.json</text>"))
        // Both runs are drawn in each distribution chart, in their own colours.
        #expect(html.contains("series series-0") && html.contains("series series-1"))
    }

    @Test func unreadableFilesAreNamedInTheError() throws {
        let missing = NSTemporaryDirectory() + "no-such-report-input-\(UUID().uuidString).json"
        #expect(throws: ResultsError.self) { try HTMLReport.render(resultFiles: [missing]) }
        do {
            _ = try ReportInput(resultFiles: [missing])
        } catch {
            #expect(error.description == "\(missing): no such file")
        }
        let notJSON = try writeTemporary("index,prompt\n0,hi\n", "results.csv")
        let wrongShape = try writeTemporary("{\"results\": []}", "other.json")
        for path in [notJSON, wrongShape] {
            do {
                _ = try ReportInput(resultFiles: [path])
                Issue.record("\(path) was accepted")
            } catch {
                #expect(error.description.hasPrefix(path + ": "))
            }
        }
    }

    @Test func writeRefusesToOverwriteUnlessAsked() throws {
        let path = NSTemporaryDirectory() + "report-\(UUID().uuidString)/report.html"
        let input = ReportInput(run: sampleRunDocument(), name: "run.json")
        try HTMLReport.write(input, to: path)
        #expect(throws: ResultsError.self) { try HTMLReport.write(input, to: path) }
        try HTMLReport.write(input, to: path, overwrite: true)
        #expect(try String(contentsOfFile: path, encoding: .utf8).hasPrefix("<!DOCTYPE html>"))
    }

    @Test func perSecondCountsComeFromSendTimesAndLatencies() {
        let document = sampleRunDocument()
        let seconds = ReportSource.secondCounts(document.results)
        // Request 0: 0.0–0.8 s, request 1: 0.1–1.7 s, request 2 (failed): 1.2–1.25 s.
        #expect(seconds.map(\.second) == [0, 1])
        #expect(seconds.map(\.completed) == [1, 1])
        #expect(seconds.map(\.errors) == [0, 1])
        #expect(seconds.map(\.outputTokens) == [5, 5])
        #expect(seconds.map(\.maxInFlight) == [2, 2])
    }

    @Test func backToBackRequestsAreNotCountedInFlightTogether() {
        // One at a time: each starts as the one before ends, but `started_at` keeps milliseconds
        // only, so the second seems to start 0.4 ms before the first ends.
        func result(_ index: Int, startedAt: Timestamp, latency: Double) -> RequestResult {
            var result = RequestResult(request: GenerationRequest(index: index, prompt: .text("q")), model: "m", startedAt: startedAt)
            result.success = true
            result.latencyS = latency
            return result
        }
        let results = [
            result(0, startedAt: Timestamp(parsing: "2027-01-15T08:00:00.100Z")!, latency: 0.2504),
            result(1, startedAt: Timestamp(parsing: "2027-01-15T08:00:00.350Z")!, latency: 0.1),
            result(2, startedAt: Timestamp(parsing: "2027-01-15T08:00:00.450Z")!, latency: 0.3),
        ]
        #expect(ReportSource.secondCounts(results).map(\.maxInFlight) == [1])
    }

    @Test func weightedValuesGiveFractionsAndBins() {
        let values = WeightedValues(sparseMicroseconds: [[30_000, 1], [10_000, 2], [20_000, 1]])
        #expect(values.total == 4)
        #expect(values.fraction(atOrBelow: 0.005) == 0)
        #expect(values.fraction(atOrBelow: 0.010) == 0.5)
        #expect(values.fraction(atOrBelow: 0.025) == 0.75)
        #expect(values.fraction(atOrBelow: 1) == 1)
        #expect(values.binCounts(from: 0.010, binWidth: 0.010, binCount: 2) == [2, 2])
        #expect(WeightedValues(samples: []).fraction(atOrBelow: 1) == 0)
    }

    private func sampleRunJSON() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(sampleRunDocument()), as: UTF8.self)
    }
}

/// Writes `text` to a fresh temporary folder under `name` and returns the path.
func writeTemporary(_ text: String, _ name: String) throws -> String {
    let folder = NSTemporaryDirectory() + "llm-report-tests-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let path = folder + "/" + name
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    return path
}
