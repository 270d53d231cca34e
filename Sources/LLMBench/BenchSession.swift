public import Foundation
public import LLMClientKit
public import LLMExperiment
public import LLMResults
public import LLMSupport
public import OpenAIAPI
import Synchronization

/// A whole benchmark as `llm-client bench` runs it: every level of a sweep, the workload, the
/// files to save, and what the run's record says about it.
public struct BenchPlan: Sendable {
    /// One level of the sweep: the load, and the temperature of its requests.
    public struct Level: Sendable {
        public var mode: LoadMode
        public var temperature: Double

        public init(mode: LoadMode, temperature: Double) {
            self.mode = mode
            self.temperature = temperature
        }
    }

    public var workload: Workload
    /// The levels, run in order (a sweep of loads, or of temperatures at one load).
    public var levels: [Level]
    /// Measured requests per level (nil: one per prompt, or until `duration` ends).
    public var numRequests: Int?
    /// Seconds of measured load per level.
    public var duration: Double?
    public var warmupRequests: Int
    public var warmupSeconds: Double
    public var api: APIKind
    public var stream: Bool
    /// Parameters of every request; a nil model is the first one the server lists.
    public var parameters: GenerationParameters
    /// Seed of the arrival schedules.
    public var seed: UInt64
    public var slo: ServiceLevelObjective?
    /// The share of requests that must meet ``slo`` at every level, in percent.
    public var sloPercent: Double?
    /// This worker's share when several run the benchmark together.
    public var shard: Shard?
    /// Read the server's `/metrics` before and after each level and record what changed.
    public var scrapeMetrics: Bool
    /// When to start sending (all workers together); nil: at once.
    public var startAt: Date?
    /// Where to save results: JSON gets the whole document, JSONL and CSV a row per measured request.
    public var outputs: [(path: String, format: OutputFormat)]
    /// Replace existing output files.
    public var overwrite: Bool
    /// The benchmark's settings, recorded in the document's `bench` section.
    public var settings: [String: String]
    /// The workload's prompt or ShareGPT file, for the run's record.
    public var promptFile: String?
    /// The concurrency in the run's record: `--concurrent`'s first value, else `--max-concurrency`, else 0.
    public var recordedConcurrency: Int
    /// The version of the tool, for the run's record.
    public var toolVersion: String
    /// Ask synthetic answers for their exact length (`ignore_eos`, `min_tokens`) where the server
    /// has a tokenize endpoint (vLLM, SGLang, llama.cpp, the simulator), which accept them.
    public var exactOutput = true
    /// Seconds over which each level's load grows linearly before it is measured (measured apart).
    public var rampUpSeconds: Double = 0
    /// When to end a level early (error rate, over-saturation).
    public var earlyStop = EarlyStopRules()
    /// Search for the highest load that meets ``slo`` instead of running ``levels``: the first
    /// level is the template of every probe (its arrivals, cap and temperature), and each probe
    /// is a level of the document.
    public var capacitySearch: CapacitySearch.Settings?

    public init(
        workload: Workload, levels: [Level], numRequests: Int?, duration: Double?, warmupRequests: Int, warmupSeconds: Double,
        api: APIKind, stream: Bool, parameters: GenerationParameters, seed: UInt64, slo: ServiceLevelObjective?,
        sloPercent: Double?, shard: Shard?, scrapeMetrics: Bool, startAt: Date?, outputs: [(path: String, format: OutputFormat)],
        overwrite: Bool, settings: [String: String], promptFile: String?, recordedConcurrency: Int, toolVersion: String
    ) {
        self.workload = workload
        self.levels = levels
        self.numRequests = numRequests
        self.duration = duration
        self.warmupRequests = warmupRequests
        self.warmupSeconds = warmupSeconds
        self.api = api
        self.stream = stream
        self.parameters = parameters
        self.seed = seed
        self.slo = slo
        self.sloPercent = sloPercent
        self.shard = shard
        self.scrapeMetrics = scrapeMetrics
        self.startAt = startAt
        self.outputs = outputs
        self.overwrite = overwrite
        self.settings = settings
        self.promptFile = promptFile
        self.recordedConcurrency = recordedConcurrency
        self.toolVersion = toolVersion
    }

