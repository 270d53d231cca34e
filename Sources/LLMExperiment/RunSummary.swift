public import LLMClientKit
public import LLMSupport

/// The configuration of a run, recorded with its results. The base URL is stored without
/// credentials and the API key is never part of it.
public struct RunInfo: Codable, Sendable, Hashable {
    /// The server's base URL, already stripped of credentials by the caller.
    public var baseURL: String
    /// The endpoint used: an ``APIKind`` raw value (`completions` or `chat`).
    public var api: String
    /// The model the run asked for (prompts may override it).
    public var model: String
    public var stream: Bool
    /// Sampling parameters of the command line; nil when left to the server.
    public var temperature: Double?
    public var maxTokens: Int?
    public var topP: Double?
    public var seed: Int?
    /// Requests in flight at once.
    public var concurrency: Int
    /// How many times each prompt was sent.
    public var `repeat`: Int
    /// The prompt file, when the prompts came from one.
    public var promptFile: String?
    /// Distinct prompts (requests are `promptCount * repeat`).
    public var promptCount: Int
    /// Wall-clock start of the run, ISO 8601.
    public var startedAt: String
    /// Wall-clock end of the run, ISO 8601; nil until it has finished.
    public var finishedAt: String?
    /// The version of `llm-client` that made the run.
    public var toolVersion: String
    /// Retries allowed per request (nil: not recorded).
    public var maxRetries: Int?
    /// Requests the run meant to send (`promptCount * repeat`); fewer were sent when interrupted.
    public var requestsPlanned: Int?
    /// True when Ctrl-C or SIGTERM stopped the run before it had sent everything.
    public var interrupted: Bool?
    /// The JSONL file an interrupted run was resumed from.
    public var resumedFrom: String?
    /// The settings a comparison run went through (`temperature=0.1`, ...); nil for a plain run.
    public var settings: [String]?
    /// `K/N` when this was worker K of N sharing the workload (`--shard`); nil for a whole run.
    public var shard: String?
    /// A fingerprint of the prompts, in order (``PromptEntry/fingerprint(of:)``): runs of the same
    /// file name with other prompts differ in it.
    public var promptsFingerprint: String?
    /// The model that judged the answers (`--judge-model`); nil without a judge.
    public var judgeModel: String?
    /// The judge's server, without credentials.
    public var judgeBaseURL: String?
    /// The language of the judge's instructions (`auto`, `ko`, `en`).
    public var judgeLanguage: String?
    /// The rubric that replaced the default ones (`--judge-rubric`); nil for the defaults.
    public var judgeRubric: String?
    /// The expectations given for every prompt (`--expect-*`), one line each; a prompt file's own
    /// are in the file.
    public var expectations: [String]?

    public init(
        baseURL: String, api: String, model: String, stream: Bool, temperature: Double?, maxTokens: Int?, topP: Double?,
        seed: Int?, concurrency: Int, repeat: Int, promptFile: String?, promptCount: Int, startedAt: String,
        finishedAt: String?, toolVersion: String
    ) {
        self.baseURL = baseURL
        self.api = api
        self.model = model
        self.stream = stream
        self.temperature = temperature
        self.maxTokens = maxTokens
        self.topP = topP
        self.seed = seed
        self.concurrency = concurrency
        self.repeat = `repeat`
        self.promptFile = promptFile
        self.promptCount = promptCount
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.toolVersion = toolVersion
    }

    enum CodingKeys: String, CodingKey {
        case api, model, stream, temperature, seed, concurrency, `repeat`
        case baseURL = "base_url"
        case maxTokens = "max_tokens"
        case topP = "top_p"
        case promptFile = "prompt_file"
        case promptCount = "prompt_count"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case toolVersion = "tool_version"
        case maxRetries = "max_retries"
        case requestsPlanned = "requests_planned"
        case interrupted
        case resumedFrom = "resumed_from"
        case settings, shard
        case promptsFingerprint = "prompts_fingerprint"
        case judgeModel = "judge_model"
        case judgeBaseURL = "judge_base_url"
        case judgeLanguage = "judge_language"
        case judgeRubric = "judge_rubric"
        case expectations
    }
}

