import Foundation
public import LLMClientKit
public import LLMSupport

/// One run of a comparison: a result file, or one setting of a comparison run's file
/// (`--temperature 0.1,0.9` writes every setting into one file; each becomes a run of its own).
public struct ComparedRun: Sendable {
    /// The name in tables and legends: the file name, plus the setting when the file was split.
    public var label: String
    /// The result file, as given.
    public var file: String
    /// The setting of a split file (`temperature=0.9`); nil for a whole file.
    public var setting: String?
    /// The run's configuration (with the temperature and model of its setting when split); nil
    /// for a JSONL file, which does not record it.
    public var info: RunInfo?
    public var summary: ResultSummary
    /// Every result of the run, sorted by index.
    public var results: [RequestResult]

    public init(label: String, file: String, setting: String?, info: RunInfo?, summary: ResultSummary, results: [RequestResult]) {
        self.label = label
        self.file = file
        self.setting = setting
        self.info = info
        self.summary = summary
        self.results = results
    }

    /// The runs of a JSON result document read from `file`: one, or one per setting when its
    /// results carry several settings (the document's per-setting summaries are used).
    public static func runs(of document: RunDocument, file: String) -> [ComparedRun] {
        runs(file: file, info: document.run, summary: document.summary, settingSummaries: document.settings ?? [], results: document.results)
    }

    /// The runs of results read from a JSONL file: one, or one per setting when they carry several.
    /// Summaries are computed from the results, over the span from the first send to the last end.
    public static func runs(ofResults results: [RequestResult], file: String) -> [ComparedRun] {
        runs(file: file, info: nil, summary: nil, settingSummaries: [], results: results)
    }

    /// The runs of the result file at `path`: a JSON document of `llm-client run` (by its `.json`
    /// extension; see ``runs(of:file:)``) or of `llm-client bench` (see ``BenchDocument/comparedRuns(file:)``),
    /// or a JSONL result file (any other extension but `.csv`).
    /// - Throws: ``ResultsError`` naming the file when it is missing, unreadable, not results, or empty.
    public static func load(path: String) throws(ResultsError) -> [ComparedRun] {
        let runs: [ComparedRun]
        var fromBench = false
        do throws(ResultsError) {
            switch (path as NSString).pathExtension.lowercased() {
            case "csv":
                throw ResultsError(
                    .notResults, path: path, reason: "CSV results lack the per-request timings; give the .json or .jsonl results of llm-client run")
            case "json":
                switch try ResultDocument.load(path: path) {
                case .run(let document): runs = Self.runs(of: document, file: path)
                case .bench(let document):
                    runs = document.comparedRuns(file: path)
                    fromBench = true
                }
            default:
                runs = Self.runs(ofResults: try ResultDocument.results(path: path), file: path)
            }
        } catch  where error.code == .notJSONObject {
            throw .cannotUse(
                error.code, path: path, reason: "not a JSON object (give the .json results of llm-client run or bench, or the .jsonl results of run)")
        } catch {
            throw .cannotUse(error.code, path: path, reason: error.reason)
        }
        // A benchmark's levels have summaries but no per-request results.
        guard fromBench ? !runs.isEmpty : runs.contains(where: { !$0.results.isEmpty }) else {
            throw .cannotUse(.nothingToUse, path: path, reason: "it holds no results")
        }
        return runs
    }

    private static func runs(
        file: String, info: RunInfo?, summary: ResultSummary?, settingSummaries: [SettingSummary], results: [RequestResult]
    ) -> [ComparedRun] {
        let name = (file as NSString).lastPathComponent
        let groups = SettingSummary.groups(of: results)
        guard groups.count > 1 else {
            let summary = summary ?? ResultSummary(results: results, durationSeconds: RunDocument.span(of: results))
            return [ComparedRun(label: name, file: file, setting: groups.first?.setting, info: info, summary: summary, results: results)]
        }
        return groups.map { group in
            let summary =
                settingSummaries.first { $0.setting == group.setting }?.summary
                ?? ResultSummary(results: group.results, durationSeconds: RunDocument.span(of: group.results))
            var settingInfo = info
            if var specialised = info, let first = group.results.first {
                specialised.temperature = first.temperature
                specialised.model = first.model ?? specialised.model
                specialised.settings = nil
                settingInfo = specialised
            }
            return ComparedRun(
                label: "\(name) \(group.setting)", file: file, setting: group.setting, info: settingInfo, summary: summary,
                results: group.results)
        }
    }
}

