public import Foundation
public import LLMClientKit
public import LLMSupport

/// quality (compared only when some run has it).
public enum SummaryMetric: String, Codable, Sendable, CaseIterable {
    case successful, failed
    case latencyP50 = "latency_p50_s"
    case latencyP90 = "latency_p90_s"
    case latencyP99 = "latency_p99_s"
    case ttftP50 = "ttft_p50_s"
    case ttftP90 = "ttft_p90_s"
    case ttftP99 = "ttft_p99_s"
    case ttfoP50 = "ttfo_p50_s"
    case ttfoP99 = "ttfo_p99_s"
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

    /// Whether the metric exists only for reasoning models (time to the answer after thoughts).
    public var isReasoning: Bool { self == .ttfoP50 || self == .ttfoP99 }

    /// The metrics compared between runs with `summaries`: every count, timing and rate, and the
    /// quality metrics some summary has a value of, in declaration order.
    public static func compared(in summaries: [ResultSummary]) -> [SummaryMetric] {
        allCases.filter { metric in
            (!metric.isQuality && !metric.isReasoning) || summaries.contains { metric.value(in: $0) != nil }
        }
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
        case .ttfoP50: "TTFO p50"
        case .ttfoP99: "TTFO p99"
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
        case .latencyP50, .latencyP90, .latencyP99, .ttftP50, .ttftP90, .ttftP99, .ttfoP50, .ttfoP99, .itlMean: 1000
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
        case .ttfoP50: summary.ttfoS?.p50
        case .ttfoP99: summary.ttfoS?.p99
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

private func percentChangeOf(_ value: Double?, from baseline: Double?) -> Double? {
    guard let value, let baseline, baseline != 0 else { return nil }
    return (value - baseline) / abs(baseline) * 100
}
