import Foundation
public import LLMClientKit
public import LLMResults
public import LLMSupport
public import OpenAIAPI
import Synchronization

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
    /// Replace existing output files (otherwise an existing file stops the run before it starts).
    public var overwrite: Bool
    /// A JSONL result file of an interrupted run of this plan: its successful requests are kept,
    /// the others are sent, and new results are appended to it.
    public var resumeFile: String?
    /// The settings of a comparison run (a list of temperatures or models): every prompt is sent
    /// under each setting, the settings interleaved (see ``requests(model:)``). Empty for a plain run.
    public var settings: [ExperimentSetting]
    /// This worker's share when several share the batch (see ``Shard``): the requests numbered
    /// `i % N == K`, keeping their numbers, and its part of the concurrency. Nil: the whole batch.
    public var shard: Shard?
    /// The run's id; each request is sent with `X-Request-Id: <run id>-<number>`.
    public var runID = GenerationRequest.newRunID()

    public init(
        prompts: [PromptEntry], promptFile: String? = nil, repeatCount: Int = 1, concurrency: Int = 1,
        api: APIKind = .completions, stream: Bool = true, parameters: GenerationParameters = .init(),
        outputs: [(path: String, format: OutputFormat)] = [], overwrite: Bool = false, resumeFile: String? = nil,
        settings: [ExperimentSetting] = [], shard: Shard? = nil
    ) {
        self.settings = settings
        self.shard = shard
        self.prompts = prompts
        self.promptFile = promptFile
        self.repeatCount = repeatCount
        self.concurrency = concurrency
        self.api = api
        self.stream = stream
        self.parameters = parameters
        self.outputs = outputs
        self.overwrite = overwrite
        self.resumeFile = resumeFile
    }

    /// Requests of the whole batch (all shards).
    public var requestCount: Int { prompts.count * repeatCount * max(1, settings.count) }

    /// Requests this worker sends: the whole batch, or its shard's share.
    public var shareCount: Int { shard.map { $0.share(of: requestCount) } ?? requestCount }

    /// Requests in flight at once on this worker.
    public var workerConcurrency: Int { shard.map { $0.share(ofConcurrency: concurrency) } ?? concurrency }

    /// The successful results of ``resumeFile`` (none without one), after checking that the file
    /// belongs to this plan: every index in range, every prompt the plan's prompt at that index.
    public func resumedResults() throws(ExperimentError) -> [RequestResult] {
        guard let resumeFile else { return [] }
        let previous: [RequestResult]
        do {
            previous = try ResultDocument.results(path: resumeFile)
        } catch {
            throw ExperimentError(code: .resume, message: "cannot resume from \(resumeFile): \(error)")
        }
        for result in previous {
            guard result.index < requestCount, !prompts.isEmpty,
                prompts[promptPosition(ofRequest: result.index)].prompt.displayText == result.prompt
            else {
                throw ExperimentError(
                    code: .resume,
                    message: "cannot resume from \(resumeFile): its request #\(result.index) is not this run's (other prompts, order or --repeat?)")
            }
            if let shard, !shard.owns(result.index) {
                throw ExperimentError(
                    code: .resume,
                    message:
                        "cannot resume from \(resumeFile): its request #\(result.index) is another shard's than \(shard) (resume each worker from its own file)"
                )
            }
        }
        return previous.filter(\.success)
    }

    /// The requests of the batch, numbered in the order they are sent: round by round (every
    /// prompt once, then every prompt again, ...) and, in a comparison run, each prompt under every
    /// setting in turn. Interleaving the settings puts them under the same conditions: a server
    /// warming up or a neighbour's load then weighs on every setting alike, not on whichever ran
    /// first. A setting's temperature or model wins over the prompt file's: it is what the
    /// comparison is about.
    public func requests(model: String) -> [GenerationRequest] {
        var requests: [GenerationRequest] = []
        requests.reserveCapacity(requestCount)
        for round in 0..<repeatCount {
            for entry in prompts {
                for setting in settings.isEmpty ? [nil] : settings.map(Optional.some) {
                    var parameters = self.parameters.overridden(by: entry.parameters)
                    if let setting { parameters = parameters.overridden(by: setting.parameters) }
                    parameters.model = parameters.model ?? model
                    var request = GenerationRequest(
                        index: requests.count, repeatIndex: round, promptID: entry.id, prompt: entry.prompt,
                        parameters: parameters, api: api, stream: stream, setting: setting?.label)
                    request.requestID = "\(runID)-\(request.index)"
                    requests.append(request)
                }
            }
        }
        return shard.map { shard in requests.filter { shard.owns($0.index) } } ?? requests
    }

    /// The position in ``prompts`` of the prompt of request number `index` (see ``requests(model:)``).
    public func promptPosition(ofRequest index: Int) -> Int {
        (index / max(1, settings.count)) % max(1, prompts.count)
    }
}

