import Foundation

/// Round tick values for a linear axis (Heckbert's "nice numbers"): steps of 1, 2 or 5 times a
/// power of ten, and a domain widened to whole steps so the axis starts and ends on a tick.
public struct NiceTicks: Sendable, Hashable {
    /// The tick values, ascending, evenly spaced by ``step``.
    public let values: [Double]
    /// The distance between two ticks.
    public let step: Double
    /// Digits after the decimal point that show every tick exactly (0 for whole steps).
    public let fractionDigits: Int

    /// The first and last tick: the domain an axis should show.
    public var domain: ClosedRange<Double> { values[0]...values[values.count - 1] }

    /// Ticks covering `lower...upper` with about `targetCount` ticks (at least 2). Non-finite bounds
    /// are treated as 0; an empty range is widened around its value (to `0...1` for zero).
    public init(lower: Double, upper: Double, targetCount: Int = 5) {
        var low = lower.isFinite ? lower : 0
        var high = upper.isFinite ? upper : 0
        if low > high { swap(&low, &high) }
        if high - low <= Swift.max(abs(high), abs(low)) * 1e-12 {
            if low == 0 { high = 1 } else { (low, high) = (low - abs(low) * 0.5, high + abs(high) * 0.5) }
        }
        let step = Self.niceNumber((high - low) / Double(Swift.max(1, targetCount - 1)))
        // The tolerance keeps rounding errors (720.0000001) from adding a whole step.
        let first = (low / step + 1e-9).rounded(.down)
        let last = (high / step - 1e-9).rounded(.up)
        let count = Int(last - first) + 1
        values = (0..<count).map { index in
            let value = (first + Double(index)) * step
            return abs(value) < step * 1e-9 ? 0 : value
        }
        self.step = step
        fractionDigits = Swift.max(0, -Int(log10(step).rounded(.down)))
    }

    /// `value` as a tick label: ``fractionDigits`` decimals, or whole thousands (`12k`) and
    /// millions (`2M`) when the step is that large.
    public func label(_ value: Double) -> String {
        if step >= 1_000_000 { return String(format: "%.0fM", value / 1_000_000) }
        if step >= 1000 { return String(format: "%.0fk", value / 1000) }
        return String(format: "%.\(fractionDigits)f", value)
    }

    /// The nearest of 1, 2, 5 or 10 times the power of ten of `value` (1 for a value that is not
    /// positive and finite).
    static func niceNumber(_ value: Double) -> Double {
        guard value > 0, value.isFinite else { return 1 }
        let power = pow(10, log10(value).rounded(.down))
        let fraction = value / power
        let nice: Double = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10
        return nice * power
    }
}