    /// The most connections any level (or probe) needs.
    public var largestConcurrency: Int {
        guard let search = capacitySearch, let template = levels.first else { return Self.largestConcurrency(of: levels) }
        return Self.largestConcurrency(of: [Level(mode: search.probe(template.mode, at: search.limit), temperature: template.temperature)])
    }

    /// The most connections any of `levels` needs.
    public static func largestConcurrency(of levels: [Level]) -> Int {
        levels.map { level in
            switch level.mode {
            case .concurrency(let workers): workers
            case .rate(let rate, _, _, let cap): cap ?? max(64, Int(rate * 10))
            case .trace(let cap): cap ?? 256
            }
        }.max() ?? 1
    }

    /// Whether the levels differ by temperature (their labels then name it).
    var sweepsTemperature: Bool { Set(levels.map(\.temperature)).count > 1 }
}

/// How a benchmark ended, for the command's exit status.
public enum BenchEnding: Sendable, Equatable {
    /// Every level ran, met its SLO (if any), and some request succeeded.
    case completed
    /// Stopped by the caller's stop signal (Ctrl-C); the results cover the requests sent.
    case interrupted
    /// Stopped because this many requests in a row could not connect, with no answer for
    /// ``BenchSession/unreachableQuietSeconds`` or more.
    case serverUnreachable(requestsInARow: Int)
    /// A level met its SLO for fewer than the required share of requests (in a capacity search:
    /// the lowest probe did).
    case sloMissed(level: String, attainmentPercent: Double, requiredPercent: Double)
    /// A level was stopped because too many of its requests failed (`--max-error-rate`).
    case errorRateExceeded(level: String, detail: String)
    /// Every request of every level failed.
    case allFailed
}

/// What a benchmark produced.
public struct BenchOutcome: Sendable {
    public var document: BenchDocument
    public var ending: BenchEnding
    /// One line per kind of failure: how many, and the first one's message.
    public var failureExamples: [String]
    /// The files saved, in the order of the plan's outputs.
    public var savedFiles: [String]
    /// Why a measured result could not be written to a JSONL or CSV file, if one could not.
    var writeError: String?
}

/// Runs a ``BenchPlan``: opens its result files, resolves the model, waits for the start time,
/// runs every level with ``BenchRunner`` (streaming each measured result to the JSONL and CSV
/// files), and saves the document.
public final class BenchSession: Sendable {
    /// How long without any answer, besides the refusals in a row, before the server counts as
    /// down (a server that refuses some connections but answers others is not down).
    public static let unreachableQuietSeconds = 10.0

    public let plan: BenchPlan
    private let streamWriters: [ResultWriter]

    /// Opens the plan's JSONL and CSV files, so that a file that cannot be written stops the
    /// benchmark before anything is sent.
    public init(_ plan: BenchPlan) throws(BenchError) {
        self.plan = plan
        do {
            streamWriters = try plan.outputs.filter { $0.format != .json }.map {
                try ResultWriter(path: $0.path, format: $0.format, overwrite: plan.overwrite)
            }
        } catch {
            throw BenchError(code: .output, message: "\(error)")
        }
    }

    /// What one level is about to measure, for a progress display.
    public struct LevelStart: Sendable {
        /// The level's label (`c=8`, `r=20/s`, with ` t=0.7` in a temperature sweep).
        public var label: String
        /// Measured requests this worker will send, when a count (not a duration) ends the level.
        public var expectedRequests: Int?
    }

    /// What the levels measured, before the document is made.
    public struct Measurement: Sendable {
        var model: String
        var levels: [BenchLevelResult]
        var serverMetricChanges: [String: Double]?
        var startedAt: Timestamp
        /// What the capacity search found, when the plan had one.
        var capacity: CapacitySearch?
        /// How the synthetic prompts were sized (tokenizer, overhead), for the document's settings.
        var workloadSettings: [String: String]
        var unreachable: Int?
        var writeError: String?
        var examples: [String]
    }

