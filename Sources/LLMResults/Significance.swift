import Foundation
import LLMSupport

/// The two-sided Mann–Whitney U test of two independent samples: whether values of one tend to be
/// larger than values of the other, without assuming any distribution (latencies are skewed).
public struct MannWhitneyTest: Codable, Sendable, Hashable {
    /// U of the first sample: how many pairs (first, second) have the first value larger, ties
    /// counting one half. It ranges from 0 to `n1 * n2`.
    public var u: Double
    /// The standardised statistic of the normal approximation (0 when every value is equal).
    public var z: Double
    /// The two-sided p-value: the chance of a difference at least this large if both samples came
    /// from one distribution.
    public var pValue: Double

    /// The test of `first` against `second` by the normal approximation, with the variance corrected
    /// for ties and a continuity correction of one half (scipy's `mannwhitneyu` with
    /// `method="asymptotic"`). Nil when either sample is empty; non-finite values are left out.
    public init?(_ first: [Double], _ second: [Double]) {
        let a = first.filter(\.isFinite)
        let b = second.filter(\.isFinite)
        guard !a.isEmpty, !b.isEmpty else { return nil }
        let n1 = Double(a.count)
        let n2 = Double(b.count)
        let n = n1 + n2
        let pooled = (a.map { ($0, true) } + b.map { ($0, false) }).sorted { $0.0 < $1.0 }
        // Midranks (1-based) over runs of tied values, and the tie term sum(t³ - t).
        var rankSumFirst = 0.0
        var tieTerm = 0.0
        var start = 0
        while start < pooled.count {
            var end = start
            while end + 1 < pooled.count && pooled[end + 1].0 == pooled[start].0 { end += 1 }
            let midrank = Double(start + end) / 2 + 1
            let tied = Double(end - start + 1)
            tieTerm += tied * tied * tied - tied
            rankSumFirst += midrank * Double(pooled[start...end].filter(\.1).count)
            start = end + 1
        }
        u = rankSumFirst - n1 * (n1 + 1) / 2
        let mean = n1 * n2 / 2
        let variance = n1 * n2 / 12 * ((n + 1) - tieTerm / (n * (n - 1)))
        guard variance > 0 else {
            z = 0
            pValue = 1
            return
        }
        let larger = max(u, n1 * n2 - u)
        z = (larger - mean - 0.5) / variance.squareRoot()
        pValue = min(1, max(0, erfc(z / 2.0.squareRoot())))
    }

    enum CodingKeys: String, CodingKey {
        case u, z
        case pValue = "p_value"
    }
}

/// A confidence interval of a difference, `lower...upper`, at a confidence level.
public struct ConfidenceInterval: Codable, Sendable, Hashable {
    public var lower: Double
    public var upper: Double
    /// The confidence level, e.g. 0.95.
    public var level: Double

    public init(lower: Double, upper: Double, level: Double) {
        self.lower = lower
        self.upper = upper
        self.level = level
    }

    /// Whether zero lies outside the interval (the difference has a clear sign).
    public var excludesZero: Bool { lower > 0 || upper < 0 }
}

/// Statistics to tell a real difference between two runs from run-to-run noise.
public enum Significance {
    /// The median of `values` (the mean of the middle two for an even count); nil when empty.
    public static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        return DistributionSummary.percentile(values.sorted(), 50)
    }

    /// A percentile bootstrap confidence interval of `median(second) - median(first)`: both samples
    /// are resampled with replacement `resamples` times, and the interval spans the middle `level`
    /// of the resampled differences. The same seed gives the same interval. Nil when either sample
    /// is empty; non-finite values are left out.
    public static func bootstrapMedianDifference(
        _ first: [Double], _ second: [Double], level: Double = 0.95, resamples: Int = 2000, seed: UInt64 = 0x5EED
    ) -> ConfidenceInterval? {
        let a = first.filter(\.isFinite)
        let b = second.filter(\.isFinite)
        guard !a.isEmpty, !b.isEmpty, resamples > 0 else { return nil }
        var random = SeededRandom(seed: seed)
        func resampledMedian(_ values: [Double]) -> Double {
            let drawn = (0..<values.count).map { _ in values[Int(random.next() % UInt64(values.count))] }
            return DistributionSummary.percentile(drawn.sorted(), 50)
        }
        let differences = (0..<resamples).map { _ in resampledMedian(b) - resampledMedian(a) }.sorted()
        let tail = (1 - level) / 2 * 100
        return ConfidenceInterval(
            lower: DistributionSummary.percentile(differences, tail),
            upper: DistributionSummary.percentile(differences, 100 - tail), level: level)
    }
}
