import Foundation
import LLMClientKit
import LLMExperiment
import LLMResults
import LLMSupport
import Testing

@Suite struct RunComparisonTests {
    /// A successful result sent `offset` seconds after a fixed start.
    static func result(
        _ index: Int, prompt: String, output: String, latency: Double, repeat repeatIndex: Int = 0, promptID: String? = nil,
        setting: String? = nil, temperature: Double = 0.7, tokens: Int = 10, success: Bool = true, offset: Double? = nil
    ) -> RequestResult {
        let request = GenerationRequest(
            index: index, repeatIndex: repeatIndex, promptID: promptID, prompt: .text(prompt),
            parameters: .init(temperature: temperature, maxTokens: 64), setting: setting)
        var result = RequestResult(
            request: request, model: "llm-sim",
            startedAt: Timestamp(Date(timeIntervalSince1970: 1_800_000_000 + (offset ?? Double(index)))))
        result.output = output
        result.success = success
        result.latencyS = latency
        if success {
            result.ttftS = latency / 4
            result.itlS = [latency / 20, latency / 20]
            result.completionTokens = tokens
            result.promptTokens = 5
            result.tokensPerSecond = Double(tokens) / latency
        } else {
            result.error = "HTTP 500: simulated"
            result.errorKind = .httpStatus
        }
        return result
    }

    static let prompts = ["인공지능을 설명해주세요", "광합성 과정을 간단히 설명해주세요.", "What is 2+2?"]

    /// A run of every prompt `repeats` times at `latency` seconds (plus a small per-request spread).
    static func document(latency: Double, repeats: Int = 4, tokens: Int = 10) -> RunDocument {
        var results: [RequestResult] = []
        for repeatIndex in 0..<repeats {
            for (number, prompt) in prompts.enumerated() {
                let index = results.count
                results.append(
                    result(
                        index, prompt: prompt, output: "\(prompt) → 답 \(repeatIndex)", latency: latency * (1 + 0.01 * Double(index)),
                        repeat: repeatIndex, tokens: tokens + number))
            }
        }
        return RunDocument(run: info(), summary: ResultSummary(results: results, durationSeconds: 10), results: results)
    }

    static func info() -> RunInfo {
        RunInfo(
            baseURL: "http://127.0.0.1:8000/v1", api: "completions", model: "llm-sim", stream: true, temperature: 0.7, maxTokens: 64,
            topP: nil, seed: nil, concurrency: 1, repeat: 4, promptFile: "prompts.txt", promptCount: 3,
            startedAt: Timestamp(parsing: "2027-01-15T08:00:00.000Z")!, finishedAt: nil, toolVersion: "0.1.0")
    }

    @Test func aSlowerRunIsWorseAndSignificant() throws {
        let fast = ComparedRun.runs(of: Self.document(latency: 0.1), file: "/tmp/x/fast.json")
        let slow = ComparedRun.runs(of: Self.document(latency: 1.0), file: "/tmp/x/slow.json")
        let comparison = RunComparison(runs: fast + slow)
        #expect(comparison.runs.map(\.label) == ["fast.json", "slow.json"])
        #expect(comparison.baseline.label == "fast.json")
        let difference = try #require(comparison.differences.first)
        #expect(comparison.differences.count == 1 && difference.run == "slow.json" && difference.baseline == "fast.json")
        let p50 = try #require(difference.metrics.first { $0.metric == .latencyP50 })
        let baseline = try #require(p50.baseline)
        let value = try #require(p50.value)
        #expect(abs(try #require(p50.difference) - (value - baseline)) < 1e-12)
        #expect(abs(try #require(p50.percentChange) - (value - baseline) / baseline * 100) < 1e-9)
        #expect(abs(try #require(p50.percentChange) - 900) < 1e-6)
        let failed = try #require(difference.metrics.first { $0.metric == .failed })
        #expect(failed.difference == 0 && failed.percentChange == nil)

        #expect(difference.tests.map(\.metric) == [.latency, .ttft, .tokensPerSecond])
        let latency = try #require(difference.tests.first { $0.metric == .latency })
        #expect(latency.significant && latency.verdict == .worse)
        #expect(latency.mannWhitney.pValue < 0.001)
        #expect(latency.medianDifference > 0 && latency.confidenceInterval.lower > 0)
        #expect(latency.baselineCount == 12 && latency.count == 12)
        let throughput = try #require(difference.tests.first { $0.metric == .tokensPerSecond })
        #expect(throughput.verdict == .worse && throughput.medianDifference < 0)
        // Reversed, the faster run is better.
        let reversed = RunComparison(runs: slow + fast)
        #expect(reversed.differences[0].tests.allSatisfy { $0.verdict == .better })
    }

