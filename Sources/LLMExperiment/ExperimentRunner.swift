import Foundation
import Synchronization
public import LLMClientKit
public import OpenAIAPI

/// A batch to run: prompts, how often, how many at once, with what parameters, saved where.
public struct ExperimentPlan: Sendable {
    public var prompts: [PromptEntry]
    /// The prompt file the prompts came from, for the run's record.
    public var promptFile: String?
    /// How many times each prompt is sent.
    public var repeatCount: Int
    /// Requests in flight at once.
    public var concurrency: Int
    public var api: APIKind
    public var stream: Bool
    /// Parameters for every request; a prompt's own parameters override them.
    public var parameters: GenerationParameters
    /// Where to save results: each file with its format.
    public var outputs: [(path: String, format: OutputFormat)]

    public init(
        prompts: [PromptEntry], promptFile: String? = nil, repeatCount: Int = 1, concurrency: Int = 1,
        api: APIKind = .completions, stream: Bool = true, parameters: GenerationParameters = .init(),
        outputs: [(path: String, format: OutputFormat)] = []
    ) {
        self.prompts = prompts
        self.promptFile = promptFile
        self.repeatCount = repeatCount
        self.concurrency = concurrency
        self.api = api
        self.stream = stream
        self.parameters = parameters
        self.outputs = outputs
    }

    /// The requests of the batch, round by round: every prompt once, then every prompt again, and
    /// so on, numbered in that order.
    public func requests(model: String) -> [GenerationRequest] {
        var requests: [GenerationRequest] = []
        requests.reserveCapacity(prompts.count * repeatCount)
        for round in 0..<repeatCount {
            for entry in prompts {
                var parameters = self.parameters.overridden(by: entry.parameters)
                parameters.model = parameters.model ?? model
                requests.append(GenerationRequest(
                    index: requests.count, repeatIndex: round, promptID: entry.id, prompt: entry.prompt,
                    parameters: parameters, api: api, stream: stream))
            }
        }
        return requests
    }
}

/// What a finished batch produced.
public struct ExperimentOutcome: Sendable {
    public var run: RunInfo
    public var summary: RunSummary
    /// Results in input order.
    public var results: [RequestResult]
}

/// Runs an ``ExperimentPlan``: resolves the model once, sends every request with the plan's
/// concurrency, saves each result as it finishes (JSONL and CSV rows are on disk at once), and
/// writes the summary.
public enum ExperimentRunner {
    /// - Parameters:
    ///   - onText: sees the answer's text as it streams (meant for single-request runs).
    ///   - onResult: sees each result as it finishes, with the number done so far.
    public static func run(
        _ plan: ExperimentPlan, client: LLMClient, toolVersion: String,
        onText: (@Sendable (String) -> Void)? = nil,
        onResult: @escaping @Sendable (RequestResult, Int) -> Void = { _, _ in }
    ) async throws -> ExperimentOutcome {
        let model = try await client.resolveModel(plan.parameters.model)
        let requests = plan.requests(model: model)
        let startedAt = Date()
        var run = RunInfo(
            baseURL: client.configuration.redactedBaseURL, api: plan.api.rawValue, model: model, stream: plan.stream,
            temperature: plan.parameters.temperature, maxTokens: plan.parameters.maxTokens, topP: plan.parameters.topP,
            seed: plan.parameters.seed, concurrency: plan.concurrency, repeat: plan.repeatCount,
            promptFile: plan.promptFile, promptCount: plan.prompts.count,
            startedAt: iso8601Timestamp(startedAt), finishedAt: nil, toolVersion: toolVersion)
        let writers = try plan.outputs.map { try ResultWriter(path: $0.path, format: $0.format) }
        let progress = Mutex((done: 0, writeError: String?.none))
        let started = ContinuousClock.now
        let results = await client.generateBatch(requests, concurrency: plan.concurrency, onText: onText) { result in
            var failure: String?
            for writer in writers {
                do { try writer.append(result) } catch { failure = "cannot write \(writer.path): \(error)" }
            }
            let done = progress.withLock { state in
                state.done += 1
                if state.writeError == nil { state.writeError = failure }
                return state.done
            }
            onResult(result, done)
        }
        run.finishedAt = iso8601Timestamp(Date())
        let summary = RunSummary(results: results, durationSeconds: (ContinuousClock.now - started).seconds)
        for writer in writers { try writer.finish(run: run, summary: summary) }
        if let writeError = progress.withLock({ $0.writeError }) {
            throw ExperimentError.output(writeError)
        }
        return ExperimentOutcome(run: run, summary: summary, results: results)
    }
}

/// A run that could not save its results.
public enum ExperimentError: Error, CustomStringConvertible {
    case output(String)

    public var description: String {
        switch self {
        case .output(let message): message
        }
    }
}
