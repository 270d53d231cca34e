public import Foundation
public import LLMClientKit

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
    /// How many times each prompt was sent; nil for a benchmark, which sends its workload by load level.
    public var `repeat`: Int?
    /// The prompt file, when the prompts came from one.
    public var promptFile: String?
    /// Distinct prompts (a run sends each `repeat` times; a benchmark cycles through them).
    public var promptCount: Int
    /// Wall-clock start of the run, ISO 8601.
    public var startedAt: Timestamp
    /// Wall-clock end of the run, ISO 8601; nil until it has finished.
    public var finishedAt: Timestamp?
    /// The version of `llm-client` that made the run.
    public var toolVersion: String
    /// Retries allowed per request (nil: not recorded).
    public var maxRetries: Int?
    /// Requests the run meant to send; fewer were sent when interrupted.
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
        seed: Int?, concurrency: Int, repeat: Int?, promptFile: String?, promptCount: Int, startedAt: Timestamp,
        finishedAt: Timestamp?, toolVersion: String
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

/// The whole JSON result file.
public struct RunDocument: Codable, Sendable {
    /// How the run was configured.
    public var run: RunInfo
    /// Its counts, distributions and rates.
    public var summary: ResultSummary
    /// Every result, sorted by index.
    public var results: [RequestResult]
    /// For a comparison run (a list of temperatures or models): each setting's own summary, in
    /// the order the settings ran; nil for a plain run.
    public var settings: [SettingSummary]?

    /// A document of `results`; a comparison run's per-setting summaries are computed from them.
    public init(run: RunInfo, summary: ResultSummary, results: [RequestResult]) {
        self.run = run
        self.summary = summary
        self.results = results
        let groups = SettingSummary.groups(of: results)
        settings =
            groups.isEmpty
            ? nil
            : groups.map {
                SettingSummary(setting: $0.setting, summary: ResultSummary(results: $0.results, durationSeconds: Self.span(of: $0.results)))
            }
    }

    /// Seconds from the first result's start to the last one's end (0 for none).
    public static func span(of results: [RequestResult]) -> Double {
        let intervals = results.map { ($0.startedAt.date, $0.startedAt.date.addingTimeInterval($0.latencyS)) }
        guard let first = intervals.map(\.0).min(), let last = intervals.map(\.1).max() else { return 0 }
        return last.timeIntervalSince(first)
    }
}

/// One setting of a comparison run with the summary of its requests alone.
public struct SettingSummary: Codable, Sendable {
    /// The setting's label, e.g. `temperature=0.9` (the `setting` of its results).
    public var setting: String
    public var summary: ResultSummary

    public init(setting: String, summary: ResultSummary) {
        self.setting = setting
        self.summary = summary
    }

    /// The results of each setting, in the order the settings first appear; empty when no result
    /// has a setting.
    public static func groups(of results: [RequestResult]) -> [(setting: String, results: [RequestResult])] {
        var order: [String] = []
        var bySetting: [String: [RequestResult]] = [:]
        for result in results {
            guard let setting = result.setting else { continue }
            if bySetting[setting] == nil { order.append(setting) }
            bySetting[setting, default: []].append(result)
        }
        return order.map { ($0, bySetting[$0] ?? []) }
    }
}