extension ComparedRun: Encodable {
    enum CodingKeys: String, CodingKey {
        case label, file, setting, run, summary
    }

    /// The label, file, setting, configuration and summary; the results are left out (the
    /// comparison's per-prompt rows carry the outputs).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(label, forKey: .label)
        try container.encode(file, forKey: .file)
        try container.encode(setting, forKey: .setting)
        try container.encode(info, forKey: .run)
        try container.encode(summary, forKey: .summary)
    }
}

/// A figure of a run's summary compared between runs: counts, timings and rates, and the answers'
/// quality (compared only when some run has it).
public enum SummaryMetric: String, Codable, Sendable, CaseIterable {
    case successful, failed
    case latencyP50 = "latency_p50_s"
    case latencyP90 = "latency_p90_s"
    case latencyP99 = "latency_p99_s"
    case ttftP50 = "ttft_p50_s"
    case ttftP90 = "ttft_p90_s"
    case ttftP99 = "ttft_p99_s"
    case itlMean = "itl_mean_s"
    case meanOutputTokens = "mean_output_tokens"
    case outputTokensPerSecond = "output_tokens_per_second"
    case requestsPerSecond = "requests_per_second"
    /// Share of the checked answers that met every expectation (0 to 1).
    case assertionPassRate = "assertion_pass_rate"
    /// Mean of the judge's scores (1 to 10).
    case judgeMeanScore = "judge_mean_score"
    /// Mean share of a repeated prompt's answers equal to its most common answer (0 to 1).
    case consistencyIdenticalShare = "consistency_identical_share"
    /// Mean pairwise similarity of a repeated prompt's answers (0 to 1).
    case consistencyMeanSimilarity = "consistency_mean_similarity"

    /// True for the figures of the answers' quality, which a run has only when it checked
    /// expectations, asked a judge or repeated prompts.
    public var isQuality: Bool {
        switch self {
        case .assertionPassRate, .judgeMeanScore, .consistencyIdenticalShare, .consistencyMeanSimilarity: true
        default: false
        }
    }

    /// The metrics compared between runs with `summaries`: every count, timing and rate, and the
    /// quality metrics some summary has a value of, in declaration order.
    public static func compared(in summaries: [ResultSummary]) -> [SummaryMetric] {
        allCases.filter { metric in !metric.isQuality || summaries.contains { metric.value(in: $0) != nil } }
    }

    /// The row name in tables: `latency p50`.
    public var label: String {
        switch self {
        case .successful: "successful"
        case .failed: "failed"
        case .latencyP50: "latency p50"
        case .latencyP90: "latency p90"
        case .latencyP99: "latency p99"
        case .ttftP50: "TTFT p50"
        case .ttftP90: "TTFT p90"
        case .ttftP99: "TTFT p99"
        case .itlMean: "ITL mean"
        case .meanOutputTokens: "output tokens/request"
        case .outputTokensPerSecond: "output tokens/s"
        case .requestsPerSecond: "requests/s"
        case .assertionPassRate: "assertion pass rate"
        case .judgeMeanScore: "judge mean score"
        case .consistencyIdenticalShare: "identical answers"
        case .consistencyMeanSimilarity: "answer similarity"
        }
    }

    /// The unit values are shown in (times in milliseconds, shares in percent); nil for plain
    /// counts, scores and rates whose label names the unit.
    public var displayUnit: String? {
        switch displayScale {
        case 1000: "ms"
        case 100: "%"
        default: nil
        }
    }

    /// What a value (in seconds for times, 0 to 1 for shares) is multiplied by for display.
    public var displayScale: Double {
        switch self {
        case .latencyP50, .latencyP90, .latencyP99, .ttftP50, .ttftP90, .ttftP99, .itlMean: 1000
        case .assertionPassRate, .consistencyIdenticalShare: 100
        default: 1
        }
    }

    /// Decimal places of a displayed value.
    public var displayDigits: Int {
        switch self {
        case .successful, .failed: 0
        case .requestsPerSecond, .judgeMeanScore: 2
        case .consistencyMeanSimilarity: 3
        default: 1
        }
    }

