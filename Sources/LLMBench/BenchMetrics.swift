public import LLMClientKit
public import LLMResults
public import LLMSupport
import Synchronization

/// Service-level objectives: a request is "good" when it succeeded and met each limit given.
public struct ServiceLevelObjective: Sendable, Hashable, Codable {
    /// Most seconds to the first token.
    public var ttft: Double?
    /// Most seconds per output token after the first, on average over the request (its TPOT:
    /// AIPerf's and GuideLLM's ITL).
    public var itl: Double?
    /// Most seconds end to end.
    public var e2e: Double?

    public init(ttft: Double? = nil, itl: Double? = nil, e2e: Double? = nil) {
        self.ttft = ttft
        self.itl = itl
        self.e2e = e2e
    }

    /// Parses `ttft=0.5,itl=0.05,e2e=10` (seconds).
    public init(parsing text: String) throws(BenchError) {
        for part in text.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, let value = Double(pair[1]), value > 0 else {
                throw BenchError(code: .objective, message: "--slo takes name=seconds pairs such as ttft=0.5,itl=0.05,e2e=10, got '\(part)'")
            }
            switch pair[0] {
            case "ttft": ttft = value
            case "itl": itl = value
            case "e2e": e2e = value
            default: throw BenchError(code: .objective, message: "--slo knows ttft, itl and e2e, got '\(pair[0])'")
            }
        }
    }

    /// The objective's limits by metric name (`ttft`, `itl`, `e2e`), in seconds.
    public var byMetric: [String: Double] {
        var limits: [String: Double] = [:]
        limits["ttft"] = ttft
        limits["itl"] = itl
        limits["e2e"] = e2e
        return limits
    }

    /// Whether `result` meets every objective.
    public func isMet(by result: RequestResult) -> Bool {
        guard result.success else { return false }
        if let ttft, (result.ttftS ?? .infinity) > ttft { return false }
        // The request's own mean inter-token latency (its TPOT), not the mean of its chunk gaps,
        // which empty held-back chunks would shorten.
        if let itl, let tpot = result.tpotS, tpot > itl { return false }
        if let e2e, result.latencyS > e2e { return false }
        return true
    }
}

/// Collects a run's measurements as requests finish, in memory that does not grow with the number
/// of requests (histograms and per-second counters only). Safe to use from many tasks.
public final class BenchMetrics: Sendable {
    struct State {
        var ttft = LatencyHistogram()
        var ttfo = LatencyHistogram()
        var ttftFirstTurn = LatencyHistogram()
        var ttftLaterTurns = LatencyHistogram()
        var e2e = LatencyHistogram()
        var itl = LatencyHistogram()
        var tpot = LatencyHistogram()
        var schedulingLag = LatencyHistogram()
        var send = LatencyHistogram()
        var successful = 0
        var failed = 0
        var good = 0
        var errorsByKind: [String: Int] = [:]
        var inputTokens = 0
        var outputTokens = 0
        var inputLengths = LengthTally()
        var outputLengths = LengthTally()
        var inFlight = 0
        var maxInFlight = 0
        var series: [TimeSeriesPoint] = []
        var lastFinish: ContinuousClock.Instant?
    }

    let start: ContinuousClock.Instant
    let slo: ServiceLevelObjective?
    private let state = Mutex(State())

    public init(start: ContinuousClock.Instant, slo: ServiceLevelObjective?) {
        self.start = start
        self.slo = slo
    }

    private func point(_ state: inout State, at time: ContinuousClock.Instant) -> Int {
        let second = max(0, Int((time - start).seconds))
        while state.series.count <= second { state.series.append(TimeSeriesPoint(second: state.series.count)) }
        return second
    }

    /// A request is being sent now; `lag` is how late that is against the schedule (open loop).
    public func requestStarted(lag: Double?) {
        let now = ContinuousClock.now
        state.withLock { state in
            state.inFlight += 1
            state.maxInFlight = max(state.maxInFlight, state.inFlight)
            let second = point(&state, at: now)
            state.series[second].maxInFlight = max(state.series[second].maxInFlight, state.inFlight)
            if let lag { state.schedulingLag.record(seconds: max(0, lag)) }
        }
    }

