import Foundation
import LLMClientKit
import LLMResults
import LLMSupport

/// The latency distributions the report draws.
enum LatencyMetric: CaseIterable {
    case ttft, endToEnd, interToken

    var title: String {
        switch self {
        case .ttft: "Time to first token"
        case .endToEnd: "End-to-end latency"
        case .interToken: "Inter-token latency"
        }
    }

    var shortName: String {
        switch self {
        case .ttft: "TTFT"
        case .endToEnd: "E2E latency"
        case .interToken: "ITL"
        }
    }

    /// What one value is: a request's, or a gap between two chunks.
    var valueNoun: String { self == .interToken ? "gaps" : "requests" }

    /// The bench document's histogram of this metric.
    var histogramName: LatencyHistogramName {
        switch self {
        case .ttft: .ttft
        case .endToEnd: .e2e
        case .interToken: .itl
        }
    }
}

/// Values of one metric with how often each occurred, sorted by value (seconds): a run's exact
/// samples, or a bench histogram's buckets.
struct WeightedValues {
    private(set) var values: [Double] = []
    /// Cumulative counts: `cumulative[i]` is the count of values up to and including `values[i]`.
    private(set) var cumulative: [Double] = []

    var total: Double { cumulative.last ?? 0 }
    var minimum: Double? { values.first }
    var maximum: Double? { values.last }

    init(samples: [Double]) {
        for value in samples.filter(\.isFinite).sorted() { append(value, count: 1) }
    }

    /// From `[microseconds, count]` pairs.
    init(sparseMicroseconds pairs: [[UInt64]]) {
        let sorted = pairs.filter { $0.count == 2 && $0[1] > 0 }.sorted { $0[0] < $1[0] }
        for pair in sorted { append(Double(pair[0]) / 1e6, count: Double(pair[1])) }
    }

    private mutating func append(_ value: Double, count: Double) {
        if values.last == value {
            cumulative[cumulative.count - 1] += count
        } else {
            values.append(value)
            cumulative.append(total + count)
        }
    }

    /// The share (0–1) of values at or below `x`.
    func fraction(atOrBelow x: Double) -> Double {
        guard total > 0 else { return 0 }
        var low = 0
        var high = values.count  // first index with a value above x
        while low < high {
            let middle = (low + high) / 2
            if values[middle] <= x { low = middle + 1 } else { high = middle }
        }
        return low == 0 ? 0 : cumulative[low - 1] / total
    }

    /// Counts in `binCount` bins of `binWidth` from `start`; values beyond the last bin count in
    /// it, values before the first in the first.
    func binCounts(from start: Double, binWidth: Double, binCount: Int) -> [Double] {
        var bins = [Double](repeating: 0, count: binCount)
        guard binCount > 0, binWidth > 0 else { return bins }
        var previous = 0.0
        for (value, cumulativeCount) in zip(values, cumulative) {
            let bin = min(binCount - 1, max(0, Int(((value - start) / binWidth).rounded(.down))))
            bins[bin] += cumulativeCount - previous
            previous = cumulativeCount
        }
        return bins
    }
}

/// What happened in one second of a run.
struct SecondCounts: Hashable {
    var second: Int
    var completed = 0
    var errors = 0
    var outputTokens = 0
    var maxInFlight = 0
}

/// The figures of the summary table.
struct Overview {
    var totalRequests: Int
    var successful: Int
    var failed: Int
    var durationS: Double
    var requestsPerSecond: Double
    var outputTokensPerSecond: Double
    var totalTokensPerSecond: Double
    var promptTokens: Int
    var completionTokens: Int
    var maxInFlight: Int?
    var goodput: Double?
    /// The client's own load (benchmark levels that measured it).
    var clientLoad: ClientLoad?
    var errorsByKind: [String: Int]
}

/// One line of the report's charts and tables: a run, or one level of a benchmark.
struct ReportSource {
    /// The legend name.
    var name: String
    var overview: Overview
    var distributions: [LatencyMetric: WeightedValues]
    /// The summary statistics behind the table and the percentile marks.
    var summaries: [LatencyMetric: DistributionSummary]
    /// TTFT, TTFO (reasoning models), E2E, ITL, TPOT and (open-loop bench) scheduling lag, for the latency table.
    var latencyRows: [(name: String, summary: DistributionSummary?)]
    var seconds: [SecondCounts]

    /// A run's line: distributions of its exact samples, seconds counted from its results.
    init(name: String, run: RunDocument) {
        let successful = run.results.filter(\.success)
        let seconds = Self.secondCounts(run.results)
        self.init(
            name: name, summary: run.summary, maxInFlight: seconds.map(\.maxInFlight).max(),
            distributions: [
                .ttft: WeightedValues(samples: successful.compactMap(\.ttftS)),
                .endToEnd: WeightedValues(samples: successful.map(\.latencyS)),
                .interToken: WeightedValues(samples: successful.flatMap(\.itlS)),
            ],
            seconds: seconds)
    }