    /// Whether a larger value is an improvement; nil when neither (the answers' length). Larger
    /// is better for successes, throughput and every quality figure, worse for failures and times.
    public var higherIsBetter: Bool? {
        switch self {
        case .successful, .outputTokensPerSecond, .requestsPerSecond: true
        case .assertionPassRate, .judgeMeanScore, .consistencyIdenticalShare, .consistencyMeanSimilarity: true
        case .meanOutputTokens: nil
        default: false
        }
    }

    /// The metric's value in `summary`; nil when the run has no such value (no successful
    /// request, no streaming for TTFT and ITL, no expectations, judge or repeats for quality).
    public func value(in summary: ResultSummary) -> Double? {
        switch self {
        case .successful: Double(summary.successful)
        case .failed: Double(summary.failed)
        case .latencyP50: summary.latencyS?.p50
        case .latencyP90: summary.latencyS?.p90
        case .latencyP99: summary.latencyS?.p99
        case .ttftP50: summary.ttftS?.p50
        case .ttftP90: summary.ttftS?.p90
        case .ttftP99: summary.ttftS?.p99
        case .itlMean: summary.itlS?.mean
        case .meanOutputTokens: summary.successful > 0 ? Double(summary.totalCompletionTokens) / Double(summary.successful) : nil
        case .outputTokensPerSecond: summary.outputTokensPerSecond
        case .requestsPerSecond: summary.requestsPerSecond
        case .assertionPassRate: summary.quality?.assertionPassRate
        case .judgeMeanScore: summary.quality?.judgeMeanScore
        case .consistencyIdenticalShare: summary.quality?.consistency?.identicalShare
        case .consistencyMeanSimilarity: summary.quality?.consistency?.meanSimilarity
        }
    }
}

/// A per-request value whose difference between runs is tested against run-to-run noise.
public enum PerRequestMetric: String, Codable, Sendable, CaseIterable {
    case latency = "latency_s"
    case ttft = "ttft_s"
    case tokensPerSecond = "tokens_per_second"
    /// The judge's score of each answer (1 to 10); only runs with a judge have values.
    case judgeScore = "judge_score"

    /// The row name in tables.
    public var label: String {
        switch self {
        case .latency: "latency"
        case .ttft: "TTFT"
        case .tokensPerSecond: "tokens/s per request"
        case .judgeScore: "judge score"
        }
    }

    /// The unit values are shown in: `ms` for times, nil for tokens per second and scores.
    public var displayUnit: String? { isTime ? "ms" : nil }

    /// What a value (in seconds for times) is multiplied by for display.
    public var displayScale: Double { isTime ? 1000 : 1 }

    /// Whether a larger value is an improvement: for tokens per second and the judge's score, not
    /// for times.
    public var higherIsBetter: Bool { !isTime }

    private var isTime: Bool { self == .latency || self == .ttft }

    /// The values of the successful requests among `results` that have one.
    public func values(of results: [RequestResult]) -> [Double] {
        let succeeded = results.filter(\.success)
        switch self {
        case .latency: return succeeded.map(\.latencyS)
        case .ttft: return succeeded.compactMap(\.ttftS)
        case .tokensPerSecond: return succeeded.compactMap(\.tokensPerSecond)
        case .judgeScore: return succeeded.compactMap(\.judgeScore)
        }
    }
}

/// How a run compares with the baseline on one metric.
public enum ChangeVerdict: String, Codable, Sendable {
    /// A significant change for the better.
    case better
    /// A significant change for the worse.
    case worse
    /// No difference larger than run-to-run noise.
    case withinNoise = "within_noise"
}

/// A summary figure of a run next to the baseline's.
public struct MetricDifference: Codable, Sendable, Hashable {
    public var metric: SummaryMetric
    public var baseline: Double?
    public var value: Double?
    /// `value - baseline`; nil when either is missing.
    public var difference: Double?
    /// The difference in percent of the baseline; nil when the baseline is 0 or missing.
    public var percentChange: Double?
    /// Whether a larger value is an improvement (``SummaryMetric/higherIsBetter``), so readers of
    /// the JSON can tell a rise in latency from a rise in throughput; nil when neither.
    public var higherIsBetter: Bool?

    public init(metric: SummaryMetric, baseline: Double?, value: Double?) {
        self.metric = metric
        self.baseline = baseline
        self.value = value
        difference = baseline.flatMap { base in value.map { $0 - base } }
        percentChange = percentChangeOf(value, from: baseline)
        higherIsBetter = metric.higherIsBetter
    }

