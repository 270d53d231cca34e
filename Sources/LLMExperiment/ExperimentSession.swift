public import Foundation
public import LLMClientKit
public import LLMResults

/// The judge of a batch: which model scores the answers, on which server, with what instructions.
public struct JudgeSettings: Sendable {
    public var model: String
    /// The judge's server when it is not the measured one; nil: the measured server, whose
    /// client configuration (and API key) the judge then shares.
    public var baseURL: String?
    /// The API key for ``baseURL`` (never the measured server's key).
    public var apiKey: String?
    /// A rubric that replaces the default ones; nil for the defaults.
    public var rubric: String?
    public var language: JudgeLanguage
    /// Most tokens the judge may write per verdict.
    public var maxTokens: Int

    public init(model: String, baseURL: String?, apiKey: String?, rubric: String?, language: JudgeLanguage, maxTokens: Int) {
        self.model = model
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.rubric = rubric
        self.language = language
        self.maxTokens = maxTokens
    }

    /// Whether the judge asks the server being measured (it then waits for the batch to end, so as
    /// not to load the server while it is measured).
    public var asksMeasuredServer: Bool { baseURL == nil }
}

/// How a batch ended, for the command's exit status.
public enum ExperimentEnding: Sendable, Equatable {
    /// Every request was sent and succeeded, and no required expectation failed.
    case completed
    /// Stopped by the caller (Ctrl-C); the results cover the requests sent.
    case interrupted
    /// Some requests failed.
    case requestsFailed
    /// Answers failed their expectations, and the caller asked for that to fail the run.
    case expectationsFailed(failed: Int, checked: Int)
}

extension ExperimentOutcome {
    /// How the batch ended.
    /// - Parameters:
    ///   - interrupted: whether the caller stopped it (Ctrl-C).
    ///   - failOnAssert: whether answers that fail their expectations fail the run.
    public func ending(interrupted: Bool, failOnAssert: Bool) -> ExperimentEnding {
        if interrupted { return .interrupted }
        if summary.failed > 0 { return .requestsFailed }
        let failedExpectations = results.filter { $0.assertionsPassed == false }.count
        if failOnAssert, failedExpectations > 0 {
            return .expectationsFailed(failed: failedExpectations, checked: summary.quality?.assertionsChecked ?? 0)
        }
        return .completed
    }
}

/// A batch as `llm-client run` runs it: the plan, what every answer must satisfy, the judge, and
/// when to start. ``run(configuration:stop:onText:onResult:)`` builds the clients and runs it with
/// ``ExperimentRunner``.
public struct ExperimentSession: Sendable {
    public var plan: ExperimentPlan
    /// Expectations for every prompt (a prompt's own add to them).
    public var expectations: ResponseExpectations
    public var judge: JudgeSettings?
    /// When to start sending (all workers together); nil: at once.
    public var startAt: Date?
    public var toolVersion: String

    public init(plan: ExperimentPlan, expectations: ResponseExpectations, judge: JudgeSettings?, startAt: Date?, toolVersion: String) {
        self.plan = plan
        self.expectations = expectations
        self.judge = judge
        self.startAt = startAt
        self.toolVersion = toolVersion
    }

    /// Runs the batch against the server of `configuration` (and the judge's), until it is done or
    /// `stop` is signalled; cancel the calling task to end the requests in flight.
    /// - Parameters:
    ///   - onText: sees the answer's text as it streams (single-request runs).
    ///   - onResult: sees each result as it is saved, with the number done so far.
    /// - Returns: the outcome; nil when `stop` came before the start time (nothing was sent).
    public func run(
        configuration: ClientConfiguration, stop: StopSignal, onText: (@Sendable (String) -> Void)? = nil,
        onResult: @escaping @Sendable (RequestResult, Int) -> Void = { _, _ in }
    ) async throws(ExperimentError) -> ExperimentOutcome? {
        if let startAt, startAt.timeIntervalSinceNow > 0, !(await stop.sleep(until: .now + .seconds(startAt.timeIntervalSinceNow))) {
            return nil
        }
        let session = self
        do {
            return try await LLMClient.withClient(configuration) { client in
                try await session.withJudge(configuration: configuration) { judge in
                    let quality = QualityEvaluator(
                        plan: session.plan, common: session.expectations, judge: judge,
                        judgeAfterBatch: session.judge?.asksMeasuredServer ?? false)
                    return try await ExperimentRunner.run(
                        session.plan, client: client, toolVersion: session.toolVersion, stop: stop, onText: onText,
                        evaluator: quality.isActive ? quality : nil, onResult: onResult)
                }
            }
        } catch let error as ExperimentError {
            throw error
        } catch {
            throw ExperimentError(code: .server, message: "\(error)")
        }
    }

    /// The run as planned, for recording a run that failed before it could start.
    public func plannedRun(baseURL: String) -> RunInfo {
        var models: [String] = []
        for model in plan.settings.compactMap(\.model) where !models.contains(model) { models.append(model) }
        var run = RunInfo(
            baseURL: baseURL, api: plan.api.rawValue, model: plan.parameters.model ?? models.joined(separator: ","), stream: plan.stream,
            temperature: plan.settings.contains { $0.temperature != nil } ? nil : plan.parameters.temperature,
            maxTokens: plan.parameters.maxTokens, topP: plan.parameters.topP, seed: plan.parameters.seed, concurrency: plan.concurrency,
            repeat: plan.repeatCount, promptFile: plan.promptFile, promptCount: plan.prompts.count,
            startedAt: Timestamp(), finishedAt: Timestamp(), toolVersion: toolVersion)
        run.requestsPlanned = plan.requestCount
        run.settings = plan.settings.isEmpty ? nil : plan.settings.map(\.label)
        return run
    }

    /// Runs `body` with the judge (nil without one), its client shut down afterwards. The judge's
    /// client is the measured server's `configuration` (timeouts, retries, TLS), with the judge's
    /// base URL and key when it asks another server.
    private func withJudge<T: Sendable>(
        configuration: ClientConfiguration, _ body: (ResponseJudge?) async throws -> T
    ) async throws -> T {
        guard let judge else { return try await body(nil) }
        var configuration = configuration
        if let baseURL = judge.baseURL {
            configuration.baseURL = baseURL
            configuration.apiKey = judge.apiKey
        }
        return try await LLMClient.withClient(configuration) { client in
            try await body(
                ResponseJudge(
                    client: client, model: judge.model, rubric: judge.rubric, language: judge.language, maxTokens: judge.maxTokens))
        }
    }
}