    @Test func theSameRunTwiceIsWithinNoise() throws {
        let a = ComparedRun.runs(of: Self.document(latency: 0.5), file: "a.json")
        let b = ComparedRun.runs(of: Self.document(latency: 0.5), file: "b.json")
        let comparison = RunComparison(runs: a + b)
        for test in comparison.differences[0].tests {
            #expect(!test.significant && test.verdict == .withinNoise && test.mannWhitney.pValue > 0.9)
            #expect(test.medianDifference == 0 && test.percentChange == 0)
        }
    }

    @Test func promptsAreMatchedByTextWithFirstAnswerAndMeansOverRepeats() throws {
        let a = ComparedRun.runs(of: Self.document(latency: 0.1), file: "a.json")
        var onlyTwo = Self.document(latency: 0.2, repeats: 1)
        onlyTwo.results = onlyTwo.results.filter { $0.prompt != "What is 2+2?" }.reversed()
        onlyTwo.results.append(Self.result(9, prompt: "새 질문", output: "새 답", latency: 0.2))
        let comparison = RunComparison(runs: a + ComparedRun.runs(of: onlyTwo, file: "b.json"))
        #expect(comparison.prompts.map(\.prompt) == Self.prompts + ["새 질문"])
        let korean = try #require(comparison.prompts.first)
        let first = try #require(korean.cells[0])
        #expect(first.output == "인공지능을 설명해주세요 → 답 0")
        #expect(first.requests == 4 && first.successful == 4)
        #expect(first.meanCompletionTokens == 10)
        let latencies = [0, 3, 6, 9].map { 0.1 * (1 + 0.01 * Double($0)) }
        #expect(abs(try #require(first.meanLatencyS) - latencies.reduce(0, +) / 4) < 1e-12)
        #expect(korean.cells[1]?.requests == 1)
        #expect(comparison.prompts[2].cells[1] == nil, "b did not send 2+2")
        #expect(comparison.prompts[3].cells[0] == nil && comparison.prompts[3].cells[1]?.output == "새 답")
    }

    @Test func promptIDsWinOverText() {
        let a = [
            Self.result(0, prompt: "같은 질문", output: "하나", latency: 0.1, promptID: "q1"),
            Self.result(1, prompt: "같은 질문", output: "둘", latency: 0.1, promptID: "q2"),
        ]
        let b = [Self.result(0, prompt: "같은 질문 (고친 글)", output: "셋", latency: 0.1, promptID: "q2")]
        let comparison = RunComparison(runs: ComparedRun.runs(ofResults: a, file: "a.jsonl") + ComparedRun.runs(ofResults: b, file: "b.jsonl"))
        #expect(comparison.prompts.map(\.promptID) == ["q1", "q2"])
        #expect(comparison.prompts[1].cells.map { $0?.output } == ["둘", "셋"])
    }

