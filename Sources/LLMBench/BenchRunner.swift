import Foundation
public import LLMClientKit
public import LLMResults
public import LLMSupport
public import OpenAIAPI
import Synchronization

/// One load level of a benchmark.
public struct BenchConfiguration: Sendable {
    public var mode: LoadMode
    /// Measured requests to send (nil: until `duration` ends).
    public var numRequests: Int?
    /// Seconds of measured load (nil: until `numRequests` are done).
    public var duration: Double?
    /// Warm-up before measuring: this many requests…
    public var warmupRequests: Int
    /// …or this many seconds, run with the same load and not counted.
    public var warmupSeconds: Double
    public var api: APIKind
    public var stream: Bool
    /// Parameters of every request; a prompt's own parameters override them.
    public var parameters: GenerationParameters
    /// Seed of the arrival schedule.
    public var seed: UInt64
    public var slo: ServiceLevelObjective?
    /// This worker's share when several run the level together (see ``Shard``): its part of the
    /// requests (numbers `i % N == K`), of the concurrency or the rate (with an arrival stream of
    /// its own seed), and of the warm-up. Nil: the whole level.
    public var shard: Shard?
    /// The level's place in a sweep (from 0): each level, and its warm-up, gets synthetic prompts of
    /// its own, so that no level finds the prompts of another in the server's prefix cache.
    public var level: Int
    /// The run's id; each request is sent with `X-Request-Id: <run id>-<stream>-<number>` (the
    /// stream tells levels and warm-ups apart).
    public var runID: String?
    /// Seconds over which the load grows linearly from nothing to the level's (concurrency or
    /// rate) before it is measured; the ramp is measured apart (0: none).
    public var rampUpSeconds: Double = 0
    /// When to end the level early (error rate, over-saturation).
    public var earlyStop = EarlyStopRules()

    public init(
        mode: LoadMode, numRequests: Int?, duration: Double?, warmupRequests: Int = 0, warmupSeconds: Double = 0,
        api: APIKind = .completions, stream: Bool = true, parameters: GenerationParameters = .init(), seed: UInt64 = 0,
        slo: ServiceLevelObjective? = nil, shard: Shard? = nil, level: Int = 0
    ) {
        self.shard = shard
        self.level = level
        self.mode = mode
        self.numRequests = numRequests
        self.duration = duration
        self.warmupRequests = warmupRequests
        self.warmupSeconds = warmupSeconds
        self.api = api
        self.stream = stream
        self.parameters = parameters
        self.seed = seed
        self.slo = slo
    }
}

/// What one load level measured.
public struct BenchLevelResult: Sendable {
    public var label: String
    public var mode: LoadMode
    public var temperature: Double?
    public var summary: ResultSummary
    public var timeSeries: [TimeSeriesPoint]
    /// Exact histograms (`[microseconds, count]` pairs) by metric, so runs can be merged later.
    public var histograms: [String: [[UInt64]]]
    /// Wall-clock start of the measured load (ISO 8601), the time series' second 0: shards of one
    /// run are put on a common clock by it.
    public var startedAt: Timestamp?
    /// The prompt and answer lengths each request asked for (synthetic workloads), to compare with
    /// what the server counted.
    public var requestedInputTokens: Int?
    public var requestedOutputTokens: Int?
    /// What the ramp-up before the level measured (its requests are not in ``summary``).
    public var rampUp: ResultSummary?
    /// Why the level ended before its count or duration, if it did.
    public var stoppedEarly: EarlyStop?
}

