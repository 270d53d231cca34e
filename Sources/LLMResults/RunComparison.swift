public import Foundation
public import LLMClientKit
public import LLMSupport

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
