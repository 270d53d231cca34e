import Foundation
public import LLMClientKit
public import LLMResults
import Synchronization

/// When a level should end before its count or duration.
public struct EarlyStopRules: Sendable, Hashable {
    /// Stop when more than this percentage of the last ``errorWindow`` finished requests failed.
    public var maxErrorRatePercent: Double?
    /// Stop an open loop at a request rate that is over-saturated: requests in flight and TTFT
    /// both keep rising.
    public var stopOnSaturation: Bool
    /// In a capacity search: stop a saturated probe only once fewer than this percentage of its
    /// requests met the SLO (a stopped probe fails, so only one that fails already is stopped).
    public var saturationNeedsAttainmentBelow: Double?

    /// Finished requests the error rate is taken over (a sliding window); it is judged once
    /// ``errorWindowMinimum`` have finished.
    public static let errorWindow = 100
    public static let errorWindowMinimum = 20
    /// Seconds of a level before saturation is judged, and the shortest window it is judged over.
    public static let saturationMinimumSeconds = 15.0

    public init(maxErrorRatePercent: Double? = nil, stopOnSaturation: Bool = false, saturationNeedsAttainmentBelow: Double? = nil) {
        self.maxErrorRatePercent = maxErrorRatePercent
        self.stopOnSaturation = stopOnSaturation
        self.saturationNeedsAttainmentBelow = saturationNeedsAttainmentBelow
    }
}

/// Watches one level's finished requests and requests in flight against ``EarlyStopRules``.
/// Once a rule trips, the level is stopped at once, and every request that finishes afterwards is
/// left out of it (counted in ``EarlyStop/requestsLeftOut``).
final class LevelGuard: Sendable {
    private struct State {
        /// The last finished requests' outcomes (true: failed), oldest first.
        var outcomes: [Bool] = []
        var failuresInWindow = 0
        /// Per second of the level: TTFT sum and count of the requests whose first token came in it.
        var ttftSums: [Double] = []
        var ttftCounts: [Int] = []
        /// Per second of the level: requests in flight when sampled.
        var inFlight: [Int] = []
        var stopped: EarlyStop?
    }

    private let rules: EarlyStopRules
    private let start: ContinuousClock.Instant
    /// This worker's request rate when it is an open loop at a fixed rate (saturation is judged only then).
    private let rate: Double?
    private let state = Mutex(State())
    private let signal = StopSignal()

    /// - Parameters:
    ///   - start: the start of the level's measured load.
    ///   - rate: the requests per second this worker sends, for an open loop at a rate (nil: a
    ///     closed loop, whose requests cannot pile up, or a trace, whose load may rise by design).
    init(rules: EarlyStopRules, start: ContinuousClock.Instant, rate: Double?) {
        self.rules = rules
        self.start = start
        self.rate = rate
    }

    /// Why the level was stopped, once it was.
    var stopped: EarlyStop? { state.withLock { $0.stopped } }

    private var judgesSaturation: Bool { rules.stopOnSaturation && rate != nil }

    /// Notes a measured request that finished; false when the level was already stopped, and the
    /// request is left out of it.
    func note(_ result: RequestResult) -> Bool {
        let now = (ContinuousClock.now - start).seconds
        let tripped = state.withLock { state -> Bool? in
            guard state.stopped == nil else {
                state.stopped?.requestsLeftOut += 1
                return nil
            }
            if let limit = rules.maxErrorRatePercent {
                state.outcomes.append(!result.success)
                if !result.success { state.failuresInWindow += 1 }
                if state.outcomes.count > EarlyStopRules.errorWindow, state.outcomes.removeFirst() { state.failuresInWindow -= 1 }
                let share = 100 * Double(state.failuresInWindow) / Double(state.outcomes.count)
                if state.outcomes.count >= EarlyStopRules.errorWindowMinimum, share > limit {
                    state.stopped = EarlyStop(
                        reason: EarlyStop.errorRate,
                        detail: String(
                            format: "%d of the last %d requests failed (%.1f %%, more than --max-error-rate %g %%)", state.failuresInWindow,
                            state.outcomes.count, share, limit))
                    return true
                }
            }
            if judgesSaturation, result.success, let ttft = result.ttftS {
                // Filed under the second of its first token, not of its end: TTFT rises with the queue then.
                let second = max(0, Int(now - (result.latencyS - ttft)))
                while state.ttftSums.count <= second {
                    state.ttftSums.append(0)
                    state.ttftCounts.append(0)
                }
                state.ttftSums[second] += ttft
                state.ttftCounts[second] += 1
            }
            return false
        }
        if tripped == true { signal.stop() }
        return tripped != nil
    }

