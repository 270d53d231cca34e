public import ArgumentParser
import Foundation
import LLMBench
import LLMClientKit
import LLMExperiment
import LLMReport
import LLMResults
import LLMSupport
import LLMTracking
import Synchronization

extension ArrivalProcess: ExpressibleByArgument {}
extension CapacitySearch.Dimension: ExpressibleByArgument {}

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
              llm-client bench --find-max request-rate --slo ttft=0.5,itl=0.05 --slo-percent 95 --precision 5%
            Exit status: 0, 1 when every request failed or --max-error-rate was passed, 2 for usage errors, 3 when --slo-percent is
            missed (with --find-max: when even the lowest probe misses it).
            """)

    @OptionGroup(title: "Server") var server: ServerOptions
    @OptionGroup(title: "Generation") var generation: GenerationOptions

    @Option(name: .long, help: "Workload: a prompt file (.txt, .json, .jsonl, .csv).") var promptFile: String?
    @Option(name: .long, help: "Workload: a ShareGPT-format JSON file.") var sharegpt: String?
    @Flag(name: .long, help: "With --sharegpt: replay each conversation's human turns as a multi-turn session.") var multiTurn = false
    @Option(
        name: .long,
        help:
            "Workload: multi-turn sessions, one JSON object per line: {\"id\", \"turns\": [...], \"think_time_s\"}; --concurrent N keeps N sessions in flight, --num-requests N runs N sessions (default: each conversation once)."
    ) var conversations: String?
    @Option(name: .long, help: "Workload: synthetic prompts of about this many tokens (the default workload, at 128).") var syntheticInputTokens: Int?
    @Option(name: .long, help: "Spread (±, uniform) of the synthetic prompt length.") var syntheticInputSpread = 0
    @Option(name: .long, help: "Tokens each synthetic prompt asks for (its max_tokens).") var syntheticOutputTokens = 128
    @Option(name: .long, help: "Spread (±, uniform) of the synthetic output length.") var syntheticOutputSpread = 0
    @Option(name: .long, help: "Language of synthetic prompts: ko or en.") var syntheticLanguage = "ko"
    @Option(
        name: .long,
        help:
            "Workload and schedule: replay a trace in Mooncake's JSONL (timestamp in ms, input_length, output_length, hash_ids), each request at its recorded time."
    ) var trace: String?
    @Option(name: .long, help: "Replay the trace this many times faster.") var traceSpeed = 1.0
    @Option(
        name: .long,
        help:
            "Seconds over which each level's load (concurrency or rate) grows linearly from nothing before it is measured; the ramp is reported apart."
    ) var rampUp = 0.0
    @Option(name: .long, help: "Tokens of one block of a trace's hash_ids (Mooncake's: 512).") var traceBlockTokens = 512
    @Option(name: .long, help: "Synthetic prompts start with this many tokens shared by the prompts of their group (prefix caching).")
    var sharedPrefixTokens = 0
    @Option(name: .long, help: "Groups of synthetic prompts with a shared prefix each (with --shared-prefix-tokens).") var prefixGroups = 1
    @Flag(
        name: .long,
        help:
            "Let synthetic answers end where the model stops, up to --synthetic-output-tokens (by default they have exactly that many tokens: ignore_eos and min_tokens are sent to servers with a tokenize endpoint)."
    ) var naturalOutputLength = false
    @Option(name: .long, help: "Seed of synthetic prompts and arrival times.") var randomSeed: UInt64 = 0

    @Option(name: .long, parsing: .unconditional, help: "Closed loop: requests in flight (a comma list sweeps them).") var concurrent:
        NumberList<Int>?
    @Option(name: .long, parsing: .unconditional, help: "Open loop: requests per second (a comma list sweeps them).") var requestRate:
        NumberList<Double>?
    @Option(name: .long, help: "Open-loop arrivals: poisson or constant.") var arrivals: ArrivalProcess = .poisson
    @Option(name: .long, help: "Gamma shape of Poisson gaps (1: Poisson; < 1 burstier).") var burstiness = 1.0
    @Option(name: .long, help: "Open loop: cap on requests in flight.") var maxConcurrency: Int?

    @Option(name: .long, parsing: .unconditional, help: "Measured requests per level (default: one per prompt when no --duration).") var numRequests:
        Int?
    @Option(name: .long, parsing: .unconditional, help: "Seconds of measured load per level.") var duration: Double?
    @Option(
        name: .long, parsing: .unconditional,
        help:
            "Warm-up before each level, not counted: N requests or Ns seconds (e.g. 20 or 5s); a trace's first N requests or seconds, on its schedule."
    )
    var warmup: String?

    @Option(name: .long, help: "Service-level objective, seconds: ttft=…,itl=…,e2e=… (goodput counts requests meeting all).") var slo: String?
    @Option(name: .long, help: "Exit with status 3 when fewer than this percentage of requests meet --slo.") var sloPercent: Double?
    @Flag(name: .long, help: "Read the server's /metrics before and after each level and report what changed.") var scrapeMetrics = false

    @Option(
        name: .long,
        help:
            "Find the highest load that meets --slo for --slo-percent (default 95) of requests: request-rate or concurrency. Each probe is a level."
    ) var findMax: CapacitySearch.Dimension?
    @Option(name: .long, help: "Capacity search: the first load probed (it doubles from there).") var startLoad = 1.0
    @Option(name: .long, help: "Capacity search: the highest load probed (default: 200 req/s, or 256 in flight).") var maxLoad: Double?
    @Option(name: .long, help: "Capacity search: stop when the capacity is known within this share (5% or 0.05).") var precision = "5%"
    @Option(name: .long, help: "Capacity search: measured requests per probe.") var probeRequests: Int?
    @Option(name: .long, help: "Capacity search: seconds of measured load per probe (default 15 without --probe-requests).")
    var probeDuration: Double?
    @Option(name: .long, help: "Capacity search: seconds the whole search may take (no probe starts that would end later).")
    var timeBudget: Double?
    @Option(name: .long, help: "Stop a level, and fail, when more than this percentage of the last 100 requests failed.")
    var maxErrorRate: Double?
    @Flag(
        name: .long,
        help: "Keep an over-saturated open loop running (by default a level whose requests in flight and TTFT keep rising is stopped early)."
    ) var noSaturationStop = false

    @OptionGroup(title: "Output (.json: configuration, summaries, time series, histograms; .jsonl or .csv: per request)")
    var outputs: OutputOptions
    @OptionGroup(title: "Report and tracking") var record: RecordOptions
    @OptionGroup(title: "Sharing a workload among workers") var sharding: ShardOptions
    @Flag(name: .long, help: "No progress line.") var quiet = false
    @Option(name: .long, help: "Seconds that requests in flight get to finish after Ctrl-C or SIGTERM.")
    var gracePeriod: Double = 5

    private var output: [String] { outputs.output }

    func validate() throws {
        let workloads = [promptFile != nil, sharegpt != nil, syntheticInputTokens != nil, trace != nil, conversations != nil].filter { $0 }
            .count
        guard workloads <= 1 else {
            throw ValidationError("Give one workload: --prompt-file, --sharegpt, --synthetic-input-tokens, --trace or --conversations.")
        }
        guard rampUp >= 0, rampUp == 0 || trace == nil else {
            throw ValidationError("--ramp-up takes seconds ≥ 0, and a trace keeps its own schedule.")
        }
        if multiTurn, sharegpt == nil { throw ValidationError("--multi-turn replays --sharegpt conversations as sessions.") }
        if conversations != nil || multiTurn {
            guard requestRate == nil else { throw ValidationError("Sessions run in a closed loop: --concurrent N keeps N of them in flight.") }
            guard rampUp == 0 else { throw ValidationError("Sessions have no --ramp-up yet: each session starts at once.") }
            guard try sharding.resolvedShard() == nil else { throw ValidationError("Sessions cannot be sharded yet: run them from one worker.") }
        }
        if trace != nil {
            guard concurrent == nil, requestRate == nil else {
                throw ValidationError("--trace sends on the trace's schedule: no --concurrent or --request-rate.")
            }
            guard traceSpeed > 0, traceBlockTokens >= 1 else {
                throw ValidationError("--trace-speed must be positive and --trace-block-tokens at least 1.")
            }
        }
        guard concurrent == nil || requestRate == nil else { throw ValidationError("Give --concurrent or --request-rate, not both.") }
        if let concurrent, !concurrent.values.allSatisfy({ $0 >= 1 }) { throw ValidationError("--concurrent values must be at least 1.") }
        if let requestRate, !requestRate.values.allSatisfy({ $0 > 0 }) { throw ValidationError("--request-rate values must be greater than 0.") }
        let sweeps = [(concurrent?.values.count ?? 1) > 1, (requestRate?.values.count ?? 1) > 1, generation.temperature.values.count > 1]
        guard sweeps.filter({ $0 }).count <= 1 else {
            throw ValidationError("Sweep one of --concurrent, --request-rate and --temperature at a time.")
        }
        guard burstiness > 0 else { throw ValidationError("--burstiness must be greater than 0.") }
        if let maxConcurrency, maxConcurrency < 1 { throw ValidationError("--max-concurrency must be at least 1.") }
        try sharding.check(concurrency: concurrent?.values ?? [], option: "--concurrent")
        try sharding.check(concurrency: maxConcurrency.map { [$0] } ?? [], option: "--max-concurrency")
        if let numRequests, numRequests < 1 { throw ValidationError("--num-requests must be at least 1.") }
        if let duration, duration <= 0 { throw ValidationError("--duration must be greater than 0.") }
        if let syntheticInputTokens, syntheticInputTokens < 1 { throw ValidationError("--synthetic-input-tokens must be at least 1.") }
        guard syntheticOutputTokens >= 1 else { throw ValidationError("--synthetic-output-tokens must be at least 1.") }
        if syntheticInputSpread < 0 || syntheticInputSpread >= (syntheticInputTokens ?? 128) {
            throw ValidationError(
                "--synthetic-input-spread must be 0 or more and less than --synthetic-input-tokens (\(syntheticInputTokens ?? 128)).")
        }
        if syntheticOutputSpread < 0 || syntheticOutputSpread >= syntheticOutputTokens {
            throw ValidationError("--synthetic-output-spread must be 0 or more and less than --synthetic-output-tokens (\(syntheticOutputTokens)).")
        }
        if sharedPrefixTokens < 0 || sharedPrefixTokens >= (syntheticInputTokens ?? 128) - syntheticInputSpread {
            throw ValidationError("--shared-prefix-tokens must be 0 or more and less than the shortest synthetic prompt.")
        }
        guard prefixGroups >= 1 else { throw ValidationError("--prefix-groups must be at least 1.") }
        guard ["ko", "en"].contains(syntheticLanguage) else { throw ValidationError("--synthetic-language must be ko or en.") }
        _ = try parsedWarmup()
        if let slo { do { _ = try ServiceLevelObjective(parsing: slo) } catch { throw ValidationError(error.description) } }
        if sloPercent != nil, slo == nil { throw ValidationError("--slo-percent needs --slo.") }
        try validateCapacitySearch()
        if maxErrorRate != nil, try sharding.resolvedShard() != nil {
            throw ValidationError("--max-error-rate stops a level from one worker: the shards of a level would part.")
        }
        if let maxErrorRate, !(0..<100).contains(maxErrorRate) {
            throw ValidationError("--max-error-rate takes a percentage from 0 to under 100, got \(maxErrorRate).")
        }
        for path in output where OutputFormat(path: path) == nil {
            throw ValidationError("Cannot tell the format of --output '\(path)': use .json, .jsonl or .csv.")
        }
        guard gracePeriod >= 0 else { throw ValidationError("--grace-period must be 0 or more, got \(gracePeriod).") }
        try outputs.checkNoClobber()
        try record.checkNoClobber(overwrite: outputs.overwrite)
        try checkFileLimit(
            connections: capacitySearch.map { search in
                BenchPlan.largestConcurrency(of: levels.map { .init(mode: search.probe($0.mode, at: search.limit), temperature: $0.temperature) })
            } ?? BenchPlan.largestConcurrency(of: levels))
        if let sloPercent, !(0...100).contains(sloPercent) { throw ValidationError("--slo-percent must be between 0 and 100, got \(sloPercent).") }
        if requestRate == nil, trace == nil, findMax != .requestRate, maxConcurrency != nil {
            throw ValidationError("--max-concurrency caps an open loop (--request-rate); in a closed loop, --concurrent is the cap.")
        }
        if requestRate == nil, findMax != .requestRate, burstiness != 1 || arrivals != .poisson {
            throw ValidationError("--burstiness and --arrivals shape an open loop (--request-rate); without it the loop is closed (--concurrent).")
        }
        if numRequests != nil, duration != nil { throw ValidationError("Give --num-requests or --duration, not both.") }
        // Workers finish a level at different times, and only the first level starts at --start-at:
        // the later levels of a sharded sweep would overlap other workers' earlier ones.
        if try sharding.resolvedShard() != nil, levels.count > 1 {
            throw ValidationError("A sharded bench runs one level: run each level of the sweep as its own set of workers, with its own --start-at.")
        }
    }

    private func validateCapacitySearch() throws {
        guard let findMax else {
            let searchOptions = [probeRequests != nil, probeDuration != nil, timeBudget != nil, maxLoad != nil, startLoad != 1, precision != "5%"]
            if searchOptions.contains(true) {
                throw ValidationError("--start-load, --max-load, --precision, --probe-requests, --probe-duration and --time-budget shape --find-max.")
            }
            return
        }
        guard slo != nil else { throw ValidationError("--find-max searches for the highest load that meets --slo: give one.") }
        guard concurrent == nil, requestRate == nil, numRequests == nil, duration == nil else {
            throw ValidationError(
                "--find-max chooses the loads: no --concurrent or --request-rate (use --start-load, --max-load), no --num-requests or --duration (use --probe-requests or --probe-duration)."
            )
        }
        guard trace == nil, conversations == nil, !multiTurn else {
            throw ValidationError("--find-max runs synthetic, prompt-file or ShareGPT workloads.")
        }
        guard try sharding.resolvedShard() == nil else { throw ValidationError("--find-max runs from one worker.") }
        guard generation.temperature.values.count == 1 else { throw ValidationError("--find-max runs at one temperature.") }
        if findMax == .concurrency, burstiness != 1 || arrivals != .poisson || maxConcurrency != nil {
            throw ValidationError("--arrivals, --burstiness and --max-concurrency shape a request-rate search.")
        }
        let limit = maxLoad ?? (findMax == .concurrency ? 256 : 200)
        guard startLoad > 0, startLoad <= limit else {
            throw ValidationError("--start-load must be greater than 0 and at most --max-load (\(limit)).")
        }
        guard let precision = parsedPrecision, precision > 0, precision < 1 else {
            throw ValidationError("--precision takes a share such as 5% or 0.05, got '\(precision)'.")
        }
        if let probeRequests, probeRequests < 1 { throw ValidationError("--probe-requests must be at least 1.") }
        if let probeDuration, probeDuration <= 0 { throw ValidationError("--probe-duration must be greater than 0.") }
        if probeRequests != nil, probeDuration != nil { throw ValidationError("Give --probe-requests or --probe-duration, not both.") }
        if let timeBudget, timeBudget <= 0 { throw ValidationError("--time-budget must be greater than 0.") }
    }

    /// `--precision` as a share: `5%` is 0.05, and so is `0.05`.
    private var parsedPrecision: Double? {
        precision.hasSuffix("%") ? Double(precision.dropLast()).map { $0 / 100 } : Double(precision)
    }

    /// The capacity search the options ask for, if any.
    private var capacitySearch: CapacitySearch.Settings? {
        findMax.map { dimension in
            CapacitySearch.Settings(
                dimension: dimension, start: startLoad, limit: maxLoad ?? (dimension == .concurrency ? 256 : 200),
                precision: parsedPrecision ?? 0.05, requiredPercent: sloPercent ?? 95, timeBudget: timeBudget)
        }
    }

    /// The load levels the command runs.
    private var levels: [BenchPlan.Level] {
        let temperatures = generation.temperature.values
        return temperatures.count > 1
            ? temperatures.map { BenchPlan.Level(mode: modes[0], temperature: $0) }
            : modes.map { BenchPlan.Level(mode: $0, temperature: temperatures[0]) }
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
            if let sharegpt { return multiTurn ? try Workload.shareGPTSessions(sharegpt) : try Workload.shareGPT(sharegpt) }
            if let conversations { return try Workload.conversations(conversations) }
            if let trace {
                return try Workload.trace(
                    trace, speed: traceSpeed, blockTokens: traceBlockTokens, korean: syntheticLanguage == "ko", seed: randomSeed)
            }
        } catch {
            throw CommandFailure(.badInput, error: error)
        }
        let count = numRequests ?? 100
        return Workload.synthetic(
            count: count,
            spec: .init(
                inputTokens: syntheticInputTokens ?? 128, inputSpread: syntheticInputSpread, outputTokens: syntheticOutputTokens,
                outputSpread: syntheticOutputSpread, korean: syntheticLanguage == "ko", seed: randomSeed,
                sharedPrefixTokens: sharedPrefixTokens, prefixGroups: prefixGroups))
    }

    private var modes: [LoadMode] {
        if let search = capacitySearch {
            let template = LoadMode.rate(search.start, arrivals: arrivals, burstiness: burstiness, maxConcurrency: maxConcurrency)
            return [search.probe(template, at: search.start)]
        }
        if trace != nil { return [.trace(maxConcurrency: maxConcurrency)] }
        if let requestRate {
            return requestRate.values.map { .rate($0, arrivals: arrivals, burstiness: burstiness, maxConcurrency: maxConcurrency) }
        }
        return (concurrent?.values ?? [1]).map { .concurrency($0) }
    }

    /// The benchmark the options describe.
    private func plan() throws -> BenchPlan {
        let warmup = try parsedWarmup()
        let temperatures = generation.temperature.values
        let levels = self.levels
        let workload = try workload()
        var settings: [String: String] = ["workload": workload.name, "random_seed": String(randomSeed)]
        settings["load"] = levels.map(\.mode.label).joined(separator: ",")
        if temperatures.count > 1 { settings["temperatures"] = temperatures.map { "\($0)" }.joined(separator: ",") }
        if requestRate != nil {
            settings["arrivals"] = arrivals.rawValue
            settings["burstiness"] = String(burstiness)
        }
        if let maxConcurrency { settings["max_concurrency"] = String(maxConcurrency) }
        if let numRequests { settings["num_requests"] = String(numRequests) }
        if let duration { settings["duration_s"] = String(duration) }
        if rampUp > 0 { settings["ramp_up_s"] = String(rampUp) }
        if let warmup = self.warmup { settings["warmup"] = warmup }
        if let slo { settings["slo"] = slo }
        let search = capacitySearch
        var probe: (requests: Int?, duration: Double?) = (numRequests, duration)
        if let search {
            settings["find_max"] = search.dimension.rawValue
            settings["precision"] = String(search.precision)
            settings["load_range"] = "\(search.start)-\(search.limit)"
            if let timeBudget { settings["time_budget_s"] = String(timeBudget) }
            probe = (probeRequests, probeRequests == nil ? probeDuration ?? 15 : nil)
            if let requests = probe.requests { settings["probe_requests"] = String(requests) }
            if let duration = probe.duration { settings["probe_duration_s"] = String(duration) }
            if self.warmup == nil { settings["warmup"] = "2s" }
        }
        if let maxErrorRate { settings["max_error_rate_percent"] = String(maxErrorRate) }
        // Probes warm up for 2 s unless told otherwise: each starts from another load.
        let warmupSeconds = search != nil && self.warmup == nil ? 2 : warmup.seconds
        return BenchPlan(
            workload: workload, levels: levels, numRequests: probe.requests, duration: probe.duration, warmupRequests: warmup.requests,
            warmupSeconds: warmupSeconds, api: generation.api ?? (workload.conversations == nil ? .completions : .chat),
            stream: !generation.noStream,
            parameters: generation.parameters, seed: randomSeed, slo: try slo.map { try ServiceLevelObjective(parsing: $0) },
            sloPercent: sloPercent, shard: try sharding.resolvedShard(), scrapeMetrics: scrapeMetrics, startAt: nil,
            outputs: output.map { (path: $0, format: OutputFormat(path: $0)!) }, overwrite: outputs.overwrite, settings: settings,
            promptFile: promptFile ?? sharegpt, recordedConcurrency: concurrent?.values.first ?? maxConcurrency ?? 0,
            toolVersion: RootCommand.version)
    }

    func run() async throws {
        try outputs.createDirectories()
        var plan = try plan()
        plan.startAt = try sharding.announcedStart(quiet: quiet)
        plan.exactOutput = !naturalOutputLength
        plan.rampUpSeconds = rampUp
        plan.capacitySearch = capacitySearch
        // Workers stop on their own: a sharded level is not stopped early (its shards would part).
        plan.earlyStop = EarlyStopRules(
            maxErrorRatePercent: maxErrorRate, stopOnSaturation: !noSaturationStop && plan.shard == nil,
            saturationNeedsAttainmentBelow: plan.capacitySearch?.requiredPercent)
        let session: BenchSession
        do {
            session = try BenchSession(plan)
        } catch {
            throw CommandFailure(.badInput, error: error)
        }
        let interruption = await Interruption(gracePeriod: gracePeriod)
        let configuration = server.clientConfiguration(maxConnections: plan.largestConcurrency, defaultRetries: 0)
        let display = BenchProgressDisplay(quiet: quiet, duration: plan.duration)
        let measurement: BenchSession.Measurement?
        do {
            measurement = try await interruption.run {
                try await session.measure(
                    configuration: configuration, stop: interruption.stop, onLevel: display.levelStarted, onProgress: display.progressed,
                    onResult: display.finished, onLevelEnd: display.levelEnded,
                    onNote: { note in if !quiet || note.hasPrefix("warning") { display.printAbove(note) } })
            }
        } catch {
            throw CommandFailure(.failed, error: error)
        }
        guard let measurement else { throw ShardOptions.interruptedBeforeStart }
        let outcome: BenchOutcome
        do {
            outcome = try session.outcome(of: measurement, interrupted: interruption.wasInterrupted, baseURL: server.redactedBaseURL)
            print(
                formatBenchReport(
                    outcome.document, style: TerminalStyle.forOutput(fileDescriptor: STDOUT_FILENO, environment: ProcessInfo.processInfo.environment))
            )
            try session.save(outcome)
        } catch {
            throw CommandFailure(.failed, error: error)
        }
        for path in outcome.savedFiles { print("Results saved to \(path)") }
        let reportName = output.first { OutputFormat(path: $0) == .json }.map { ($0 as NSString).lastPathComponent } ?? "bench"
        let report = record.writeReport(ReportInput(bench: outcome.document, name: reportName), overwrite: outputs.overwrite)
        let artifacts = output + (report.map { [$0] } ?? [])
        let serverUnreachable = if case .serverUnreachable = outcome.ending { true } else { false }
        let status = MLflowRunStatus(interrupted: interruption.wasInterrupted, completed: !serverUnreachable)
        await record.track { tracker throws(MLflowError) in
            try await tracker.logBench(document: outcome.document, resultFiles: artifacts, status: status)
        }
        for example in outcome.failureExamples { printError(example) }
        switch outcome.ending {
        case .completed: return
        case .interrupted:
            throw CommandFailure(.interrupted, "interrupted: the report covers the requests sent before the interrupt")
        case .serverUnreachable(let requests):
            throw CommandFailure(
                .failed,
                "error: \(requests) requests in a row could not connect, with no answer for \(Int(BenchSession.unreachableQuietSeconds)) s or more, so the benchmark stopped sending (is the server down?)"
            )
        case .sloMissed(let level, let attainment, let required):
            throw CommandFailure(
                .sloMissed, String(format: "SLO missed at %@: %.1f %% of requests met it, %.1f %% required.", level, attainment, required))
        case .errorRateExceeded(let level, let detail):
            throw CommandFailure(.failed, "error: \(level) was stopped: \(detail).")
        case .allFailed:
            throw CommandFailure(.failed, nil)
        }
    }
}
