import Foundation
public import LLMClientKit
public import LLMResults
import Synchronization

/// When a level should end before its count or duration.
public struct EarlyStopRules: Sendable, Hashable {
    /// Stop when more than this percentage of the last ``errorWindow`` finished requests failed.
    public var maxErrorRatePercent: Double?
    /// Stop an open loop that is over-saturated: requests in flight and TTFT both keep rising.
    public var stopOnSaturation: Bool

    /// Finished requests the error rate is taken over (a sliding window); it is judged once
    /// ``errorWindowMinimum`` have finished.
    public static let errorWindow = 100
    public static let errorWindowMinimum = 20
    /// Seconds of a level before saturation is judged, and the shortest window it is judged over.
    public static let saturationMinimumSeconds = 10.0

    public init(maxErrorRatePercent: Double? = nil, stopOnSaturation: Bool = false) {
        self.maxErrorRatePercent = maxErrorRatePercent
        self.stopOnSaturation = stopOnSaturation
    }

    /// Whether any rule can stop a level.
    var isActive: Bool { maxErrorRatePercent != nil || stopOnSaturation }
}

/// Watches one level's finished requests and requests in flight against ``EarlyStopRules``.
final class LevelGuard: Sendable {
    private struct State {
        /// The last finished requests' outcomes (true: failed), oldest first.
        var outcomes: [Bool] = []
        var failuresInWindow = 0
        /// Per second of the level: TTFT sum and count of the requests that finished in it.
        var ttftSums: [Double] = []
        var ttftCounts: [Int] = []
        /// Per second of the level: requests in flight when sampled.
        var inFlight: [Int] = []
        var stopped: EarlyStop?
    }

    private let rules: EarlyStopRules
    private let start: ContinuousClock.Instant
    private let openLoop: Bool
    private let state = Mutex(State())

    /// - Parameters:
    ///   - start: the start of the level's measured load.
    ///   - openLoop: whether requests are sent on a schedule (only then can they pile up).
    init(rules: EarlyStopRules, start: ContinuousClock.Instant, openLoop: Bool) {
        self.rules = rules
        self.start = start
        self.openLoop = openLoop
    }

    /// Why the level was stopped, once it was.
    var stopped: EarlyStop? { state.withLock { $0.stopped } }

    /// Notes a measured request that finished.
    func note(_ result: RequestResult) {
        let second = max(0, Int((ContinuousClock.now - start).seconds))
        state.withLock { state in
            guard state.stopped == nil else { return }
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
                }
            }
            if rules.stopOnSaturation, result.success, let ttft = result.ttftS {
                while state.ttftSums.count <= second {
                    state.ttftSums.append(0)
                    state.ttftCounts.append(0)
                }
                state.ttftSums[second] += ttft
                state.ttftCounts[second] += 1
            }
        }
    }

    /// Returns once a rule stops the level (with why), or nil when the calling task is cancelled.
    /// - Parameter inFlight: the level's requests in flight now, sampled once a second.
    func waitForStop(inFlight: @escaping @Sendable () -> Int) async -> EarlyStop? {
        guard rules.isActive else {
            while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
            return nil
        }
        var nextSample = start + .seconds(1)
        while !Task.isCancelled {
            if let stopped { return stopped }
            do { try await Task.sleep(for: .milliseconds(100)) } catch { return nil }
            guard ContinuousClock.now >= nextSample, rules.stopOnSaturation, openLoop else { continue }
            nextSample += .seconds(1)
            let elapsed = (ContinuousClock.now - start).seconds
            let queue = inFlight()
            state.withLock { state in
                guard elapsed >= 0, state.stopped == nil else { return }
                state.inFlight.append(queue)
                if let detail = Self.saturation(inFlight: state.inFlight, ttftSums: state.ttftSums, ttftCounts: state.ttftCounts) {
                    state.stopped = EarlyStop(reason: EarlyStop.saturated, detail: detail)
                }
            }
        }
        return nil
    }

    /// Whether an open loop is over-saturated, from per-second samples of requests in flight and
    /// of the mean TTFT of the requests that finished in each second: over the last half of the
    /// level (at least ``EarlyStopRules/saturationMinimumSeconds``), both rise steadily (least
    /// squares, correlation with time ≥ 0.7) and by much (in flight by half its value and at least
    /// 5, TTFT by half its value and at least 20 ms). Returns what was seen, or nil.
    static func saturation(inFlight: [Int], ttftSums: [Double], ttftCounts: [Int]) -> String? {
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
        guard queueFit.correlation >= 0.7, queueRise >= max(5, 0.5 * max(queueStart, 0)),
            ttftFit.correlation >= 0.7, ttftRise >= max(0.02, 0.5 * max(ttftStart, 0))
        else { return nil }
        return String(
            format: "requests in flight rose from %.0f to %.0f and TTFT from %.2f to %.2f s over the last %d s: the server cannot keep up",
            queueStart, queueStart + queueRise, ttftStart, ttftStart + ttftRise, window)
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