/// What a finished batch produced.
public struct ExperimentOutcome: Sendable {
    public var run: RunInfo
    public var summary: ResultSummary
    /// Results in input order.
    public var results: [RequestResult]
}

/// Runs an ``ExperimentPlan``: resolves the model once, sends every request with the plan's
/// concurrency, saves each result as it finishes (JSONL and CSV rows are on disk at once), and
/// writes the summary.
public enum ExperimentRunner {
    /// - Parameters:
    ///   - stop: once signalled, no further request is sent (cancel the calling task to end the
    ///     ones in flight); the outcome then holds the results of the requests sent.
    ///   - onText: sees the answer's text as it streams (meant for single-request runs).
    ///   - evaluator: checks each answer against its expectations as its request finishes, and
    ///     has its judge score the answers, outside the measured requests' time, with the plan's
    ///     concurrency: beside the batch, or after it when the judge asks the measured server.
    ///     While a judge is at work, each result is written to the JSONL files (and seen by
    ///     `onResult`) as its request finishes, then again once judged (readers keep the last line
    ///     of an index); CSV and JSON files get the judged results. A resumed run's kept results
    ///     are checked against the current expectations, and judged when they have no score.
    ///   - onResult: sees each result as it is saved, with the number done so far.
    public static func run(
        _ plan: ExperimentPlan, client: LLMClient, toolVersion: String, stop: StopSignal? = nil,
        onText: (@Sendable (String) -> Void)? = nil, evaluator: QualityEvaluator? = nil,
        onResult: @escaping @Sendable (RequestResult, Int) -> Void = { _, _ in }
    ) async throws(ExperimentError) -> ExperimentOutcome {
        let kept = try plan.resumedResults()
        let model: String
        do {
            model = try await client.resolveModel(plan.parameters.model)
        } catch {
            throw ExperimentError(code: .server, message: "\(error)")
        }
        let keptIndexes = Set(kept.map(\.index))
        let requests = plan.requests(model: model).filter { !keptIndexes.contains($0.index) }
        let startedAt = Date()
        var run = RunInfo(
            baseURL: client.configuration.redactedBaseURL, api: plan.api.rawValue, model: model, stream: plan.stream,
            temperature: plan.parameters.temperature, maxTokens: plan.parameters.maxTokens, topP: plan.parameters.topP,
            seed: plan.parameters.seed, concurrency: plan.concurrency, repeat: plan.repeatCount,
            promptFile: plan.promptFile, promptCount: plan.prompts.count,
            startedAt: Timestamp(startedAt), finishedAt: nil, toolVersion: toolVersion)
        run.maxRetries = client.configuration.retry.maxRetries
        run.requestsPlanned = plan.shareCount
        run.shard = plan.shard?.description
        run.promptsFingerprint = PromptEntry.fingerprint(of: plan.prompts)
        evaluator?.annotate(&run)
        run.resumedFrom = plan.resumeFile
        if !plan.settings.isEmpty {
            run.settings = plan.settings.map(\.label)
            if plan.settings.contains(where: { $0.temperature != nil }) { run.temperature = nil }
            var models: [String] = []
            for model in plan.settings.compactMap(\.model) where !models.contains(model) { models.append(model) }
            if !models.isEmpty { run.model = models.joined(separator: ",") }
        }
        // Kept results meet the current expectations; those without a judge's score are judged again.
        let keptChecked = kept.map { evaluator?.check($0) ?? $0 }
        let rejudged = evaluator?.judges == true ? keptChecked.filter { $0.judgeScore == nil } : []
        let rejudgedIndexes = Set(rejudged.map(\.index))
        let keptFinal = keptChecked.filter { !rejudgedIndexes.contains($0.index) }
        let newFiles: [ResultWriter]
        let resumeWriter: ResultWriter?
        do {
            newFiles = try plan.outputs.filter { $0.path != plan.resumeFile }.map {
                try ResultWriter(path: $0.path, format: $0.format, overwrite: plan.overwrite)
            }
            resumeWriter = try plan.resumeFile.map { try ResultWriter(appendingTo: $0) }
        } catch {
            throw ExperimentError(code: .resultFile, message: "\(error)")
        }
        for writer in newFiles {
            for result in keptFinal { try Self.write(to: writer) { try writer.append(result) } }
        }
        if let resumeWriter {
            for (old, new) in zip(kept, keptChecked) where old != new && !rejudgedIndexes.contains(new.index) {
                try Self.write(to: resumeWriter) { try resumeWriter.append(new) }
            }
        }
        let writers = newFiles + (resumeWriter.map { [$0] } ?? [])
        let progress = Mutex((done: kept.count, writeError: String?.none))
        @Sendable func write(_ result: RequestResult, to writers: [ResultWriter]) {
            var failure: String?
            for writer in writers {
                do { try writer.append(result) } catch { failure = "cannot write \(writer.path): \(error)" }
            }
            if let failure { progress.withLock { state in if state.writeError == nil { state.writeError = failure } } }
        }
        @Sendable func countAndReport(_ result: RequestResult) {
            let done = progress.withLock { state in
                state.done += 1
                return state.done
            }
            onResult(result, done)
        }
        let usageBefore = ProcessUsage.current()
        let started = ContinuousClock.now
        let evaluated: [RequestResult]
        let batchSeconds: Double
        var usageAfter = usageBefore
        if let evaluator, evaluator.judges {
            // Written at once where a file takes a result twice (JSONL), so a kill loses nothing.
            let immediate = writers.filter { $0.format == .jsonl }
            let (finished, continuation) = AsyncStream<RequestResult>.makeStream()
            for result in rejudged { continuation.yield(result) }
            @Sendable func finish(_ result: RequestResult) {
                let checked = evaluator.check(result)
                write(checked, to: immediate)
                countAndReport(checked)
                continuation.yield(checked)
            }
            if evaluator.judgeAfterBatch {
                _ = await client.generateBatch(requests, concurrency: plan.workerConcurrency, stop: stop, onText: onText, onResult: finish)
                batchSeconds = (ContinuousClock.now - started).seconds
                usageAfter = ProcessUsage.current()
                continuation.finish()
                evaluated = await Self.judgeEach(finished, concurrency: plan.concurrency, evaluator: evaluator) { write($0, to: writers) }
            } else {
                async let judged = Self.judgeEach(finished, concurrency: plan.concurrency, evaluator: evaluator) { write($0, to: writers) }
                _ = await client.generateBatch(requests, concurrency: plan.workerConcurrency, stop: stop, onText: onText, onResult: finish)
                batchSeconds = (ContinuousClock.now - started).seconds
                usageAfter = ProcessUsage.current()
                continuation.finish()
                evaluated = await judged
            }
        } else {
            let checkedResults = Mutex<[RequestResult]>([])
            _ = await client.generateBatch(requests, concurrency: plan.workerConcurrency, stop: stop, onText: onText) { result in
                let checked = evaluator?.check(result) ?? result
                write(checked, to: writers)
                countAndReport(checked)
                checkedResults.withLock { $0.append(checked) }
            }
            batchSeconds = (ContinuousClock.now - started).seconds
            usageAfter = ProcessUsage.current()
            evaluated = checkedResults.withLock { $0 }
        }
        run.finishedAt = Timestamp()
        let results = (keptFinal + evaluated).sorted { $0.index < $1.index }
        if results.count < plan.shareCount { run.interrupted = true }
        // A resumed run's rates count the earlier session's requests over its time as well.
        let duration = batchSeconds + RunDocument.span(of: kept)
        var summary = ResultSummary(results: results, durationSeconds: duration)
        summary.client = ClientLoad(from: usageBefore, to: usageAfter, cores: ProcessUsage.availableCores, durationS: batchSeconds)
        for writer in writers { try Self.write(to: writer) { try writer.finish(run: run, summary: summary) } }
        if let writeError = progress.withLock({ $0.writeError }) {
            throw ExperimentError(code: .write, message: writeError)
        }
        return ExperimentOutcome(run: run, summary: summary, results: results)
    }
}

