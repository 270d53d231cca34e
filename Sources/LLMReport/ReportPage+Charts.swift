import Foundation
import LLMClientKit
public import LLMResults
import LLMSupport

extension ReportPage {
    // MARK: - Latency distributions

    mutating func latencySection() -> String {
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

    mutating func overTimeSection() -> String {
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

    mutating func sweepSection() -> String {
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
        // A capacity search: its capacity marked, and its SLO attainment against the load.
        let capacityMarkers = sweeps.enumerated().compactMap { index, sweep -> ChartMarker? in
            guard let capacity = sweep.bench.capacity, let value = capacity.value,
                let label = capacity.probes.first(where: { $0.value == value })?.level, let category = categories.firstIndex(of: label)
            else { return nil }
            return ChartMarker(.vertical, at: Double(category), label: "capacity", colorIndex: several ? index : 2)
        }
        let hasGoodput = sweeps.contains { $0.bench.levels.contains { $0.summary.goodput != nil } }
        var html = ""
        for (name, sweep) in sweeps {
            guard let capacity = sweep.capacity else { continue }
            html += "<p><strong>Capacity\(several ? " of " + HTMLText.escape(name) : ""):</strong> " + HTMLText.escape(capacity.sentence) + "</p>"
        }
        html += "<div class=\"charts\">"
        html += figure(
            SVGChart(
                id: nextChartID(), title: "Request throughput", xAxis: loadAxis, yAxis: ChartAxis(title: "Throughput", unit: "requests/s"),
                series: lines { $0.requestsPerSecond } + (hasGoodput ? lines({ $0.goodput }, suffix: "goodput", dashed: true) : []),
                markers: saturationMarkers + capacityMarkers, showsLegend: hasGoodput ? true : nil))
        if let required = sweeps.compactMap(\.bench.capacity?.requiredPercent).first {
            html += figure(
                SVGChart(
                    id: nextChartID(), title: "SLO attainment", xAxis: loadAxis, yAxis: ChartAxis(title: "Requests meeting the SLO", unit: "%"),
                    series: lines { $0.sloAttainmentPercent },
                    markers: capacityMarkers + [ChartMarker(.horizontal, at: required, label: String(format: "%g %% required", required))]))
        }
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
        html +=
            "</div><p class=\"note\">Solid lines are medians (p50), dashed lines p99\(hasGoodput ? " (and goodput: requests per second meeting the SLO)" : ""); the dashed vertical lines mark the saturation level\(capacityMarkers.isEmpty ? "" : " and the capacity found, the highest load that met the SLO").</p>"
        return html
    }
}