    /// A request finished; `counted` is false for warm-up requests (they only leave the in-flight count).
    public func requestFinished(_ result: RequestResult, counted: Bool) {
        let now = ContinuousClock.now
        state.withLock { state in
            state.inFlight -= 1
            guard counted else { return }
            let second = point(&state, at: now)
            state.lastFinish = now
            if result.success {
                state.successful += 1
                state.series[second].completed += 1
                state.e2e.record(seconds: result.latencyS)
                if let ttft = result.ttftS { state.ttft.record(seconds: ttft) }
                if let ttfo = result.ttfoS { state.ttfo.record(seconds: ttfo) }
                if let turn = result.turn, let ttft = result.ttftS {
                    if turn == 1 { state.ttftFirstTurn.record(seconds: ttft) } else { state.ttftLaterTurns.record(seconds: ttft) }
                }
                for gap in result.itlS { state.itl.record(seconds: gap) }
                if let tpot = result.tpotS { state.tpot.record(seconds: tpot) }
                if let send = result.sendS { state.send.record(seconds: send) }
                if !result.tokensEstimated {
                    state.inputLengths.add(result.promptTokens)
                    state.outputLengths.add(result.completionTokens)
                }
                state.inputTokens += result.promptTokens ?? 0
                state.outputTokens += result.completionTokens ?? 0
                state.series[second].outputTokens += result.completionTokens ?? 0
                if slo?.isMet(by: result) ?? true { state.good += 1 }
            } else {
                state.failed += 1
                state.series[second].errors += 1
                state.errorsByKind[(result.errorKind ?? .connection).rawValue, default: 0] += 1
            }
        }
    }

    /// The summary of everything recorded; throughput is over `durationSeconds`. `client` is what
    /// the client process itself used meanwhile, when it was measured.
    public func summary(durationSeconds: Double, client: ClientLoad? = nil) -> ResultSummary {
        state.withLock { state in
            let duration = max(durationSeconds, 1e-9)
            let total = state.successful + state.failed
            var summary = ResultSummary(
                keys: .bench, totalRequests: total, successful: state.successful, failed: state.failed,
                errorsByKind: state.errorsByKind, durationS: durationSeconds, latencyS: state.e2e.summary, ttftS: state.ttft.summary,
                itlS: state.itl.summary, tpotS: state.tpot.summary, schedulingLagS: state.schedulingLag.summary,
                requestsPerSecond: Double(state.successful) / duration, outputTokensPerSecond: Double(state.outputTokens) / duration,
                totalTokensPerSecond: Double(state.inputTokens + state.outputTokens) / duration,
                totalPromptTokens: state.inputTokens, totalCompletionTokens: state.outputTokens,
                goodput: slo == nil ? nil : Double(state.good) / duration,
                sloAttainmentPercent: slo == nil || total == 0 ? nil : 100 * Double(state.good) / Double(total),
                maxInFlight: state.maxInFlight, client: client)
            summary.ttfoS = state.ttfo.summary
            summary.sendS = state.send.summary
            summary.ttftFirstTurnS = state.ttftFirstTurn.summary
            summary.ttftLaterTurnsS = state.ttftLaterTurns.summary
            summary.inputTokensPerRequest = state.inputLengths.lengths
            summary.outputTokensPerRequest = state.outputLengths.lengths
            return summary
        }
    }

    /// Finished requests, failed requests and output tokens so far (for progress displays).
    public var progress: (finished: Int, failed: Int, outputTokens: Int) {
        state.withLock { ($0.successful + $0.failed, $0.failed, $0.outputTokens) }
    }

    /// Requests sent and not yet finished.
    public var inFlight: Int { state.withLock { $0.inFlight } }

    /// The percentage of the finished requests that met the SLO (nil without an SLO or a request).
    public var attainmentPercent: Double? {
        state.withLock { state in
            let total = state.successful + state.failed
            return slo == nil || total == 0 ? nil : 100 * Double(state.good) / Double(total)
        }
    }

    /// The per-second time series.
    public var timeSeries: [TimeSeriesPoint] { state.withLock { $0.series } }

    /// The histograms, serialised exactly, by metric name.
    public var histograms: [String: [[UInt64]]] {
        state.withLock { state in
            let histograms: [LatencyHistogramName: LatencyHistogram] = [
                .ttft: state.ttft, .ttfo: state.ttfo, .ttftFirstTurn: state.ttftFirstTurn, .ttftLaterTurns: state.ttftLaterTurns,
                .e2e: state.e2e, .itl: state.itl, .tpot: state.tpot, .schedulingLag: state.schedulingLag, .send: state.send,
            ]
            // TTFO only for reasoning models, per-turn TTFT only for sessions, send times only with a
            // request that succeeded: no empty histograms in every other document.
            let optional: Set<LatencyHistogramName> = [.ttfo, .ttftFirstTurn, .ttftLaterTurns, .send]
            return Dictionary(
                uniqueKeysWithValues: histograms.filter { !optional.contains($0.key) || $0.value.summary != nil }.map {
                    ($0.key.rawValue, $0.value.sparseCounts)
                })
        }
    }
}

/// Count, sum, shortest and longest of token counts, kept as requests finish.
struct LengthTally {
    private var count = 0
    private var total = 0
    private var shortest = Int.max
    private var longest = 0

    mutating func add(_ tokens: Int?) {
        guard let tokens else { return }
        count += 1
        total += tokens
        shortest = min(shortest, tokens)
        longest = max(longest, tokens)
    }

    var lengths: TokenLengths? {
        count == 0 ? nil : TokenLengths(count: count, mean: Double(total) / Double(count), min: shortest, max: longest)
    }
}
