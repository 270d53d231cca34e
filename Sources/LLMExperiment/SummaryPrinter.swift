import Foundation
public import LLMResults
public import LLMSupport

/// The end-of-run summary in the seed's layout: its counts and its `⏱️  Latency:` and
/// `🚀 Performance:` block as it printed them (average, min and max end-to-end latency; requests
/// and output tokens per second), then the time, tokens, client load, and TTFT, ITL, TPOT with
/// percentiles.
/// Columns are measured in terminal columns, so wide (Korean) text keeps them aligned.
/// - Parameter style: colour for a terminal (the title, a failure count); plain by default.
public func formatSummary(_ summary: ResultSummary, style: TerminalStyle = .plain) -> String {
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
    // The seed's own block, as its script printed it: its users grep these lines.
    func seconds(_ value: Double?) -> String { value.map { String(format: "%.2fs", $0) } ?? "n/a" }
    lines += [
        "", "⏱️  Latency:", "  Average: \(seconds(summary.latencyS?.mean))", "  Min: \(seconds(summary.latencyS?.min))",
        "  Max: \(seconds(summary.latencyS?.max))", "", "🚀 Performance:",
        "  Requests per second: " + String(format: "%.2f", summary.requestsPerSecond),
        "  Tokens per second: " + String(format: "%.1f", summary.outputTokensPerSecond), thin,
    ]
    lines.append(line("Total time:", String(format: "%.2fs", summary.durationS)))
    let estimated = summary.tokensEstimated ? " (estimated)" : ""
    lines.append(
        line("Tokens/second:", String(format: "%.1f output, %.1f total%@", summary.outputTokensPerSecond, summary.totalTokensPerSecond, estimated)))
    lines.append(line("Tokens:", "\(summary.totalPromptTokens) prompt, \(summary.totalCompletionTokens) completion\(estimated)"))
    if let client = summary.client {
        lines.append(
            line(
                "Client load:",
                String(
                    format: "%.0f %% of %d cores (%.2f s CPU), peak memory %.0f MB", client.cpuPercent, client.cores, client.cpuS, client.peakMemoryMB
                )))
        if client.isBusy(overSeconds: summary.durationS) {
            lines.append(
                style.yellow(
                    "⚠ The client kept more than \(Int(ClientLoad.busyPercent)) % of its cores busy: its own delays may be in these latencies."))
        }
    }
    lines.append(thin)
    let columns = ["mean", "min", "max", "p50", "p90", "p95", "p99"]
    lines.append("Latency".fitted(toWidth: 16) + columns.map { $0.rightAlignedCell(width: 8) }.joined())
    var rows: [(String, DistributionSummary?, Double, String)] = [
        ("end-to-end", summary.latencyS, 1, "s"), ("TTFT", summary.ttftS, 1, "s"),
        ("ITL", summary.itlS, 1000, "ms"), ("TPOT", summary.tpotS, 1000, "ms"),
    ]
    // A reasoning model's time to its answer, beside TTFT.
    if let ttfo = summary.ttfoS { rows.insert(("TTFO", ttfo, 1, "s"), at: 2) }
    for (name, stats, scale, unit) in rows {
        let label = "  \(name) (\(unit))".fitted(toWidth: 16)
        guard let stats else {
            lines.append(label + "n/a".rightAlignedCell(width: 8))
            continue
        }
        let values = [stats.mean, stats.min, stats.max, stats.p50, stats.p90, stats.p95, stats.p99]
        let format = unit == "s" ? "%.3f" : "%.2f"
        lines.append(label + values.map { String(format: format, $0 * scale).rightAlignedCell(width: 8) }.joined())
    }
    if let quality = summary.quality {
        lines.append(thin)
        lines.append("Quality")
        lines += formatQualityLines(quality, style: style).map { line("  " + $0.label, $0.value) }
    }
    lines.append(rule)
    return lines.joined(separator: "\n")
}

/// The quality figures as labelled lines: assertions, the judge's score, consistency.
func formatQualityLines(_ quality: QualitySummary, style: TerminalStyle) -> [(label: String, value: String)] {
    var lines: [(label: String, value: String)] = []
    if let checked = quality.assertionsChecked, let passed = quality.assertionsPassed, let rate = quality.assertionPassRate {
        let text = "\(passed)/\(checked) passed (\(String(format: "%.1f", rate * 100))%)"
        lines.append(("Assertions:", passed < checked ? style.red(text) : style.green(text)))
    }
    if let judged = quality.judged {
        var text =
            quality.judgeMeanScore.map {
                String(format: "%.2f mean of %d (min %g, max %g)", $0, judged, quality.judgeMinScore ?? 0, quality.judgeMaxScore ?? 0)
            }
            ?? "no answer scored"
        if let errors = quality.judgeErrors, errors > 0 { text += ", " + style.red("\(errors) without a score") }
        lines.append(("Judge (1-10):", text))
    }
    if let consistency = quality.consistency {
        let figures = String(
            format: "%.1f%% identical, %.1f distinct, similarity %.3f", consistency.identicalShare * 100, consistency.distinctOutputs,
            consistency.meanSimilarity)
        let settings = Set(consistency.perPrompt.compactMap(\.setting)).count
        let over =
            settings > 1
            ? "mean over \(consistency.prompts) prompts × settings; each setting in the table below"
            : "\(consistency.prompts) \(consistency.prompts == 1 ? "prompt" : "prompts")"
        lines.append(("Consistency:", figures + " (\(over))"))
    }
    return lines
}

/// Consistency per prompt: answers, distinct answers, the share equal to the most common one and
/// the mean pairwise similarity, with the start of the prompt; at most `limit` rows.
public func formatConsistencyTable(_ consistency: ConsistencySummary, limit: Int = 20, style: TerminalStyle = .plain) -> String {
    let showsSetting = consistency.perPrompt.contains { $0.setting != nil }
    var headers = ["answers", "distinct", "identical", "similarity", "prompt"]
    if showsSetting { headers.insert("setting", at: 0) }
    let rows: [[String]] = consistency.perPrompt.prefix(limit).map { entry in
        let prompt = (entry.promptID.map { "[\($0)] " } ?? "") + entry.prompt.split(whereSeparator: \.isNewline).joined(separator: " ")
        var row = [
            String(entry.answers), String(entry.distinctOutputs), String(format: "%.1f%%", entry.identicalShare * 100),
            String(format: "%.3f", entry.meanSimilarity), prompt.truncated(toWidth: 40),
        ]
        if showsSetting { row.insert(entry.setting ?? "", at: 0) }
        return row
    }
    let textColumns: Set<String> = ["setting", "prompt"]
    let table = TextTable([headers] + rows, alignment: { textColumns.contains(headers[$0]) ? .left : .right }, padsLastColumn: false)
    var lines = [style.bold("🔁 CONSISTENCY ACROSS REPEATS"), style.bold(table.line(headers))] + rows.map(table.line)
    if consistency.perPrompt.count > limit {
        lines.append("… and \(consistency.perPrompt.count - limit) more prompts (all in the JSON result's summary.quality)")
    }
    return lines.joined(separator: "\n")
}