    @Test func aFileWithSeveralSettingsIsSplitIntoRuns() throws {
        var results: [RequestResult] = []
        for (setting, temperature, latency) in [("temperature=0.1", 0.1, 0.1), ("temperature=0.9", 0.9, 0.3)] {
            for (number, prompt) in Self.prompts.enumerated() {
                results.append(
                    Self.result(
                        results.count, prompt: prompt, output: "\(setting) \(number)", latency: latency, setting: setting, temperature: temperature))
            }
        }
        var info = Self.info()
        info.settings = ["temperature=0.1", "temperature=0.9"]
        let document = RunDocument(run: info, summary: ResultSummary(results: results, durationSeconds: 2), results: results)
        let runs = ComparedRun.runs(of: document, file: "runs/sweep.json")
        #expect(runs.map(\.label) == ["sweep.json temperature=0.1", "sweep.json temperature=0.9"])
        #expect(runs.map(\.setting) == ["temperature=0.1", "temperature=0.9"])
        #expect(runs.map { $0.results.count } == [3, 3])
        #expect(runs.map { $0.info?.temperature } == [0.1, 0.9])
        #expect(runs.map(\.summary.totalRequests) == [3, 3])
        let comparison = RunComparison(runs: runs)
        #expect(comparison.prompts.count == 3)
        #expect(comparison.prompts[0].cells.map { $0?.output } == ["temperature=0.1 0", "temperature=0.9 0"])
        // JSONL results are split the same way, their summaries computed from the results.
        let fromLines = ComparedRun.runs(ofResults: results, file: "sweep.jsonl")
        #expect(fromLines.map(\.label) == ["sweep.jsonl temperature=0.1", "sweep.jsonl temperature=0.9"])
        #expect(fromLines.allSatisfy { $0.info == nil && $0.summary.durationS > 0 })
    }