    /// Runs the levels against the server of `configuration`, until they are done or `stop` is
    /// signalled; cancel the calling task to end the requests in flight (the levels then cover the
    /// requests sent). The session itself signals `stop` when the server cannot be reached at all.
    /// - Parameters:
    ///   - onLevel: called as each level starts.
    ///   - onProgress: sees the level's measured results so far, after each one.
    ///   - onResult: sees each measured result as it finishes.
    ///   - onLevelEnd: called as each level ends.
    ///   - onNote: told, before the first level, how synthetic prompt lengths were made (exact from
    ///     the server's tokenizer, or estimated, with a warning).
    /// - Returns: the measurement; nil when `stop` came before the start time (nothing was sent).
    /// - Throws: ``BenchError`` with code `.server` when the model cannot be resolved.
    public func measure(
        configuration: ClientConfiguration, stop: StopSignal,
        onLevel: @escaping @Sendable (LevelStart) -> Void = { _ in },
        onProgress: @escaping @Sendable (BenchMetrics) -> Void = { _ in },
        onResult: @escaping @Sendable (RequestResult) -> Void = { _ in },
        onLevelEnd: @escaping @Sendable () -> Void = {},
        onNote: @escaping @Sendable (String) -> Void = { _ in }
    ) async throws(BenchError) -> Measurement? {
        let plan = plan
        let writers = streamWriters
        let failures = FailureWatch(stopAfterUnreachable: max(50, 2 * plan.largestConcurrency), stop: stop)
        let writeError = Mutex<String?>(nil)
        do {
            return try await LLMClient.withClient(configuration) { client -> Measurement? in
                let model: String
                do {
                    model = try await client.resolveModel(plan.parameters.model)
                } catch {
                    throw BenchError(code: .server, message: "\(error)")
                }
                let (workload, workloadSettings, notes) = await Self.sized(plan.workload, plan: plan, client: client, model: model)
                notes.forEach(onNote)
                if let startAt = plan.startAt, startAt.timeIntervalSinceNow > 0,
                    !(await stop.sleep(until: .now + .seconds(startAt.timeIntervalSinceNow)))
                {
                    return nil
                }
                let startedAt = Timestamp()
                let runID = GenerationRequest.newRunID()
                var results: [BenchLevelResult] = []
                var changes: [String: Double] = [:]
                /// Runs one level (or probe); its result, and the server metrics that changed during it.
                func runLevel(_ level: BenchPlan.Level, number: Int) async -> (BenchLevelResult, [String: Double]) {
                    var parameters = plan.parameters
                    parameters.model = model
                    parameters.temperature = level.temperature
                    var configuration = BenchConfiguration(
                        mode: level.mode, numRequests: plan.numRequests, duration: plan.duration,
                        warmupRequests: plan.warmupRequests, warmupSeconds: plan.warmupSeconds, api: plan.api, stream: plan.stream,
                        parameters: parameters, seed: plan.seed, slo: plan.slo, shard: plan.shard, level: number)
                    configuration.runID = runID
                    configuration.rampUpSeconds = plan.rampUpSeconds
                    configuration.earlyStop = plan.earlyStop
                    let before = plan.scrapeMetrics ? await Self.scrape(client) : [:]
                    // Sessions send an unknown number of requests (their turns, to a failure or the end).
                    let expected = (plan.numRequests ?? (plan.duration == nil ? plan.workload.count : nil)).map {
                        plan.shard?.share(of: $0) ?? $0
                    }.flatMap { plan.workload.conversations == nil ? $0 : nil }
                    let label = plan.sweepsTemperature ? "\(level.mode.label) t=\(level.temperature)" : level.mode.label
                    onLevel(LevelStart(label: label, expectedRequests: expected))
                    let runLevel = {
                        await BenchRunner.run(
                            configuration, workload: workload, client: client, stop: stop,
                            onResult: { result in
                                // Each level numbers its requests from 0: the level tells a sweep's rows apart.
                                var row = result
                                row.setting = label
                                for writer in writers {
                                    do {
                                        try writer.append(row)
                                    } catch {
                                        writeError.withLock { $0 = $0 ?? "cannot write \(writer.path): \(error)" }
                                    }
                                }
                                failures.note(row, measured: true)
                                onResult(row)
                            },
                            onWarmupResult: { failures.note($0, measured: false) },
                            onProgress: onProgress)
                    }
                    // With scraped metrics, the queue gauges are read twice a second during the level for their peaks.
                    var result: BenchLevelResult
                    var peaks: [String: Double] = [:]
                    if plan.scrapeMetrics {
                        (result, peaks) = await PrometheusScrape.samplingPeaks(
                            every: .milliseconds(500), fetch: { await Self.scrape(client) }, during: runLevel)
                    } else {
                        result = await runLevel()
                    }
                    onLevelEnd()
                    if plan.sweepsTemperature { result.label += " t=\(level.temperature)" }
                    var changes: [String: Double] = [:]
                    if plan.scrapeMetrics {
                        for (name, delta) in PrometheusScrape.levelChanges(before: before, after: await Self.scrape(client), peaks: peaks) {
                            changes["\(result.label) \(name)"] = delta
                        }
                    }
                    return (result, changes)
                }
                var capacity: CapacitySearch?
                if let settings = plan.capacitySearch, let template = plan.levels.first {
                    var search = CapacitySearch(settings)
                    let searchStart = ContinuousClock.now
                    while !stop.isStopped, let load = search.nextLoad(elapsed: (ContinuousClock.now - searchStart).seconds) {
                        let probeStart = ContinuousClock.now
                        let (result, levelChanges) = await runLevel(
                            BenchPlan.Level(mode: settings.probe(template.mode, at: load), temperature: template.temperature),
                            number: results.count)
                        results.append(result)
                        changes.merge(levelChanges) { _, new in new }
                        // A probe cut short by the user measured nothing the search can use.
                        guard !stop.isStopped else { break }
                        await Self.coolDown(after: result, stop: stop, onNote: onNote)
                        search.record(
                            load: load, level: result.label, summary: result.summary, stoppedEarly: result.stoppedEarly != nil,
                            seconds: (ContinuousClock.now - probeStart).seconds)
                    }
                    capacity = search
                } else {
                    for (number, level) in plan.levels.enumerated() where !stop.isStopped {
                        let (result, levelChanges) = await runLevel(level, number: number)
                        results.append(result)
                        changes.merge(levelChanges) { _, new in new }
                        // Too many failures: higher loads would fail more.
                        if result.stoppedEarly?.reason == EarlyStop.errorRate { break }
                        if number + 1 < plan.levels.count { await Self.coolDown(after: result, stop: stop, onNote: onNote) }
                    }
                }
                return Measurement(
                    model: model, levels: results, serverMetricChanges: plan.scrapeMetrics ? changes : nil, startedAt: startedAt,
                    capacity: capacity, workloadSettings: workloadSettings, unreachable: failures.unreachable, writeError: writeError.withLock { $0 },
                    examples: failures.examples)
            }
        } catch let error as BenchError {
            throw error
        } catch {
            throw BenchError(code: .server, message: "\(error)")
        }
    }

