import Foundation
import LLMResults

/// The sections a comparison adds to the report: the differences from the baseline, and every
/// prompt's answers side by side. Runs carry their chart colour (a swatch before their name).
enum ComparisonSections {
    /// The summary metrics of every run (quality ones when some run has them) with each run's
    /// difference and percentage change from the baseline, and the per-request tests: median
    /// difference, bootstrap interval, Mann–Whitney p.
    static func differences(_ comparison: RunComparison) -> String {
        let baseline = comparison.baseline
        let shares = comparison.metrics.contains { $0.displayUnit == "%" } ? ", shares in % (their Δ in percentage points)" : ""
        var html = "<p class=\"note\">Baseline: \(runName(baseline.label, index: 0)). Times in ms\(shares); Δ is the run minus the baseline.</p>"
        html += "<h3>Summary metrics</h3><div class=\"table-scroll\"><table class=\"differences\"><thead><tr><th>Metric</th>"
        html += "<th class=\"num\">\(runName(baseline.label, index: 0))</th>"
        for (index, difference) in comparison.differences.enumerated() {
            html += "<th class=\"num\">\(runName(difference.run, index: index + 1))</th><th class=\"num\">Δ</th><th class=\"num\">%</th>"
        }
        html += "</tr></thead><tbody>"
        for metric in comparison.metrics {
            let digits = metric.displayDigits
            func shown(_ value: Double?, signed: Bool = false) -> String {
                number(value.map { $0 * metric.displayScale }, digits: digits, signed: signed)
            }
            html += "<tr><th scope=\"row\">\(HTMLText.escape(metric.label + (metric.displayUnit.map { " (\($0))" } ?? "")))</th>"
            html += "<td class=\"num\">\(shown(metric.value(in: baseline.summary)))</td>"
            for difference in comparison.differences {
                let entry = difference.metrics.first { $0.metric == metric }
                html += "<td class=\"num\">\(shown(entry?.value))</td><td class=\"num\">\(shown(entry?.difference, signed: true))</td>"
                html += "<td class=\"num\">\(percent(entry?.percentChange))</td>"
            }
            html += "</tr>"
        }
        html += "</tbody></table></div>"

        let tested = comparison.differences.flatMap { difference in difference.tests.map { (difference.run, $0) } }
        guard !tested.isEmpty else { return html }
        html += "<h3>Larger than run-to-run noise?</h3><div class=\"table-scroll\"><table class=\"tests\"><thead><tr>"
        html += "<th>Run</th><th>Per request</th>"
        html += ["Baseline median", "Median", "Median Δ", "%", "95 % CI of Δ", "U", "p"].map { "<th class=\"num\">\($0)</th>" }.joined()
        html += "<th>Verdict</th></tr></thead><tbody>"
        for (run, test) in tested {
            let index = comparison.runs.firstIndex { $0.label == run } ?? 0
            let scale = test.metric.displayScale
            let unit = test.metric.displayUnit.map { " (\($0))" } ?? ""
            let interval = test.confidenceInterval
            let verdict =
                switch test.verdict {
                case .better: "<span class=\"good\">better (significant)</span>"
                case .worse: "<span class=\"bad\">worse (significant)</span>"
                case .withinNoise: "within noise"
                }
            html += "<tr><th scope=\"row\">\(runName(run, index: index))</th><td>\(HTMLText.escape(test.metric.label + unit))</td>"
            html += [
                number(test.baselineMedian * scale, digits: 1), number(test.median * scale, digits: 1),
                number(test.medianDifference * scale, digits: 1, signed: true), percent(test.percentChange),
                "\(number(interval.lower * scale, digits: 1, signed: true)) … \(number(interval.upper * scale, digits: 1, signed: true))",
                number(test.mannWhitney.u, digits: 1), test.mannWhitney.pValue < 0.001 ? "&lt;0.001" : number(test.mannWhitney.pValue, digits: 3),
            ].map { "<td class=\"num\">\($0)</td>" }.joined()
            html += "<td>\(verdict)</td></tr>"
        }
        html += "</tbody></table></div>"
        html +=
            "<p class=\"note\">Successful requests of each run. Two-sided Mann–Whitney U test (normal approximation with tie and continuity corrections), significant at p &lt; \(RunComparison.significanceLevel); the interval is a seeded bootstrap (2000 resamples) of the difference in medians.</p>"
        return html
    }

