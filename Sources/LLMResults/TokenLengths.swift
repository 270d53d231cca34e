/// The lengths of requests in tokens, as the server's `usage` counted them: how many requests,
/// and their mean, shortest and longest.
public struct TokenLengths: Codable, Sendable, Hashable {
    public var count: Int
    public var mean: Double
    public var min: Int
    public var max: Int

    public init(count: Int, mean: Double, min: Int, max: Int) {
        self.count = count
        self.mean = mean
        self.min = min
        self.max = max
    }

    /// The lengths of `values`; nil when there are none.
    public init?(_ values: some Collection<Int>) {
        guard let low = values.min(), let high = values.max() else { return nil }
        self.init(count: values.count, mean: Double(values.reduce(0, +)) / Double(values.count), min: low, max: high)
    }

    /// The lengths of all the requests of `parts` together (shards of one level).
    public static func merged(_ parts: [TokenLengths?]) -> TokenLengths? {
        let present = parts.compactMap { $0 }
        guard let low = present.map(\.min).min(), let high = present.map(\.max).max() else { return nil }
        let count = present.map(\.count).reduce(0, +)
        let total = present.map { $0.mean * Double($0.count) }.reduce(0, +)
        return TokenLengths(count: count, mean: count > 0 ? total / Double(count) : 0, min: low, max: high)
    }

    /// A warning when the mean length differs from `requested` by more than `tolerancePercent`
    /// (2 % by default), naming `what` (`input`, `output`); nil when it is close enough.
    public func mismatch(requested: Int, what: String, tolerancePercent: Double = 2) -> String? {
        guard requested > 0, abs(mean - Double(requested)) > Double(requested) * tolerancePercent / 100 else { return nil }
        return String(
            format: "%@ lengths differ from the %d tokens asked for: %.1f on average (%d to %d), by the server's usage", what, requested,
            mean, min, max)
    }
}