    enum CodingKeys: String, CodingKey {
        case metric, baseline, value, difference
        case percentChange = "percent_change"
        case higherIsBetter = "higher_is_better"
    }
}

/// The per-request values of one metric of a run tested against the baseline's: the difference in
/// medians with a bootstrap confidence interval, and the Mann–Whitney U test.
public struct SampleComparison: Codable, Sendable, Hashable {
    public var metric: PerRequestMetric
    /// How many values each run had (successful requests with a value).
    public var baselineCount: Int
    public var count: Int
    public var baselineMedian: Double
    public var median: Double
    /// `median - baselineMedian`.
    public var medianDifference: Double
    /// The median difference in percent of the baseline's median; nil when that is 0.
    public var percentChange: Double?
    /// The bootstrap confidence interval of the median difference.
    public var confidenceInterval: ConfidenceInterval
    public var mannWhitney: MannWhitneyTest
    /// Whether the difference is larger than run-to-run noise: p below
    /// ``RunComparison/significanceLevel``.
    public var significant: Bool
    public var verdict: ChangeVerdict

    /// The comparison of `values` with `baselineValues`, or nil when either is empty.
    public init?(metric: PerRequestMetric, baselineValues: [Double], values: [Double], bootstrapResamples: Int = 2000, seed: UInt64) {
        guard let baselineMedian = Significance.median(baselineValues), let median = Significance.median(values),
            let test = MannWhitneyTest(baselineValues, values),
            let interval = Significance.bootstrapMedianDifference(baselineValues, values, resamples: bootstrapResamples, seed: seed)
        else { return nil }
        self.metric = metric
        baselineCount = baselineValues.count
        count = values.count
        self.baselineMedian = baselineMedian
        self.median = median
        medianDifference = median - baselineMedian
        percentChange = percentChangeOf(median, from: baselineMedian)
        confidenceInterval = interval
        mannWhitney = test
        significant = test.pValue < RunComparison.significanceLevel
        if !significant || medianDifference == 0 {
            verdict = .withinNoise
        } else {
            verdict = (medianDifference > 0) == metric.higherIsBetter ? .better : .worse
        }
    }

    enum CodingKeys: String, CodingKey {
        case metric, count, median, significant, verdict
        case baselineCount = "baseline_count"
        case baselineMedian = "baseline_median"
        case medianDifference = "median_difference"
        case percentChange = "percent_change"
        case confidenceInterval = "median_difference_ci"
        case mannWhitney = "mann_whitney"
    }
}

/// A run's differences from the baseline (the first run).
public struct RunDifferences: Codable, Sendable, Hashable {
    /// The run's label.
    public var run: String
    /// The baseline's label.
    public var baseline: String
    /// Every compared ``SummaryMetric`` (see ``RunComparison/metrics``), in order.
    public var metrics: [MetricDifference]
    /// The per-request metrics both runs have values of, in ``PerRequestMetric`` order.
    public var tests: [SampleComparison]
}

/// One prompt's answers in each run.
public struct PromptComparison: Codable, Sendable, Hashable {
    public var promptID: String?
    public var prompt: String
    /// One cell per run, in the comparison's run order; nil where a run did not send the prompt.
    public var cells: [PromptCell?]

    enum CodingKeys: String, CodingKey {
        case prompt, cells
        case promptID = "prompt_id"
    }
}

/// A prompt's requests in one run: the first answer, and means over the repeats.
public struct PromptCell: Codable, Sendable, Hashable {
    /// The run's label.
    public var run: String
    /// The output of the first request (the lowest repeat), whole.
    public var output: String
    /// The error of the first request when it failed.
    public var error: String?
    /// Requests of the prompt (its repeats) and how many succeeded.
    public var requests: Int
    public var successful: Int
    /// Means over the successful repeats; nil when none succeeded (or had the value).
    public var meanCompletionTokens: Double?
    public var meanLatencyS: Double?
    public var meanTTFTS: Double?
    /// Successful repeats checked against the prompt's expectations, and how many met them all;
    /// nil when none was checked.
    public var assertionsChecked: Int?
    public var assertionsPassed: Int?
    /// What the first answer failed to meet; nil when it met every expectation or was not checked.
    public var assertionFailures: [String]?
    /// Mean of the judge's scores over the successful repeats; nil when none was scored.
    public var meanJudgeScore: Double?

