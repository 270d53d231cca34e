import Foundation
import LLMClientKit
public import LLMResults
import LLMSupport

/// A self-contained HTML report of `llm-client` results: the configuration, the summary (with the
/// answers' quality when the runs checked, judged or repeated them), latency histograms and CDFs
/// with p50/p90/p99 marked, throughput, in-flight requests and errors over time, latency and
/// throughput against the load level of sweeps (with the saturation point), the consistency of
/// repeated prompts' answers, and every request with its prompt, output, tokens, timings, error,
/// assertions and judge's score. Several documents are compared on the same axes.
///
/// The page needs no network: CSS and SVG charts are inline, there is no script. It adapts to the
/// screen's width and to the reader's light or dark mode, and shows Korean text as it is.
public enum HTMLReport {
    /// The report of `input` as a complete HTML document.
    public static func render(_ input: ReportInput) -> String {
        ReportPage(input: input).html
    }

    /// The report of JSON result files of `llm-client run` or `llm-client bench`; several files make
    /// a comparison, each named by its file name.
    /// - Throws: ``ResultsError`` naming a file that is missing, unreadable or neither document.
    public static func render(resultFiles: [String]) throws(ResultsError) -> String {
        render(try ReportInput(resultFiles: resultFiles))
    }

    /// Writes the report of `input` to `path` (creating its folder). An existing file is an error
    /// unless `overwrite` is true.
    /// - Throws: ``ResultsError`` when the file exists or cannot be written.
    public static func write(_ input: ReportInput, to path: String, overwrite: Bool = false) throws(ResultsError) {
        let html = render(input)
        let url = URL(fileURLWithPath: path)
        if !overwrite && FileManager.default.fileExists(atPath: path) {
            throw ResultsError(.exists, path: path, reason: "it already exists (give --overwrite to replace it)")
        }
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(html.utf8).write(to: url, options: overwrite ? [.atomic] : [.withoutOverwriting])
        } catch {
            throw ResultsError(.unwritable, path: path, reason: "cannot be written: \(error.localizedDescription)")
        }
    }

    /// Writes the report of JSON result files to `path`; see ``render(resultFiles:)`` and
    /// ``write(_:to:overwrite:)``.
    public static func write(resultFiles: [String], to path: String, overwrite: Bool = false) throws(ResultsError) {
        try write(try ReportInput(resultFiles: resultFiles), to: path, overwrite: overwrite)
    }
}

/// Builds the page, section by section.
struct ReportPage {
    let input: ReportInput
    let sources: [ReportSource]
    var chartCount = 0

    init(input: ReportInput) {
        self.input = input
        sources = input.sources
    }

    var isComparison: Bool { sources.count > 1 }

    var sweeps: [(name: String, bench: BenchDocument)] {
        input.documents.compactMap { document in
            if case .bench(let bench) = document.content, bench.levels.count > 1 { return (document.name, bench) }
            return nil
        }
    }

    var runs: [(name: String, run: RunDocument)] {
        input.documents.compactMap { document in
            if case .run(let run) = document.content { return (document.name, run) }
            return nil
        }
    }

