import Foundation
public import LLMSupport

/// The end-of-run summary in the seed's layout, with TTFT, ITL, TPOT and percentiles added.
/// Columns are measured in terminal columns, so wide (Korean) text keeps them aligned.
/// - Parameter style: colour for a terminal (the title, a failure count); plain by default.
public func formatSummary(_ summary: RunSummary, style: TerminalStyle = .plain) -> String {
    let rule = String(repeating: "=", count: 72)
    let thin = String(repeating: "-", count: 72)
    func line(_ label: String, _ value: String) -> String {
        label.fitted(toWidth: 21) + value
    }
    var lines = [rule, style.bold("📊 EXPERIMENT SUMMARY"), rule]
    lines.append(line("Total requests:", "\(summary.totalRequests)"))
    lines.append(line("Successful:", "\(summary.successful)"))
    lines.append(line("Failed:", summary.failed > 0 ? style.red("\(summary.failed)") : "\(summary.failed)"))
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
    lines.append("Latency".fitted(toWidth: 16) + columns.map { $0.leftPadded(8) }.joined())
    let rows: [(String, DistributionSummary?, Double, String)] = [
        ("end-to-end", summary.latencyS, 1, "s"), ("TTFT", summary.ttftS, 1, "s"),
        ("ITL", summary.itlS, 1000, "ms"), ("TPOT", summary.tpotS, 1000, "ms"),
    ]
    for (name, stats, scale, unit) in rows {
        let label = "  \(name) (\(unit))".fitted(toWidth: 16)
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
    /// Right-aligned in `width` columns, or after one space when it is that wide already.
    func leftPadded(_ width: Int) -> String {
        displayWidth >= width ? " " + self : padded(toWidth: width, alignment: .right)
    }
}