    /// The cell of one prompt's `results` (its repeats) in the run labelled `run`.
    public init(run: String, results: [RequestResult]) {
        let ordered = results.sorted { ($0.repeat, $0.index) < ($1.repeat, $1.index) }
        let succeeded = ordered.filter(\.success)
        func mean(_ values: [Double]) -> Double? { values.isEmpty ? nil : values.reduce(0, +) / Double(values.count) }
        self.run = run
        output = ordered.first?.output ?? ""
        error = ordered.first.flatMap { $0.success ? nil : ($0.error ?? $0.errorKind?.rawValue ?? "failed") }
        requests = ordered.count
        successful = succeeded.count
        meanCompletionTokens = mean(succeeded.compactMap { $0.completionTokens.map(Double.init) })
        meanLatencyS = mean(succeeded.map(\.latencyS))
        meanTTFTS = mean(succeeded.compactMap(\.ttftS))
        let checked = succeeded.compactMap(\.assertionsPassed)
        if !checked.isEmpty {
            assertionsChecked = checked.count
            assertionsPassed = checked.filter { $0 }.count
        }
        assertionFailures = ordered.first.flatMap { $0.assertionsPassed == false ? $0.assertionFailures : nil }
        meanJudgeScore = mean(succeeded.compactMap(\.judgeScore))
    }

    enum CodingKeys: String, CodingKey {
        case run, output, error, requests, successful
        case meanCompletionTokens = "mean_completion_tokens"
        case meanLatencyS = "mean_latency_s"
        case meanTTFTS = "mean_ttft_s"
        case assertionsChecked = "assertions_checked"
        case assertionsPassed = "assertions_passed"
        case assertionFailures = "assertion_failures"
        case meanJudgeScore = "mean_judge_score"
    }
}

/// Runs compared side by side: each run's summary and its differences from the first run (the
/// baseline), with per-request latency, TTFT, tokens per second and the judge's scores tested
/// against run-to-run noise, and every prompt's answers in each run (prompts are matched by
/// `prompt_id`, else by text).
public struct RunComparison: Sendable {
    /// A difference whose Mann–Whitney p-value is below this is called significant.
    public static let significanceLevel = 0.05

    /// The runs, the baseline first.
    public var runs: [ComparedRun]
    /// The summary metrics compared: every count, timing and rate, and the quality metrics some
    /// run has (``SummaryMetric/compared(in:)``).
    public var metrics: [SummaryMetric]
    /// For each run after the baseline, its differences from it.
    public var differences: [RunDifferences]
    /// Every prompt, in the order the runs first sent them.
    public var prompts: [PromptComparison]

    /// The baseline: the first run.
    public var baseline: ComparedRun { runs[0] }

    /// Compares `runs` (at least one; the first is the baseline). The bootstrap resamples
    /// `bootstrapResamples` times from a generator seeded with `seed`, so the same runs always give
    /// the same intervals.
    public init(runs: [ComparedRun], bootstrapResamples: Int = 2000, seed: UInt64 = 0x5EED) {
        precondition(!runs.isEmpty, "a comparison needs a run")
        self.runs = runs
        let baseline = runs[0]
        let metrics = SummaryMetric.compared(in: runs.map(\.summary))
        self.metrics = metrics
        differences = runs.dropFirst().map { run in
            let metrics = metrics.map {
                MetricDifference(metric: $0, baseline: $0.value(in: baseline.summary), value: $0.value(in: run.summary))
            }
            let tests = PerRequestMetric.allCases.compactMap { metric in
                SampleComparison(
                    metric: metric, baselineValues: metric.values(of: baseline.results), values: metric.values(of: run.results),
                    bootstrapResamples: bootstrapResamples, seed: mixSeed(seed, stableHash(metric.rawValue, seed: seed)))
            }
            return RunDifferences(run: run.label, baseline: baseline.label, metrics: metrics, tests: tests)
        }
        prompts = Self.matchPrompts(runs)
    }

    /// The comparison of result files (see ``ComparedRun/load(path:)``), in the order given, the first run the baseline. Runs of files with the same
    /// name are labelled by the paths as given.
    /// - Throws: ``ResultsError`` naming a file that cannot be compared, or the only file when
    ///   the files hold fewer than two runs.
    public static func load(resultFiles: [String]) throws(ResultsError) -> RunComparison {
        var runs: [ComparedRun] = []
        for path in resultFiles { runs += try ComparedRun.load(path: path) }
        guard runs.count >= 2 else {
            throw .cannotUse(
                .nothingToUse, path: resultFiles.first ?? "",
                reason:
                    "it holds one run and no settings to compare; give two or more result files, or the file of a run with a list of settings (--temperature 0.1,0.9)"
            )
        }
        return RunComparison(runs: uniquelyLabelled(runs))
    }