/// The summary of a run: counts, latency distributions, throughput and the answers' quality.
public struct RunSummary: Codable, Sendable, Hashable {
    /// Every request of the run, repeats included.
    public var totalRequests: Int
    public var successful: Int
    public var failed: Int
    /// Failed requests by ``ErrorKind`` raw value (`unknown` for a failure without a kind).
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
    /// Successful requests per second of the run.
    public var requestsPerSecond: Double
    /// Completion tokens of successful requests per second of the run.
    public var outputTokensPerSecond: Double
    /// Prompt and completion tokens of successful requests per second of the run.
    public var totalTokensPerSecond: Double
    /// Prompt tokens of successful requests (those whose server reported them).
    public var totalPromptTokens: Int
    /// Completion tokens of successful requests (estimated ones included).
    public var totalCompletionTokens: Int
    /// True when some token counts were estimated (the server sent no `usage`).
    public var tokensEstimated: Bool
    /// Assertion pass rate, judge scores and consistency across repeats; nil when the run has
    /// none of them.
    public var quality: QualitySummary?
    /// What the client process itself used while it sent this session's requests; nil when not
    /// measured (summaries of parts of a run, files of older versions).
    public var client: ClientLoad? = nil

    /// Summarises `results` of a run that took `durationSeconds`. Latencies, token totals and rates
    /// are over successful requests (ITL pools the gaps of all of them); rates are 0 for a zero
    /// duration.
    public init(results: [RequestResult], durationSeconds: Double) {
        let succeeded = results.filter(\.success)
        totalRequests = results.count
        successful = succeeded.count
        failed = results.count - succeeded.count
        var errors: [String: Int] = [:]
        for result in results where !result.success {
            errors[result.errorKind?.rawValue ?? "unknown", default: 0] += 1
        }
        errorsByKind = errors
        durationS = durationSeconds
        latencyS = DistributionSummary(values: succeeded.map(\.latencyS))
        ttftS = DistributionSummary(values: succeeded.compactMap(\.ttftS))
        itlS = DistributionSummary(values: succeeded.flatMap(\.itlS))
        tpotS = DistributionSummary(values: succeeded.compactMap(\.tpotS))
        totalPromptTokens = succeeded.reduce(0) { $0 + ($1.promptTokens ?? 0) }
        totalCompletionTokens = succeeded.reduce(0) { $0 + ($1.completionTokens ?? 0) }
        func perSecond(_ count: Int) -> Double { durationSeconds > 0 ? Double(count) / durationSeconds : 0 }
        requestsPerSecond = perSecond(successful)
        outputTokensPerSecond = perSecond(totalCompletionTokens)
        totalTokensPerSecond = perSecond(totalPromptTokens + totalCompletionTokens)
        tokensEstimated = results.contains(where: \.tokensEstimated)
        quality = QualitySummary(results: results)
    }

    /// A summary of figures measured elsewhere, such as a benchmark level's (its distributions come
    /// from histograms, not from per-request results); no quality, no estimated tokens.
    public init(
        totalRequests: Int, successful: Int, failed: Int, errorsByKind: [String: Int], durationS: Double,
        latencyS: DistributionSummary?, ttftS: DistributionSummary?, itlS: DistributionSummary?, tpotS: DistributionSummary?,
        requestsPerSecond: Double, outputTokensPerSecond: Double, totalTokensPerSecond: Double,
        totalPromptTokens: Int, totalCompletionTokens: Int
    ) {
        self.totalRequests = totalRequests
        self.successful = successful
        self.failed = failed
        self.errorsByKind = errorsByKind
        self.durationS = durationS
        self.latencyS = latencyS
        self.ttftS = ttftS
        self.itlS = itlS
        self.tpotS = tpotS
        self.requestsPerSecond = requestsPerSecond
        self.outputTokensPerSecond = outputTokensPerSecond
        self.totalTokensPerSecond = totalTokensPerSecond
        self.totalPromptTokens = totalPromptTokens
        self.totalCompletionTokens = totalCompletionTokens
        tokensEstimated = false
    }

    enum CodingKeys: String, CodingKey {
        case successful, failed, quality, client
        case totalRequests = "total_requests"
        case errorsByKind = "errors_by_kind"
        case durationS = "duration_s"
        case latencyS = "latency_s"
        case ttftS = "ttft_s"
        case itlS = "itl_s"
        case tpotS = "tpot_s"
        case requestsPerSecond = "requests_per_second"
        case outputTokensPerSecond = "output_tokens_per_second"
        case totalTokensPerSecond = "total_tokens_per_second"
        case totalPromptTokens = "total_prompt_tokens"
        case totalCompletionTokens = "total_completion_tokens"
        case tokensEstimated = "tokens_estimated"
    }
}
