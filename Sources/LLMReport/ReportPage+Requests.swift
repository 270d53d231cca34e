import Foundation
import LLMClientKit
public import LLMResults
import LLMSupport

extension ReportPage {
    // MARK: - Requests

    func requestsSection() -> String {
        var html = ""
        for (name, run) in runs {
            let failed = run.results.filter { !$0.success }.count
            if runs.count > 1 || input.documents.count > 1 { html += "<h3>\(HTMLText.escape(name))</h3>" }
            html += "<p class=\"note\">\(run.results.count) requests, \(failed) failed. Times in ms; long texts open on a click.</p>"
            html += "<div class=\"table-scroll\"><table class=\"requests\"><thead><tr>"
            let hasQuality = run.results.contains { $0.assertionsPassed != nil || $0.judgeScore != nil || $0.judgeError != nil }
            // A comparison run sends every prompt once per setting: the setting tells its rows apart.
            let showsSetting = run.results.contains { $0.setting != nil }
            html +=
                "<th class=\"num\">#</th>\(showsSetting ? "<th>Setting</th>" : "")<th>Prompt</th><th>Output</th><th>Status</th>\(hasQuality ? "<th>Quality</th>" : "")"
            html += ["Prompt tokens", "Output tokens", "Latency", "TTFT", "TPOT", "Tokens/s"].map { "<th class=\"num\">\($0)</th>" }.joined()
            html += "</tr></thead><tbody>"
            for result in run.results {
                html += "<tr\(result.success ? "" : " class=\"failed\"")>"
                html += "<td class=\"num\">\(result.index)\(result.repeat > 0 ? "<span class=\"sub\">repeat \(result.repeat)</span>" : "")</td>"
                if showsSetting { html += "<td>\(HTMLText.escape(result.setting ?? "—"))</td>" }
                let promptLabel = result.promptID.map { "<span class=\"sub\">\(HTMLText.escape($0))</span>" } ?? ""
                html += "<td class=\"text\">\(promptLabel)\(Self.longText(result.prompt))</td>"
                html += "<td class=\"text\">\(Self.longText(result.output))</td>"
                html += "<td class=\"status\">\(Self.status(result))</td>"
                if hasQuality { html += "<td class=\"quality\">\(Self.quality(result))</td>" }
                let estimatedMark = result.tokensEstimated ? "*" : ""
                let outputTokens: String = result.completionTokens.map { "\($0)\(estimatedMark)" } ?? "—"
                let numbers: [String] = [
                    result.promptTokens.map { String($0) } ?? "—", outputTokens, Format.milliseconds(result.latencyS),
                    Format.optional(result.ttftS, Format.milliseconds), Format.optional(result.tpotS, Format.milliseconds),
                    Format.optional(result.tokensPerSecond) { Format.fixed($0, 1) },
                ]
                html += numbers.map { "<td class=\"num\">\($0)</td>" }.joined() + "</tr>"
            }
            html += "</tbody></table></div>"
            if run.results.contains(where: \.tokensEstimated) {
                html += "<p class=\"note\">* estimated: the server sent no usage, so output tokens count the streamed chunks.</p>"
            }
        }
        return html
    }

    /// Text shown whole when short, else its beginning with the rest behind a disclosure.
    static func longText(_ text: String) -> String {
        guard !text.isEmpty else { return "<span class=\"sub\">(empty)</span>" }
        let limit = 280
        guard text.count > limit else { return HTMLText.escape(text) }
        return "<details><summary>\(HTMLText.escape(String(text.prefix(200))))…</summary>\(HTMLText.escape(String(text.dropFirst(200))))</details>"
    }

    static func status(_ result: RequestResult) -> String {
        if result.success {
            let reason = result.finishReason.map { " <span class=\"sub\">\(HTMLText.escape($0))</span>" } ?? ""
            return "<span class=\"good\">✓ ok</span>\(reason)"
        }
        var kind = result.errorKind?.rawValue ?? "error"
        if result.errorKind == .httpStatus, let status = result.httpStatus { kind += " \(status)" }
        var html = "<span class=\"bad\">✗ \(HTMLText.escape(kind))</span>"
        if let message = result.error { html += "<span class=\"error-message\">\(HTMLText.escape(message))</span>" }
        if result.attempts > 1 { html += "<span class=\"sub\">\(result.attempts) attempts</span>" }
        return html
    }

    /// A result's pass or fail mark with what the output failed to meet, and the judge's score with
    /// its reason (or why there is none); a dash when it was neither checked nor judged.
    static func quality(_ result: RequestResult) -> String {
        var html = ""
        switch result.assertionsPassed {
        case true?: html += "<span class=\"good\">✓ passed</span>"
        case false?:
            html += "<span class=\"bad\">✗ failed</span>"
            html += (result.assertionFailures ?? []).map { "<span class=\"error-message\">\(HTMLText.escape($0))</span>" }.joined()
        case nil: break
        }
        if let score = result.judgeScore {
            html += "<span class=\"judge\">judge \(Format.compact(score))/10</span>"
            if let reason = result.judgeReason, !reason.isEmpty { html += "<span class=\"sub\">\(HTMLText.escape(reason))</span>" }
        } else if let error = result.judgeError {
            html += "<span class=\"judge bad\">judge: no score</span><span class=\"error-message\">\(HTMLText.escape(error))</span>"
        }
        return html.isEmpty ? "—" : html
    }

    // MARK: - Quality

    /// The columns of the quality table: each run, followed by its settings when it went through
    /// several; empty when no run has a quality figure.
    var qualityColumns: [(name: String, quality: QualitySummary?)] {
        let columns = runs.flatMap { name, run -> [(name: String, quality: QualitySummary?)] in
            let settings = run.settings ?? []
            guard settings.count > 1 else { return [(name, run.summary.quality)] }
            return [(name, run.summary.quality)]
                + settings.map { (input.documents.count > 1 ? "\(name) \($0.setting)" : $0.setting, $0.summary.quality) }
        }
        return columns.contains { $0.quality != nil } ? columns : []
    }

    /// The assertion pass rate, the judge's scores and the consistency across repeats of each run
    /// and setting, one row per figure some column has; empty when no run has any.
    func qualityTable() -> String {
        let columns = qualityColumns
        guard !columns.isEmpty else { return "" }
        let qualities = columns.map(\.quality)
        var rows: [(name: String, cell: (QualitySummary) -> String?)] = []
        if qualities.contains(where: { $0?.assertionsChecked != nil }) { rows.append(("Assertions passed", Self.assertionFigures)) }
        if qualities.contains(where: { $0?.judged != nil }) { rows.append(("Judge score (1–10)", Self.judgeFigures)) }
        if qualities.contains(where: { $0?.consistency != nil }) { rows.append(("Consistency", Self.consistencyFigures)) }
        var html = "<h3>Quality</h3><div class=\"table-scroll\"><table class=\"quality\">"
        if columns.count > 1 {
            html += "<thead><tr><th></th>" + columns.map { "<th>\(HTMLText.escape($0.name))</th>" }.joined() + "</tr></thead>"
        }
        html += "<tbody>"
        for row in rows {
            html += "<tr><th scope=\"row\">\(HTMLText.escape(row.name))</th>"
            html += qualities.map { "<td>\($0.flatMap(row.cell) ?? "—")</td>" }.joined() + "</tr>"
        }
        html += "</tbody></table></div>"
        return html
            + "<p class=\"note\">Successful requests only. Assertions: answers checked against their prompt's expectations. Judge: the judge model's scores from 1 to 10, with answers it gave no score for. Consistency: over the prompts sent more than once, the mean share of answers equal to the most common one, the mean number of different answers and the mean similarity of every pair of answers (0 to 1).</p>"
    }

    static func assertionFigures(_ quality: QualitySummary) -> String? {
        guard let checked = quality.assertionsChecked, let passed = quality.assertionsPassed, let rate = quality.assertionPassRate else { return nil }
        let share = "\(Format.fixed(rate * 100, 1)) %"
        return (passed < checked ? "<span class=\"bad\">\(share)</span>" : share) + "<span class=\"sub\">\(passed)/\(checked) passed</span>"
    }

    static func judgeFigures(_ quality: QualitySummary) -> String? {
        guard let judged = quality.judged else { return nil }
        var details = ["\(judged) scored"]
        if let low = quality.judgeMinScore, let high = quality.judgeMaxScore {
            details.append("range \(Format.compact(low))–\(Format.compact(high))")
        }
        var html = Format.optional(quality.judgeMeanScore) { Format.fixed($0, 2) } + "<span class=\"sub\">\(details.joined(separator: " · "))</span>"
        if let errors = quality.judgeErrors, errors > 0 { html += "<span class=\"bad error-message\">\(errors) without a score</span>" }
        return html
    }

    static func consistencyFigures(_ quality: QualitySummary) -> String? {
        guard let consistency = quality.consistency else { return nil }
        let details = [
            "\(Format.compact(consistency.distinctOutputs)) distinct", "similarity \(Format.fixed(consistency.meanSimilarity, 3))",
            "\(consistency.prompts) \(consistency.prompts == 1 ? "prompt" : "prompts")",
        ]
        return "\(Format.fixed(consistency.identicalShare * 100, 1)) % identical<span class=\"sub\">\(details.joined(separator: " · "))</span>"
    }

    // MARK: - Consistency

    /// The runs whose answers to some prompt were repeated, with their consistency.
    var consistencies: [(name: String, consistency: ConsistencySummary)] {
        runs.compactMap { name, run in run.summary.quality?.consistency.map { (name, $0) } }
    }

    /// Per prompt sent more than once: its setting (when the run went through several and is not
    /// split into its settings already), answers, distinct answers, identical share and similarity.
    func consistencySection() -> String {
        var html =
            "<p class=\"note\">Prompts with two or more successful answers. Distinct answers are compared exactly; identical is the share of answers equal to the most common one; similarity is the mean over every pair of answers of their character-trigram Jaccard index (1 when all agree).</p>"
        for (name, consistency) in consistencies {
            if input.documents.count > 1 { html += "<h3>\(HTMLText.escape(name))</h3>" }
            // A comparison's runs are single settings already, named in the heading.
            let showsSetting = input.comparison == nil && consistency.perPrompt.contains { $0.setting != nil }
            html += "<div class=\"table-scroll\"><table class=\"consistency\"><thead><tr>\(showsSetting ? "<th>Setting</th>" : "")"
            html +=
                ["Answers", "Distinct", "Identical", "Similarity"].map { "<th class=\"num\">\($0)</th>" }.joined()
                + "<th>Prompt</th></tr></thead><tbody>"
            for entry in consistency.perPrompt {
                html += "<tr>" + (showsSetting ? "<td>\(HTMLText.escape(entry.setting ?? "—"))</td>" : "")
                html += [
                    "\(entry.answers)", "\(entry.distinctOutputs)", "\(Format.fixed(entry.identicalShare * 100, 1)) %",
                    Format.fixed(entry.meanSimilarity, 3),
                ].map { "<td class=\"num\">\($0)</td>" }.joined()
                let promptLabel = entry.promptID.map { "<span class=\"sub\">\(HTMLText.escape($0))</span>" } ?? ""
                html += "<td class=\"text\">\(promptLabel)\(Self.longText(entry.prompt))</td></tr>"
            }
            html += "</tbody></table></div>"
        }
        return html
    }
}
