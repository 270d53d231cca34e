import Foundation

/// The end-of-run summary in the seed's layout, with TTFT, ITL, TPOT and percentiles added.
public func formatSummary(_ summary: RunSummary) -> String {
    let rule = String(repeating: "=", count: 72)
    let thin = String(repeating: "-", count: 72)
    func line(_ label: String, _ value: String) -> String {
        label.padding(toLength: 21, withPad: " ", startingAt: 0) + value
    }
    var lines = [rule, "📊 EXPERIMENT SUMMARY", rule]
    lines.append(line("Total requests:", "\(summary.totalRequests)"))
    lines.append(line("Successful:", "\(summary.successful)"))
    lines.append(line("Failed:", "\(summary.failed)"))
    if !summary.errorsByKind.isEmpty {
        let kinds = summary.errorsByKind.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        lines.append(line("Errors by kind:", kinds))
    }
    lines.append(line("Total time:", String(format: "%.2fs", summary.durationS)))
    lines.append(line("Requests/second:", String(format: "%.2f", summary.requestsPerSecond)))
    let estimated = summary.tokensEstimated ? " (estimated)" : ""
    lines.append(line("Tokens/second:", String(format: "%.1f output, %.1f total%@", summary.outputTokensPerSecond, summary.totalTokensPerSecond, estimated)))
    lines.append(line("Tokens:", "\(summary.totalPromptTokens) prompt, \(summary.totalCompletionTokens) completion\(estimated)"))
    lines.append(thin)
    let columns = ["mean", "min", "max", "p50", "p90", "p95", "p99"]
    lines.append("Latency".padding(toLength: 16, withPad: " ", startingAt: 0) + columns.map { $0.leftPadded(8) }.joined())
    let rows: [(String, DistributionSummary?, Double, String)] = [
        ("end-to-end", summary.latencyS, 1, "s"), ("TTFT", summary.ttftS, 1, "s"),
        ("ITL", summary.itlS, 1000, "ms"), ("TPOT", summary.tpotS, 1000, "ms"),
    ]
    for (name, stats, scale, unit) in rows {
        let label = "  \(name) (\(unit))".padding(toLength: 16, withPad: " ", startingAt: 0)
        guard let stats else {
            lines.append(label + "n/a".leftPadded(8))
            continue
        }
        let values = [stats.mean, stats.min, stats.max, stats.p50, stats.p90, stats.p95, stats.p99]
        let format = unit == "s" ? "%.3f" : "%.2f"
        lines.append(label + values.map { String(format: format, $0 * scale).leftPadded(8) }.joined())
    }
    lines.append(rule)
    return lines.joined(separator: "\n")
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? " " + self : String(repeating: " ", count: width - count) + self
    }
}
