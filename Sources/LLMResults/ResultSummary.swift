public import LLMClientKit
public import LLMSupport

/// The summary of a run or of one load level of a benchmark: counts, latency distributions,
/// throughput, and what only one kind has (a run's answer quality and estimated tokens; a level's
/// goodput, SLO attainment, most requests in flight and scheduling lag).
///
/// Both documents keep the keys of their own files: a run's summary is written with
/// `requests_per_second`, `latency_s`, `total_prompt_tokens`..., a benchmark level's with
/// `request_throughput`, `e2e_s`, `input_tokens`... (``Keys``); decoding tells them apart by the keys.
public struct ResultSummary: Sendable, Hashable {
    /// Which document's keys the summary is written with.
    public enum Keys: Sendable, Hashable {
        /// `llm-client run`'s (`requests_per_second`, `latency_s`, `total_prompt_tokens`, `tokens_estimated`, `quality`).
        case run
        /// `llm-client bench`'s (`request_throughput`, `e2e_s`, `input_tokens`, `max_in_flight`, `goodput`).
        case bench
    }

    /// The keys it is written with.
    public var keys: Keys
    /// Every request counted, repeats included (warm-ups left out).
    public var totalRequests: Int
    public var successful: Int
    public var failed: Int
    /// Failed requests by ``ErrorKind`` raw value (`unknown` for a failure without a kind in a run).
    public var errorsByKind: [String: Int]
    /// Wall-clock seconds from the first request sent to the last one finished.
    public var durationS: Double
    /// End-to-end latency of successful requests, seconds; nil when there are none.
    public var latencyS: DistributionSummary?
    /// Time to first token of successful streamed requests, seconds.
    public var ttftS: DistributionSummary?
    /// Gaps between text chunks, pooled over all successful requests, seconds.
    public var itlS: DistributionSummary?
    /// Time per output token after the first, of successful requests, seconds.
    public var tpotS: DistributionSummary?
    /// How late requests were sent against their schedule (open-loop benchmarks only).
    public var schedulingLagS: DistributionSummary?
    /// Successful requests per second.
    public var requestsPerSecond: Double
    /// Completion tokens of successful requests per second.
    public var outputTokensPerSecond: Double
    /// Prompt and completion tokens of successful requests per second.
    public var totalTokensPerSecond: Double
    /// Prompt tokens of successful requests (those whose server reported them).
    public var totalPromptTokens: Int
    /// Completion tokens of successful requests (estimated ones included).
    public var totalCompletionTokens: Int
    /// True when some token counts were estimated (the server sent no `usage`); runs only.
    public var tokensEstimated: Bool
    /// Requests per second that met the SLO (benchmarks given one).
    public var goodput: Double?
    /// Share of requests that met the SLO, in percent (benchmarks given one).
    public var sloAttainmentPercent: Double?
    /// The most requests in flight at once (benchmarks; a run's report counts them from its results).
    public var maxInFlight: Int?
    /// Assertion pass rate, judge scores and consistency across repeats; nil when the run has
    /// none of them.
    public var quality: QualitySummary?
    /// What the client process itself used while it sent these requests; nil when not measured
    /// (summaries of parts of a run, files of older versions).
    public var client: ClientLoad?
    /// Prompt tokens per successful request, from the server's `usage` (benchmark levels).
    public var inputTokensPerRequest: TokenLengths?
    /// Completion tokens per successful request, from the server's `usage` (benchmark levels).
    public var outputTokensPerRequest: TokenLengths?
    /// Time to the first answer token, over the requests whose thoughts came first (reasoning models).
    public var ttfoS: DistributionSummary?
    /// TTFT of the first turns of multi-turn sessions (benchmark levels).
    public var ttftFirstTurnS: DistributionSummary?
    /// TTFT of the later turns of multi-turn sessions, whose history the server may have cached.
    public var ttftLaterTurnsS: DistributionSummary?
    /// How long the client took to send successful requests (``RequestResult/sendS``): its own
    /// time, which TTFT and the latency leave out.
    public var sendS: DistributionSummary?

