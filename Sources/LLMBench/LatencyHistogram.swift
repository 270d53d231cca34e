import Histogram
public import LLMResults

/// A latency distribution in an HdrHistogram: microsecond resolution from 1 µs to one hour, three
/// significant digits, fixed memory whatever the number of requests. Histograms of several runs or
/// shards merge exactly (``merge(_:)``).
public struct LatencyHistogram: Sendable {
    private(set) var histogram = Histogram<UInt64>(
        lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)

    public init() {}

    /// Records a latency in seconds.
    public mutating func record(seconds: Double) {
        let microseconds = UInt64(max(1, min(3_600_000_000, (seconds * 1e6).rounded())))
        _ = histogram.record(microseconds)
    }

    public var count: Int { Int(histogram.totalCount) }

    /// Adds another histogram's values.
    public mutating func merge(_ other: LatencyHistogram) {
        histogram.add(other.histogram)
    }

    /// The `p`-th percentile, in seconds.
    public func percentile(_ p: Double) -> Double {
        Double(histogram.valueAtPercentile(p)) / 1e6
    }

    /// Mean, extremes and percentiles (p50 to p99.9), or nil when empty.
    public var summary: DistributionSummary? {
        guard histogram.totalCount > 0 else { return nil }
        return DistributionSummary(
            count: count, mean: histogram.mean / 1e6, min: Double(histogram.min) / 1e6, max: Double(histogram.max) / 1e6,
            p50: percentile(50), p90: percentile(90), p95: percentile(95), p99: percentile(99), p99_9: percentile(99.9))
    }

    /// The recorded values as `[microseconds, count]` pairs: a compact, exact serialisation.
    public var sparseCounts: [[UInt64]] {
        histogram.recordedValues().map { [$0.value, UInt64($0.count)] }
    }

    /// A histogram rebuilt from ``sparseCounts``.
    public init(sparseCounts: [[UInt64]]) {
        for pair in sparseCounts where pair.count == 2 {
            _ = histogram.record(pair[0], count: pair[1])
        }
    }
}