    /// A benchmark level's line: distributions of its histograms, seconds of its time series.
    init(name: String, level: BenchDocument.Level) {
        self.init(
            name: name, summary: level.summary, maxInFlight: level.summary.maxInFlight,
            distributions: Dictionary(
                uniqueKeysWithValues: LatencyMetric.allCases.map { metric in
                    (metric, WeightedValues(sparseMicroseconds: level.histogram(metric.histogramName)))
                }),
            seconds: level.timeSeries.map {
                SecondCounts(
                    second: $0.second, completed: $0.completed, errors: $0.errors, outputTokens: $0.outputTokens, maxInFlight: $0.maxInFlight)
            })
    }

    /// The figures every line shows the same way, from its summary.
    private init(
        name: String, summary: ResultSummary, maxInFlight: Int?, distributions: [LatencyMetric: WeightedValues], seconds: [SecondCounts]
    ) {
        self.name = name
        overview = Overview(
            totalRequests: summary.totalRequests, successful: summary.successful, failed: summary.failed, durationS: summary.durationS,
            requestsPerSecond: summary.requestsPerSecond, outputTokensPerSecond: summary.outputTokensPerSecond,
            totalTokensPerSecond: summary.totalTokensPerSecond, promptTokens: summary.totalPromptTokens,
            completionTokens: summary.totalCompletionTokens, maxInFlight: maxInFlight, goodput: summary.goodput,
            clientLoad: summary.client, errorsByKind: summary.errorsByKind)
        self.distributions = distributions
        summaries = [:]
        summaries[.ttft] = summary.ttftS
        summaries[.endToEnd] = summary.latencyS
        summaries[.interToken] = summary.itlS
        latencyRows = [("TTFT", summary.ttftS), ("End-to-end", summary.latencyS), ("ITL", summary.itlS), ("TPOT", summary.tpotS)]
        // A reasoning model's time to its answer, after its thoughts, beside TTFT.
        if let ttfo = summary.ttfoS { latencyRows.insert(("TTFO (answer)", ttfo), at: 1) }
        // Multi-turn sessions: first turns beside later ones (whose history the server may have cached).
        if let later = summary.ttftLaterTurnsS { latencyRows.insert(("TTFT turns 2+", later), at: 1) }
        if let first = summary.ttftFirstTurnS { latencyRows.insert(("TTFT turn 1", first), at: 1) }
        if let lag = summary.schedulingLagS { latencyRows.append(("Scheduling lag", lag)) }
        if let send = summary.sendS { latencyRows.append(("Send (client)", send)) }
        self.seconds = seconds
    }

    /// Per-second counts of a run, from each result's send time and latency: completions, errors
    /// and output tokens in the second a request finished, and the most requests in flight.
    static func secondCounts(_ results: [RequestResult]) -> [SecondCounts] {
        let spans = results.map { (start: $0.startedAt.date, result: $0) }
        guard let origin = spans.map(\.start).min() else { return [] }
        var events: [(time: Double, delta: Int)] = []
        var lastEnd = 0.0
        // `started_at` has millisecond resolution, so a request that starts as another ends may
        // seem to start up to 1 ms before it: overlaps shorter than that are not counted.
        let resolution = 0.001
        for span in spans {
            let start = span.start.timeIntervalSince(origin)
            let end = start + max(0, span.result.latencyS)
            events.append((start, 1))
            events.append((max(start, end - resolution), -1))
            lastEnd = max(lastEnd, end)
        }
        // At equal times, ends come first: a request that finishes as another starts was not in flight with it.
        events.sort { $0.time != $1.time ? $0.time < $1.time : $0.delta < $1.delta }
        var seconds = (0..<(Int(lastEnd) + 1)).map { SecondCounts(second: $0) }
        for span in spans {
            let second = min(seconds.count - 1, Int(span.start.timeIntervalSince(origin) + max(0, span.result.latencyS)))
            if span.result.success {
                seconds[second].completed += 1
                seconds[second].outputTokens += span.result.completionTokens ?? 0
            } else {
                seconds[second].errors += 1
            }
        }
        var inFlight = 0
        var next = 0
        for second in seconds.indices {
            var peak = inFlight
            while next < events.count && events[next].time < Double(second + 1) {
                inFlight += events[next].delta
                peak = max(peak, inFlight)
                next += 1
            }
            seconds[second].maxInFlight = peak
        }
        return seconds
    }

}

extension ReportInput {
    /// The report's lines: each run, and each level of each benchmark. Names are the file names,
    /// the level labels of a lone sweep, or both when several documents are compared.
    var sources: [ReportSource] {
        documents.flatMap { document -> [ReportSource] in
            switch document.content {
            case .run(let run):
                return [ReportSource(name: document.name, run: run)]
            case .bench(let bench):
                return bench.levels.map { level in
                    let name = bench.levels.count == 1 ? document.name : documents.count == 1 ? level.label : "\(document.name) \(level.label)"
                    return ReportSource(name: name, level: level)
                }
            }
        }
    }
}
