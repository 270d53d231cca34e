public import Foundation
public import LLMClientKit

/// The whole result of `llm-client bench`: configuration, and per level the summary, time series
/// and exact histograms.
public struct BenchDocument: Codable, Sendable {
    public struct Level: Codable, Sendable {
        public var label: String
        public var temperature: Double?
        public var summary: ResultSummary
        public var timeSeries: [TimeSeriesPoint]
        public var histograms: [String: [[UInt64]]]
        /// Wall-clock start of the measured load (ISO 8601), the time series' second 0.
        public var startedAt: Timestamp?
        /// The prompt length each request asked for, in tokens (synthetic workloads).
        public var requestedInputTokens: Int?
        /// The answer length each request asked for, in tokens (synthetic workloads).
        public var requestedOutputTokens: Int?
        /// What the ramp-up before the level measured (`--ramp-up`); its requests are not in ``summary``.
        public var rampUp: ResultSummary?
        /// Why the level ended before its count or duration, if it did.
        public var stoppedEarly: EarlyStop?

        public init(
            label: String, temperature: Double?, summary: ResultSummary, timeSeries: [TimeSeriesPoint],
            histograms: [String: [[UInt64]]], startedAt: Timestamp?
        ) {
            self.label = label
            self.temperature = temperature
            self.summary = summary
            self.timeSeries = timeSeries
            self.histograms = histograms
            self.startedAt = startedAt
        }

        enum CodingKeys: String, CodingKey {
            case label, temperature, summary, histograms
            case timeSeries = "time_series"
            case startedAt = "started_at"
            case requestedInputTokens = "requested_input_tokens"
            case requestedOutputTokens = "requested_output_tokens"
            case rampUp = "ramp_up"
            case stoppedEarly = "stopped_early"
        }

        /// Where the lengths the server counted differ from those asked for by more than 2 %.
        public var lengthMismatches: [String] {
            [
                requestedInputTokens.flatMap { summary.inputTokensPerRequest?.mismatch(requested: $0, what: "input") },
                requestedOutputTokens.flatMap { summary.outputTokensPerRequest?.mismatch(requested: $0, what: "output") },
            ].compactMap { $0 }
        }

        /// The histogram of `metric` (`[microseconds, count]` pairs); empty when the level has none.
        public func histogram(_ metric: LatencyHistogramName) -> [[UInt64]] {
            histograms[metric.rawValue] ?? []
        }
    }

    public var run: RunInfo
    /// Benchmark settings beyond the run's: load, stop condition, warm-up, workload, SLO.
    public var bench: [String: String]
    public var levels: [Level]
    /// The level where throughput stopped growing while latency climbed, if a sweep found one.
    public var saturationLevel: String?
    /// Changes of the server's Prometheus metrics over the run (`--scrape-metrics`).
    public var serverMetricChanges: [String: Double]?
    /// What a capacity search (`--find-max`) found; its probes are the levels.
    public var capacity: BenchCapacity?

    /// A document of `levels` (e.g. merged from shards); the saturation level is found from them.
    public init(run: RunInfo, bench: [String: String], levels: [Level], serverMetricChanges: [String: Double]?) {
        self.run = run
        self.bench = bench
        self.levels = levels
        saturationLevel = Self.saturation(levels.map(\.summary)).map { levels[$0].label }
        self.serverMetricChanges = serverMetricChanges
    }

    enum CodingKeys: String, CodingKey {
        case run, bench, levels
        case saturationLevel = "saturation_level"
        case serverMetricChanges = "server_metric_changes"
        case capacity
    }

    /// The index of the saturation level in a sweep: the first level after which request
    /// throughput grows by less than 10 % while median end-to-end latency grows by more than 25 %.
    public static func saturation(_ summaries: [ResultSummary]) -> Int? {
        guard summaries.count >= 2 else { return nil }
        for index in 0..<(summaries.count - 1) {
            let here = summaries[index]
            let next = summaries[index + 1]
            guard here.requestsPerSecond > 0, let latencyHere = here.latencyS?.p50, let latencyNext = next.latencyS?.p50, latencyHere > 0 else {
                continue
            }
            if next.requestsPerSecond < here.requestsPerSecond * 1.10 && latencyNext > latencyHere * 1.25 { return index }
        }
        return nil
    }
}

/// Why a level ended before its count or duration.
public struct EarlyStop: Codable, Sendable, Hashable {
    /// An over-saturated open loop: requests in flight and TTFT kept rising.
    public static let saturated = "saturated"
    /// Failed requests passed `--max-error-rate` over the sliding window.
    public static let errorRate = "error_rate"

    /// ``saturated`` or ``errorRate``.
    public var reason: String
    /// What was seen, for the report (e.g. `in flight 12 → 48 and TTFT p50 0.21 → 1.9 s over 10 s`).
    public var detail: String
    /// Requests that finished (or were cancelled) after the stop, left out of the level's figures.
    public var requestsLeftOut = 0

    public init(reason: String, detail: String) {
        self.reason = reason
        self.detail = detail
    }

    enum CodingKeys: String, CodingKey {
        case reason, detail
        case requestsLeftOut = "requests_left_out"
    }
}

/// One second of a run.
public struct TimeSeriesPoint: Codable, Sendable, Hashable {
    /// Seconds since the run's start (the second this point covers starts here).
    public var second: Int
    public var completed = 0
    public var errors = 0
    public var outputTokens = 0
    /// The most requests in flight at once during this second.
    public var maxInFlight = 0

    /// The point of `second` with nothing counted yet.
    public init(second: Int) {
        self.second = second
    }

    enum CodingKeys: String, CodingKey {
        case second, completed, errors
        case outputTokens = "output_tokens"
        case maxInFlight = "max_in_flight"
    }
}

/// The latency histograms of a benchmark level, by the names they are stored under.
public enum LatencyHistogramName: String, Sendable, CaseIterable {
    case ttft = "ttft_us"
    /// Time to the first answer token after thoughts (reasoning models only).
    case ttfo = "ttfo_us"
    /// TTFT of the first turns of multi-turn sessions.
    case ttftFirstTurn = "ttft_first_turn_us"
    /// TTFT of the later turns of multi-turn sessions (their history may be in the prefix cache).
    case ttftLaterTurns = "ttft_later_turns_us"
    case e2e = "e2e_us"
    case itl = "itl_us"
    case tpot = "tpot_us"
    case schedulingLag = "scheduling_lag_us"
    /// How long the client took to send each request (left out of TTFT and the latency).
    case send = "send_us"
}

extension BenchDocument {
    /// The benchmark's levels as runs to compare (`llm-client compare`): each level's summary, its
    /// latency distributions from the histograms. A benchmark document holds no per-request results,
    /// so there are no per-request tests or prompts; compare the `.jsonl` results for those.
    public func comparedRuns(file: String) -> [ComparedRun] {
        let name = (file as NSString).lastPathComponent
        return levels.map { level in
            // Compared runs are written with a run's keys, without what only a benchmark level has.
            var summary = level.summary
            summary.keys = .run
            summary.schedulingLagS = nil
            summary.goodput = nil
            summary.sloAttainmentPercent = nil
            summary.maxInFlight = nil
            summary.client = nil
            let setting = levels.count > 1 ? level.label : nil
            return ComparedRun(
                label: setting.map { "\(name) \($0)" } ?? name, file: file, setting: setting, info: run, summary: summary, results: [])
        }
    }
}