    /// The outcome of `measurement`: its document (the run's record made of `baseURL` and the
    /// plan) and how the benchmark ended. Closes the JSONL and CSV files.
    /// - Parameter interrupted: whether the caller stopped the run (Ctrl-C).
    public func outcome(of measurement: Measurement, interrupted: Bool, baseURL: String) throws(BenchError) -> BenchOutcome {
        let plan = plan
        var run = RunInfo(
            baseURL: baseURL, api: plan.api.rawValue, model: measurement.model, stream: plan.stream,
            temperature: plan.sweepsTemperature ? nil : plan.levels.first?.temperature, maxTokens: plan.parameters.maxTokens,
            topP: plan.parameters.topP, seed: plan.parameters.seed, concurrency: plan.recordedConcurrency, repeat: nil,
            promptFile: plan.promptFile, promptCount: plan.workload.count, startedAt: measurement.startedAt,
            finishedAt: Timestamp(), toolVersion: plan.toolVersion)
        run.shard = plan.shard?.description
        if interrupted || measurement.unreachable != nil { run.interrupted = true }
        run.promptsFingerprint = plan.workload.fingerprint
        // A search's probes as levels in the order of their load (the search's order is in its probes).
        let levels =
            measurement.capacity == nil ? measurement.levels : measurement.levels.sorted { ($0.mode.load ?? 0) < ($1.mode.load ?? 0) }
        var document = BenchDocument(
            run: run, bench: plan.settings.merging(measurement.workloadSettings) { _, measured in measured }, levels: levels,
            serverMetricChanges: measurement.serverMetricChanges)
        if let search = measurement.capacity {
            document.capacity = search.result(slo: plan.slo?.byMetric ?? [:], interrupted: interrupted)
            // Probes close together near the capacity differ by noise: no sweep's saturation heuristic.
            document.saturationLevel = nil
        }
        do {
            for writer in streamWriters { try writer.finish(run: run, summary: ResultSummary(results: [], durationSeconds: 0)) }
        } catch {
            throw BenchError(code: .output, message: "\(error)")
        }
        return BenchOutcome(
            document: document, ending: Self.ending(of: measurement, interrupted: interrupted, plan: plan),
            failureExamples: measurement.examples, savedFiles: plan.outputs.map(\.path), writeError: measurement.writeError)
    }