    /// Summarises `results` of a run that took `durationSeconds`. Latencies, token totals and rates
    /// are over successful requests (ITL pools the gaps of all of them); rates are 0 for a zero
    /// duration.
    public init(results: [RequestResult], durationSeconds: Double) {
        let succeeded = results.filter(\.success)
        var errors: [String: Int] = [:]
        for result in results where !result.success {
            errors[result.errorKind?.rawValue ?? "unknown", default: 0] += 1
        }
        let promptTokens = succeeded.reduce(0) { $0 + ($1.promptTokens ?? 0) }
        let completionTokens = succeeded.reduce(0) { $0 + ($1.completionTokens ?? 0) }
        func perSecond(_ count: Int) -> Double { durationSeconds > 0 ? Double(count) / durationSeconds : 0 }
        self.init(
            keys: .run, totalRequests: results.count, successful: succeeded.count, failed: results.count - succeeded.count,
            errorsByKind: errors, durationS: durationSeconds,
            latencyS: DistributionSummary(values: succeeded.map(\.latencyS)),
            ttftS: DistributionSummary(values: succeeded.compactMap(\.ttftS)),
            itlS: DistributionSummary(values: succeeded.flatMap(\.itlS)),
            tpotS: DistributionSummary(values: succeeded.compactMap(\.tpotS)),
            requestsPerSecond: perSecond(succeeded.count), outputTokensPerSecond: perSecond(completionTokens),
            totalTokensPerSecond: perSecond(promptTokens + completionTokens),
            totalPromptTokens: promptTokens, totalCompletionTokens: completionTokens,
            tokensEstimated: results.contains(where: \.tokensEstimated), quality: QualitySummary(results: results))
        ttfoS = DistributionSummary(values: succeeded.compactMap(\.ttfoS))
        sendS = DistributionSummary(values: succeeded.compactMap(\.sendS))
    }

    /// A summary of figures measured elsewhere, such as a benchmark level's (its distributions come
    /// from histograms, not from per-request results).
    public init(
        keys: Keys, totalRequests: Int, successful: Int, failed: Int, errorsByKind: [String: Int], durationS: Double,
        latencyS: DistributionSummary?, ttftS: DistributionSummary?, itlS: DistributionSummary?, tpotS: DistributionSummary?,
        schedulingLagS: DistributionSummary? = nil, requestsPerSecond: Double, outputTokensPerSecond: Double,
        totalTokensPerSecond: Double, totalPromptTokens: Int, totalCompletionTokens: Int, tokensEstimated: Bool = false,
        goodput: Double? = nil, sloAttainmentPercent: Double? = nil, maxInFlight: Int? = nil, quality: QualitySummary? = nil,
        client: ClientLoad? = nil
    ) {
        self.keys = keys
        self.totalRequests = totalRequests
        self.successful = successful
        self.failed = failed
        self.errorsByKind = errorsByKind
        self.durationS = durationS
        self.latencyS = latencyS
        self.ttftS = ttftS
        self.itlS = itlS
        self.tpotS = tpotS
        self.schedulingLagS = schedulingLagS
        self.requestsPerSecond = requestsPerSecond
        self.outputTokensPerSecond = outputTokensPerSecond
        self.totalTokensPerSecond = totalTokensPerSecond
        self.totalPromptTokens = totalPromptTokens
        self.totalCompletionTokens = totalCompletionTokens
        self.tokensEstimated = tokensEstimated
        self.goodput = goodput
        self.sloAttainmentPercent = sloAttainmentPercent
        self.maxInFlight = maxInFlight
        self.quality = quality
        self.client = client
    }
}

extension ResultSummary: Codable {
    /// Every key of both documents; ``Keys`` decides which are written.
    enum CodingKeys: String, CodingKey {
        case successful, failed, quality, client, goodput
        case totalRequests = "total_requests"
        case errorsByKind = "errors_by_kind"
        case durationS = "duration_s"
        case latencyS = "latency_s"
        case e2eS = "e2e_s"
        case ttftS = "ttft_s"
        case itlS = "itl_s"
        case tpotS = "tpot_s"
        case schedulingLagS = "scheduling_lag_s"
        case requestsPerSecond = "requests_per_second"
        case requestThroughput = "request_throughput"
        case outputTokensPerSecond = "output_tokens_per_second"
        case outputTokenThroughput = "output_token_throughput"
        case totalTokensPerSecond = "total_tokens_per_second"
        case totalTokenThroughput = "total_token_throughput"
        case totalPromptTokens = "total_prompt_tokens"
        case inputTokens = "input_tokens"
        case totalCompletionTokens = "total_completion_tokens"
        case outputTokens = "output_tokens"
        case tokensEstimated = "tokens_estimated"
        case sloAttainmentPercent = "slo_attainment_percent"
        case maxInFlight = "max_in_flight"
        case ttfoS = "ttfo_s"
        case sendS = "send_s"
        case ttftFirstTurnS = "ttft_first_turn_s"
        case ttftLaterTurnsS = "ttft_later_turns_s"
        case inputTokensPerRequest = "input_tokens_per_request"
        case outputTokensPerRequest = "output_tokens_per_request"
    }