/// Sends a workload at one load level and measures it.
///
/// Closed loop keeps `n` requests in flight. Open loop sends each request at its scheduled time,
/// whatever earlier requests do (no coordinated omission), and records how late each was sent.
public enum BenchRunner {
    /// - Parameters:
    ///   - stop: once signalled, no further request is sent (cancel the calling task to end the
    ///     ones in flight); the level's result then covers the requests sent.
    ///   - onResult: sees every measured result as it finishes (to stream it to disk).
    ///   - onWarmupResult: sees every warm-up result (not measured) as it finishes.
    ///   - onProgress: sees the measured results so far, after each one.
    public static func run(
        _ configuration: BenchConfiguration, workload: Workload, client: LLMClient, stop: StopSignal? = nil,
        onResult: @escaping @Sendable (RequestResult) -> Void = { _ in },
        onWarmupResult: @escaping @Sendable (RequestResult) -> Void = { _ in },
        onProgress: @escaping @Sendable (BenchMetrics) -> Void = { _ in }
    ) async -> BenchLevelResult {
        let shard = configuration.shard
        if configuration.warmupRequests > 0 || configuration.warmupSeconds > 0 {
            let warmup = BenchMetrics(start: .now, slo: nil)
            await runPhase(
                configuration, workload: workload, client: client, stop: stop, metrics: warmup, counted: false,
                count: configuration.warmupRequests > 0
                    ? shard.map { $0.share(of: configuration.warmupRequests) } ?? configuration.warmupRequests : nil,
                duration: configuration.warmupRequests > 0 ? nil : configuration.warmupSeconds,
                firstIndex: 0, stream: 2 * configuration.level + 1, onResult: onWarmupResult, onProgress: { _ in })
        }
        // A ramp runs in the same phase, just before the measured load, so the load never drops
        // between them; its requests are measured apart.
        let rampSeconds = configuration.rampUpSeconds
        let startedAt = Timestamp(Date().addingTimeInterval(rampSeconds))
        let usageBefore = ProcessUsage.current()
        let phaseStart = ContinuousClock.now
        let start = phaseStart + .seconds(rampSeconds)
        let metrics = BenchMetrics(start: start, slo: configuration.slo)
        let ramp =
            rampSeconds > 0
            ? Ramp(metrics: BenchMetrics(start: phaseStart, slo: configuration.slo), seconds: rampSeconds, stream: 1_000 + configuration.level)
            : nil
        let count = (configuration.numRequests ?? (configuration.duration == nil ? workload.count : nil)).map { total in
            shard.map { $0.share(of: total) } ?? total
        }
        // The level runs beside its guard; whichever ends first ends the other (a stopped level's
        // requests in flight are cancelled, and not counted).
        var rate: Double?
        if case .rate(let levelRate, _, _, _) = configuration.mode { rate = levelRate / Double(shard?.count ?? 1) }
        let levelGuard = LevelGuard(rules: configuration.earlyStop, start: start, rate: rate)
        // A trace is replayed whole after its warm-up (which replayed its start): request k is the
        // trace's k-th, at its time. Other workloads go on after the warm-up's requests.
        let measuredFirstIndex = if case .trace = configuration.mode { 0 } else { configuration.warmupRequests }
        onProgress(metrics)  // a display can show the level's requests in flight before any finishes
        let stopped = await withTaskGroup(of: EarlyStop?.self) { group in
            group.addTask {
                await runPhase(
                    configuration, workload: workload, client: client, stop: stop, metrics: metrics, counted: true, count: count,
                    duration: configuration.duration, firstIndex: measuredFirstIndex, stream: 2 * configuration.level,
                    onResult: onResult, onProgress: onProgress, ramp: ramp, onRampResult: onWarmupResult, levelGuard: levelGuard)
                return nil
            }
            group.addTask { await levelGuard.waitForStop(inFlight: { metrics.inFlight }, attainment: { metrics.attainmentPercent }) }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        // With the requests that finished or were cancelled after the stop, left out of the level.
        let stoppedEarly = stopped.flatMap { _ in levelGuard.stopped }
        let duration = (ContinuousClock.now - start).seconds
        // The client's load over the ramp and the level together.
        let client = ClientLoad(
            from: usageBefore, to: ProcessUsage.current(), cores: ProcessUsage.availableCores, durationS: (ContinuousClock.now - phaseStart).seconds)
        let rampUp = ramp?.metrics.summary(durationSeconds: rampSeconds)
        return BenchLevelResult(
            label: configuration.mode.label, mode: configuration.mode, temperature: configuration.parameters.temperature,
            summary: metrics.summary(durationSeconds: duration, client: client), timeSeries: metrics.timeSeries, histograms: metrics.histograms,
            startedAt: startedAt, requestedInputTokens: workload.requestedLengths?.input,
            // Answers asked to end at their length are compared with it; others may end earlier.
            requestedOutputTokens: workload.exactOutput ? workload.requestedLengths?.output : nil, rampUp: rampUp,
            stoppedEarly: stoppedEarly)
    }

    /// The `X-Request-Id` of request `index` of `stream`: `<run id>-<stream>-<index>`.
    private static func requestID(_ index: Int, stream: Int, _ configuration: BenchConfiguration) -> String? {
        configuration.runID.map { "\($0)-\(stream)-\(index)" }
    }

    private static func request(_ index: Int, stream: Int, _ configuration: BenchConfiguration, _ workload: Workload) -> GenerationRequest {
        let entry = workload.entry(at: index, stream: stream)
        var request = GenerationRequest(
            index: index, repeatIndex: index / workload.count, promptID: entry.id, prompt: entry.prompt,
            parameters: configuration.parameters.overridden(by: entry.parameters), api: configuration.api,
            stream: configuration.stream)
        request.requestID = requestID(index, stream: stream, configuration)
        return request
    }

    private static func runPhase(
        _ configuration: BenchConfiguration, workload: Workload, client: LLMClient, stop: StopSignal?, metrics: BenchMetrics, counted: Bool,
        count: Int?, duration: Double?, firstIndex: Int, stream: Int,
        onResult: @escaping @Sendable (RequestResult) -> Void, onProgress: @escaping @Sendable (BenchMetrics) -> Void,
        ramp: Ramp? = nil, onRampResult: @escaping @Sendable (RequestResult) -> Void = { _ in }, levelGuard: LevelGuard? = nil
    ) async {
        let start = metrics.start
        let phaseStart = start - .seconds(ramp?.seconds ?? 0)
        // A ramp (closed loop): worker k of n joins k/n of the way through it.
        @Sendable func waitForRamp(worker: Int, of workers: Int) async -> Bool {
            guard let ramp, worker > 0 else { return true }
            let begin = phaseStart + .seconds(ramp.seconds * Double(worker) / Double(workers))
            if let stop { return await stop.sleep(until: begin) }
            do { try await Task.sleep(until: begin, clock: .continuous) } catch { return false }
            return true
        }
        /// Sends ramp request number `index`, measured apart.
        @Sendable func sendRamp(_ index: Int, _ lag: Double?) async {
            guard let ramp else { return }
            ramp.metrics.requestStarted(lag: lag)
            let result = await client.generate(request(index, stream: ramp.stream, configuration, workload), stop: stop)
            ramp.metrics.requestFinished(result, counted: true)
            onRampResult(result)
        }
        let deadline = duration.map { start + .seconds($0) }
        let shard = configuration.shard
        @Sendable func measure(_ request: GenerationRequest, lag: Double?, turn: Int? = nil) async -> RequestResult {
            metrics.requestStarted(lag: lag)
            var result = await client.generate(request, stop: stop)
            result.turn = turn
            // Requests that end after the level's early stop (cut off, or finished) are not part of what it measured.
            if counted, let levelGuard, !levelGuard.note(result) {
                metrics.requestFinished(result, counted: false)
                return result
            }
            metrics.requestFinished(result, counted: counted)
            onResult(result)
            if counted { onProgress(metrics) }
            return result
        }
        @Sendable func send(_ index: Int, _ lag: Double?) async {
            let number = shard.map { $0.globalNumber(index) } ?? index
            _ = await measure(request(firstIndex + number, stream: stream, configuration, workload), lag: lag)
        }
        switch configuration.mode {
        case .concurrency(let workers) where workload.conversations != nil:
            // Sessions (`count` of them, in turn through the conversations): each worker holds one,
            // sends its next turn once the answer to the last has arrived (and the think time
            // passed), with the real answers in the history, to its last turn.
            let conversations = workload.conversations ?? []
            let tickets = Tickets(count: nil, deadline: deadline, stop: stop)
            let sessions = Tickets(count: count, deadline: deadline, stop: stop)
            await withDiscardingTaskGroup { group in
                for worker in 0..<max(1, workers) {
                    group.addTask {
                        guard await waitForRamp(worker: worker, of: max(1, workers)) else { return }
                        while true {
                            guard let session = sessions.next() else { return }
                            let conversation = conversations[session % conversations.count]
                            var history: [ChatMessage] = []
                            for (turn, text) in conversation.turns.enumerated() {
                                guard let index = tickets.next() else { return }
                                history.append(ChatMessage(role: "user", content: text))
                                var request = GenerationRequest(
                                    index: firstIndex + index, repeatIndex: session / conversations.count, promptID: conversation.id,
                                    prompt: .messages(history), parameters: configuration.parameters, api: configuration.api,
                                    stream: configuration.stream)
                                request.requestID = requestID(firstIndex + index, stream: stream, configuration)
                                let result = await measure(request, lag: nil, turn: turn + 1)
                                guard result.success else { break }  // a failed turn ends its session
                                history.append(ChatMessage(role: "assistant", content: result.output))
                                if conversation.thinkTimeS > 0, turn + 1 < conversation.turns.count {
                                    // Thinking past the level's end would only stretch the level.
                                    var resume = ContinuousClock.now + .seconds(conversation.thinkTimeS)
                                    if let deadline { resume = min(resume, deadline) }
                                    if let stop {
                                        guard await stop.sleep(until: resume) else { return }
                                    } else {
                                        do { try await Task.sleep(until: resume, clock: .continuous) } catch { return }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        case .concurrency(let workers):
            let tickets = Tickets(count: count, deadline: deadline, stop: stop)
            let rampTickets = Tickets(count: nil, deadline: start, stop: stop)
            let share = shard.map { $0.share(ofConcurrency: workers) } ?? max(1, workers)
            await withDiscardingTaskGroup { group in
                for worker in 0..<share {
                    group.addTask {
                        guard await waitForRamp(worker: worker, of: share) else { return }
                        if ramp != nil {
                            while let index = rampTickets.next() { await sendRamp(index, nil) }
                        }
                        while let index = tickets.next() { await send(index, nil) }
                    }
                }
            }
        case .rate(let rate, let arrivals, let burstiness, let cap):
            // A worker of N sends 1/N of the rate on an arrival stream of its own seed; the N streams
            // together are a stream of the whole rate (for Poisson arrivals, exactly so).
            var schedule = ArrivalSchedule(
                rate: rate / Double(shard?.count ?? 1), process: arrivals, burstiness: burstiness,
                seed: configuration.seed &+ UInt64(shard?.index ?? 0))
            var intended = start
            let workerRate = rate / Double(shard?.count ?? 1)
            // A ramp: the rate grows linearly to the level's, so ramp request k is due when k
            // requests' worth has accumulated, at √(2·ramp·k / rate): those due before the ramp's
            // end, then the level's from its start.
            let rampCount = ramp.map { Int((workerRate * $0.seconds / 2).rounded(.up)) } ?? 0
            await openLoop(
                cap: cap, shard: shard, client: client, count: count.map { $0 + rampCount }, deadline: deadline, stop: stop,
                send: { index, lag in
                    if index < rampCount { await sendRamp(index, lag) } else { await send(index - rampCount, lag) }
                }
            ) { index in
                if index < rampCount, let ramp {
                    return phaseStart + .seconds((2 * ramp.seconds * Double(index) / workerRate).squareRoot())
                }
                if index > rampCount { intended += .seconds(schedule.nextGap()) }
                return intended
            }
        case .trace(let cap):
            // Each request at its recorded time; a worker of N sends its own share of them.
            let offsets = workload.arrivalOffsets ?? []
            await openLoop(cap: cap, shard: shard, client: client, count: count, deadline: deadline, stop: stop, send: send) { index in
                let number = shard.map { $0.globalNumber(index) } ?? index
                return number < offsets.count ? start + .seconds(offsets[number]) : nil
            }
        }
    }

    /// Sends request 0, 1, … each at the time `intended` gives for it (nil: no more), whatever the
    /// earlier ones do, until `count` are sent, the deadline passes or `stop` is signalled.
    private static func openLoop(
        cap: Int?, shard: Shard?, client: LLMClient, count: Int?, deadline: ContinuousClock.Instant?, stop: StopSignal?,
        send: @escaping @Sendable (Int, Double?) async -> Void, intended: (Int) -> ContinuousClock.Instant?
    ) async {
        // Never more requests in flight than the client has connections: the rest would wait
        // inside the HTTP client, unseen, and fail once they had waited the connect timeout.
        // Waiting here instead, a late request shows as scheduling lag.
        let connections = client.configuration.maxConnections
        let slots = FIFOSemaphore(limit: min(cap.map { shard?.share(ofConcurrency: $0) ?? $0 } ?? connections, connections))
        await withDiscardingTaskGroup { group in
            var index = 0
            while count.map({ index < $0 }) ?? true {
                guard let target = intended(index) else { break }
                if let deadline, target >= deadline { break }
                // Stopped or cancelled while waiting for the next arrival: send no more.
                if let stop {
                    guard await stop.sleep(until: target) else { break }
                } else {
                    do { try await Task.sleep(until: target, clock: .continuous) } catch { break }
                }
                do { try await slots.acquire() } catch { break }  // cancelled
                let current = index
                group.addTask(priority: .high) {
                    await send(current, (ContinuousClock.now - target).seconds)
                    slots.release()
                }
                index += 1
            }
        }
    }
}

/// Hands out request numbers to closed-loop workers until the count or the deadline is reached,
/// or the run is stopped.
/// A ramp-up before a level: its own metrics, its length, and the stream of its prompts.
struct Ramp: Sendable {
    let metrics: BenchMetrics
    let seconds: Double
    let stream: Int
}

private final class Tickets: Sendable {
    private let issued = Mutex(0)
    private let count: Int?
    private let deadline: ContinuousClock.Instant?
    private let stop: StopSignal?

    init(count: Int?, deadline: ContinuousClock.Instant?, stop: StopSignal?) {
        self.count = count
        self.deadline = deadline
        self.stop = stop
    }

    func next() -> Int? {
        if stop?.isStopped == true || Task.isCancelled { return nil }
        return issued.withLock { value -> Int? in
            if let count, value >= count { return nil }
            if let deadline, ContinuousClock.now >= deadline { return nil }
            value += 1
            return value - 1
        }
    }
}
