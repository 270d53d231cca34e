import Foundation
import LLMSupport

/// How requests are sent.
public enum LoadMode: Sendable, Hashable, Codable {
    /// Closed loop: `concurrency` requests in flight at all times; a new one starts when one ends.
    case concurrency(Int)
    /// Open loop: requests start on a schedule of `rate` per second, whatever earlier ones do.
    /// `burstiness` is the shape of the gamma distribution of the gaps (1 = Poisson, as vLLM's
    /// `bench serve`); `constant` sends them evenly spaced. `maxConcurrency` caps requests in flight.
    case rate(Double, arrivals: ArrivalProcess, burstiness: Double, maxConcurrency: Int?)
    /// Open loop on the workload's own schedule (a replayed trace: ``Workload/arrivalOffsets``),
    /// with at most `maxConcurrency` requests in flight.
    case trace(maxConcurrency: Int?)

    /// The load as a number: requests in flight, or requests per second (nil for a trace).
    public var load: Double? {
        switch self {
        case .concurrency(let workers): Double(workers)
        case .rate(let rate, _, _, _): rate
        case .trace: nil
        }
    }

    /// A short label for tables: `c=8` or `r=20/s`.
    public var label: String {
        switch self {
        case .concurrency(let n): "c=\(n)"
        case .rate(let rate, _, _, _): "r=\(rate.formatted(.number.precision(.fractionLength(0...2))))/s"
        case .trace: "trace"
        }
    }
}

/// The distribution of gaps between open-loop arrivals.
public enum ArrivalProcess: String, Sendable, Hashable, Codable, CaseIterable {
    /// Gamma-distributed gaps (exponential when burstiness is 1: a Poisson process).
    case poisson
    /// Evenly spaced gaps.
    case constant
}

/// The intended send times of an open-loop run, drawn from a seeded generator so a run can be
/// repeated exactly. Gaps have mean `1 / rate`; with Poisson arrivals they follow a gamma
/// distribution of shape `burstiness` and scale `1 / (rate * burstiness)` (vLLM's definition:
/// burstiness < 1 is burstier than Poisson, > 1 more even).
public struct ArrivalSchedule: Sendable {
    public let rate: Double
    public let process: ArrivalProcess
    public let burstiness: Double
    private var random: SeededRandom

    public init(rate: Double, process: ArrivalProcess, burstiness: Double = 1, seed: UInt64) {
        precondition(rate > 0 && burstiness > 0)
        self.rate = rate
        self.process = process
        self.burstiness = burstiness
        random = SeededRandom(seed: seed)
    }

    /// The gap, in seconds, before the next request.
    public mutating func nextGap() -> Double {
        switch process {
        case .constant: return 1 / rate
        case .poisson: return gamma(shape: burstiness) / (rate * burstiness)
        }
    }

    /// A gamma(shape, 1) sample (Marsaglia and Tsang).
    private mutating func gamma(shape: Double) -> Double {
        if shape < 1 {
            return gamma(shape: shape + 1) * pow(max(random.unit(), .leastNonzeroMagnitude), 1 / shape)
        }
        let d = shape - 1.0 / 3
        let c = 1 / (9 * d).squareRoot()
        while true {
            var x: Double
            var v: Double
            repeat {
                x = random.normal()
                v = 1 + c * x
            } while v <= 0
            v = v * v * v
            let u = random.unit()
            if u < 1 - 0.0331 * x * x * x * x { return d * v }
            if log(max(u, .leastNonzeroMagnitude)) < 0.5 * x * x + d * (1 - v + log(v)) { return d * v }
        }
    }
}