    /// One row per prompt with each run's first answer, its tokens and timings (means over repeats),
    /// and when checked or judged, the repeats that met the expectations and the judge's mean score.
    static func prompts(_ comparison: RunComparison) -> String {
        let hasQuality = comparison.prompts.contains { $0.cells.contains { $0?.assertionsChecked != nil || $0?.meanJudgeScore != nil } }
        let quality =
            hasQuality ? ", the repeats that met the expectations (with what the first answer missed) and the judge's mean score (1–10)" : ""
        var html =
            "<p class=\"note\">Prompts matched by id, else by text. Each cell shows a run's first answer with its output tokens, latency and TTFT (means over repeats)\(quality); long texts open on a click.</p>"
        html += "<div class=\"table-scroll\"><table class=\"requests side-by-side\"><thead><tr><th class=\"num\">#</th><th>Prompt</th>"
        html += comparison.runs.enumerated().map { "<th>\(runName($0.element.label, index: $0.offset))</th>" }.joined()
        html += "</tr></thead><tbody>"
        for (number, prompt) in comparison.prompts.enumerated() {
            let id = prompt.promptID.map { "<span class=\"sub\">\(HTMLText.escape($0))</span>" } ?? ""
            html += "<tr><td class=\"num\">\(number + 1)</td><td class=\"text\">\(id)\(ReportPage.longText(prompt.prompt))</td>"
            for cell in prompt.cells {
                guard let cell else {
                    html += "<td class=\"text\"><span class=\"sub\">(not sent)</span></td>"
                    continue
                }
                var figures = [
                    cell.meanCompletionTokens.map { "\(Format.compact($0)) tokens" }, cell.meanLatencyS.map { "\(Format.milliseconds($0)) ms" },
                    cell.meanTTFTS.map { "TTFT \(Format.milliseconds($0)) ms" },
                ].compactMap { $0 }
                if cell.requests > 1 { figures.append("\(cell.successful)/\(cell.requests) ok") }
                let failure = cell.error.map { "<span class=\"bad\">✗ \(HTMLText.escape($0))</span>" } ?? ""
                html += "<td class=\"text\">\(failure)\(cell.error == nil ? ReportPage.longText(cell.output) : "")"
                html += "<span class=\"sub\">\(HTMLText.escape(figures.joined(separator: " · ")))</span>\(qualityMarks(cell))</td>"
            }
            html += "</tr>"
        }
        return html + "</tbody></table></div>"
    }

    /// The assertions passed over the repeats (with the first answer's failures) and the judge's
    /// mean score of a cell; empty when it was neither checked nor judged.
    private static func qualityMarks(_ cell: PromptCell) -> String {
        var marks: [String] = []
        if let checked = cell.assertionsChecked, let passed = cell.assertionsPassed {
            let text = checked > 1 ? "\(passed)/\(checked) passed" : passed == checked ? "passed" : "failed"
            marks.append(passed == checked ? "<span class=\"good\">✓ \(text)</span>" : "<span class=\"bad\">✗ \(text)</span>")
        }
        if let score = cell.meanJudgeScore { marks.append("judge \(Format.compact(score))") }
        guard !marks.isEmpty else { return "" }
        let failures = (cell.assertionFailures ?? []).map { "<span class=\"error-message\">\(HTMLText.escape($0))</span>" }.joined()
        return "<span class=\"sub\">\(marks.joined(separator: " · "))</span>\(failures)"
    }

    /// A run's name with a swatch of its chart colour.
    private static func runName(_ label: String, index: Int) -> String {
        "<span class=\"run-swatch series-\(index % SVGChart.paletteSize)\"></span>\(HTMLText.escape(label))"
    }

    private static func number(_ value: Double?, digits: Int, signed: Bool = false) -> String {
        guard let value, value.isFinite else { return "—" }
        let text = Format.fixed(value, digits)
        if Double(text) == 0 { return Format.fixed(0, digits) }
        return signed && value > 0 ? "+" + text : text
    }

    private static func percent(_ value: Double?) -> String {
        value.map { number($0, digits: 1, signed: true) + " %" } ?? "—"
    }
}
