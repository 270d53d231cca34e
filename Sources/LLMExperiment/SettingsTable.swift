import Foundation
public import LLMResults
public import LLMSupport

/// The side-by-side table of a comparison run's settings: one row per setting with its requests,
/// latencies, throughput and, when measured, the answers' quality. Columns are measured in terminal columns, so labels stay aligned.
public func formatSettingsTable(_ settings: [SettingSummary], style: TerminalStyle = .plain) -> String {
    var headers = ["setting", "ok", "failed", "E2E p50", "E2E p90", "TTFT p50", "out tok", "tok/s"]
    func milliseconds(_ value: Double?) -> String { value.map { String(format: "%.1f", $0 * 1000) } ?? "n/a" }
    // Quality columns appear when some setting has the figure.
    let qualities = settings.map(\.summary.quality)
    let qualityColumns: [(header: String, legend: String, value: (QualitySummary) -> String?)] = [
        ("pass", "pass: assertion pass rate", { $0.assertionPassRate.map { String(format: "%.0f%%", $0 * 100) } }),
        ("judge", "judge: mean score 1-10", { $0.judgeMeanScore.map { String(format: "%.2f", $0) } }),
        (
            "identical", "identical: answers equal to the most common one",
            { $0.consistency.map { String(format: "%.0f%%", $0.identicalShare * 100) } }
        ),
        ("similarity", "similarity: mean pairwise trigram similarity", { $0.consistency.map { String(format: "%.3f", $0.meanSimilarity) } }),
    ].filter { column in qualities.contains { $0.flatMap(column.value) != nil } }
    headers += qualityColumns.map(\.header)
    let rows: [[String]] = settings.map { entry in
        let summary = entry.summary
        let meanTokens = summary.successful > 0 ? Double(summary.totalCompletionTokens) / Double(summary.successful) : 0
        return [
            entry.setting, String(summary.successful), String(summary.failed),
            milliseconds(summary.latencyS?.p50), milliseconds(summary.latencyS?.p90), milliseconds(summary.ttftS?.p50),
            String(format: "%.1f", meanTokens), String(format: "%.1f", summary.outputTokensPerSecond),
        ] + qualityColumns.map { column in summary.quality.flatMap(column.value) ?? "n/a" }
    }
    let table = TextTable([headers] + rows, alignment: { $0 == 0 ? .left : .right })
    var lines = [style.bold("🔬 SETTINGS SIDE BY SIDE"), style.bold(table.line(headers))]
    lines += rows.map(table.line)
    var legend = "latencies in ms; out tok: mean completion tokens per successful request; tok/s: output tokens per second"
    for column in qualityColumns { legend += "; " + column.legend }
    lines.append("(\(legend))")
    return lines.joined(separator: "\n")
}
