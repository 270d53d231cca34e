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
    private var chartCount = 0

    init(input: ReportInput) {
        self.input = input
        sources = input.sources
    }

    private var isComparison: Bool { sources.count > 1 }

    private var sweeps: [(name: String, bench: BenchDocument)] {
        input.documents.compactMap { document in
            if case .bench(let bench) = document.content, bench.levels.count > 1 { return (document.name, bench) }
            return nil
        }
    }

    private var runs: [(name: String, run: RunDocument)] {
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

    private var title: String {
        if input.documents.count > 1 { return "Comparison of \(input.documents.count) runs" }
        guard let document = input.documents.first else { return "llm-client report" }
        switch document.content {
        case .run: return "Run report: \(document.name)"
        case .bench(let bench): return (bench.levels.count > 1 ? "Benchmark sweep: " : "Benchmark: ") + document.name
        }
    }

    private var subtitle: String {
        let servers = input.documents.map { document -> String in
            let info = runInfo(document)
            return "\(info.model) at \(info.baseURL)"
        }
        return Array(Set(servers)).sorted().joined(separator: " · ")
    }

    private func runInfo(_ document: ReportInput.Document) -> RunInfo {
        switch document.content {
        case .run(let run): run.run
        case .bench(let bench): bench.run
        }
    }

    // MARK: - Configuration

    private func configurationSection() -> String {
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
            row("Repeat") { "\($0.repeat)" }
            row("Prompts") { "\($0.promptCount)" }
        }
        row("Prompt file") { text($0.promptFile) }
        row("Max retries") { text($0.maxRetries) }
        row("Started") { $0.startedAt }
        row("Finished") { text($0.finishedAt) }
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
    private static func humanized(_ key: String) -> String {
        let words = key.replacingOccurrences(of: "_", with: " ").replacingOccurrences(of: "-", with: " ")
        return words.prefix(1).uppercased() + words.dropFirst()
    }

    // MARK: - Summary

    private func summarySection() -> String {
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

    // MARK: - Latency distributions

    private mutating func latencySection() -> String {
        var html = "<div class=\"charts\">"
        var notes: [String] = []
        for metric in LatencyMetric.allCases {
            let distributions = sources.map { $0.distributions[metric] ?? WeightedValues(samples: []) }
            let bins = HistogramBins(distributions: distributions, summaries: sources.map { $0.summaries[metric] })
            if let clipped = bins.clippedNote(metric: metric) { notes.append(clipped) }
            var histogramSeries: [ChartSeries] = []
            var cdfSeries: [ChartSeries] = []
            var markers: [ChartMarker] = []
            for (index, (source, distribution)) in zip(sources, distributions).enumerated() {
                guard distribution.total > 0 else { continue }
                let counts = distribution.binCounts(from: bins.lowerBound, binWidth: bins.width, binCount: bins.count)
                histogramSeries.append(
                    ChartSeries(
                        name: source.name, style: .bars(width: bins.width * 1000),
                        points: counts.enumerated().map {
                            ChartPoint(x: (bins.lowerBound + Double($0.offset) * bins.width) * 1000, y: 100 * $0.element / distribution.total)
                        },
                        colorIndex: index))
                let gridSteps = 240
                cdfSeries.append(
                    ChartSeries(
                        name: source.name, style: .step,
                        points: (0...gridSteps).map { step in
                            let x = bins.lowerBound + (bins.upperBound - bins.lowerBound) * Double(step) / Double(gridSteps)
                            return ChartPoint(x: x * 1000, y: 100 * distribution.fraction(atOrBelow: x))
                        },
                        colorIndex: index))
                if let summary = source.summaries[metric] {
                    for (label, value) in [("p50", summary.p50), ("p90", summary.p90), ("p99", summary.p99)] {
                        markers.append(
                            ChartMarker(
                                .vertical, at: value * 1000, label: isComparison ? "" : "\(label) \(Format.compact(value * 1000))",
                                colorIndex: isComparison ? index : nil))
                    }
                }
            }
            let xAxis = ChartAxis(title: metric.shortName, unit: "ms", includesZero: false)
            html += figure(
                SVGChart(
                    id: nextChartID(), title: "\(metric.title): histogram", xAxis: xAxis,
                    yAxis: ChartAxis(title: "Share of \(metric.valueNoun)", unit: "%"), series: histogramSeries, markers: markers))
            let references =
                isComparison
                ? [
                    ChartMarker(.horizontal, at: 50, label: "p50"), ChartMarker(.horizontal, at: 90, label: "p90"),
                    ChartMarker(.horizontal, at: 99, label: "p99"),
                ]
                : []
            html += figure(
                SVGChart(
                    id: nextChartID(), title: "\(metric.title): CDF", xAxis: xAxis,
                    yAxis: ChartAxis(title: "\(metric.valueNoun.capitalized) at or below", unit: "%"), series: cdfSeries,
                    markers: markers + references))
        }
        html += "</div>"
        var caption = "Successful requests only. Dashed lines mark p50, p90 and p99\(isComparison ? " in each run's colour" : "")."
        if sources.contains(where: { source in source.distributions.values.contains { $0.total > 0 } && !input.documents.allSatisfy(\.isRun) }) {
            caption += " Benchmark distributions come from their HdrHistograms (three significant digits)."
        }
        html += "<p class=\"note\">\(HTMLText.escape(caption))</p>"
        for note in notes { html += "<p class=\"note\">\(HTMLText.escape(note))</p>" }
        return html
    }

    // MARK: - Over time

    private mutating func overTimeSection() -> String {
        func series(_ value: (SecondCounts) -> Double) -> [ChartSeries] {
            sources.enumerated().compactMap { index, source in
                guard !source.seconds.isEmpty else { return nil }
                // Each second's value holds until the next second; a last point closes the final step.
                var points = source.seconds.map { ChartPoint(x: Double($0.second), y: value($0)) }
                if let last = source.seconds.last { points.append(ChartPoint(x: Double(last.second + 1), y: value(last))) }
                return ChartSeries(name: source.name, style: .step, points: points, colorIndex: index)
            }
        }
        let time = ChartAxis(title: isComparison ? "Time since start of each run" : "Time since start", unit: "s")
        var html = "<div class=\"charts\">"
        html += figure(
            SVGChart(
                id: nextChartID(), title: "Output token throughput", xAxis: time, yAxis: ChartAxis(title: "Output", unit: "tokens/s"),
                series: series { Double($0.outputTokens) }))
        html += figure(
            SVGChart(
                id: nextChartID(), title: "Completed requests", xAxis: time, yAxis: ChartAxis(title: "Completed", unit: "requests/s"),
                series: series { Double($0.completed) }))
        html += figure(
            SVGChart(
                id: nextChartID(), title: "Requests in flight", xAxis: time, yAxis: ChartAxis(title: "Most in flight", unit: "requests"),
                series: series { Double($0.maxInFlight) }))
        html += figure(
            SVGChart(
                id: nextChartID(), title: "Errors", xAxis: time, yAxis: ChartAxis(title: "Failed", unit: "requests/s"),
                series: series { Double($0.errors) }))
        html += "</div>"
        html +=
            "<p class=\"note\">Per second: requests and tokens count in the second a request finished; in flight is the most at once during the second.\(runs.isEmpty ? "" : " For runs these are computed from each request's send time and latency.")</p>"
        return html
    }

    // MARK: - Sweeps

    private mutating func sweepSection() -> String {
        var categories: [String] = []
        for (_, bench) in sweeps {
            for level in bench.levels where !categories.contains(level.label) { categories.append(level.label) }
        }
        let loadAxis = ChartAxis(title: "Load level", categories: categories)
        let several = sweeps.count > 1
        func lines(_ value: (ResultSummary) -> Double?, suffix: String = "", dashed: Bool = false) -> [ChartSeries] {
            sweeps.enumerated().map { index, sweep in
                let points = sweep.bench.levels.compactMap { level -> ChartPoint? in
                    guard let category = categories.firstIndex(of: level.label), let y = value(level.summary) else { return nil }
                    return ChartPoint(x: Double(category), y: y)
                }
                let name = several ? "\(sweep.name)\(suffix.isEmpty ? "" : " " + suffix)" : (suffix.isEmpty ? sweep.name : suffix)
                return ChartSeries(
                    name: name, style: .line(dots: true), points: points, colorIndex: several ? index : (dashed ? 1 : 0), dashed: dashed)
            }
        }
        let saturationMarkers = sweeps.enumerated().compactMap { index, sweep -> ChartMarker? in
            guard let label = sweep.bench.saturationLevel, let category = categories.firstIndex(of: label) else { return nil }
            return ChartMarker(.vertical, at: Double(category), label: "saturation", colorIndex: several ? index : nil)
        }
        var html = "<div class=\"charts\">"
        html += figure(
            SVGChart(
                id: nextChartID(), title: "Request throughput", xAxis: loadAxis, yAxis: ChartAxis(title: "Throughput", unit: "requests/s"),
                series: lines { $0.requestsPerSecond }, markers: saturationMarkers))
        html += figure(
            SVGChart(
                id: nextChartID(), title: "Output token throughput", xAxis: loadAxis, yAxis: ChartAxis(title: "Throughput", unit: "tokens/s"),
                series: lines { $0.outputTokensPerSecond }, markers: saturationMarkers))
        for (title, summary) in [
            ("Time to first token", { (s: ResultSummary) in s.ttftS }), ("End-to-end latency", { $0.latencyS }), ("Inter-token latency", { $0.itlS }),
        ] {
            html += figure(
                SVGChart(
                    id: nextChartID(), title: title, xAxis: loadAxis, yAxis: ChartAxis(title: "Latency", unit: "ms"),
                    series: lines({ summary($0).map { $0.p50 * 1000 } }, suffix: "p50")
                        + lines({ summary($0).map { $0.p99 * 1000 } }, suffix: "p99", dashed: true),
                    markers: saturationMarkers, showsLegend: true))
        }
        html += "</div><p class=\"note\">Solid lines are medians (p50), dashed lines p99; the dashed vertical line marks the saturation level.</p>"
        return html
    }

    // MARK: - Requests

    private func requestsSection() -> String {
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

    private static func status(_ result: RequestResult) -> String {
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
    private static func quality(_ result: RequestResult) -> String {
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
    private var qualityColumns: [(name: String, quality: QualitySummary?)] {
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
    private func qualityTable() -> String {
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

    private static func assertionFigures(_ quality: QualitySummary) -> String? {
        guard let checked = quality.assertionsChecked, let passed = quality.assertionsPassed, let rate = quality.assertionPassRate else { return nil }
        let share = "\(Format.fixed(rate * 100, 1)) %"
        return (passed < checked ? "<span class=\"bad\">\(share)</span>" : share) + "<span class=\"sub\">\(passed)/\(checked) passed</span>"
    }

    private static func judgeFigures(_ quality: QualitySummary) -> String? {
        guard let judged = quality.judged else { return nil }
        var details = ["\(judged) scored"]
        if let low = quality.judgeMinScore, let high = quality.judgeMaxScore {
            details.append("range \(Format.compact(low))–\(Format.compact(high))")
        }
        var html = Format.optional(quality.judgeMeanScore) { Format.fixed($0, 2) } + "<span class=\"sub\">\(details.joined(separator: " · "))</span>"
        if let errors = quality.judgeErrors, errors > 0 { html += "<span class=\"bad error-message\">\(errors) without a score</span>" }
        return html
    }

    private static func consistencyFigures(_ quality: QualitySummary) -> String? {
        guard let consistency = quality.consistency else { return nil }
        let details = [
            "\(Format.compact(consistency.distinctOutputs)) distinct", "similarity \(Format.fixed(consistency.meanSimilarity, 3))",
            "\(consistency.prompts) \(consistency.prompts == 1 ? "prompt" : "prompts")",
        ]
        return "\(Format.fixed(consistency.identicalShare * 100, 1)) % identical<span class=\"sub\">\(details.joined(separator: " · "))</span>"
    }

    // MARK: - Consistency

    /// The runs whose answers to some prompt were repeated, with their consistency.
    private var consistencies: [(name: String, consistency: ConsistencySummary)] {
        runs.compactMap { name, run in run.summary.quality?.consistency.map { (name, $0) } }
    }

    /// Per prompt sent more than once: its setting (when the run went through several and is not
    /// split into its settings already), answers, distinct answers, identical share and similarity.
    private func consistencySection() -> String {
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

    // MARK: - Helpers

    private mutating func nextChartID() -> String {
        chartCount += 1
        return "chart-\(chartCount)"
    }

    private func figure(_ chart: SVGChart) -> String {
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

/// Histogram bins shared by every source of a chart, so overlaid runs compare bin for bin: about
/// 40 bins of a round width from 0 (or from just below the smallest value, when the values sit far
/// from 0) to past the largest p99 (times 1.5); values further out are counted in the last bin and
/// noted below the charts.
private struct HistogramBins {
    /// The start of the first bin (seconds).
    var lowerBound: Double
    var width: Double
    var count: Int
    /// The end of the last bin (seconds).
    var upperBound: Double { lowerBound + width * Double(count) }
    /// How many values lie beyond ``upperBound``, and the largest of them.
    var clippedCount: Double
    var clippedMaximum: Double?

    init(distributions: [WeightedValues], summaries: [DistributionSummary?]) {
        let maximum = distributions.compactMap(\.maximum).max() ?? 0
        let minimum = distributions.compactMap(\.minimum).min() ?? 0
        let tail =
            zip(distributions, summaries).compactMap { distribution, summary -> Double? in
                guard let top = distribution.maximum else { return nil }
                return min(top, (summary?.p99 ?? top) * 1.5)
            }.max() ?? maximum
        let upper = max(tail, 1e-6)
        let start = minimum > upper * 0.25 ? minimum : 0
        width = NiceTicks(lower: start, upper: upper, targetCount: 40).step
        lowerBound = (start / width).rounded(.down) * width
        count = max(1, Int(((upper - lowerBound) / width).rounded(.down)) + 1)
        let bound = lowerBound + width * Double(count)
        clippedCount = distributions.reduce(0) { $0 + $1.total * (1 - $1.fraction(atOrBelow: bound)) }
        clippedMaximum = clippedCount > 0 ? maximum : nil
    }

    func clippedNote(metric: LatencyMetric) -> String? {
        guard let clippedMaximum, clippedCount >= 0.5 else { return nil }
        return "\(metric.shortName): \(Int(clippedCount.rounded())) \(metric.valueNoun) above \(Format.compact(upperBound * 1000)) ms "
            + "(up to \(Format.compact(clippedMaximum * 1000)) ms) are counted in the last histogram bin and lie beyond the CDF's axis."
    }
}

/// Number formatting for tables and labels.
enum Format {
    /// `format(value)`, or a dash for nil.
    static func optional(_ value: Double?, _ format: (Double) -> String) -> String {
        value.map(format) ?? "—"
    }

    static func fixed(_ value: Double, _ digits: Int) -> String {
        value.isFinite ? String(format: "%.\(digits)f", value) : "—"
    }

    /// Seconds as milliseconds: one decimal below 1,000 ms, none above.
    static func milliseconds(_ seconds: Double) -> String {
        let ms = seconds * 1000
        return fixed(ms, abs(ms) < 1000 ? 1 : 0)
    }

    /// About three significant digits, without trailing zeros: `0.0123`, `4.56`, `78.9`, `1234`.
    static func compact(_ value: Double) -> String {
        guard value.isFinite else { return "—" }
        let magnitude = abs(value)
        let digits: Int
        switch magnitude {
        case 100...: digits = 0
        case 10..<100: digits = 1
        case 1..<10: digits = 2
        case 0: digits = 0
        default: digits = min(6, 2 - Int(log10(magnitude).rounded(.down)))
        }
        var text = String(format: "%.\(digits)f", value)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text
    }
}

extension ReportInput.Document {
    var isRun: Bool {
        if case .run = content { return true }
        return false
    }
}