    /// `runs` with labels made unique: by the path as given where file names clash, then by a number.
    private static func uniquelyLabelled(_ runs: [ComparedRun]) -> [ComparedRun] {
        var runs = runs
        let clashing = Set(Dictionary(grouping: runs, by: \.label).filter { $0.value.count > 1 }.keys)
        for index in runs.indices where clashing.contains(runs[index].label) {
            runs[index].label = runs[index].file + (runs[index].setting.map { " \($0)" } ?? "")
        }
        var seen: [String: Int] = [:]
        for index in runs.indices {
            let count = seen[runs[index].label, default: 0] + 1
            seen[runs[index].label] = count
            if count > 1 { runs[index].label += " (\(count))" }
        }
        return runs
    }

    /// The prompts of all runs matched by `prompt_id` (else by text), in order of first appearance.
    private static func matchPrompts(_ runs: [ComparedRun]) -> [PromptComparison] {
        func key(_ result: RequestResult) -> String { result.promptID.map { "id:" + $0 } ?? "text:" + result.prompt }
        var order: [String] = []
        var firstResult: [String: RequestResult] = [:]
        let grouped = runs.map { run in Dictionary(grouping: run.results, by: key) }
        for run in runs {
            for result in run.results where firstResult[key(result)] == nil {
                order.append(key(result))
                firstResult[key(result)] = result
            }
        }
        return order.map { promptKey in
            let first = firstResult[promptKey]!
            let cells = zip(runs, grouped).map { run, byPrompt in byPrompt[promptKey].map { PromptCell(run: run.label, results: $0) } }
            return PromptComparison(promptID: first.promptID, prompt: first.prompt, cells: cells)
        }
    }
}

extension RunComparison: Encodable {
    enum CodingKeys: String, CodingKey {
        case baseline, runs, differences, prompts
        case significanceLevel = "significance_level"
    }

    /// `{"baseline", "significance_level", "runs", "differences", "prompts"}`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(baseline.label, forKey: .baseline)
        try container.encode(Self.significanceLevel, forKey: .significanceLevel)
        try container.encode(runs, forKey: .runs)
        try container.encode(differences, forKey: .differences)
        try container.encode(prompts, forKey: .prompts)
    }

    /// The comparison as pretty-printed JSON with sorted keys; Korean is written as it is.
    public func jsonData() throws -> Data {
        try ResultJSON.document(self)
    }
}

/// `value` as a percentage change from `baseline`; nil when either is missing or the baseline is 0.
private func percentChangeOf(_ value: Double?, from baseline: Double?) -> Double? {
    guard let value, let baseline, baseline != 0 else { return nil }
    return (value - baseline) / abs(baseline) * 100
}

// MARK: - Terminal

extension RunComparison {
    /// The comparison for a terminal: the summary metrics of every run with each run's difference
    /// and percentage change from the baseline; the per-request tests (median difference, its 95 %
    /// interval, the p-value and the verdict, green or red when significant); and the first
    /// `maxPrompts` prompts with each run's answer cut to `width` columns, tokens and timings (means
    /// over repeats), with the assertions passed and the judge's mean score when the runs have
    /// them. Columns are measured in terminal columns, so Korean text stays aligned.
    public func formatted(style: TerminalStyle = .plain, maxPrompts: Int = 20, width: Int = 100) -> String {
        let rule = String(repeating: "=", count: 72)
        let thin = String(repeating: "-", count: 72)
        var lines = [rule, style.bold("🔬 RUN COMPARISON"), rule]
        lines.append("Baseline: \(baseline.label)")
        for run in runs {
            let summary = run.summary
            let failed = summary.failed > 0 ? style.red("\(summary.failed) failed") : "0 failed"
            lines.append("  \(run.label): \(summary.totalRequests) requests, \(summary.successful) ok, \(failed)")
        }
        lines.append(thin)
        lines += metricsTable()
        if differences.contains(where: { !$0.tests.isEmpty }) {
            lines.append(thin)
            lines += testsTable(style: style)
        }
        lines.append(thin)
        lines += promptLines(style: style, maxPrompts: maxPrompts, width: width)
        lines.append(rule)
        return lines.joined(separator: "\n")
    }