    @Test func filesAreLoadedLabelledAndBadOnesNamed() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("compare-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("other"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let encoder = JSONEncoder()
        let json = folder.appendingPathComponent("a.json").path
        try encoder.encode(Self.document(latency: 0.1)).write(to: URL(fileURLWithPath: json))
        let sameName = folder.appendingPathComponent("other/a.json").path
        try encoder.encode(Self.document(latency: 0.2)).write(to: URL(fileURLWithPath: sameName))
        let lines = folder.appendingPathComponent("b.jsonl").path
        let jsonl =
            try Self.document(latency: 0.3).results.map { String(decoding: try encoder.encode($0), as: UTF8.self) }.joined(separator: "\n") + "\n"
        try Data(jsonl.utf8).write(to: URL(fileURLWithPath: lines))

        let comparison = try RunComparison.load(resultFiles: [json, lines])
        #expect(comparison.runs.map(\.label) == ["a.json", "b.jsonl"])
        #expect(comparison.runs[1].summary.totalRequests == 12 && comparison.runs[1].summary.durationS > 0)
        let clash = try RunComparison.load(resultFiles: [json, sameName, json])
        #expect(clash.runs.map(\.label) == [json, sameName, json + " (2)"])

        func reason(_ paths: [String]) -> String {
            do {
                _ = try RunComparison.load(resultFiles: paths)
                return "accepted"
            } catch {
                return error.description
            }
        }
        let missing = folder.appendingPathComponent("missing.json").path
        #expect(reason([json, missing]) == "cannot use \(missing): no such file")
        #expect(reason([json]).hasPrefix("cannot use \(json): it holds one run"))
        let bench = folder.appendingPathComponent("bench.json").path
        try Data(#"{"run": {}, "bench": {}, "levels": []}"#.utf8).write(to: URL(fileURLWithPath: bench))
        #expect(reason([json, bench]).hasPrefix("cannot use \(bench): neither a run nor a bench result document (missing run."))
        let csv = folder.appendingPathComponent("r.csv").path
        try Data("index\n0\n".utf8).write(to: URL(fileURLWithPath: csv))
        #expect(reason([json, csv]).hasPrefix("cannot use \(csv): CSV"))
        let other = folder.appendingPathComponent("other.json").path
        try Data(#"{"results": 3}"#.utf8).write(to: URL(fileURLWithPath: other))
        #expect(reason([json, other]).hasPrefix("cannot use \(other): neither a run nor a bench result document"))
        let empty = folder.appendingPathComponent("empty.jsonl").path
        try Data().write(to: URL(fileURLWithPath: empty))
        #expect(reason([json, empty]) == "cannot use \(empty): it holds no results")
    }

    @Test func jsonHasRunsDifferencesAndEveryPrompt() throws {
        let comparison = RunComparison(
            runs: ComparedRun.runs(of: Self.document(latency: 0.1), file: "a.json")
                + ComparedRun.runs(of: Self.document(latency: 1), file: "b.json"))
        let data = try comparison.jsonData()
        #expect(String(decoding: data, as: UTF8.self).contains("인공지능을 설명해주세요"))
        let object = try #require(JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["baseline"] as? String == "a.json")
        #expect(object["significance_level"] as? Double == 0.05)
        let runs = try #require(object["runs"] as? [[String: Any]])
        #expect(runs.map { $0["label"] as? String } == ["a.json", "b.json"])
        #expect(runs.allSatisfy { $0["summary"] is [String: Any] && $0["results"] == nil })
        let differences = try #require(object["differences"] as? [[String: Any]])
        let tests = try #require(differences.first?["tests"] as? [[String: Any]])
        let latency = try #require(tests.first { $0["metric"] as? String == "latency_s" })
        #expect(latency["verdict"] as? String == "worse" && latency["significant"] as? Bool == true)
        #expect((latency["mann_whitney"] as? [String: Any])?["p_value"] is Double)
        #expect((latency["median_difference_ci"] as? [String: Any])?["lower"] is Double)
        let prompts = try #require(object["prompts"] as? [[String: Any]])
        #expect(prompts.count == 3)
        #expect((prompts[0]["cells"] as? [[String: Any]])?.first?["mean_latency_s"] is Double)
    }

    @Test func terminalTableAlignsKoreanAndColoursOnlyWhenAsked() throws {
        let comparison = RunComparison(
            runs: ComparedRun.runs(of: Self.document(latency: 0.1), file: "빠른.json")
                + ComparedRun.runs(of: Self.document(latency: 1), file: "slow.json"))
        let plain = comparison.formatted(maxPrompts: 2, width: 80)
        #expect(plain.contains("🔬 RUN COMPARISON"))
        #expect(plain.contains("Baseline: 빠른.json"))
        #expect(!plain.contains("\u{1B}["))
        #expect(plain.contains("+900.0%"))
        #expect(plain.contains("worse, significant"))
        #expect(plain.contains("<0.001"))
        #expect(plain.contains("[1] 인공지능을 설명해주세요"))
        #expect(!plain.contains("[3]"))
        #expect(plain.contains("(1 more prompt: --max-prompts N"))
        let lines = plain.split(separator: "\n")
        // The metric rows line up: every row of the table is as wide as its header.
        let header = try #require(lines.first { $0.hasPrefix("metric") })
        let rows = lines.filter { $0.hasPrefix("latency p50") || $0.hasPrefix("successful") }
        #expect(rows.count == 2 && rows.allSatisfy { $0.displayWidth == header.displayWidth })
        // Per-prompt lines stay within the width, Korean counted as two columns.
        #expect(lines.filter { $0.hasPrefix("    ") }.allSatisfy { $0.displayWidth <= 80 })
        let coloured = comparison.formatted(style: TerminalStyle(isEnabled: true))
        #expect(coloured.contains("\u{1B}[31m"))
    }
}

/// Quality metrics in a comparison: compared only when some run has them, higher being better.
@Suite struct RunComparisonQualityTests {
    /// The four-repeat run of ``RunComparisonTests/document(latency:repeats:tokens:)`` with its
    /// answers judged `score`, `score + 0.5` or `score + 1` and checked against expectations: the
    /// even repeats fail them when `failEvenRepeats`. Answers to a prompt are all alike unless
    /// `varied`, when each repeat answers differently.
    static func judged(score: Double, failEvenRepeats: Bool = false, varied: Bool = false) -> RunDocument {
        var results = RunComparisonTests.document(latency: 0.1).results
        for index in results.indices {
            let repeatIndex = results[index].repeat
            results[index].output = results[index].prompt + " → 답" + (varied ? " \(repeatIndex)" : "")
            results[index].judgeScore = score + Double(index % 3) * 0.5
            results[index].judgeReason = "정확합니다"
            let fails = failEvenRepeats && repeatIndex % 2 == 0
            results[index].assertionsPassed = !fails
            results[index].assertionFailures = fails ? ["does not contain \"정답\""] : []
        }
        return RunDocument(run: RunComparisonTests.info(), summary: ResultSummary(results: results, durationSeconds: 10), results: results)
    }

    private func comparison() -> RunComparison {
        RunComparison(
            runs: ComparedRun.runs(of: Self.judged(score: 8), file: "good.json")
                + ComparedRun.runs(of: Self.judged(score: 4, failEvenRepeats: true, varied: true), file: "worse.json"))
    }

    @Test func qualityMetricsAreComparedWithHigherBetter() throws {
        let comparison = comparison()
        let quality: [SummaryMetric] = [.assertionPassRate, .judgeMeanScore, .consistencyIdenticalShare, .consistencyMeanSimilarity]
        // No reasoning model here: no TTFO.
        #expect(comparison.metrics == SummaryMetric.allCases.filter { !$0.isReasoning })
        #expect(quality.allSatisfy { $0.isQuality && $0.higherIsBetter == true })
        #expect(SummaryMetric.latencyP50.higherIsBetter == false && SummaryMetric.requestsPerSecond.higherIsBetter == true)
        let metrics = try #require(comparison.differences.first?.metrics)
        #expect(metrics.map(\.metric) == SummaryMetric.allCases.filter { !$0.isReasoning })
        func entry(_ metric: SummaryMetric) throws -> MetricDifference { try #require(metrics.first { $0.metric == metric }) }
        let passRate = try entry(.assertionPassRate)
        #expect(passRate.baseline == 1 && passRate.value == 0.5 && passRate.percentChange == -50 && passRate.higherIsBetter == true)
        let judge = try entry(.judgeMeanScore)
        #expect(judge.baseline == 8.5 && judge.value == 4.5)
        let judgeChange = try #require(judge.percentChange)
        #expect(abs(judgeChange + 400.0 / 8.5) < 1e-9)
        let identical = try entry(.consistencyIdenticalShare)
        #expect(identical.baseline == 1 && identical.value == 0.25 && identical.percentChange == -75)
        let similarity = try entry(.consistencyMeanSimilarity)
        let similarityValue = try #require(similarity.value)
        let similarityChange = try #require(similarity.percentChange)
        #expect(similarity.baseline == 1 && similarityValue < 1 && similarityChange < 0)
    }

    @Test func judgeScoresAreTestedLikeThroughput() throws {
        let difference = try #require(comparison().differences.first)
        #expect(difference.tests.map(\.metric) == [.latency, .ttft, .tokensPerSecond, .judgeScore])
        let judge = try #require(difference.tests.first { $0.metric == .judgeScore })
        #expect(judge.baselineMedian == 8.5 && judge.median == 4.5)
        #expect(judge.significant && judge.verdict == .worse)
        #expect(PerRequestMetric.judgeScore.higherIsBetter && PerRequestMetric.judgeScore.displayScale == 1)
        #expect(PerRequestMetric.judgeScore.displayUnit == nil)
        // The same latencies in both runs: only the quality differs.
        #expect(difference.tests.first { $0.metric == .latency }?.verdict == .withinNoise)
        let reversed = RunComparison(
            runs: ComparedRun.runs(of: Self.judged(score: 4), file: "a.json") + ComparedRun.runs(of: Self.judged(score: 8), file: "b.json"))
        #expect(reversed.differences[0].tests.first { $0.metric == .judgeScore }?.verdict == .better)
    }

    @Test func promptCellsCarryAssertionsAndTheJudgesMeanScore() throws {
        let prompt = try #require(comparison().prompts.first)
        let good = try #require(prompt.cells[0])
        let worse = try #require(prompt.cells[1])
        #expect(good.assertionsChecked == 4 && good.assertionsPassed == 4 && good.assertionFailures == nil)
        #expect(worse.assertionsChecked == 4 && worse.assertionsPassed == 2)
        #expect(worse.assertionFailures == ["does not contain \"정답\""], "the first answer's failures")
        // Prompt 0 is requests 0, 3, 6 and 9, each scored 8 + (index % 3) * 0.5.
        #expect(good.meanJudgeScore == 8 && worse.meanJudgeScore == 4)
        let plain = try #require(
            RunComparison(
                runs: ComparedRun.runs(of: RunComparisonTests.document(latency: 0.1), file: "a.json")
                    + ComparedRun.runs(of: RunComparisonTests.document(latency: 0.2), file: "b.json")
            ).prompts.first?.cells[0])
        #expect(plain.assertionsChecked == nil && plain.assertionsPassed == nil && plain.meanJudgeScore == nil)
    }

    @Test func jsonAndTerminalShowQualityOnlyWhenRunsHaveIt() throws {
        let comparison = comparison()
        let object = try #require(JSONSerialization.jsonObject(with: comparison.jsonData()) as? [String: Any])
        let differences = try #require(object["differences"] as? [[String: Any]])
        let metrics = try #require(differences.first?["metrics"] as? [[String: Any]])
        func metric(_ name: String) throws -> [String: Any] { try #require(metrics.first { $0["metric"] as? String == name }) }
        for name in ["assertion_pass_rate", "judge_mean_score", "consistency_identical_share", "consistency_mean_similarity"] {
            #expect(try metric(name)["higher_is_better"] as? Bool == true, "\(name)")
            #expect(try #require(try metric(name)["percent_change"] as? Double) < 0, "\(name)")
        }
        #expect(try metric("latency_p50_s")["higher_is_better"] as? Bool == false)
        #expect(try metric("mean_output_tokens")["higher_is_better"] == nil)
        let tests = try #require(differences.first?["tests"] as? [[String: Any]])
        #expect(tests.first { $0["metric"] as? String == "judge_score" }?["verdict"] as? String == "worse")
        let cells = try #require((object["prompts"] as? [[String: Any]])?.first?["cells"] as? [[String: Any]])
        #expect(cells[0]["mean_judge_score"] is Double && cells[1]["assertions_passed"] as? Int == 2)
        let runs = try #require(object["runs"] as? [[String: Any]])
        #expect(((runs[0]["summary"] as? [String: Any])?["quality"] as? [String: Any])?["assertion_pass_rate"] as? Double == 1)

        let text = comparison.formatted(maxPrompts: 1, width: 120)
        #expect(text.contains("assertion pass rate (%)") && text.contains("-50.0%"))
        #expect(text.contains("judge mean score") && text.contains("identical answers (%)") && text.contains("answer similarity"))
        let judgeRow = try #require(text.split(separator: "\n").first { $0.hasPrefix("worse.json") && $0.contains("judge score") })
        #expect(judgeRow.contains("worse, significant"))
        let lines = text.split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("    good.json") && $0.contains("✓ 4/4") && $0.contains("judge 8.0") })
        #expect(lines.contains { $0.hasPrefix("    worse.json") && $0.contains("✗ 2/4") && $0.contains("judge 4.0") })
        #expect(lines.filter { $0.hasPrefix("    ") }.allSatisfy { $0.displayWidth <= 120 })
        // Coloured, the marks keep the line within the width all the same.
        let coloured = comparison.formatted(style: TerminalStyle(isEnabled: true), maxPrompts: 1, width: 120)
        #expect(coloured.contains("\u{1B}[32m✓ 4/4\u{1B}[0m") && coloured.contains("\u{1B}[31m✗ 2/4\u{1B}[0m"))

        // Runs sending each prompt once, unchecked and unjudged, have no quality anywhere.
        let plain = RunComparison(
            runs: ComparedRun.runs(of: RunComparisonTests.document(latency: 0.1, repeats: 1), file: "a.json")
                + ComparedRun.runs(of: RunComparisonTests.document(latency: 0.2, repeats: 1), file: "b.json"))
        #expect(plain.metrics == SummaryMetric.allCases.filter { !$0.isQuality && !$0.isReasoning })
        #expect(plain.differences[0].tests.map(\.metric) == [.latency, .ttft, .tokensPerSecond])
        let plainJSON = String(decoding: try plain.jsonData(), as: UTF8.self)
        for key in ["assertion", "judge", "consistency", "quality"] { #expect(!plainJSON.contains(key), "\(key)") }
        let plainText = plain.formatted()
        for word in ["assertion", "judge", "identical", "similarity", "✓"] { #expect(!plainText.contains(word), "\(word)") }
    }
}
