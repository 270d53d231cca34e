import Foundation
import LLMClientKit
import LLMExperiment
import Testing

@Suite struct StatisticsTests {
    @Test func percentilesInterpolateLikeNumpy() throws {
        let stats = try #require(DistributionSummary(values: [4, 1, 3, 2]))
        #expect(stats.count == 4)
        #expect(stats.mean == 2.5)
        #expect(stats.min == 1 && stats.max == 4)
        #expect(stats.p50 == 2.5)
        #expect(abs(stats.p90 - 3.7) < 1e-12)
        #expect(abs(stats.p99 - 3.97) < 1e-12)
        #expect(DistributionSummary(values: []) == nil)
        let one = try #require(DistributionSummary(values: [0.3]))
        #expect(one.p50 == 0.3 && one.p99 == 0.3)
    }
}

func makeResult(index: Int, success: Bool = true, latency: Double = 1, ttft: Double? = 0.1, itl: [Double] = [0.1, 0.2],
                prompt: Int = 10, completion: Int = 3, output: String = "답변") -> RequestResult {
    var result = RequestResult(request: GenerationRequest(index: index, prompt: .text("질문 \(index)")), model: "m", startedAt: "2026-11-25T00:00:00.000Z")
    result.success = success
    result.latencyS = latency
    result.ttftS = ttft
    result.itlS = itl
    result.promptTokens = prompt
    result.completionTokens = completion
    result.output = output
    result.contentChunks = completion
    if !success {
        result.error = "HTTP 500: boom"
        result.errorKind = .httpStatus
        result.httpStatus = 500
    }
    return result
}

@Suite struct RunSummaryTests {
    @Test func arithmeticOverSuccessfulRequests() throws {
        let results = [
            makeResult(index: 0, latency: 1, ttft: 0.1, itl: [0.1, 0.3]),
            makeResult(index: 1, latency: 3, ttft: 0.3, itl: [0.2]),
            makeResult(index: 2, success: false, latency: 9, ttft: nil, itl: []),
        ]
        let summary = RunSummary(results: results, durationSeconds: 2)
        #expect(summary.totalRequests == 3 && summary.successful == 2 && summary.failed == 1)
        #expect(summary.errorsByKind == ["http_status": 1])
        #expect(summary.latencyS?.mean == 2)
        #expect(summary.latencyS?.max == 3)
        #expect(abs((summary.ttftS?.mean ?? 0) - 0.2) < 1e-12)
        #expect(summary.itlS?.count == 3)
        #expect(abs((summary.itlS?.mean ?? 0) - 0.2) < 1e-12)
        #expect(summary.requestsPerSecond == 1)
        #expect(summary.totalCompletionTokens == 6 && summary.totalPromptTokens == 20)
        #expect(summary.outputTokensPerSecond == 3)
        #expect(summary.totalTokensPerSecond == 13)
        let text = formatSummary(summary)
        #expect(text.contains("📊 EXPERIMENT SUMMARY"))
        #expect(text.contains("Errors by kind:      http_status 1"))
    }
}

@Suite struct ResultWriterTests {
    private func temporaryPath(_ ext: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("results-\(UUID().uuidString).\(ext)").path
    }

    private let run = RunInfo(
        baseURL: "http://localhost:8000/v1", api: "completions", model: "m", stream: true, temperature: 0.7, maxTokens: 64,
        topP: nil, seed: nil, concurrency: 2, repeat: 1, promptFile: "p.txt", promptCount: 3, startedAt: "s", finishedAt: "f",
        toolVersion: "t")

    private var results: [RequestResult] {
        [makeResult(index: 1, output: "쉼표, \"따옴표\"\n그리고 줄바꿈"), makeResult(index: 0, output: "한국어 답변"), makeResult(index: 2, success: false, output: "")]
    }

    @Test(arguments: [OutputFormat.json, .jsonl])
    func jsonFormatsRoundTrip(format: OutputFormat) throws {
        let path = temporaryPath(format.rawValue)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try ResultWriter(path: path, format: format)
        for result in results { try writer.append(result) }
        if format == .jsonl {
            // lines are on disk before the run finishes
            #expect(try ResultWriter.readResults(path: path).count == 3)
        }
        try writer.finish(run: run, summary: RunSummary(results: results, durationSeconds: 1))
        let read = try ResultWriter.readResults(path: path)
        let expected = format == .json ? results.sorted { $0.index < $1.index } : results
        #expect(read == expected)
        if format == .json {
            let document = try JSONDecoder().decode(RunDocument.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
            #expect(document.run == run)
            #expect(document.summary.totalRequests == 3)
        }
    }

    @Test func csvHasABOMAndQuotesKoreanFields() throws {
        let path = temporaryPath("csv")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try ResultWriter(path: path, format: .csv)
        for result in results { try writer.append(result) }
        try writer.finish(run: run, summary: RunSummary(results: results, durationSeconds: 1))
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(Array(bytes.prefix(3)) == [0xEF, 0xBB, 0xBF])
        let rows = try ResultWriter.readCSV(path: path)
        #expect(rows.count == 3)
        #expect(rows[0]["output"] == "쉼표, \"따옴표\"\n그리고 줄바꿈")
        #expect(rows[0]["index"] == "1")
        #expect(rows[2]["success"] == "false")
        #expect(rows[2]["error_kind"] == "http_status")
        #expect(rows[0]["itl_mean_s"].flatMap(Double.init).map { abs($0 - 0.15) < 1e-12 } == true)
        #expect(Set(rows[0].keys) == Set(ResultWriter.csvColumns))
    }

    @Test func csvRowsQuoteOnlyWhenNeeded() throws {
        #expect(CSV.row(["a", "b,c", "d\"e", "f\ng", "한국어"]) == "a,\"b,c\",\"d\"\"e\",\"f\ng\",한국어\r\n")
        let parsed = try CSV.parse("a,\"b,c\",\"d\"\"e\",\"f\ng\",한국어\r\n")
        #expect(parsed.map(\.fields) == [["a", "b,c", "d\"e", "f\ng", "한국어"]])
    }
}