    private func metricsTable() -> [String] {
        let labelWidth = 24
        var header = ["metric".padded(toWidth: labelWidth)]
        var cellWidths: [Int] = []
        for (index, run) in runs.enumerated() {
            let runName = Self.columnName(of: run)
            let columns = index == 0 ? [runName] : [runName, "Δ", "%"]
            for column in columns {
                let name = column.truncated(toWidth: 22)
                let width = max(10, name.displayWidth)
                cellWidths.append(width)
                header.append(name.padded(toWidth: width, alignment: .right))
            }
        }
        var lines = [header.joined(separator: "  ")]
        for metric in metrics {
            let scale = metric.displayScale
            let digits = metric.displayDigits
            var cells = [(metric.label + (metric.displayUnit.map { " (\($0))" } ?? "")).padded(toWidth: labelWidth)]
            cells.append(Self.number(metric.value(in: baseline.summary).map { $0 * scale }, digits: digits))
            for difference in differences {
                let entry = difference.metrics.first { $0.metric == metric }
                cells.append(Self.number(entry?.value.map { $0 * scale }, digits: digits))
                cells.append(Self.number(entry?.difference.map { $0 * scale }, digits: digits, signed: true))
                cells.append(Self.percent(entry?.percentChange))
            }
            lines.append(
                zip(cells, [labelWidth] + cellWidths).enumerated().map { column, entry in
                    entry.0.padded(toWidth: entry.1, alignment: column == 0 ? .left : .right)
                }.joined(separator: "  "))
        }
        return lines
    }

    /// The run's name in a table column: a label longer than 22 columns gives way to its setting
    /// (`temperature=0.9`), which tells the runs split from one file apart.
    private static func columnName(of run: ComparedRun) -> String {
        run.label.displayWidth > 22 ? run.setting ?? run.label : run.label
    }

    private func testsTable(style: TerminalStyle) -> [String] {
        var lines = [
            style.bold("Per-request medians against \(baseline.label)")
                + " (bootstrap 95% CI; Mann–Whitney U, significant at p < \(Self.significanceLevel)):"
        ]
        let headers = ["run", "metric", "median Δ", "%", "95% CI of Δ", "p", "verdict"]
        var rows: [[String]] = []
        var verdicts: [ChangeVerdict] = []
        for difference in differences {
            for test in difference.tests {
                let scale = test.metric.displayScale
                let unit = test.metric.displayUnit.map { " (\($0))" } ?? ""
                let interval =
                    "[\(Self.number(test.confidenceInterval.lower * scale, digits: 1, signed: true)), \(Self.number(test.confidenceInterval.upper * scale, digits: 1, signed: true))]"
                let verdict =
                    switch test.verdict {
                    case .better: "better, significant"
                    case .worse: "worse, significant"
                    case .withinNoise: "within noise"
                    }
                rows.append([
                    runs.first { $0.label == difference.run }.map(Self.columnName(of:)) ?? difference.run, test.metric.label + unit,
                    Self.number(test.medianDifference * scale, digits: 1, signed: true),
                    Self.percent(test.percentChange), interval, Self.pValue(test.mannWhitney.pValue), verdict,
                ])
                verdicts.append(test.verdict)
            }
        }
        let table = TextTable(
            [headers] + rows, alignment: { $0 == 0 || $0 == 1 || $0 == headers.count - 1 ? .left : .right },
            maxWidth: { $0 == 0 ? 28 : 40 })
        lines.append(table.line(headers))
        for (row, verdict) in zip(rows, verdicts) {
            let text = table.line(row)
            switch verdict {
            case .better: lines.append(style.green(text))
            case .worse: lines.append(style.red(text))
            case .withinNoise: lines.append(text)
            }
        }
        return lines
    }

