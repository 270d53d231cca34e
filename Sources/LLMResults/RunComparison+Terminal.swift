public import Foundation
public import LLMClientKit
public import LLMSupport

extension RunComparison {
    /// The comparison for a terminal: the summary metrics of every run with each run's difference
    /// and percentage change from the baseline; the per-request tests (median difference, its 95 %
    /// interval, the p-value and the verdict, green or red when significant); and the first
    /// `maxPrompts` prompts with each run's answer cut to `width` columns, tokens and timings (means
    /// over repeats), with the assertions passed and the judge's mean score when the runs have
    /// them. Columns are measured in terminal columns, so Korean text stays aligned.
    public func formatted(style: TerminalStyle = .plain, maxPrompts: Int = 20, width: Int = 100) -> String {
        let rule = String(repeating: "=", count: 72)
        let thin = String(repeating: "-", count: 72)
        var lines = [rule, style.bold("🔬 RUN COMPARISON"), rule]
        lines.append("Baseline: \(baseline.label)")
        for run in runs {
            let summary = run.summary
            let failed = summary.failed > 0 ? style.red("\(summary.failed) failed") : "0 failed"
            lines.append("  \(run.label): \(summary.totalRequests) requests, \(summary.successful) ok, \(failed)")
        }
        lines.append(thin)
        lines += metricsTable()
        if differences.contains(where: { !$0.tests.isEmpty }) {
            lines.append(thin)
            lines += testsTable(style: style)
        }
        lines.append(thin)
        lines += promptLines(style: style, maxPrompts: maxPrompts, width: width)
        lines.append(rule)
        return lines.joined(separator: "\n")
    }

    private func metricsTable() -> [String] {
        let labelWidth = 24
        var header = ["metric".padded(toWidth: labelWidth)]
        var cellWidths: [Int] = []
        for (index, run) in runs.enumerated() {
            let runName = Self.columnName(of: run)
            let columns = index == 0 ? [runName] : [runName, "Δ", "%"]
            for column in columns {
                let name = column.truncated(toWidth: 22)
                let width = max(10, name.displayWidth)
                cellWidths.append(width)
                header.append(name.padded(toWidth: width, alignment: .right))
            }
        }
        var lines = [header.joined(separator: "  ")]
        for metric in metrics {
            let scale = metric.displayScale
            let digits = metric.displayDigits
            var cells = [(metric.label + (metric.displayUnit.map { " (\($0))" } ?? "")).padded(toWidth: labelWidth)]
            cells.append(Self.number(metric.value(in: baseline.summary).map { $0 * scale }, digits: digits))
            for difference in differences {
                let entry = difference.metrics.first { $0.metric == metric }
                cells.append(Self.number(entry?.value.map { $0 * scale }, digits: digits))
                cells.append(Self.number(entry?.difference.map { $0 * scale }, digits: digits, signed: true))
                cells.append(Self.percent(entry?.percentChange))
            }
            lines.append(
                zip(cells, [labelWidth] + cellWidths).enumerated().map { column, entry in
                    entry.0.padded(toWidth: entry.1, alignment: column == 0 ? .left : .right)
                }.joined(separator: "  "))
        }
        return lines
    }

    /// The run's name in a table column: a label longer than 22 columns gives way to its setting
    /// (`temperature=0.9`), which tells the runs split from one file apart.
    private static func columnName(of run: ComparedRun) -> String {
        run.label.displayWidth > 22 ? run.setting ?? run.label : run.label
    }

    private func testsTable(style: TerminalStyle) -> [String] {
        var lines = [
            style.bold("Per-request medians against \(baseline.label)")
                + " (bootstrap 95% CI; Mann–Whitney U, significant at p < \(Self.significanceLevel)):"
        ]
        let headers = ["run", "metric", "median Δ", "%", "95% CI of Δ", "p", "verdict"]
        var rows: [[String]] = []
        var verdicts: [ChangeVerdict] = []
        for difference in differences {
            for test in difference.tests {
                let scale = test.metric.displayScale
                let unit = test.metric.displayUnit.map { " (\($0))" } ?? ""
                let interval =
                    "[\(Self.number(test.confidenceInterval.lower * scale, digits: 1, signed: true)), \(Self.number(test.confidenceInterval.upper * scale, digits: 1, signed: true))]"
                let verdict =
                    switch test.verdict {
                    case .better: "better, significant"
                    case .worse: "worse, significant"
                    case .withinNoise: "within noise"
                    }
                rows.append([
                    runs.first { $0.label == difference.run }.map(Self.columnName(of:)) ?? difference.run, test.metric.label + unit,
                    Self.number(test.medianDifference * scale, digits: 1, signed: true),
                    Self.percent(test.percentChange), interval, Self.pValue(test.mannWhitney.pValue), verdict,
                ])
                verdicts.append(test.verdict)
            }
        }
        let table = TextTable(
            [headers] + rows, alignment: { $0 == 0 || $0 == 1 || $0 == headers.count - 1 ? .left : .right },
            maxWidth: { $0 == 0 ? 28 : 40 })
        lines.append(table.line(headers))
        for (row, verdict) in zip(rows, verdicts) {
            let text = table.line(row)
            switch verdict {
            case .better: lines.append(style.green(text))
            case .worse: lines.append(style.red(text))
            case .withinNoise: lines.append(text)
            }
        }
        return lines
    }