    /// Returns once a rule stops the level (with why), or nil when the calling task is cancelled.
    /// - Parameters:
    ///   - inFlight: the level's requests in flight now, sampled once a second.
    ///   - attainment: the percentage of the level's requests so far that met the SLO.
    func waitForStop(inFlight: @escaping @Sendable () -> Int, attainment: @escaping @Sendable () -> Double?) async -> EarlyStop? {
        var nextSample = start + .seconds(1)
        while !Task.isCancelled {
            if let stopped { return stopped }
            guard judgesSaturation, let rate else {
                await signal.wait()
                continue
            }
            guard await signal.sleep(until: nextSample) else { continue }
            nextSample += .seconds(1)
            let queue = inFlight()
            let confirmed = rules.saturationNeedsAttainmentBelow.map { (attainment() ?? 100) < $0 } ?? true
            let tripped = state.withLock { state -> Bool in
                guard state.stopped == nil else { return false }
                state.inFlight.append(queue)
                guard confirmed,
                    let detail = Self.saturation(inFlight: state.inFlight, ttftSums: state.ttftSums, ttftCounts: state.ttftCounts, rate: rate)
                else { return false }
                state.stopped = EarlyStop(reason: EarlyStop.saturated, detail: detail)
                return true
            }
            if tripped { signal.stop() }
        }
        return nil
    }

    /// Whether an open loop at `rate` requests per second is over-saturated, from per-second samples
    /// of requests in flight and of the mean TTFT of the requests whose first token came in each
    /// second: over the last half of the level (at least ``EarlyStopRules/saturationMinimumSeconds``),
    /// both rise steadily (least squares, correlation with time ≥ 0.7) and by much: in flight by half
    /// its value, at least 5, and more than twice the Poisson noise of the window's arrivals
    /// (2·√(rate·window): a burst on a server that keeps up rises less, and falls back), and TTFT by
    /// half its value and at least 20 ms. Returns what was seen, or nil.
    static func saturation(inFlight: [Int], ttftSums: [Double], ttftCounts: [Int], rate: Double) -> String? {
        let seconds = inFlight.count
        guard Double(seconds) >= EarlyStopRules.saturationMinimumSeconds else { return nil }
        let window = max(Int(EarlyStopRules.saturationMinimumSeconds), seconds / 2)
        let first = seconds - window
        let queue = (first..<seconds).map { (Double($0), Double(inFlight[$0])) }
        let ttft = (first..<min(seconds, ttftCounts.count)).filter { ttftCounts[$0] > 0 }.map {
            (Double($0), ttftSums[$0] / Double(ttftCounts[$0]))
        }
        guard ttft.count >= window / 2, let queueFit = LineFit(queue), let ttftFit = LineFit(ttft) else { return nil }
        let span = Double(window - 1)
        let queueStart = queueFit.value(at: Double(first))
        let ttftStart = ttftFit.value(at: Double(first))
        let queueRise = queueFit.slope * span
        let ttftRise = ttftFit.slope * span
        let noise = 2 * (rate * Double(window)).squareRoot()
        guard queueFit.correlation >= 0.7, queueRise >= max(5, 0.5 * max(queueStart, 0), noise),
            ttftFit.correlation >= 0.7, ttftRise >= max(0.02, 0.5 * max(ttftStart, 0))
        else { return nil }
        return String(
            format: "requests in flight rose from %.0f to %.0f and TTFT from %.2f to %.2f s over the last %d s: the server cannot keep up",
            max(0, queueStart), queueStart + queueRise, max(0, ttftStart), ttftStart + ttftRise, window)
    }
}

/// A least-squares line through points, with the correlation of its two coordinates.
struct LineFit {
    let slope: Double
    let intercept: Double
    let correlation: Double

    /// Nil for fewer than three points or points all at one x.
    init?(_ points: [(Double, Double)]) {
        guard points.count >= 3 else { return nil }
        let n = Double(points.count)
        let meanX = points.map(\.0).reduce(0, +) / n
        let meanY = points.map(\.1).reduce(0, +) / n
        var sxx = 0.0
        var syy = 0.0
        var sxy = 0.0
        for (x, y) in points {
            sxx += (x - meanX) * (x - meanX)
            syy += (y - meanY) * (y - meanY)
            sxy += (x - meanX) * (y - meanY)
        }
        guard sxx > 0 else { return nil }
        slope = sxy / sxx
        intercept = meanY - slope * meanX
        correlation = syy > 0 ? sxy / (sxx * syy).squareRoot() : 0
    }

    func value(at x: Double) -> Double { intercept + slope * x }
}
