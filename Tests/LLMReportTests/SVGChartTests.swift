import Foundation
import Testing

@testable import LLMReport

/// The chart module: nice ticks, paths, escaping, and data that is empty or not finite.
@Suite struct SVGChartTests {
    @Test func ticksAreRoundAndCoverTheRange() {
        let ticks = NiceTicks(lower: 0, upper: 97)
        #expect(ticks.values == [0, 20, 40, 60, 80, 100])
        #expect(ticks.step == 20)
        #expect(ticks.fractionDigits == 0)

        let small = NiceTicks(lower: 0.013, upper: 0.048)
        #expect(small.step == 0.01)
        #expect(small.values.first! <= 0.013 && small.values.last! >= 0.048)
        #expect(small.values.map(small.label) == ["0.01", "0.02", "0.03", "0.04", "0.05"])

        let negative = NiceTicks(lower: -3.2, upper: 7.9)
        #expect(negative.domain == -4...8)
        #expect(negative.values.contains(0))
    }

    @Test func ticksDoNotGrowAStepFromRoundingErrors() {
        // 645 + 15 × 5 computed in floating point is a hair above 720.
        let upper = 645.0 + (0..<15).reduce(0.0) { sum, _ in sum + 5 } + 1e-10
        let ticks = NiceTicks(lower: 645, upper: upper)
        #expect(ticks.domain == 640...720)
    }

    @Test func degenerateRangesGetAUsableDomain() {
        #expect(NiceTicks(lower: 0, upper: 0).domain == 0...1)
        let single = NiceTicks(lower: 5, upper: 5)
        #expect(single.domain.lowerBound < 5 && single.domain.upperBound > 5)
        let notFinite = NiceTicks(lower: .nan, upper: .infinity)
        #expect(notFinite.values.allSatisfy { $0.isFinite })
        #expect(NiceTicks(lower: 10, upper: 2).domain == 2...10)
    }

    @Test func largeTicksAreAbbreviated() {
        let ticks = NiceTicks(lower: 0, upper: 9000)
        #expect(ticks.step == 2000)
        #expect(ticks.values.map(ticks.label) == ["0k", "2k", "4k", "6k", "8k", "10k"])
        let millions = NiceTicks(lower: 0, upper: 4_000_000)
        #expect(millions.label(2_000_000) == "2M")
    }

    @Test func pathsGoThroughEveryPoint() {
        #expect(SVGChart.linePath([(0, 10), (5.25, 2), (10, 0)]) == "M0,10.0 L5.3,2.0 L10.0,0")
        #expect(SVGChart.stepPath([(0, 10), (5, 2), (10, 4)]) == "M0,10.0 H5.0 V2.0 H10.0 V4.0")
        #expect(SVGChart.stepPath([]) == "")
    }

    @Test func textIsEscaped() {
        #expect(HTMLText.escape("<script>alert('x & \"y\"')</script>") == "&lt;script&gt;alert(&#39;x &amp; &quot;y&quot;&#39;)&lt;/script&gt;")
        #expect(HTMLText.escape("인공지능 😀") == "인공지능 😀")
    }

