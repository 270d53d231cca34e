import ArgumentParser
import Foundation
import LLMBench
import LLMClientKit
import LLMExperiment
import LLMReport
import LLMTracking
import LLMSupport
import Synchronization

extension ArrivalProcess: ExpressibleByArgument {}

/// `llm-client bench`: load generation and serving metrics.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmark a server: closed-loop concurrency or open-loop request rate, sweeps, SLOs, histograms.",
        discussion: """
            Examples:
              llm-client bench --prompt-file examples/prompts.txt --concurrent 1,2,4,8 --num-requests 40
              llm-client bench --synthetic-input-tokens 256 --synthetic-output-tokens 64 --request-rate 5 --duration 30
              llm-client bench --sharegpt ShareGPT_V3.json --request-rate 2,4,8 --num-requests 200 --slo ttft=0.5,e2e=10 --slo-percent 95
            Exit status: 0, 1 when every request failed, 2 for usage errors, 3 when --slo-percent is missed.
            """)

    @OptionGroup(title: "Server") var server: ServerOptions
    @OptionGroup(title: "Generation") var generation: GenerationOptions

    @Option(name: .long, help: "Workload: a prompt file (.txt, .json, .jsonl, .csv).") var promptFile: String?
    @Option(name: .long, help: "Workload: a ShareGPT-format JSON file.") var sharegpt: String?
    @Option(name: .long, help: "Workload: synthetic prompts of about this many tokens (the default workload, at 128).") var syntheticInputTokens: Int?
    @Option(name: .long, help: "Spread (±, uniform) of the synthetic prompt length.") var syntheticInputSpread = 0
    @Option(name: .long, help: "Tokens each synthetic prompt asks for (its max_tokens).") var syntheticOutputTokens = 128
    @Option(name: .long, help: "Spread (±, uniform) of the synthetic output length.") var syntheticOutputSpread = 0
    @Option(name: .long, help: "Language of synthetic prompts: ko or en.") var syntheticLanguage = "ko"
    @Option(name: .long, help: "Seed of synthetic prompts and arrival times.") var randomSeed: UInt64 = 0

    @Option(name: .long, parsing: .unconditional, help: "Closed loop: requests in flight (a comma list sweeps them).") var concurrent: NumberList<Int>?
    @Option(name: .long, parsing: .unconditional, help: "Open loop: requests per second (a comma list sweeps them).") var requestRate: NumberList<Double>?
    @Option(name: .long, help: "Open-loop arrivals: poisson or constant.") var arrivals: ArrivalProcess = .poisson
    @Option(name: .long, help: "Gamma shape of Poisson gaps (1: Poisson; < 1 burstier).") var burstiness = 1.0
    @Option(name: .long, help: "Open loop: cap on requests in flight.") var maxConcurrency: Int?

    @Option(name: .long, parsing: .unconditional, help: "Measured requests per level (default: one per prompt when no --duration).") var numRequests: Int?
    @Option(name: .long, parsing: .unconditional, help: "Seconds of measured load per level.") var duration: Double?
    @Option(name: .long, parsing: .unconditional, help: "Warm-up before each level, not counted: N requests or Ns seconds (e.g. 20 or 5s).") var warmup: String?

    @Option(name: .long, help: "Service-level objective, seconds: ttft=…,itl=…,e2e=… (goodput counts requests meeting all).") var slo: String?
    @Option(name: .long, help: "Exit with status 3 when fewer than this percentage of requests meet --slo.") var sloPercent: Double?
    @Flag(name: .long, help: "Read the server's /metrics before and after each level and report what changed.") var scrapeMetrics = false

    @OptionGroup(title: "Output (.json: configuration, summaries, time series, histograms; .jsonl or .csv: per request)")
    var outputs: OutputOptions
    @OptionGroup(title: "Report and tracking") var record: RecordOptions
    @OptionGroup(title: "Sharing a workload among workers") var sharding: ShardOptions
    @Flag(name: .long, help: "No progress line.") var quiet = false
    @Option(name: .long, help: "Seconds that requests in flight get to finish after Ctrl-C or SIGTERM.")
    var gracePeriod: Double = 5

    private var output: [String] { outputs.output }

    func validate() throws {
        let workloads = [promptFile != nil, sharegpt != nil, syntheticInputTokens != nil].filter { $0 }.count
        guard workloads <= 1 else { throw ValidationError("Give one workload: --prompt-file, --sharegpt or --synthetic-input-tokens.") }
        guard concurrent == nil || requestRate == nil else { throw ValidationError("Give --concurrent or --request-rate, not both.") }
        if let concurrent, !concurrent.values.allSatisfy({ $0 >= 1 }) { throw ValidationError("--concurrent values must be at least 1.") }
        if let requestRate, !requestRate.values.allSatisfy({ $0 > 0 }) { throw ValidationError("--request-rate values must be greater than 0.") }
        let sweeps = [(concurrent?.values.count ?? 1) > 1, (requestRate?.values.count ?? 1) > 1, generation.temperature.values.count > 1]
        guard sweeps.filter({ $0 }).count <= 1 else { throw ValidationError("Sweep one of --concurrent, --request-rate and --temperature at a time.") }
        guard burstiness > 0 else { throw ValidationError("--burstiness must be greater than 0.") }
        if let maxConcurrency, maxConcurrency < 1 { throw ValidationError("--max-concurrency must be at least 1.") }
        try sharding.check(concurrency: concurrent?.values ?? [], option: "--concurrent")
        try sharding.check(concurrency: maxConcurrency.map { [$0] } ?? [], option: "--max-concurrency")
        if let numRequests, numRequests < 1 { throw ValidationError("--num-requests must be at least 1.") }
        if let duration, duration <= 0 { throw ValidationError("--duration must be greater than 0.") }
        if let syntheticInputTokens, syntheticInputTokens < 1 { throw ValidationError("--synthetic-input-tokens must be at least 1.") }
        guard syntheticOutputTokens >= 1 else { throw ValidationError("--synthetic-output-tokens must be at least 1.") }
        if syntheticInputSpread < 0 || syntheticInputSpread >= (syntheticInputTokens ?? 128) {
            throw ValidationError("--synthetic-input-spread must be 0 or more and less than --synthetic-input-tokens (\(syntheticInputTokens ?? 128)).")
        }
        if syntheticOutputSpread < 0 || syntheticOutputSpread >= syntheticOutputTokens {
            throw ValidationError("--synthetic-output-spread must be 0 or more and less than --synthetic-output-tokens (\(syntheticOutputTokens)).")
        }
        guard ["ko", "en"].contains(syntheticLanguage) else { throw ValidationError("--synthetic-language must be ko or en.") }
        _ = try parsedWarmup()
        if let slo { do { _ = try ServiceLevelObjective(parsing: slo) } catch { throw ValidationError(error.description) } }
        if sloPercent != nil, slo == nil { throw ValidationError("--slo-percent needs --slo.") }
        for path in output where OutputFormat(path: path) == nil {
            throw ValidationError("Cannot tell the format of --output '\(path)': use .json, .jsonl or .csv.")
        }
        guard gracePeriod >= 0 else { throw ValidationError("--grace-period must be 0 or more, got \(gracePeriod).") }
        try outputs.checkNoClobber()
        try record.checkNoClobber(overwrite: outputs.overwrite)
        try checkFileLimit(connections: largestConcurrency)
        if let sloPercent, !(0...100).contains(sloPercent) { throw ValidationError("--slo-percent must be between 0 and 100, got \(sloPercent).") }
        if requestRate == nil, maxConcurrency != nil { throw ValidationError("--max-concurrency caps an open loop (--request-rate); in a closed loop, --concurrent is the cap.") }
        if requestRate == nil, burstiness != 1 || arrivals != .poisson { throw ValidationError("--burstiness and --arrivals shape an open loop (--request-rate); without it the loop is closed (--concurrent).") }
        if numRequests != nil, duration != nil { throw ValidationError("Give --num-requests or --duration, not both.") }
        // Workers finish a level at different times, and only the first level starts at --start-at:
        // the later levels of a sharded sweep would overlap other workers' earlier ones.
        if try sharding.resolvedShard() != nil, levelCount > 1 {
            throw ValidationError("A sharded bench runs one level: run each level of the sweep as its own set of workers, with its own --start-at.")
        }
    }

    /// The load levels the command runs.
    private var levelCount: Int {
        max(concurrent?.values.count ?? 1, requestRate?.values.count ?? 1, generation.temperature.values.count)
    }

    /// The most connections any level needs.
    private var largestConcurrency: Int {
        let rateLevels = (requestRate?.values ?? []).map { rate in maxConcurrency ?? max(64, Int(rate * 10)) }
        return ((concurrent?.values ?? [1]) + rateLevels).max() ?? 1
    }

    private func parsedWarmup() throws -> (requests: Int, seconds: Double) {
        guard let warmup else { return (0, 0) }
        if warmup.hasSuffix("s"), let seconds = Double(warmup.dropLast()), seconds >= 0 { return (0, seconds) }
        if let requests = Int(warmup), requests >= 0 { return (requests, 0) }
        throw ValidationError("--warmup takes a number of requests (20) or seconds (5s), got '\(warmup)'.")
    }

    private func workload() throws -> Workload {
        do {
            if let promptFile { return try Workload.promptFile(promptFile) }
            if let sharegpt { return try Workload.shareGPT(sharegpt) }
        } catch {
            throw CommandFailure(.badInput, error: error)
        }
        let count = numRequests ?? 100
        return Workload.synthetic(
            count: count, inputTokens: syntheticInputTokens ?? 128, inputSpread: syntheticInputSpread,
            outputTokens: syntheticOutputTokens, outputSpread: syntheticOutputSpread, korean: syntheticLanguage == "ko",
            seed: randomSeed)
    }

    private var modes: [LoadMode] {
        if let requestRate {
            return requestRate.values.map { .rate($0, arrivals: arrivals, burstiness: burstiness, maxConcurrency: maxConcurrency) }
        }
        return (concurrent?.values ?? [1]).map { .concurrency($0) }
    }

    func run() async throws {
        try outputs.createDirectories()
        let workload = try workload()
        let warmup = try parsedWarmup()
        let objective = try slo.map { try ServiceLevelObjective(parsing: $0) }
        let modes = modes
        let temperatures = generation.temperature.values
        let levels: [(LoadMode, Double)] = temperatures.count > 1 ? temperatures.map { (modes[0], $0) } : modes.map { ($0, temperatures[0]) }
        let streamWriters: [ResultWriter]
        do {
            streamWriters = try output.filter { OutputFormat(path: $0) != .json }.map {
                try ResultWriter(path: $0, format: OutputFormat(path: $0)!, overwrite: outputs.overwrite)
            }
        } catch {
            throw CommandFailure(.badInput, error: error)
        }
        let shard = try sharding.resolvedShard()
        let interruption = Interruption(gracePeriod: gracePeriod)
        let failures = FailureWatch(stopAfterUnreachable: max(50, 2 * largestConcurrency), stop: interruption.stop)
        let configuration = server.clientConfiguration(maxConnections: largestConcurrency, defaultRetries: 0)
        let (model, results, changes, startedAt) = try await interruption.run { [self] in try await LLMClient.withClient(configuration) { client in
            let model: String
            do {
                model = try await client.resolveModel(generation.model)
            } catch {
                throw CommandFailure(.failed, error: error)
            }
            try await sharding.waitForStart(quiet: quiet, stop: interruption.stop)
            let startedAt = iso8601Timestamp(Date())
            var results: [BenchLevelResult] = []
            var changes: [String: Double] = [:]
            for (levelNumber, (mode, temperature)) in levels.enumerated() where !interruption.stop.isStopped {
                var parameters = generation.parameters
                parameters.model = model
                parameters.temperature = temperature
                let configuration = BenchConfiguration(
                    mode: mode, numRequests: numRequests, duration: duration, warmupRequests: warmup.requests,
                    warmupSeconds: warmup.seconds, api: generation.api ?? .completions, stream: !generation.noStream,
                    parameters: parameters, seed: randomSeed, slo: objective, shard: shard, level: levelNumber)
                let before = scrapeMetrics ? await Self.scrape(client) : [:]
                let expected = (numRequests ?? (duration == nil ? workload.count : nil)).map { shard?.share(of: $0) ?? $0 }
                let label = temperatures.count > 1 ? "\(mode.label) t=\(temperature)" : mode.label
                let progress = TerminalProgress.onTerminal(ProgressBar(label: label, total: expected, duration: duration), enabled: !quiet)
                let runLevel = { await BenchRunner.run(
                    configuration, workload: workload, client: client, stop: interruption.stop,
                    onResult: { result in
                        // Each level numbers its requests from 0: the level tells a sweep's rows apart.
                        var row = result
                        row.setting = label
                        for writer in streamWriters { try? writer.append(row) }
                        failures.note(row, measured: true)
                    },
                    onWarmupResult: { failures.note($0, measured: false) },
                    onProgress: { metrics in
                        let (finished, failed, tokens) = metrics.progress
                        progress?.update(done: finished, failed: failed, tokens: tokens)
                    }) }
                // With --scrape-metrics, the queue gauges are read twice a second during the level for their peaks.
                var level: BenchLevelResult
                var peaks: [String: Double] = [:]
                if scrapeMetrics {
                    (level, peaks) = await PrometheusScrape.samplingPeaks(every: .milliseconds(500), fetch: { await Self.scrape(client) }, during: runLevel)
                } else {
                    level = await runLevel()
                }
                progress?.finish()
                if temperatures.count > 1 { level.label += " t=\(temperature)" }
                if scrapeMetrics {
                    for (name, delta) in PrometheusScrape.levelChanges(before: before, after: await Self.scrape(client), peaks: peaks) {
                        changes["\(level.label) \(name)"] = delta
                    }
                }
                results.append(level)
            }
            return (model, results, scrapeMetrics ? changes : nil, startedAt)
        } }

        var run = RunInfo(
            baseURL: server.redactedBaseURL, api: (generation.api ?? .completions).rawValue,
            model: model, stream: !generation.noStream, temperature: temperatures.count == 1 ? temperatures[0] : nil,
            maxTokens: generation.maxTokens, topP: generation.topP, seed: generation.seed, concurrency: concurrent?.values.first ?? maxConcurrency ?? 0,
            repeat: 1, promptFile: promptFile ?? sharegpt, promptCount: workload.count, startedAt: startedAt,
            finishedAt: iso8601Timestamp(Date()), toolVersion: RootCommand.version)
        run.shard = shard?.description
        if interruption.wasInterrupted || failures.unreachable != nil { run.interrupted = true }
        run.promptsFingerprint = workload.fingerprint
        var bench: [String: String] = ["workload": workload.name, "random_seed": String(randomSeed)]
        bench["load"] = levels.map { $0.0.label }.joined(separator: ",")
        if temperatures.count > 1 { bench["temperatures"] = temperatures.map { "\($0)" }.joined(separator: ",") }
        if requestRate != nil { bench["arrivals"] = arrivals.rawValue; bench["burstiness"] = String(burstiness) }
        if let maxConcurrency { bench["max_concurrency"] = String(maxConcurrency) }
        if let numRequests { bench["num_requests"] = String(numRequests) }
        if let duration { bench["duration_s"] = String(duration) }
        if let warmup = self.warmup { bench["warmup"] = warmup }
        if let slo { bench["slo"] = slo }
        let document = BenchDocument(run: run, bench: bench, levels: results, serverMetricChanges: changes)
        for writer in streamWriters {
            try writer.finish(run: run, summary: RunSummary(results: [], durationSeconds: 0))
        }
        print(formatBenchReport(document, style: TerminalStyle.forOutput(fileDescriptor: STDOUT_FILENO, environment: ProcessInfo.processInfo.environment)))
        for path in output where OutputFormat(path: path) == .json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            do {
                try (try encoder.encode(document) + Data("\n".utf8)).write(to: URL(fileURLWithPath: path), options: outputs.overwrite ? [] : [.withoutOverwriting])
            } catch {
                throw CommandFailure(.failed, "error: cannot write \(path): \(error.localizedDescription)")
            }
        }
        for path in output { print("Results saved to \(path)") }
        let reportName = output.first { OutputFormat(path: $0) == .json }.map { ($0 as NSString).lastPathComponent } ?? "bench"
        let report = record.writeReport(ReportInput(bench: document, name: reportName), overwrite: outputs.overwrite)
        let artifacts = output + (report.map { [$0] } ?? [])
        let status = MLflowRunStatus(interrupted: interruption.wasInterrupted, completed: failures.unreachable == nil)
        await record.track { tracker throws(MLflowError) in try await tracker.logBench(document: document, resultFiles: artifacts, status: status) }
        failures.printExamples()
        if interruption.wasInterrupted {
            throw CommandFailure(.interrupted, "interrupted: the report covers the requests sent before the interrupt")
        }
        if let unreachable = failures.unreachable {
            throw CommandFailure(.failed, "error: \(unreachable) requests in a row could not connect, with no answer for \(Int(FailureWatch.quietSeconds)) s or more, so the benchmark stopped sending (is the server down?)")
        }

        if let sloPercent, let missed = results.first(where: { ($0.summary.sloAttainmentPercent ?? 100) < sloPercent }) {
            throw CommandFailure(.sloMissed, String(format: "SLO missed at %@: %.1f %% of requests met it, %.1f %% required.", missed.label, missed.summary.sloAttainmentPercent ?? 0, sloPercent))
        }
        if results.allSatisfy({ $0.summary.successful == 0 }) { throw CommandFailure(.failed, nil) }
    }

    private static func scrape(_ client: LLMClient) async -> [String: Double] {
        guard let text = await client.serverMetrics() else { return [:] }
        return PrometheusScrape.samples(text)
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

    /// How long without any answer, besides the refusals in a row, before the server counts as down
    /// (a server that refuses some connections but answers others is not down).
    static let quietSeconds = 10.0

    private let state = Mutex(State())
    private let limit: Int
    private let stop: StopSignal

    /// - Parameter stopAfterUnreachable: refused connections (or unresolvable host names) in a row,
    ///   with no answer for ``quietSeconds`` or ever, after which `stop` is signalled.
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
            let quiet = state.lastSuccess.map { (now - $0) >= .seconds(Self.quietSeconds) } ?? true
            guard state.unreachableInARow >= limit, quiet, state.stoppedAfter == nil else { return false }
            state.stoppedAfter = state.unreachableInARow
            return true
        }
        if stopNow { stop.stop() }
    }

    /// How many failures to connect in a row stopped the run, if they did.
    var unreachable: Int? { state.withLock { $0.stoppedAfter } }

    /// One line per kind of failure on standard error: how many, and the first one's message.
    func printExamples() {
        let examples = state.withLock { $0.examples }
        for (kind, example) in examples.sorted(by: { $0.key < $1.key }) {
            printError("failed: \(example.count) × \(kind), e.g. \(example.message)")
        }
    }
}
