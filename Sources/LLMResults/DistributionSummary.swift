/// Mean, extremes and percentiles of a set of values.
///
/// Percentiles use linear interpolation between closest ranks (numpy's default, which vLLM's
/// `bench serve` uses): the p-th percentile of n sorted values sits at rank `(n - 1) * p / 100`.
public struct DistributionSummary: Codable, Sendable, Hashable {
    /// How many values were summarised (at least one).
    public var count: Int
    /// The arithmetic mean.
    public var mean: Double
    public var min: Double
    public var max: Double
    /// The 50th (median), 90th, 95th and 99th percentiles.
    public var p50: Double
    public var p90: Double
    public var p95: Double
    public var p99: Double
    /// The 99.9th percentile, given where the values come from a histogram (`llm-client bench`).
    public var p99_9: Double?

    /// A summary of values already reduced elsewhere (for example by a histogram).
    public init(count: Int, mean: Double, min: Double, max: Double, p50: Double, p90: Double, p95: Double, p99: Double, p99_9: Double? = nil) {
        self.count = count
        self.mean = mean
        self.min = min
        self.max = max
        self.p50 = p50
        self.p90 = p90
        self.p95 = p95
        self.p99 = p99
        self.p99_9 = p99_9
    }

    enum CodingKeys: String, CodingKey {
        case count, mean, min, max, p50, p90, p95, p99
        case p99_9 = "p99.9"
    }

    /// The summary of `values`, or nil when there are none.
    public init?(values: [Double]) {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        count = sorted.count
        mean = sorted.reduce(0, +) / Double(sorted.count)
        min = sorted[0]
        max = sorted[sorted.count - 1]
        p50 = Self.percentile(sorted, 50)
        p90 = Self.percentile(sorted, 90)
        p95 = Self.percentile(sorted, 95)
        p99 = Self.percentile(sorted, 99)
    }

    /// The `p`-th percentile of already sorted values.
    public static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        let rank = Double(sorted.count - 1) * p / 100
        let lower = Int(rank)
        let upper = Swift.min(lower + 1, sorted.count - 1)
        return sorted[lower] + (sorted[upper] - sorted[lower]) * (rank - Double(lower))
    }
}
