import Foundation
import LLMClientKit
import LLMExperiment
import LLMResults
import OpenAIAPI
import Testing

@Suite struct StatisticsTests {
    @Test func percentilesInterpolateLikeNumpy() throws {
        let stats = try #require(DistributionSummary(values: [4, 1, 3, 2]))
        #expect(stats.count == 4)
        #expect(stats.mean == 2.5)
        #expect(stats.min == 1 && stats.max == 4)
        #expect(stats.p50 == 2.5)
        #expect(abs(stats.p90 - 3.7) < 1e-12)
        #expect(abs(stats.p95 - 3.85) < 1e-12)
        #expect(abs(stats.p99 - 3.97) < 1e-12)
        #expect(DistributionSummary(values: []) == nil)
        let one = try #require(DistributionSummary(values: [0.3]))
        #expect(one.count == 1 && one.min == 0.3 && one.max == 0.3 && one.p50 == 0.3 && one.p99 == 0.3)
    }

    @Test func percentilesOfFiveValues() throws {
        // numpy.percentile([50, 10, 40, 20, 30], [50, 90, 95, 99]) == [30, 46, 48, 49.6]
        let stats = try #require(DistributionSummary(values: [50, 10, 40, 20, 30]))
        #expect(stats.p50 == 30)
        #expect(abs(stats.p90 - 46) < 1e-12)
        #expect(abs(stats.p95 - 48) < 1e-12)
        #expect(abs(stats.p99 - 49.6) < 1e-12)
        #expect(DistributionSummary.percentile([10, 20, 30, 40, 50], 0) == 10)
        #expect(DistributionSummary.percentile([10, 20, 30, 40, 50], 100) == 50)
        #expect(DistributionSummary.percentile([10, 20, 30, 40, 50], 25) == 20)
    }

    @Test func encodesPlainKeys() throws {
        let data = try JSONEncoder().encode(DistributionSummary(values: [1, 2]))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(Set(object.keys) == ["count", "mean", "min", "max", "p50", "p90", "p95", "p99"])
    }
}