    var html: String {
        var page = self
        var sections: [(id: String, title: String, body: String)] = [
            ("configuration", "Configuration", page.configurationSection()),
            ("summary", "Summary", page.summarySection()),
            ("latency", "Latency distributions", page.latencySection()),
            ("over-time", "Over time", page.overTimeSection()),
        ]
        if let comparison = input.comparison {
            sections.insert(("differences", "Differences from the baseline", ComparisonSections.differences(comparison)), at: 2)
        }
        if !sweeps.isEmpty { sections.append(("sweep", "Against the load level", page.sweepSection())) }
        if !consistencies.isEmpty { sections.append(("consistency", "Consistency across repeats", consistencySection())) }
        if let comparison = input.comparison {
            sections.append(("prompts", "Prompts side by side", ComparisonSections.prompts(comparison)))
        } else if !runs.isEmpty {
            sections.append(("requests", "Requests", page.requestsSection()))
        }

        var html = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="color-scheme" content="light dark">
            <meta name="generator" content="llm-client">
            <title>\(HTMLText.escape(title))</title>
            <style>
            \(SVGChart.stylesheet)
            \(Self.pageStylesheet)
            </style>
            </head>
            <body>
            <main>
            <header>
            <h1>\(HTMLText.escape(title))</h1>
            <p class="subtitle">\(HTMLText.escape(subtitle))</p>
            <nav>\(sections.map { "<a href=\"#\($0.id)\">\(HTMLText.escape($0.title))</a>" }.joined(separator: " "))</nav>
            </header>

            """
        for section in sections {
            html += "<section id=\"\(section.id)\">\n<h2>\(HTMLText.escape(section.title))</h2>\n\(section.body)\n</section>\n"
        }
        let versions = Set(
            input.documents.map { document -> String in
                switch document.content {
                case .run(let run): run.run.toolVersion
                case .bench(let bench): bench.run.toolVersion
                }
            }
        ).sorted()
        html +=
            "<footer>Made by llm-client \(HTMLText.escape(versions.joined(separator: ", "))) from \(HTMLText.escape(input.documents.map(\.name).joined(separator: ", "))).</footer>\n"
        return html + "</main>\n</body>\n</html>\n"
    }

    var title: String {
        if input.documents.count > 1 { return "Comparison of \(input.documents.count) runs" }
        guard let document = input.documents.first else { return "llm-client report" }
        switch document.content {
        case .run: return "Run report: \(document.name)"
        case .bench(let bench): return (bench.levels.count > 1 ? "Benchmark sweep: " : "Benchmark: ") + document.name
        }
    }

    var subtitle: String {
        let servers = input.documents.map { document -> String in
            let info = runInfo(document)
            return "\(info.model) at \(info.baseURL)"
        }
        return Array(Set(servers)).sorted().joined(separator: " · ")
    }

    func runInfo(_ document: ReportInput.Document) -> RunInfo {
        switch document.content {
        case .run(let run): run.run
        case .bench(let bench): bench.run
        }
    }

    // MARK: - Configuration

    func configurationSection() -> String {
        func text(_ value: (some CustomStringConvertible)?) -> String { value.map { "\($0)" } ?? "—" }
        var rows: [(String, [String])] = []
        func row(_ name: String, _ value: (RunInfo) -> String) {
            rows.append((name, input.documents.map { value(runInfo($0)) }))
        }
        row("Base URL") { $0.baseURL }
        row("Model") { $0.model }
        row("API") { $0.api }
        row("Streaming") { $0.stream ? "yes" : "no" }
        row("Temperature") { text($0.temperature) }
        row("Max tokens") { text($0.maxTokens) }
        row("Top p") { text($0.topP) }
        row("Seed") { text($0.seed) }
        let hasRuns = !runs.isEmpty
        if hasRuns {
            row("Concurrency") { "\($0.concurrency)" }
            row("Repeat") { text($0.repeat) }
            row("Prompts") { "\($0.promptCount)" }
        }
        row("Prompt file") { text($0.promptFile) }
        row("Max retries") { text($0.maxRetries) }
        row("Started") { $0.startedAt.description }
        row("Finished") { text($0.finishedAt?.description) }
        if input.documents.contains(where: { runInfo($0).interrupted == true }) {
            row("Interrupted") { $0.interrupted == true ? "yes" : "no" }
        }
        if input.documents.contains(where: { runInfo($0).resumedFrom != nil }) {
            row("Resumed from") { text($0.resumedFrom) }
        }
        if input.documents.contains(where: { runInfo($0).judgeModel != nil }) {
            row("Judge model") { text($0.judgeModel) }
        }
        let benchKeys = Set(
            input.documents.flatMap { document -> [String] in
                if case .bench(let bench) = document.content { return Array(bench.bench.keys) }
                return []
            }
        ).sorted()
        for key in benchKeys {
            rows.append(
                (
                    Self.humanized(key),
                    input.documents.map { document in
                        if case .bench(let bench) = document.content { return bench.bench[key] ?? "—" }
                        return "—"
                    }
                ))
        }
        row("Tool version") { $0.toolVersion }

        var html = "<div class=\"table-scroll\"><table class=\"config\">"
        if input.documents.count > 1 {
            html += "<thead><tr><th>Setting</th>" + input.documents.map { "<th>\(HTMLText.escape($0.name))</th>" }.joined() + "</tr></thead>"
        }
        html += "<tbody>"
        for (name, values) in rows {
            html += "<tr><th scope=\"row\">\(HTMLText.escape(name))</th>" + values.map { "<td>\(HTMLText.escape($0))</td>" }.joined() + "</tr>"
        }
        return html + "</tbody></table></div>"
    }

    /// `slo_percent` → `Slo percent`.
    static func humanized(_ key: String) -> String {
        let words = key.replacingOccurrences(of: "_", with: " ").replacingOccurrences(of: "-", with: " ")
        return words.prefix(1).uppercased() + words.dropFirst()
    }

    // MARK: - Summary

    func summarySection() -> String {
        var html = "<h3>Requests and throughput</h3><div class=\"table-scroll\"><table class=\"summary\"><thead><tr>"
        let hasGoodput = sources.contains { $0.overview.goodput != nil }
        var headers = [
            "", "Requests", "OK", "Failed", "Duration (s)", "Requests/s", "Output tokens/s", "Total tokens/s",
            "Prompt tokens", "Output tokens", "Max in flight",
        ]
        if hasGoodput { headers.append("Goodput (req/s)") }
        let hasClientLoad = sources.contains { $0.overview.clientLoad != nil }
        if hasClientLoad { headers.append("Client CPU (of its cores)") }
        headers.append("Errors by kind")
        html += headers.enumerated().map { index, header in
            index == 0 || index == headers.count - 1 ? "<th>\(header)</th>" : "<th class=\"num\">\(header)</th>"
        }.joined()
        html += "</tr></thead><tbody>"
        for source in sources {
            let o = source.overview
            var cells = [
                "\(o.totalRequests)", "\(o.successful)", "\(o.failed)", Format.fixed(o.durationS, 2), Format.fixed(o.requestsPerSecond, 2),
                Format.fixed(o.outputTokensPerSecond, 1), Format.fixed(o.totalTokensPerSecond, 1), "\(o.promptTokens)",
                "\(o.completionTokens)", o.maxInFlight.map(String.init) ?? "—",
            ]
            if hasGoodput { cells.append(o.goodput.map { Format.fixed($0, 2) } ?? "—") }
            if hasClientLoad { cells.append(o.clientLoad.map { "\(Format.fixed($0.cpuPercent, 0)) % of \($0.cores)" } ?? "—") }
            let errors = o.errorsByKind.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            html += "<tr\(o.failed > 0 ? " class=\"failed\"" : "")><th scope=\"row\">\(HTMLText.escape(source.name))</th>"
            html += cells.enumerated().map { index, cell in
                "<td class=\"num\(index == 2 && o.failed > 0 ? " bad" : "")\">\(cell)</td>"
            }.joined()
            html += "<td>\(errors.isEmpty ? "—" : HTMLText.escape(errors))</td></tr>"
        }
        html += "</tbody></table></div>"
        for (name, bench) in sweeps {
            let prefix = input.documents.count > 1 ? "\(name): s" : "S"
            if let saturation = bench.saturationLevel {
                html +=
                    "<p class=\"note\">\(HTMLText.escape(prefix))aturation at <strong>\(HTMLText.escape(saturation))</strong>: beyond it request throughput grows by less than 10 % while median end-to-end latency rises by more than 25 %.</p>"
            } else {
                html +=
                    "<p class=\"note\">\(HTMLText.escape(prefix))weep found no saturation point: throughput kept growing with the load, or latency stayed flat.</p>"
            }
        }
        html += qualityTable()

        html += "<h3>Latency (ms)</h3><div class=\"table-scroll\"><table class=\"latency\"><thead><tr>"
        html += (isComparison ? "<th></th>" : "") + "<th>Metric</th>"
        html += ["Count", "Mean", "Min", "p50", "p90", "p95", "p99", "Max"].map { "<th class=\"num\">\($0)</th>" }.joined()
        html += "</tr></thead><tbody>"
        for source in sources {
            for (index, row) in source.latencyRows.enumerated() {
                html += "<tr\(isComparison && index == 0 ? " class=\"group-start\"" : "")>"
                if isComparison {
                    html += index == 0 ? "<th scope=\"rowgroup\" rowspan=\"\(source.latencyRows.count)\">\(HTMLText.escape(source.name))</th>" : ""
                }
                html += "<th scope=\"row\">\(HTMLText.escape(row.name))</th>"
                if let s = row.summary {
                    html += (["\(s.count)"] + [s.mean, s.min, s.p50, s.p90, s.p95, s.p99, s.max].map { Format.milliseconds($0) })
                        .map { "<td class=\"num\">\($0)</td>" }.joined()
                } else {
                    html += "<td class=\"num\">0</td>" + String(repeating: "<td class=\"num\">—</td>", count: 7)
                }
                html += "</tr>"
            }
        }
        html += "</tbody></table></div>"

        let metricChanges = input.documents.compactMap { document -> (String, [String: Double])? in
            if case .bench(let bench) = document.content, let changes = bench.serverMetricChanges, !changes.isEmpty {
                return (document.name, changes)
            }
            return nil
        }
        for (name, changes) in metricChanges {
            html += "<h3>Server metrics that changed\(input.documents.count > 1 ? ": " + HTMLText.escape(name) : "")</h3>"
            html += "<div class=\"table-scroll\"><table><thead><tr><th>Metric</th><th class=\"num\">Change</th></tr></thead><tbody>"
            for (metric, delta) in changes.sorted(by: { $0.key < $1.key }) {
                html +=
                    "<tr><td class=\"mono\">\(HTMLText.escape(metric))</td><td class=\"num\">\(delta >= 0 ? "+" : "")\(Format.compact(delta))</td></tr>"
            }
            html += "</tbody></table></div>"
        }
        return html
    }

    // MARK: - Helpers

    mutating func nextChartID() -> String {
        chartCount += 1
        return "chart-\(chartCount)"
    }

    func figure(_ chart: SVGChart) -> String {
        "<figure class=\"chart\">\(chart.render())</figure>"
    }

    static let pageStylesheet = """
        * { box-sizing: border-box; }
        html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
        body {
          margin: 0; background: var(--bg); color: var(--fg);
          font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Noto Sans CJK KR", "Apple SD Gothic Neo",
            "Malgun Gothic", "Nanum Gothic", "Helvetica Neue", Arial, sans-serif;
        }
        main { max-width: 1240px; margin: 0 auto; padding: 16px 16px 32px; }
        h1 { font-size: 1.5rem; margin: 0.2em 0; overflow-wrap: anywhere; }
        h2 { font-size: 1.25rem; margin: 1.8em 0 0.6em; padding-bottom: 0.25em; border-bottom: 1px solid var(--border); }
        h3 { font-size: 1rem; margin: 1.2em 0 0.5em; }
        .subtitle { margin: 0 0 0.6em; color: var(--muted); overflow-wrap: anywhere; }
        nav { display: flex; flex-wrap: wrap; gap: 0.3em 1em; }
        nav a { color: var(--accent); text-decoration: none; }
        nav a:hover { text-decoration: underline; }
        .charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 420px), 1fr)); gap: 12px; }
        figure.chart { margin: 0; padding: 6px; background: var(--card); border: 1px solid var(--border); border-radius: 8px; min-width: 0; }
        .note { color: var(--muted); font-size: 0.85rem; margin: 0.6em 0; }
        .table-scroll { overflow-x: auto; border: 1px solid var(--border); border-radius: 8px; }
        table { border-collapse: collapse; width: 100%; font-size: 0.85rem; }
        th, td { padding: 5px 8px; border-bottom: 1px solid var(--border); text-align: left; vertical-align: top; }
        tbody tr:last-child > * { border-bottom: none; }
        thead th { background: var(--card); font-weight: 600; white-space: nowrap; }
        tbody th { font-weight: 600; }
        table.config th[scope=row] { width: 12em; color: var(--muted); font-weight: 500; }
        table.config td { overflow-wrap: anywhere; }
        table.summary tbody th, table.latency tbody th { white-space: nowrap; }
        .num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        .mono { font-family: ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", Menlo, monospace; overflow-wrap: anywhere; }
        td.text { white-space: pre-wrap; word-break: keep-all; overflow-wrap: anywhere; min-width: 14em; max-width: 36em; }
        td.status { min-width: 9em; max-width: 22em; overflow-wrap: anywhere; }
        td.quality { min-width: 10em; max-width: 24em; word-break: keep-all; overflow-wrap: anywhere; }
        table.quality th[scope=row] { width: 11em; }
        table.quality td { min-width: 8em; }
        .judge { display: block; }
        .sub { display: block; color: var(--muted); font-size: 0.8em; }
        .error-message { display: block; font-size: 0.85em; }
        details summary { cursor: pointer; }
        details[open] summary { margin-bottom: 0.3em; }
        tr.failed > * { background: color-mix(in srgb, var(--bad) 9%, transparent); }
        tr.group-start > * { border-top: 2px solid var(--border); }
        .bad { color: var(--bad); font-weight: 600; }
        .good { color: var(--good); }
        .run-swatch { display: inline-block; width: 0.75em; height: 0.75em; margin-right: 0.35em; border-radius: 2px; background: var(--c); }
        footer { margin-top: 2.5em; color: var(--muted); font-size: 0.8rem; overflow-wrap: anywhere; }
        @media (max-width: 600px) {
          main { padding: 10px 8px 24px; }
          body { font-size: 14px; }
          td.text { min-width: 11em; }
        }
        """
}