    private func promptLines(style: TerminalStyle, maxPrompts: Int, width: Int) -> [String] {
        guard !prompts.isEmpty else {
            return [
                style.bold("Per prompt")
                    + ": none (benchmark documents hold no per-request results; compare their .jsonl files for prompts and tests)"
            ]
        }
        let shown = prompts.prefix(maxPrompts)
        let repeated = runs.contains { run in run.results.contains { $0.repeat > 0 } }
        var lines = [style.bold("Per prompt") + " (\(shown.count) of \(prompts.count)\(repeated ? "; first answer, means over repeats" : "")):"]
        let labelWidth = min(28, runs.map { Self.columnName(of: $0).displayWidth }.max() ?? 0)
        let cells = prompts.flatMap(\.cells).compactMap { $0 }
        let showsAssertions = cells.contains { $0.assertionsChecked != nil }
        let showsJudge = cells.contains { $0.meanJudgeScore != nil }
        for (number, prompt) in shown.enumerated() {
            let heading = "[\(number + 1)] " + (prompt.promptID.map { "\($0): " } ?? "") + Self.oneLine(prompt.prompt)
            lines.append(style.cyan(heading.truncated(toWidth: width)))
            for (run, cell) in zip(runs, prompt.cells) {
                let label = "    " + Self.columnName(of: run).truncated(toWidth: labelWidth).padded(toWidth: labelWidth)
                guard let cell else {
                    lines.append(label + "  " + style.dim("(not sent)"))
                    continue
                }
                let tokens = cell.meanCompletionTokens.map { Self.number($0, digits: $0.rounded() == $0 ? 0 : 1) + " tok" } ?? "— tok"
                let latency = cell.meanLatencyS.map { Self.number($0 * 1000, digits: 1) + " ms" } ?? "— ms"
                let ttft = "TTFT " + (cell.meanTTFTS.map { Self.number($0 * 1000, digits: 1) + " ms" } ?? "—")
                let figures =
                    tokens.padded(toWidth: 9, alignment: .right) + "  " + latency.padded(toWidth: 11, alignment: .right)
                    + "  " + ttft.padded(toWidth: 15)
                var marks = ""
                if showsAssertions { marks += "  " + Self.assertionMark(cell, style: style) }
                if showsJudge { marks += "  " + ("judge " + Self.number(cell.meanJudgeScore, digits: 1)).padded(toWidth: 10) }
                let prefix = label + "  " + figures + marks + "  "
                // Measured without the marks, whose colour's escape sequences are no columns: 7 and 10 wide.
                let marksWidth = (showsAssertions ? 2 + 7 : 0) + (showsJudge ? 2 + 10 : 0)
                let room = max(10, width - (label + "  " + figures + "  ").displayWidth - marksWidth)
                var text =
                    cell.error.map { style.red("✗ " + Self.oneLine($0).truncated(toWidth: room - 2)) }
                    ?? Self.oneLine(cell.output).truncated(toWidth: room)
                if cell.successful < cell.requests && cell.error == nil { text += style.red(" (\(cell.requests - cell.successful) failed)") }
                lines.append(prefix + text)
            }
        }
        if prompts.count > shown.count {
            let hidden = prompts.count - shown.count
            lines.append(style.dim("(\(hidden) more \(hidden == 1 ? "prompt" : "prompts"): --max-prompts N shows more; the JSON output has all)"))
        }
        return lines
    }

    /// `✓ 4/4` (green) when every checked repeat met its expectations, `✗ 3/4` (red) when some did
    /// not, a dash when none was checked; seven columns wide.
    private static func assertionMark(_ cell: PromptCell, style: TerminalStyle) -> String {
        guard let checked = cell.assertionsChecked, let passed = cell.assertionsPassed else { return "—".padded(toWidth: 7) }
        let text = "\(passed == checked ? "✓" : "✗") \(passed)/\(checked)"
        let padding = String(repeating: " ", count: max(0, 7 - text.displayWidth))
        // Coloured before padding, so the escape sequences do not count as columns.
        return (passed == checked ? style.green(text) : style.red(text)) + padding
    }

    /// Text on one line: line breaks and tabs become spaces.
    private static func oneLine(_ text: String) -> String {
        String(text.map { $0.isNewline || $0 == "\t" ? " " : $0 })
    }

    private static func number(_ value: Double?, digits: Int, signed: Bool = false) -> String {
        guard let value, value.isFinite else { return "—" }
        let text = String(format: "%.\(digits)f", value)
        let isZero = Double(text) == 0
        if isZero { return String(format: "%.\(digits)f", 0.0) }
        return signed && value > 0 ? "+" + text : text
    }

    private static func percent(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "—" }
        return number(value, digits: 1, signed: true) + "%"
    }

    private static func pValue(_ value: Double) -> String {
        value < 0.001 ? "<0.001" : String(format: "%.3f", value)
    }
}
