import Foundation
public import LLMSupport

/// The side-by-side table of a comparison run's settings: one row per setting with its requests,
/// latencies and throughput. Columns are measured in terminal columns, so labels stay aligned.
public func formatSettingsTable(_ settings: [SettingSummary], style: TerminalStyle = .plain) -> String {
    let headers = ["setting", "ok", "failed", "E2E p50", "E2E p90", "TTFT p50", "out tok", "tok/s"]
    func milliseconds(_ value: Double?) -> String { value.map { String(format: "%.1f", $0 * 1000) } ?? "n/a" }
    let rows: [[String]] = settings.map { entry in
        let summary = entry.summary
        let meanTokens = summary.successful > 0 ? Double(summary.totalCompletionTokens) / Double(summary.successful) : 0
        return [
            entry.setting, String(summary.successful), String(summary.failed),
            milliseconds(summary.latencyS?.p50), milliseconds(summary.latencyS?.p90), milliseconds(summary.ttftS?.p50),
            String(format: "%.1f", meanTokens), String(format: "%.1f", summary.outputTokensPerSecond),
        ]
    }
    let widths = headers.indices.map { column in
        ([headers[column]] + rows.map { $0[column] }).map(\.displayWidth).max() ?? 0
    }
    func line(_ cells: [String]) -> String {
        cells.enumerated().map { column, cell in
            cell.padded(toWidth: widths[column], alignment: column == 0 ? .left : .right)
        }.joined(separator: "  ")
    }
    var lines = [style.bold("🔬 SETTINGS SIDE BY SIDE"), style.bold(line(headers))]
    lines += rows.map(line)
    lines.append("(latencies in ms; out tok: mean completion tokens per successful request; tok/s: output tokens per second)")
    return lines.joined(separator: "\n")
}