    /// Writes the JSON files of `outcome`.
    /// - Throws: ``BenchError`` with code `.output` when a JSON file could not be written, or a
    ///   measured result could not be written to a JSONL or CSV file during the run.
    public func save(_ outcome: BenchOutcome) throws(BenchError) {
        for output in plan.outputs where output.format == .json {
            do {
                try ResultJSON.document(outcome.document)
                    .write(to: URL(fileURLWithPath: output.path), options: plan.overwrite ? [] : [.withoutOverwriting])
            } catch {
                throw BenchError(code: .output, message: "cannot write \(output.path): \(error.localizedDescription)")
            }
        }
        if let writeError = outcome.writeError { throw BenchError(code: .output, message: writeError) }
    }

    private static func ending(of measurement: Measurement, interrupted: Bool, plan: BenchPlan) -> BenchEnding {
        if interrupted { return .interrupted }
        if let unreachable = measurement.unreachable { return .serverUnreachable(requestsInARow: unreachable) }
        let allFailed = measurement.levels.allSatisfy { $0.summary.successful == 0 }
        if let search = measurement.capacity {
            if allFailed { return .allFailed }
            // Probes above the capacity miss the SLO (or pass --max-error-rate) by design; only a
            // search that found none passing missed it.
            let capacity = search.result(slo: [:], interrupted: false)
            if capacity.status == .belowLowest, let lowest = capacity.probes.min(by: { $0.value < $1.value }) {
                return .sloMissed(level: lowest.level, attainmentPercent: lowest.attainment, requiredPercent: capacity.requiredPercent)
            }
            return .completed
        }
        if let stopped = measurement.levels.first(where: { $0.stoppedEarly?.reason == EarlyStop.errorRate }) {
            return .errorRateExceeded(level: stopped.label, detail: stopped.stoppedEarly?.detail ?? "")
        }
        if let required = plan.sloPercent,
            let missed = measurement.levels.first(where: { ($0.summary.sloAttainmentPercent ?? 100) < required })
        {
            return .sloMissed(level: missed.label, attainmentPercent: missed.summary.sloAttainmentPercent ?? 0, requiredPercent: required)
        }
        return allFailed ? .allFailed : .completed
    }

    /// The plan's workload with synthetic lengths made exact by the server's tokenizer when it has
    /// one; the settings that record how, and what to tell the user.
    private static func sized(
        _ workload: Workload, plan: BenchPlan, client: LLMClient, model: String
    ) async -> (Workload, settings: [String: String], notes: [String]) {
        guard workload.isSized, let requested = workload.requestedLengths else { return (workload, [:], []) }
        guard let tokenizer = await client.findTokenizer(model: model) else {
            return (
                workload, ["prompt_lengths": "estimated", "output_lengths": "up to max_tokens"],
                [
                    "warning: the server has no tokenize endpoint: synthetic prompt lengths are estimates (a word or a Hangul syllable a token), and answers may end before --synthetic-output-tokens; the report shows the lengths the server counted"
                ]
            )
        }
        let vocabulary: PromptVocabulary
        do {
            vocabulary = try await PromptVocabulary.calibrated(
                with: tokenizer, korean: workload.korean, api: plan.api, checkLengths: workload.checkLengths)
        } catch {
            return (
                workload, ["prompt_lengths": "estimated", "output_lengths": "up to max_tokens"],
                ["warning: the server's tokenizer could not be used (\(error)): synthetic prompt lengths are estimates"]
            )
        }
        let sized = workload.calibrated(vocabulary, exactOutput: plan.exactOutput)
        var settings = [
            "prompt_lengths": vocabulary.exact ? "exact (\(vocabulary.source) tokenizer)" : "approximate (\(vocabulary.source) tokenizer)",
            "prompt_overhead_tokens": String(vocabulary.overhead),
        ]
        settings["output_lengths"] = plan.exactOutput ? "exact (ignore_eos, min_tokens)" : "up to max_tokens"
        var notes: [String] = []
        if let mismatch = vocabulary.mismatch {
            notes.append("warning: synthetic prompt lengths are approximate: \(mismatch)")
        }
        if vocabulary.overhead > 0 {
            let what = plan.api == .chat ? "the chat template and special tokens" : "special tokens"
            notes.append(
                "note: \(what) add \(vocabulary.overhead) tokens to every prompt; they are counted in its \(requested.input) tokens")
        }
        let prefix = workload.synthetic?.sharedPrefixTokens ?? 0
        if let shortest = workload.checkLengths.min(), shortest <= vocabulary.overhead + prefix {
            notes.append(
                "warning: prompts of \(shortest) tokens cannot be made: the server adds \(vocabulary.overhead) to every prompt by itself"
                    + (prefix > 0 ? " and the shared prefix has \(prefix)" : ""))
        }
        return (sized, settings, notes)
    }