extension ExperimentRunner {
    /// Runs `write` on `writer`, reporting a failure as an ``ExperimentError`` naming the file.
    private static func write(to writer: ResultWriter, _ write: () throws -> Void) throws(ExperimentError) {
        do {
            try write()
        } catch {
            throw ExperimentError(code: .write, message: "cannot write \(writer.path): \(error)")
        }
    }

    /// Has the judge score the results as they arrive, `concurrency` at a time, saving each when done.
    private static func judgeEach(
        _ finished: AsyncStream<RequestResult>, concurrency: Int, evaluator: QualityEvaluator,
        save: @escaping @Sendable (RequestResult) -> Void
    ) async -> [RequestResult] {
        await withTaskGroup(of: RequestResult.self) { group in
            var results: [RequestResult] = []
            var running = 0
            for await result in finished {
                if running >= max(1, concurrency), let done = await group.next() {
                    running -= 1
                    save(done)
                    results.append(done)
                }
                group.addTask { await evaluator.judged(result) }
                running += 1
            }
            for await done in group {
                save(done)
                results.append(done)
            }
            return results
        }
    }
}

/// Why a batch could not run or save its results.
public struct ExperimentError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of failure this is; stable, for `catch let e as ExperimentError where e.code == .resume`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        /// The `--resume` file cannot be read or belongs to another run; nothing was sent.
        public static let resume = Code(name: "resume")
        /// A result file cannot be created (it exists, or its place cannot be written); nothing was sent.
        public static let resultFile = Code(name: "result_file")
        /// A result could not be written during the run, or the summary after it.
        public static let write = Code(name: "write")
        /// The server could not be asked (its models could not be listed): nothing was measured.
        public static let server = Code(name: "server")
        public var description: String { name }
    }

    public let code: Code
    /// One line for the user, naming the file, URL or value at fault.
    public let message: String
    public var description: String { message }

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }
}