    /// The keys of a run's or a benchmark level's summary, told apart by `request_throughput`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let keys: Keys = container.contains(.requestThroughput) ? .bench : .run
        let bench = keys == .bench
        self.init(
            keys: keys,
            totalRequests: try container.decode(Int.self, forKey: .totalRequests),
            successful: try container.decode(Int.self, forKey: .successful),
            failed: try container.decode(Int.self, forKey: .failed),
            errorsByKind: try container.decode([String: Int].self, forKey: .errorsByKind),
            durationS: try container.decode(Double.self, forKey: .durationS),
            latencyS: try container.decodeIfPresent(DistributionSummary.self, forKey: bench ? .e2eS : .latencyS),
            ttftS: try container.decodeIfPresent(DistributionSummary.self, forKey: .ttftS),
            itlS: try container.decodeIfPresent(DistributionSummary.self, forKey: .itlS),
            tpotS: try container.decodeIfPresent(DistributionSummary.self, forKey: .tpotS),
            schedulingLagS: bench ? try container.decodeIfPresent(DistributionSummary.self, forKey: .schedulingLagS) : nil,
            requestsPerSecond: try container.decode(Double.self, forKey: bench ? .requestThroughput : .requestsPerSecond),
            outputTokensPerSecond: try container.decode(Double.self, forKey: bench ? .outputTokenThroughput : .outputTokensPerSecond),
            totalTokensPerSecond: try container.decode(Double.self, forKey: bench ? .totalTokenThroughput : .totalTokensPerSecond),
            totalPromptTokens: try container.decode(Int.self, forKey: bench ? .inputTokens : .totalPromptTokens),
            totalCompletionTokens: try container.decode(Int.self, forKey: bench ? .outputTokens : .totalCompletionTokens),
            tokensEstimated: bench ? false : try container.decode(Bool.self, forKey: .tokensEstimated),
            goodput: bench ? try container.decodeIfPresent(Double.self, forKey: .goodput) : nil,
            sloAttainmentPercent: bench ? try container.decodeIfPresent(Double.self, forKey: .sloAttainmentPercent) : nil,
            maxInFlight: bench ? try container.decode(Int.self, forKey: .maxInFlight) : nil,
            quality: bench ? nil : try container.decodeIfPresent(QualitySummary.self, forKey: .quality),
            client: try container.decodeIfPresent(ClientLoad.self, forKey: .client))
        ttfoS = try container.decodeIfPresent(DistributionSummary.self, forKey: .ttfoS)
        sendS = try container.decodeIfPresent(DistributionSummary.self, forKey: .sendS)
        if bench {
            inputTokensPerRequest = try container.decodeIfPresent(TokenLengths.self, forKey: .inputTokensPerRequest)
            ttftFirstTurnS = try container.decodeIfPresent(DistributionSummary.self, forKey: .ttftFirstTurnS)
            ttftLaterTurnsS = try container.decodeIfPresent(DistributionSummary.self, forKey: .ttftLaterTurnsS)
            outputTokensPerRequest = try container.decodeIfPresent(TokenLengths.self, forKey: .outputTokensPerRequest)
        }
    }

    /// The figures under the keys of ``keys``' document; what the other kind alone has is left out.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        let bench = keys == .bench
        try container.encode(totalRequests, forKey: .totalRequests)
        try container.encode(successful, forKey: .successful)
        try container.encode(failed, forKey: .failed)
        try container.encode(errorsByKind, forKey: .errorsByKind)
        try container.encode(durationS, forKey: .durationS)
        try container.encodeIfPresent(latencyS, forKey: bench ? .e2eS : .latencyS)
        try container.encodeIfPresent(ttftS, forKey: .ttftS)
        try container.encodeIfPresent(ttfoS, forKey: .ttfoS)
        try container.encodeIfPresent(sendS, forKey: .sendS)
        try container.encodeIfPresent(itlS, forKey: .itlS)
        try container.encodeIfPresent(tpotS, forKey: .tpotS)
        try container.encode(requestsPerSecond, forKey: bench ? .requestThroughput : .requestsPerSecond)
        try container.encode(outputTokensPerSecond, forKey: bench ? .outputTokenThroughput : .outputTokensPerSecond)
        try container.encode(totalTokensPerSecond, forKey: bench ? .totalTokenThroughput : .totalTokensPerSecond)
        try container.encode(totalPromptTokens, forKey: bench ? .inputTokens : .totalPromptTokens)
        try container.encode(totalCompletionTokens, forKey: bench ? .outputTokens : .totalCompletionTokens)
        try container.encodeIfPresent(client, forKey: .client)
        if bench {
            try container.encodeIfPresent(schedulingLagS, forKey: .schedulingLagS)
            try container.encodeIfPresent(goodput, forKey: .goodput)
            try container.encodeIfPresent(sloAttainmentPercent, forKey: .sloAttainmentPercent)
            try container.encode(maxInFlight ?? 0, forKey: .maxInFlight)
            try container.encodeIfPresent(inputTokensPerRequest, forKey: .inputTokensPerRequest)
            try container.encodeIfPresent(ttftFirstTurnS, forKey: .ttftFirstTurnS)
            try container.encodeIfPresent(ttftLaterTurnsS, forKey: .ttftLaterTurnsS)
            try container.encodeIfPresent(outputTokensPerRequest, forKey: .outputTokensPerRequest)
        } else {
            try container.encode(tokensEstimated, forKey: .tokensEstimated)
            try container.encodeIfPresent(quality, forKey: .quality)
        }
    }
}
