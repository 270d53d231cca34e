/// The text of a one-line progress bar for long batches, drawn on stderr and redrawn in place:
/// `[label] ████████░░░░░░░░  12/40 · 3.1 req/s · 2 errors · ETA 9s`.
public struct ProgressBar: Sendable {
    /// What is running, e.g. `c=8` or `temperature=0.9`; empty for none.
    public var label: String
    /// Requests expected in all, when known (a `--duration` run knows its time instead).
    public var total: Int?
    /// Seconds the run is meant to last, when it is bounded by time.
    public var duration: Double?
    /// Cells of the bar itself.
    public var barWidth: Int

    public init(label: String = "", total: Int?, duration: Double? = nil, barWidth: Int = 24) {
        self.label = label
        self.total = total
        self.duration = duration
        self.barWidth = barWidth
    }

    /// The line for `done` requests (of which `failed` failed) after `elapsed` seconds, with the
    /// output token rate when known. It fits in `columns` terminal columns.
    public func line(done: Int, failed: Int, elapsed: Double, tokensPerSecond: Double? = nil, columns: Int = 100) -> String {
        let elapsed = max(elapsed, 1e-3)
        let fraction: Double? =
            if let total, total > 0 {
                min(1, Double(done) / Double(total))
            } else if let duration, duration > 0 {
                min(1, elapsed / duration)
            } else {
                nil
            }
        var parts: [String] = []
        if !label.isEmpty { parts.append("[\(label)]") }
        if let fraction {
            let filled = Int((fraction * Double(barWidth)).rounded(.down))
            parts.append(String(repeating: "█", count: filled) + String(repeating: "░", count: barWidth - filled))
        }
        var counts = total.map { "\(done)/\($0)" } ?? "\(done)"
        counts += " · " + Self.rate(Double(done) / elapsed) + " req/s"
        if let tokensPerSecond { counts += " · " + Self.rate(tokensPerSecond) + " tok/s" }
        if failed > 0 { counts += " · \(failed) error\(failed == 1 ? "" : "s")" }
        if let total, done > 0, done < total {
            counts += " · ETA " + Self.duration(Double(total - done) * elapsed / Double(done))
        } else if total == nil, let duration {
            counts += " · ETA " + Self.duration(max(0, duration - elapsed))
        }
        parts.append(counts)
        return parts.joined(separator: " ").truncated(toWidth: columns)
    }

    private static func rate(_ value: Double) -> String {
        value >= 100 ? String(Int(value.rounded())) : String(Double(Int((value * 10).rounded())) / 10)
    }

    private static func duration(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded(.up))
        return whole >= 60 ? "\(whole / 60)m\(String(whole % 60).leftPadded(to: 2))s" : "\(whole)s"
    }
}

private extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
