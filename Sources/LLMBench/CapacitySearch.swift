import Foundation
public import LLMResults

/// Finds the highest load that meets a service-level objective (`llm-client bench --find-max`):
/// brackets it by doubling from a start value until a probe misses the SLO (or the limit is
/// reached), then narrows the bracket to the precision asked for, each next probe where the
/// measured attainment crosses the required share by linear interpolation between the bracket's
/// ends (kept in their middle half, so the bracket shrinks by a quarter at least).
///
/// A value type: the caller runs each probe ``nextLoad`` names and ``record``s what it measured.
public struct CapacitySearch: Sendable {
    /// What the search varies.
    public enum Dimension: String, Sendable, CaseIterable {
        /// Open-loop requests per second.
        case requestRate = "request-rate"
        /// Closed-loop requests in flight (whole numbers).
        case concurrency

        /// The name in the JSON document: `request_rate` or `concurrency`.
        public var documentName: String { self == .requestRate ? "request_rate" : "concurrency" }
    }

    /// The settings of a search.
    public struct Settings: Sendable {
        public var dimension: Dimension
        /// The first load probed.
        public var start: Double
        /// The highest load probed.
        public var limit: Double
        /// Relative precision: the search ends when the first failing load is within this share
        /// above the highest passing one (0.05: 5 %). Concurrency also ends at a gap of 1.
        public var precision: Double
        /// The share of requests that must meet the SLO, in percent.
        public var requiredPercent: Double
        /// Seconds the whole search may take: no probe starts that would likely end after it.
        public var timeBudget: Double?

        public init(dimension: Dimension, start: Double, limit: Double, precision: Double, requiredPercent: Double, timeBudget: Double?) {
            self.dimension = dimension
            self.start = start
            self.limit = limit
            self.precision = precision
            self.requiredPercent = requiredPercent
            self.timeBudget = timeBudget
        }

        /// The load mode of a probe at `load`, shaped like `template` (its arrivals and cap).
        public func probe(_ template: LoadMode, at load: Double) -> LoadMode {
            switch (dimension, template) {
            case (.requestRate, .rate(_, let arrivals, let burstiness, let cap)):
                .rate(load, arrivals: arrivals, burstiness: burstiness, maxConcurrency: cap)
            case (.requestRate, _): .rate(load, arrivals: .poisson, burstiness: 1, maxConcurrency: nil)
            case (.concurrency, _): .concurrency(Int(load.rounded()))
            }
        }
    }

    public let settings: Settings
    /// The probes recorded so far, in order.
    public private(set) var probes: [BenchCapacity.Probe] = []
    private var probeSeconds: [Double] = []
    private var budgetSpent = false

    public init(_ settings: Settings) {
        self.settings = settings
    }

    /// The highest passing probe and the lowest failing one above it.
    private var bracket: (passing: BenchCapacity.Probe?, failing: BenchCapacity.Probe?) {
        let passing = probes.filter(\.passed).max { $0.value < $1.value }
        let failing = probes.filter { !$0.passed && $0.value > (passing?.value ?? 0) }.min { $0.value < $1.value }
        return (passing, failing)
    }

    /// The load of the next probe; nil when the search is over.
    /// - Parameter elapsed: seconds since the search started, against the time budget.
    public mutating func nextLoad(elapsed: Double) -> Double? {
        guard let candidate = candidate() else { return nil }
        if let budget = settings.timeBudget, !probeSeconds.isEmpty {
            // The next probe likely takes as long as the longest so far.
            if elapsed + (probeSeconds.max() ?? 0) > budget {
                budgetSpent = true
                return nil
            }
        }
        return candidate
    }

    private func candidate() -> Double? {
        guard let last = probes.last else { return rounded(settings.start) }
        let (passing, failing) = bracket
        guard let passing else { return nil }  // the lowest probe failed
        guard let failing else {
            // Still bracketing: double, up to the limit.
            guard last.passed, last.value < rounded(settings.limit) else { return nil }
            return rounded(min(settings.limit, 2 * last.value))
        }
        let low = passing.value
        let high = failing.value
        if high - low <= settings.precision * low { return nil }
        if settings.dimension == .concurrency, high - low <= 1 { return nil }
        // Where attainment crosses the required share, if it falls linearly between the ends.
        let required = settings.requiredPercent
        var fraction = 0.5
        if passing.attainment > failing.attainment {
            fraction = (passing.attainment - required) / (passing.attainment - failing.attainment)
        }
        fraction = min(0.75, max(0.25, fraction))
        var next = rounded(low + fraction * (high - low))
        if settings.dimension == .concurrency { next = min(high - 1, max(low + 1, next)) }
        // Rounding can land on an end of the bracket: nothing finer to probe.
        return next > low && next < high ? next : nil
    }

    /// Request rates to three significant digits, concurrencies to whole numbers (never above the limit).
    private func rounded(_ load: Double) -> Double {
        if settings.dimension == .concurrency { return max(1, min(settings.limit.rounded(.down), load.rounded())) }
        guard load > 0 else { return 0.001 }
        let scale = pow(10, 2 - floor(log10(load)))
        return max(0.001, min(settings.limit, (load * scale).rounded() / scale))
    }

    /// Whether a level's summary meets the SLO for the required share of requests.
    public func passes(_ summary: ResultSummary, stoppedEarly: Bool) -> Bool {
        !stoppedEarly && summary.totalRequests > 0 && (summary.sloAttainmentPercent ?? 0) >= settings.requiredPercent
    }

    /// Records a probe at `load` that took `seconds` (warm-up included).
    public mutating func record(load: Double, level: String, summary: ResultSummary, stoppedEarly: Bool, seconds: Double) {
        probes.append(
            BenchCapacity.Probe(
                level: level, value: load, attainment: summary.sloAttainmentPercent ?? 0, goodput: summary.goodput ?? 0,
                requestsPerSecond: summary.requestsPerSecond, outputTokensPerSecond: summary.outputTokensPerSecond,
                passed: passes(summary, stoppedEarly: stoppedEarly), requests: summary.totalRequests))
        probeSeconds.append(seconds)
    }

    /// What the search found so far (the result, once ``nextLoad`` says nil).
    /// - Parameters:
    ///   - slo: the objective, by metric.
    ///   - interrupted: whether the user stopped the search.
    public func result(slo: [String: Double], interrupted: Bool) -> BenchCapacity {
        let (passing, failing) = bracket
        let status: BenchCapacity.Status
        if interrupted {
            status = .interrupted
        } else if passing == nil {
            status = .belowLowest
        } else if failing == nil {
            status = budgetSpent ? .budgetSpent : .atLimit
        } else {
            status = budgetSpent ? .budgetSpent : .found
        }
        return BenchCapacity(
            dimension: settings.dimension.documentName, value: passing?.value, slo: slo, requiredPercent: settings.requiredPercent,
            attainment: passing?.attainment, goodput: passing?.goodput, firstFailing: failing?.value, precision: settings.precision,
            status: status, probes: probes)
    }
}
