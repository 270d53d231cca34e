import Foundation
import LLMClientKit
public import LLMResults
import LLMSupport

/// Histogram bins shared by every source of a chart, so overlaid runs compare bin for bin: about
/// 40 bins of a round width from 0 (or from just below the smallest value, when the values sit far
/// from 0) to past the largest p99 (times 1.5); values further out are counted in the last bin and
/// noted below the charts.
struct HistogramBins {
    /// The start of the first bin (seconds).
    var lowerBound: Double
    var width: Double
    var count: Int
    /// The end of the last bin (seconds).
    var upperBound: Double { lowerBound + width * Double(count) }
    /// How many values lie beyond ``upperBound``, and the largest of them.
    var clippedCount: Double
    var clippedMaximum: Double?

    init(distributions: [WeightedValues], summaries: [DistributionSummary?]) {
        let maximum = distributions.compactMap(\.maximum).max() ?? 0
        let minimum = distributions.compactMap(\.minimum).min() ?? 0
        let tail =
            zip(distributions, summaries).compactMap { distribution, summary -> Double? in
                guard let top = distribution.maximum else { return nil }
                return min(top, (summary?.p99 ?? top) * 1.5)
            }.max() ?? maximum
        let upper = max(tail, 1e-6)
        let start = minimum > upper * 0.25 ? minimum : 0
        width = NiceTicks(lower: start, upper: upper, targetCount: 40).step
        lowerBound = (start / width).rounded(.down) * width
        count = max(1, Int(((upper - lowerBound) / width).rounded(.down)) + 1)
        let bound = lowerBound + width * Double(count)
        clippedCount = distributions.reduce(0) { $0 + $1.total * (1 - $1.fraction(atOrBelow: bound)) }
        clippedMaximum = clippedCount > 0 ? maximum : nil
    }

    func clippedNote(metric: LatencyMetric) -> String? {
        guard let clippedMaximum, clippedCount >= 0.5 else { return nil }
        return "\(metric.shortName): \(Int(clippedCount.rounded())) \(metric.valueNoun) above \(Format.compact(upperBound * 1000)) ms "
            + "(up to \(Format.compact(clippedMaximum * 1000)) ms) are counted in the last histogram bin and lie beyond the CDF's axis."
    }
}

/// Number formatting for tables and labels.
enum Format {
    /// `format(value)`, or a dash for nil.
    static func optional(_ value: Double?, _ format: (Double) -> String) -> String {
        value.map(format) ?? "—"
    }

    static func fixed(_ value: Double, _ digits: Int) -> String {
        value.isFinite ? String(format: "%.\(digits)f", value) : "—"
    }

    /// Seconds as milliseconds: one decimal below 1,000 ms, none above.
    static func milliseconds(_ seconds: Double) -> String {
        let ms = seconds * 1000
        return fixed(ms, abs(ms) < 1000 ? 1 : 0)
    }

    /// About three significant digits, without trailing zeros: `0.0123`, `4.56`, `78.9`, `1234`.
    static func compact(_ value: Double) -> String {
        guard value.isFinite else { return "—" }
        let magnitude = abs(value)
        let digits: Int
        switch magnitude {
        case 100...: digits = 0
        case 10..<100: digits = 1
        case 1..<10: digits = 2
        case 0: digits = 0
        default: digits = min(6, 2 - Int(log10(magnitude).rounded(.down)))
        }
        var text = String(format: "%.\(digits)f", value)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text
    }
}

extension ReportInput.Document {
    var isRun: Bool {
        if case .run = content { return true }
        return false
    }
}