func makeResult(
    index: Int, success: Bool = true, latency: Double = 1, ttft: Double? = 0.1, itl: [Double] = [0.1, 0.2],
    prompt: Int = 10, completion: Int = 3, output: String = "답변"
) -> RequestResult {
    var result = RequestResult(
        request: GenerationRequest(index: index, prompt: .text("질문 \(index)")), model: "m", startedAt: Timestamp(parsing: "2026-11-25T00:00:00.000Z")!
    )
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

@Suite struct ResultSummaryTests {
    @Test func arithmeticOverSuccessfulRequests() throws {
        var timedOut = makeResult(index: 3, success: false, latency: 30, ttft: 0.5, itl: [9], prompt: 100, completion: 100)
        timedOut.errorKind = .requestTimeout
        let results = [
            makeResult(index: 0, latency: 1, ttft: 0.1, itl: [0.1, 0.3]),
            makeResult(index: 1, latency: 3, ttft: 0.3, itl: [0.2]),
            makeResult(index: 2, success: false, latency: 9, ttft: nil, itl: []),
            timedOut,
        ]
        let summary = ResultSummary(results: results, durationSeconds: 2)
        #expect(summary.totalRequests == 4 && summary.successful == 2 && summary.failed == 2)
        #expect(summary.errorsByKind == ["http_status": 1, "request_timeout": 1])
        #expect(summary.durationS == 2)
        #expect(summary.latencyS?.count == 2)
        #expect(summary.latencyS?.mean == 2)
        #expect(summary.latencyS?.max == 3)
        #expect(abs((summary.ttftS?.mean ?? 0) - 0.2) < 1e-12)
        #expect(summary.itlS?.count == 3)
        #expect(abs((summary.itlS?.mean ?? 0) - 0.2) < 1e-12)
        #expect(summary.itlS?.max == 0.3)
        #expect(summary.tpotS == nil)
        #expect(summary.requestsPerSecond == 1)
        #expect(summary.totalCompletionTokens == 6 && summary.totalPromptTokens == 20)
        #expect(summary.outputTokensPerSecond == 3)
        #expect(summary.totalTokensPerSecond == 13)
        #expect(!summary.tokensEstimated)
    }

    @Test func estimatesUnknownKindsAndZeroDuration() throws {
        var estimated = makeResult(index: 0, completion: 4)
        estimated.tokensEstimated = true
        estimated.promptTokens = nil
        estimated.tpotS = 0.05
        var kindless = makeResult(index: 1, success: false)
        kindless.errorKind = nil
        let summary = ResultSummary(results: [estimated, kindless], durationSeconds: 0)
        #expect(summary.tokensEstimated)
        #expect(summary.errorsByKind == ["unknown": 1])
        #expect(summary.totalPromptTokens == 0 && summary.totalCompletionTokens == 4)
        #expect(summary.requestsPerSecond == 0 && summary.outputTokensPerSecond == 0 && summary.totalTokensPerSecond == 0)
        #expect(summary.tpotS?.mean == 0.05)

        let empty = ResultSummary(results: [], durationSeconds: 1)
        #expect(empty.totalRequests == 0 && empty.latencyS == nil && empty.ttftS == nil && empty.itlS == nil && empty.tpotS == nil)
    }

    @Test func encodesSnakeCaseKeys() throws {
        let data = try JSONEncoder().encode(ResultSummary(results: [makeResult(index: 0)], durationSeconds: 1))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        for key in [
            "total_requests", "successful", "failed", "errors_by_kind", "duration_s", "latency_s", "ttft_s", "itl_s",
            "requests_per_second", "output_tokens_per_second", "total_tokens_per_second", "total_prompt_tokens",
            "total_completion_tokens", "tokens_estimated",
        ] {
            #expect(object[key] != nil, "\(key)")
        }
    }
}

@Suite struct SummaryPrinterTests {
    @Test func printsCountsRatesAndPercentiles() throws {
        let results = [
            makeResult(index: 0, latency: 1, ttft: 0.1, itl: [0.1, 0.3]),
            makeResult(index: 1, latency: 3, ttft: 0.3, itl: [0.2]),
            makeResult(index: 2, success: false, latency: 9, ttft: nil, itl: []),
        ]
        let text = formatSummary(ResultSummary(results: results, durationSeconds: 2))
        let lines = text.components(separatedBy: "\n")
        #expect(lines[1] == "📊 EXPERIMENT SUMMARY")
        #expect(lines.contains("Total requests:      3"))
        #expect(lines.contains("Successful:          2"))
        #expect(lines.contains("Failed:              1"))
        #expect(lines.contains("Errors by kind:      http_status 1"))
        // The seed's block, verbatim, before the rest.
        let seedBlock = [
            "⏱️  Latency:", "  Average: 2.00s", "  Min: 1.00s", "  Max: 3.00s", "", "🚀 Performance:", "  Requests per second: 1.00",
            "  Tokens per second: 3.0",
        ]
        let start = try #require(lines.firstIndex(of: "⏱️  Latency:"))
        #expect(Array(lines[start..<(start + seedBlock.count)]) == seedBlock)
        #expect(start < lines.firstIndex(of: "Total time:          2.00s") ?? 0)
        #expect(lines.contains("Tokens/second:       3.0 output, 13.0 total"))
        #expect(lines.contains("Latency             mean     min     max     p50     p90     p95     p99"))
        #expect(lines.contains("  end-to-end (s)   2.000   1.000   3.000   2.000   2.800   2.900   2.980"))
        #expect(lines.contains("  ITL (ms)        200.00  100.00  300.00  200.00  280.00  290.00  298.00"))
        #expect(lines.contains("  TPOT (ms)          n/a"))
        #expect(!text.contains("estimated"))
    }

    @Test func showsNAAndEstimates() {
        var failed = makeResult(index: 0, success: false)
        failed.tokensEstimated = true
        let text = formatSummary(ResultSummary(results: [failed], durationSeconds: 1))
        for metric in ["end-to-end (s)", "TTFT (s)", "ITL (ms)", "TPOT (ms)"] {
            #expect(text.contains("  \(metric)".padding(toLength: 16, withPad: " ", startingAt: 0) + "     n/a"), "\(metric)")
        }
        #expect(text.contains("Tokens/second:       0.0 output, 0.0 total (estimated)"))
        #expect(text.contains("Tokens:              0 prompt, 0 completion (estimated)"))
    }
}

@Suite struct ResultWriterTests {
    private func temporaryPath(_ ext: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("results-\(UUID().uuidString).\(ext)").path
    }

    private let run = RunInfo(
        baseURL: "http://localhost:8000/v1", api: "completions", model: "m", stream: true, temperature: 0.7, maxTokens: 64,
        topP: nil, seed: nil, concurrency: 2, repeat: 1, promptFile: "p.txt", promptCount: 3, startedAt: Timestamp(), finishedAt: Timestamp(),
        toolVersion: "t")

    private var results: [RequestResult] {
        var chat = RequestResult(
            request: GenerationRequest(
                index: 3, repeatIndex: 1, promptID: "대화",
                prompt: .messages([.init(role: "system", content: "짧게"), .init(role: "user", content: "안녕, \"친구\"")]),
                parameters: .init(temperature: 0.25, maxTokens: 8, topP: 0.5, seed: 9), api: .chat),
            model: "m", startedAt: Timestamp(parsing: "2026-11-25T00:00:01.000Z")!)
        chat.success = true
        chat.output = "안녕하세요!\r\n반가워요"
        chat.tokensEstimated = true
        chat.completionTokens = 2
        chat.finishReason = "length"
        chat.latencyS = 0.5
        chat.serverTimings = ["predicted_ms": 12.5]
        return [
            makeResult(index: 1, output: "쉼표, \"따옴표\"\n그리고 줄바꿈"), makeResult(index: 0, output: "한국어 답변"),
            makeResult(index: 2, success: false, output: ""), chat,
        ]
    }

    @Test func formatsComeFromTheExtension() {
        #expect(OutputFormat(path: "out/r.json") == .json)
        #expect(OutputFormat(path: "r.JSONL") == .jsonl)
        #expect(OutputFormat(path: "r.csv") == .csv)
        #expect(OutputFormat(path: "r.xlsx") == nil)
        #expect(OutputFormat(path: "r") == nil)
    }

    @Test(arguments: [OutputFormat.json, .jsonl])
    func jsonFormatsRoundTrip(format: OutputFormat) throws {
        let path = temporaryPath(format.rawValue)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try ResultWriter(path: path, format: format)
        for result in results { try writer.append(result) }
        if format == .jsonl {
            // every line is on disk before the run finishes (read back in index order)
            #expect(try ResultDocument.results(path: path) == results.sorted { $0.index < $1.index })
        }
        try writer.finish(run: run, summary: ResultSummary(results: results, durationSeconds: 1))
        let read = try ResultDocument.results(path: path)
        #expect(read == results.sorted { $0.index < $1.index })
        if format == .json {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            let document = try JSONDecoder().decode(RunDocument.self, from: data)
            #expect(document.run == run)
            #expect(document.summary.totalRequests == 4)
            let text = String(decoding: data, as: UTF8.self)
            #expect(text.hasPrefix("{\n"))
            #expect(text.contains("\"base_url\" : \"http://localhost:8000/v1\""))
            #expect(text.contains("안녕하세요!\\r\\n반가워요"))
            let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            #expect(Set(object.keys) == ["run", "summary", "results"])
        } else {
            let lines = String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self).split(separator: "\n")
            #expect(lines.count == 4)
        }
    }

    @Test func csvHasABOMAndQuotesKoreanFields() throws {
        let path = temporaryPath("csv")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try ResultWriter(path: path, format: .csv)
        for result in results.prefix(2) { try writer.append(result) }
        // rows are on disk before the run finishes
        #expect(try ResultWriter.readCSV(path: path).count == 2)
        for result in results.dropFirst(2) { try writer.append(result) }
        try writer.finish(run: run, summary: ResultSummary(results: results, durationSeconds: 1))
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(Array(bytes.prefix(3)) == [0xEF, 0xBB, 0xBF])
        let text = String(decoding: bytes.dropFirst(3), as: UTF8.self)
        #expect(text.hasPrefix(ResultWriter.csvColumns.joined(separator: ",") + "\r\n"))
        #expect(text.contains("\"쉼표, \"\"따옴표\"\"\n그리고 줄바꿈\""))
        #expect(text.hasSuffix("\r\n"))

        let rows = try ResultWriter.readCSV(path: path)
        #expect(rows.count == 4)
        #expect(rows.allSatisfy { Set($0.keys) == Set(ResultWriter.csvColumns) })
        #expect(rows.map { $0["output"] } == results.map(\.output))
        #expect(rows.map { $0["index"] } == ["1", "0", "2", "3"])
        #expect(rows[0]["prompt"] == "질문 1")
        #expect(rows[0]["success"] == "true")
        #expect(rows[0]["latency_s"] == "1.0")
        #expect(rows[0]["ttft_s"] == "0.1")
        #expect(rows[0]["itl_mean_s"].flatMap(Double.init).map { abs($0 - 0.15) < 1e-12 } == true)
        #expect(rows[0]["prompt_id"] == "" && rows[0]["error"] == "" && rows[0]["http_status"] == "")
        #expect(rows[2]["success"] == "false")
        #expect(rows[2]["error"] == "HTTP 500: boom")
        #expect(rows[2]["error_kind"] == "http_status")
        #expect(rows[2]["http_status"] == "500")
        let chat = rows[3]
        #expect(chat["prompt_id"] == "대화" && chat["prompt"] == "안녕, \"친구\"" && chat["repeat"] == "1")
        #expect(chat["tokens_estimated"] == "true" && chat["completion_tokens"] == "2" && chat["finish_reason"] == "length")
        #expect(chat["temperature"] == "0.25" && chat["max_tokens"] == "8" && chat["top_p"] == "0.5" && chat["seed"] == "9")
        #expect(chat["ttft_s"] == "" && chat["itl_mean_s"] == "" && chat["started_at"] == "2026-11-25T00:00:01.000Z")
    }

    @Test func csvRowsQuoteOnlyWhenNeeded() throws {
        let fields = ["a", "b,c", "d\"e", "f\ng", "h\ri", "j\r\nk", "한국어", ""]
        let row = CSV.row(fields)
        #expect(row == "a,\"b,c\",\"d\"\"e\",\"f\ng\",\"h\ri\",\"j\r\nk\",한국어,\r\n")
        #expect(try CSV.parse(row).map(\.fields) == [fields])
        #expect(try CSV.parse(row + row).map(\.line) == [1, 5])
        #expect(try CSV.parse("a,b").map(\.fields) == [["a", "b"]])
        #expect(try CSV.parse("\"\"\n\n,\n").map(\.fields) == [[""], ["", ""]])
    }
}