    /// After a level stopped as saturated, waits for the server to work off the requests it
    /// abandoned (at the level's throughput, up to a minute), so the next level does not start
    /// behind them: a server that does not drop the requests of closed connections still runs them.
    private static func coolDown(after level: BenchLevelResult, stop: StopSignal, onNote: @Sendable (String) -> Void) async {
        guard let stopped = level.stoppedEarly, stopped.reason == EarlyStop.saturated, stopped.requestsLeftOut > 0 else { return }
        let seconds = min(60, Double(stopped.requestsLeftOut) / max(level.summary.requestsPerSecond, 0.1))
        onNote(
            String(
                format: "note: waiting %.0f s for the server to work off the %d requests abandoned at %@ before the next level", seconds,
                stopped.requestsLeftOut, level.label))
        _ = await stop.sleep(until: .now + .seconds(seconds))
    }

    private static func scrape(_ client: LLMClient) async -> [String: Double] {
        guard let text = await client.serverMetrics() else { return [:] }
        return PrometheusScrape.samples(text)
    }
}

/// Why a benchmark could not run or save its results.
public struct BenchError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of failure this is; stable, for `catch let e as BenchError where e.code == .output`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        /// A service-level objective that cannot be parsed.
        public static let objective = Code(name: "objective")
        /// A result file that cannot be written.
        public static let output = Code(name: "output")
        /// The server's model could not be resolved (it is down, or answers otherwise than expected).
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

/// Watches a benchmark's failures: keeps the first message of each kind to show the user (the
/// report only counts them), and stops the run when the server cannot be reached at all, rather
/// than record thousands of refused connections a second.
private final class FailureWatch: Sendable {
    private struct State {
        var examples: [String: (count: Int, message: String)] = [:]
        var unreachableInARow = 0
        var lastSuccess: ContinuousClock.Instant?
        var stoppedAfter: Int?
    }

    private let state = Mutex(State())
    private let limit: Int
    private let stop: StopSignal

    /// - Parameter stopAfterUnreachable: refused connections (or unresolvable host names) in a row,
    ///   with no answer for ``BenchSession/unreachableQuietSeconds`` or ever, after which `stop` is signalled.
    init(stopAfterUnreachable: Int, stop: StopSignal) {
        limit = stopAfterUnreachable
        self.stop = stop
    }

    /// Notes a finished request; `measured` is false for warm-up requests, which can stop the run
    /// but are not among the examples (the report does not count them).
    func note(_ result: RequestResult, measured: Bool) {
        let now = ContinuousClock.now
        let stopNow = state.withLock { state -> Bool in
            guard !result.success else {
                state.unreachableInARow = 0
                state.lastSuccess = now
                return false
            }
            if measured {
                state.examples[result.errorKind?.rawValue ?? "unknown", default: (0, result.error ?? "")].count += 1
            }
            guard [.connectionRefused, .dns].contains(result.errorKind) else { return false }
            state.unreachableInARow += 1
            let quiet = state.lastSuccess.map { (now - $0) >= .seconds(BenchSession.unreachableQuietSeconds) } ?? true
            guard state.unreachableInARow >= limit, quiet, state.stoppedAfter == nil else { return false }
            state.stoppedAfter = state.unreachableInARow
            return true
        }
        if stopNow { stop.stop() }
    }

    /// How many failures to connect in a row stopped the run, if they did.
    var unreachable: Int? { state.withLock { $0.stoppedAfter } }

    /// One line per kind of failure: how many, and the first one's message.
    var examples: [String] {
        state.withLock { $0.examples }.sorted { $0.key < $1.key }.map { kind, example in
            "failed: \(example.count) × \(kind), e.g. \(example.message)"
        }
    }
}