    @Test func chartHasTitleAxesTicksLegendAndMarkers() {
        let chart = SVGChart(
            id: "c1", title: "TTFT <p50>", xAxis: ChartAxis(title: "TTFT", unit: "ms"), yAxis: ChartAxis(title: "Share", unit: "%"),
            series: [
                ChartSeries(name: "a.json", style: .bars(width: 10), points: [ChartPoint(x: 0, y: 20), ChartPoint(x: 10, y: 80)], colorIndex: 0),
                ChartSeries(name: "b.json", style: .line(dots: true), points: [ChartPoint(x: 0, y: 10), ChartPoint(x: 20, y: 90)], colorIndex: 1),
            ],
            markers: [ChartMarker(.vertical, at: 12, label: "p50 12"), ChartMarker(.horizontal, at: 50, label: "p50")])
        let svg = chart.render()
        #expect(svg.hasPrefix("<svg class=\"chart-svg\" viewBox=\"0 0 420.0 "))
        #expect(svg.hasSuffix("</svg>"))
        #expect(svg.contains("<title id=\"c1-title\">TTFT &lt;p50&gt;</title>"))
        #expect(svg.contains(">TTFT (ms)</text>"))
        #expect(svg.contains(">Share (%)</text>"))
        #expect(svg.components(separatedBy: "<rect class=\"bar\"").count - 1 == 2)
        #expect(svg.components(separatedBy: "<circle class=\"dot\"").count - 1 == 2)
        #expect(svg.contains(">p50 12</text>"))
        #expect(svg.contains("class=\"legend\"") && svg.contains(">a.json</text>") && svg.contains(">b.json</text>"))
        for tick in ["0", "5", "10", "15", "20"] { #expect(svg.contains(">\(tick)</text>"), "x tick \(tick)") }
        #expect(svg.contains(">100</text>"))
        #expect(!svg.contains("no data"))
    }

    @Test func emptyAndNonFiniteDataNeverReachTheSVG() {
        let empty = SVGChart(id: "e", title: "Empty", xAxis: ChartAxis(title: "x"), yAxis: ChartAxis(title: "y"), series: []).render()
        #expect(empty.contains(">no data</text>"))
        let broken = SVGChart(
            id: "b", title: "Broken", xAxis: ChartAxis(title: "x"), yAxis: ChartAxis(title: "y"),
            series: [
                ChartSeries(
                    name: "nan", style: .line(dots: true), points: [ChartPoint(x: .nan, y: 1), ChartPoint(x: 1, y: .infinity)], colorIndex: 0),
                ChartSeries(name: "empty bars", style: .bars(width: 1), points: [], colorIndex: 1),
                ChartSeries(name: "one step", style: .step, points: [ChartPoint(x: 3, y: 3)], colorIndex: 2),
            ],
            markers: [ChartMarker(.vertical, at: .nan, label: "nan"), ChartMarker(.horizontal, at: -.infinity, label: "inf")]
        ).render()
        for svg in [empty, broken] {
            #expect(!svg.lowercased().contains("nan\""), "\(svg)")
            #expect(!svg.contains("inf\"") && !svg.contains("NaN") && !svg.contains(",nan") && !svg.contains("-nan"))
        }
        #expect(broken.contains("M") && !broken.contains(">no data<"))
    }

    @Test func categoricalAxisLabelsEachCategory() {
        let svg = SVGChart(
            id: "s", title: "Sweep", xAxis: ChartAxis(title: "Load level", categories: ["c=1", "c=2", "c=4"]),
            yAxis: ChartAxis(title: "Throughput", unit: "requests/s"),
            series: [
                ChartSeries(
                    name: "req/s", style: .line(dots: true), points: [ChartPoint(x: 0, y: 1), ChartPoint(x: 1, y: 2), ChartPoint(x: 2, y: 2.2)],
                    colorIndex: 0)
            ],
            markers: [ChartMarker(.vertical, at: 1, label: "saturation")]
        ).render()
        for label in ["c=1", "c=2", "c=4", "saturation", "Throughput (requests/s)"] { #expect(svg.contains(">\(label)</text>")) }
    }

    @Test func legendWrapsLongNamesIntoRows() {
        let names = (0..<6).map { "benchmark-result-file-number-\($0).json" }
        let chart = SVGChart(
            id: "w", title: "Many", xAxis: ChartAxis(title: "x"), yAxis: ChartAxis(title: "y"),
            series: names.enumerated().map {
                ChartSeries(name: $0.element, style: .step, points: [ChartPoint(x: 0, y: Double($0.offset))], colorIndex: $0.offset)
            })
        let svg = chart.render()
        let legendYs = Set(svg.matches(of: /class="legend-label" x="[0-9.]+" y="([0-9.]+)"/).map { String($0.output.1) })
        #expect(legendYs.count >= 3)
        let height = try? #require(svg.firstMatch(of: /viewBox="0 0 420.0 ([0-9.]+)"/).flatMap { Double($0.output.1) })
        let lowestLegend = legendYs.compactMap(Double.init).max() ?? 0
        #expect((height ?? 0) > lowestLegend)
    }
}