/// One setting of a comparison run: a temperature, a model, or both.
public struct ExperimentSetting: Sendable, Hashable {
    public var temperature: Double?
    public var model: String?

    public init(temperature: Double? = nil, model: String? = nil) {
        self.temperature = temperature
        self.model = model
    }

    /// The label stored in every result, e.g. `temperature=0.9` or `model=qwen,temperature=0.1`.
    public var label: String {
        [model.map { "model=\($0)" }, temperature.map { "temperature=\($0)" }].compactMap { $0 }.joined(separator: ",")
    }

    /// What the setting sets, to override a request's parameters.
    var parameters: GenerationParameters {
        GenerationParameters(model: model, temperature: temperature)
    }

    /// The settings of comma lists of temperatures and models: every model with every temperature;
    /// none when neither list has more than one value (a plain run).
    public static func combinations(temperatures: [Double], models: [String]) -> [ExperimentSetting] {
        guard temperatures.count > 1 || models.count > 1 else { return [] }
        let temperatureChoices: [Double?] = temperatures.count > 1 ? temperatures : [nil]
        let modelChoices: [String?] = models.count > 1 ? models : [nil]
        return modelChoices.flatMap { model in temperatureChoices.map { ExperimentSetting(temperature: $0, model: model) } }
    }
}