    private func promptLines(style: TerminalStyle, maxPrompts: Int, width: Int) -> [String] {
        guard !prompts.isEmpty else {
            return [
                style.bold("Per prompt")
                    + ": none (benchmark documents hold no per-request results; compare their .jsonl files for prompts and tests)"
            ]
        }
        let shown = prompts.prefix(maxPrompts)
        let repeated = runs.contains { run in run.results.contains { $0.repeat > 0 } }
        var lines = [style.bold("Per prompt") + " (\(shown.count) of \(prompts.count)\(repeated ? "; first answer, means over repeats" : "")):"]
        let labelWidth = min(28, runs.map { Self.columnName(of: $0).displayWidth }.max() ?? 0)
        let cells = prompts.flatMap(\.cells).compactMap { $0 }
        let showsAssertions = cells.contains { $0.assertionsChecked != nil }
        let showsJudge = cells.contains { $0.meanJudgeScore != nil }
        for (number, prompt) in shown.enumerated() {
            let heading = "[\(number + 1)] " + (prompt.promptID.map { "\($0): " } ?? "") + Self.oneLine(prompt.prompt)
            lines.append(style.cyan(heading.truncated(toWidth: width)))
            for (run, cell) in zip(runs, prompt.cells) {
                let label = "    " + Self.columnName(of: run).truncated(toWidth: labelWidth).padded(toWidth: labelWidth)
                guard let cell else {
                    lines.append(label + "  " + style.dim("(not sent)"))
                    continue
                }
                let tokens = cell.meanCompletionTokens.map { Self.number($0, digits: $0.rounded() == $0 ? 0 : 1) + " tok" } ?? "— tok"
                let latency = cell.meanLatencyS.map { Self.number($0 * 1000, digits: 1) + " ms" } ?? "— ms"
                let ttft = "TTFT " + (cell.meanTTFTS.map { Self.number($0 * 1000, digits: 1) + " ms" } ?? "—")
                let figures =
                    tokens.padded(toWidth: 9, alignment: .right) + "  " + latency.padded(toWidth: 11, alignment: .right)
                    + "  " + ttft.padded(toWidth: 15)
                var marks = ""
                if showsAssertions { marks += "  " + Self.assertionMark(cell, style: style) }
                if showsJudge { marks += "  " + ("judge " + Self.number(cell.meanJudgeScore, digits: 1)).padded(toWidth: 10) }
                let prefix = label + "  " + figures + marks + "  "
                // Measured without the marks, whose colour's escape sequences are no columns: 7 and 10 wide.
                let marksWidth = (showsAssertions ? 2 + 7 : 0) + (showsJudge ? 2 + 10 : 0)
                let room = max(10, width - (label + "  " + figures + "  ").displayWidth - marksWidth)
                var text =
                    cell.error.map { style.red("✗ " + Self.oneLine($0).truncated(toWidth: room - 2)) }
                    ?? Self.oneLine(cell.output).truncated(toWidth: room)
                if cell.successful < cell.requests && cell.error == nil { text += style.red(" (\(cell.requests - cell.successful) failed)") }
                lines.append(prefix + text)
            }
        }
        if prompts.count > shown.count {
            let hidden = prompts.count - shown.count
            lines.append(style.dim("(\(hidden) more \(hidden == 1 ? "prompt" : "prompts"): --max-prompts N shows more; the JSON output has all)"))
        }
        return lines
    }

    /// `✓ 4/4` (green) when every checked repeat met its expectations, `✗ 3/4` (red) when some did
    /// not, a dash when none was checked; seven columns wide.
    private static func assertionMark(_ cell: PromptCell, style: TerminalStyle) -> String {
        guard let checked = cell.assertionsChecked, let passed = cell.assertionsPassed else { return "—".padded(toWidth: 7) }
        let text = "\(passed == checked ? "✓" : "✗") \(passed)/\(checked)"
        let padding = String(repeating: " ", count: max(0, 7 - text.displayWidth))
        // Coloured before padding, so the escape sequences do not count as columns.
        return (passed == checked ? style.green(text) : style.red(text)) + padding
    }

    /// Text on one line: line breaks and tabs become spaces.
    private static func oneLine(_ text: String) -> String {
        String(text.map { $0.isNewline || $0 == "\t" ? " " : $0 })
    }

    private static func number(_ value: Double?, digits: Int, signed: Bool = false) -> String {
        guard let value, value.isFinite else { return "—" }
        let text = String(format: "%.\(digits)f", value)
        let isZero = Double(text) == 0
        if isZero { return String(format: "%.\(digits)f", 0.0) }
        return signed && value > 0 ? "+" + text : text
    }

    private static func percent(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "—" }
        return number(value, digits: 1, signed: true) + "%"
    }

    private static func pValue(_ value: Double) -> String {
        value < 0.001 ? "<0.001" : String(format: "%.3f", value)
    }
}
