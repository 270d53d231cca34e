import Foundation
import LLMSupport

/// One data point of a chart, in data units.
public struct ChartPoint: Sendable, Hashable {
    public var x: Double
    public var y: Double

    public init(x: Double, y: Double) {
        self.x = x
        self.y = y
    }
}

/// A named set of points drawn in one colour.
public struct ChartSeries: Sendable, Hashable {
    /// How the points are drawn.
    public enum Style: Sendable, Hashable {
        /// Straight segments from point to point, with a dot on each point when `dots`.
        case line(dots: Bool)
        /// Each value holds until the next point's x (per-second counts, cumulative distributions).
        case step
        /// A bar from 0 to y for each point, from x to x + `width` (histogram bins).
        case bars(width: Double)
    }

    /// The name shown in the legend.
    public var name: String
    public var style: Style
    public var points: [ChartPoint]
    /// The palette colour (taken modulo the palette's size).
    public var colorIndex: Int
    /// Draws the line dashed (a second metric of the same source, e.g. p99 next to p50).
    public var dashed: Bool

    public init(name: String, style: Style, points: [ChartPoint], colorIndex: Int, dashed: Bool = false) {
        self.name = name
        self.style = style
        self.points = points
        self.colorIndex = colorIndex
        self.dashed = dashed
    }
}

/// A linear axis: its title and unit, and either nice round ticks over the data or one tick per
/// category.
public struct ChartAxis: Sendable, Hashable {
    public var title: String
    /// Shown in parentheses after the title, e.g. `ms` or `tokens/s`.
    public var unit: String?
    /// Makes the domain reach 0 (bars, counts, rates).
    public var includesZero: Bool
    /// Labels of the values 0, 1, 2, … when the axis is categorical (load levels of a sweep).
    public var categories: [String]?

    public init(title: String, unit: String? = nil, includesZero: Bool = true, categories: [String]? = nil) {
        self.title = title
        self.unit = unit
        self.includesZero = includesZero
        self.categories = categories
    }

    /// The title with the unit: `TTFT (ms)`.
    public var label: String { unit.map { "\(title) (\($0))" } ?? title }
}

/// A labelled reference line across the plot: a percentile, a saturation point.
public struct ChartMarker: Sendable, Hashable {
    public enum Orientation: Sendable, Hashable {
        /// At an x value, from bottom to top.
        case vertical
        /// At a y value, from left to right.
        case horizontal
    }

    public var orientation: Orientation
    public var value: Double
    /// Text beside the line; empty for none.
    public var label: String
    /// The series colour it belongs to, or nil for the neutral text colour.
    public var colorIndex: Int?

    public init(_ orientation: Orientation, at value: Double, label: String, colorIndex: Int? = nil) {
        self.orientation = orientation
        self.value = value
        self.label = label
        self.colorIndex = colorIndex
    }
}

/// A chart rendered as inline SVG: a title, linear x and y axes with nice ticks and grid lines,
/// series (lines, steps, bars), reference markers and a legend. The SVG scales to the width of
/// its container (`viewBox`, no fixed size); colours come from CSS variables defined in
/// ``stylesheet``, which switch with the reader's light or dark mode.
public struct SVGChart: Sendable {
    /// Unique within the page: prefixes the ids of the title and the clip path.
    public var id: String
    public var title: String
    public var xAxis: ChartAxis
    public var yAxis: ChartAxis
    public var series: [ChartSeries]
    public var markers: [ChartMarker]
    /// Whether a legend is drawn; by default when there is more than one series.
    public var showsLegend: Bool

    public init(
        id: String, title: String, xAxis: ChartAxis, yAxis: ChartAxis, series: [ChartSeries], markers: [ChartMarker] = [],
        showsLegend: Bool? = nil
    ) {
        self.id = id
        self.title = title
        self.xAxis = xAxis
        self.yAxis = yAxis
        self.series = series
        self.markers = markers
        self.showsLegend = showsLegend ?? (series.count > 1)
    }

    /// Colours in the palette (series colour indices wrap around).
    public static let paletteSize = 8

    /// Width of the view box; the SVG itself scales to its container.
    static let width = 420.0
    static let plotHeight = 200.0
    static let legendRowHeight = 18.0

    /// Renders the chart as an `<svg>` element. Points that are not finite are left out, so the
    /// output never holds NaN or infinity; a chart without data shows its axes and "no data".
    public func render() -> String {
        let layout = Layout(chart: self)
        var svg = "<svg class=\"chart-svg\" viewBox=\"0 0 \(f(Self.width)) \(f(layout.height))\" role=\"img\" aria-labelledby=\"\(id)-title\">"
        svg += "<title id=\"\(id)-title\">\(HTMLText.escape(title))</title>"
        svg +=
            "<defs><clipPath id=\"\(id)-plot\"><rect x=\"\(f(layout.left))\" y=\"\(f(layout.top))\" width=\"\(f(layout.plotWidth))\" height=\"\(f(Self.plotHeight))\"/></clipPath></defs>"
        svg += text(title, x: Self.width / 2, y: 18, className: "chart-title", anchor: "middle")
        svg += renderGrid(layout)
        svg += "<g clip-path=\"url(#\(id)-plot)\">"
        for (index, series) in series.enumerated() where series.style.isBars { svg += renderSeries(series, number: index, layout) }
        svg += "</g>"
        svg += renderMarkers(layout)
        svg += "<g clip-path=\"url(#\(id)-plot)\">"
        for (index, series) in series.enumerated() where !series.style.isBars { svg += renderSeries(series, number: index, layout) }
        svg += "</g>"
        svg += renderAxes(layout)
        if layout.isEmpty {
            svg += text(
                "no data", x: layout.left + layout.plotWidth / 2, y: layout.top + Self.plotHeight / 2, className: "chart-empty", anchor: "middle")
        }
        if showsLegend { svg += renderLegend(layout) }
        return svg + "</svg>"
    }

    // MARK: - Parts

    private func renderGrid(_ layout: Layout) -> String {
        var svg = "<g class=\"grid\">"
        for tick in layout.yTicks {
            let y = layout.y(tick.value)
            svg += "<line x1=\"\(f(layout.left))\" y1=\"\(f(y))\" x2=\"\(f(layout.right))\" y2=\"\(f(y))\"/>"
        }
        if xAxis.categories == nil {
            for tick in layout.xTicks {
                let x = layout.x(tick.value)
                svg += "<line x1=\"\(f(x))\" y1=\"\(f(layout.top))\" x2=\"\(f(x))\" y2=\"\(f(layout.bottom))\"/>"
            }
        }
        return svg + "</g>"
    }

    private func renderAxes(_ layout: Layout) -> String {
        var svg = "<g class=\"axis\">"
        svg += "<line x1=\"\(f(layout.left))\" y1=\"\(f(layout.bottom))\" x2=\"\(f(layout.right))\" y2=\"\(f(layout.bottom))\"/>"
        svg += "<line x1=\"\(f(layout.left))\" y1=\"\(f(layout.top))\" x2=\"\(f(layout.left))\" y2=\"\(f(layout.bottom))\"/>"
        for tick in layout.xTicks {
            let x = layout.x(tick.value)
            svg += "<line x1=\"\(f(x))\" y1=\"\(f(layout.bottom))\" x2=\"\(f(x))\" y2=\"\(f(layout.bottom + 4))\"/>"
            svg += text(tick.label, x: x, y: layout.bottom + 16, className: "tick", anchor: "middle")
        }
        for tick in layout.yTicks {
            let y = layout.y(tick.value)
            svg += "<line x1=\"\(f(layout.left - 4))\" y1=\"\(f(y))\" x2=\"\(f(layout.left))\" y2=\"\(f(y))\"/>"
            svg += text(tick.label, x: layout.left - 7, y: y + 4, className: "tick", anchor: "end")
        }
        svg += text(xAxis.label, x: layout.left + layout.plotWidth / 2, y: layout.bottom + 34, className: "axis-label", anchor: "middle")
        let yLabelX = 14.0
        let yLabelY = layout.top + Self.plotHeight / 2
        svg +=
            "<text class=\"axis-label\" x=\"\(f(yLabelX))\" y=\"\(f(yLabelY))\" text-anchor=\"middle\" transform=\"rotate(-90 \(f(yLabelX)) \(f(yLabelY)))\">\(HTMLText.escape(yAxis.label))</text>"
        return svg + "</g>"
    }

    private func renderSeries(_ series: ChartSeries, number: Int, _ layout: Layout) -> String {
        let points = series.points.filter { $0.x.isFinite && $0.y.isFinite }
        guard !points.isEmpty else { return "" }
        var svg = "<g class=\"series series-\(series.colorIndex % Self.paletteSize)\" data-series=\"\(number)\">"
        switch series.style {
        case .bars(let width):
            let zero = layout.y(max(layout.yDomain.lowerBound, 0))
            for point in points {
                let x0 = layout.x(point.x)
                let x1 = layout.x(point.x + width)
                let y = layout.y(point.y)
                let barWidth = max(0.5, x1 - x0 - 1)
                svg += "<rect class=\"bar\" x=\"\(f(x0 + 0.5))\" y=\"\(f(min(y, zero)))\" width=\"\(f(barWidth))\" height=\"\(f(abs(zero - y)))\"/>"
            }
        case .line(let dots):
            svg += "<path class=\"line\(series.dashed ? " dashed" : "")\" d=\"\(Self.linePath(points.map { (layout.x($0.x), layout.y($0.y)) }))\"/>"
            if dots {
                for point in points {
                    svg += "<circle class=\"dot\" cx=\"\(f(layout.x(point.x)))\" cy=\"\(f(layout.y(point.y)))\" r=\"3\"/>"
                }
            }
        case .step:
            svg += "<path class=\"line\(series.dashed ? " dashed" : "")\" d=\"\(Self.stepPath(points.map { (layout.x($0.x), layout.y($0.y)) }))\"/>"
        }
        return svg + "</g>"
    }

    private func renderMarkers(_ layout: Layout) -> String {
        var svg = ""
        var labelRows: [Double] = [-.infinity, -.infinity]  // right end of the last label in each row
        for marker in markers where marker.value.isFinite {
            let colorClass = marker.colorIndex.map { " series-\($0 % Self.paletteSize)" } ?? ""
            svg += "<g class=\"marker\(colorClass)\">"
            switch marker.orientation {
            case .vertical:
                let x = layout.x(marker.value)
                guard x >= layout.left - 0.5 && x <= layout.right + 0.5 else {
                    svg += "</g>"
                    continue
                }
                svg += "<line x1=\"\(f(x))\" y1=\"\(f(layout.top))\" x2=\"\(f(x))\" y2=\"\(f(layout.bottom))\"/>"
                if !marker.label.isEmpty {
                    let halfWidth = Self.textWidth(marker.label, fontSize: 10.5) / 2
                    let row = labelRows.firstIndex { $0 < x - halfWidth - 3 } ?? 0
                    labelRows[row] = x + halfWidth
                    svg += text(marker.label, x: x, y: layout.top - 4 - Double(row) * 12, className: "marker-label", anchor: "middle")
                }
            case .horizontal:
                let y = layout.y(marker.value)
                guard y >= layout.top - 0.5 && y <= layout.bottom + 0.5 else {
                    svg += "</g>"
                    continue
                }
                svg += "<line x1=\"\(f(layout.left))\" y1=\"\(f(y))\" x2=\"\(f(layout.right))\" y2=\"\(f(y))\"/>"
                if !marker.label.isEmpty {
                    svg += text(marker.label, x: layout.right + 3, y: y + 3.5, className: "marker-label", anchor: "start")
                }
            }
            svg += "</g>"
        }
        return svg
    }

    private func renderLegend(_ layout: Layout) -> String {
        var svg = "<g class=\"legend\">"
        for item in layout.legendItems {
            let series = series[item.index]
            svg += "<g class=\"series-\(series.colorIndex % Self.paletteSize)\">"
            if series.style.isBars {
                svg += "<rect class=\"swatch bar\" x=\"\(f(item.x))\" y=\"\(f(item.y - 9))\" width=\"12\" height=\"10\"/>"
            } else {
                svg +=
                    "<line class=\"swatch-line\(series.dashed ? " dashed" : "")\" x1=\"\(f(item.x))\" y1=\"\(f(item.y - 4))\" x2=\"\(f(item.x + 14))\" y2=\"\(f(item.y - 4))\"/>"
            }
            svg += text(series.name, x: item.x + 18, y: item.y, className: "legend-label", anchor: "start")
            svg += "</g>"
        }
        return svg + "</g>"
    }

    private func text(_ content: String, x: Double, y: Double, className: String, anchor: String) -> String {
        "<text class=\"\(className)\" x=\"\(f(x))\" y=\"\(f(y))\" text-anchor=\"\(anchor)\">\(HTMLText.escape(content))</text>"
    }

    // MARK: - Geometry

    /// An SVG path through `points` in straight segments: `M x,y L x,y …`.
    static func linePath(_ points: [(Double, Double)]) -> String {
        points.enumerated().map { index, point in "\(index == 0 ? "M" : "L")\(f(point.0)),\(f(point.1))" }.joined(separator: " ")
    }

    /// An SVG path that holds each y until the next point's x: `M x0,y0 H x1 V y1 H x2 V y2 …`.
    static func stepPath(_ points: [(Double, Double)]) -> String {
        guard let first = points.first else { return "" }
        var path = "M\(f(first.0)),\(f(first.1))"
        for point in points.dropFirst() { path += " H\(f(point.0)) V\(f(point.1))" }
        return path
    }

    /// Approximate rendered width of `text`: 0.6 em per terminal column, so a wide (Korean)
    /// character takes 1.2 em.
    static func textWidth(_ text: String, fontSize: Double) -> Double {
        Double(TerminalText.displayWidth(of: text)) * 0.6 * fontSize
    }

    /// Where everything goes: margins sized to the tick labels, the plot area, the legend rows.
    private struct Layout {
        struct Tick {
            var value: Double
            var label: String
        }

        struct LegendItem {
            var index: Int
            var x: Double
            var y: Double
        }

        var xDomain: ClosedRange<Double>
        var yDomain: ClosedRange<Double>
        var xTicks: [Tick]
        var yTicks: [Tick]
        var left: Double
        var top: Double
        /// Wider on the right when horizontal markers have labels, which go there.
        var right: Double
        var plotWidth: Double { right - left }
        var bottom: Double { top + SVGChart.plotHeight }
        var legendItems: [LegendItem] = []
        var height: Double
        var isEmpty: Bool

        init(chart: SVGChart) {
            let points = chart.series.flatMap { series in
                series.points.filter { $0.x.isFinite && $0.y.isFinite }.flatMap { point -> [ChartPoint] in
                    if case .bars(let width) = series.style { return [point, ChartPoint(x: point.x + width, y: 0)] }
                    return [point]
                }
            }
            isEmpty = points.isEmpty
            let verticalMarkers = chart.markers.filter { $0.orientation == .vertical && $0.value.isFinite }.map(\.value)
            let horizontalMarkers = chart.markers.filter { $0.orientation == .horizontal && $0.value.isFinite }.map(\.value)
            (xDomain, xTicks) = Self.scale(chart.xAxis, values: points.map(\.x) + verticalMarkers)
            (yDomain, yTicks) = Self.scale(chart.yAxis, values: points.map(\.y) + horizontalMarkers)
            let widestLabel = yTicks.map { SVGChart.textWidth($0.label, fontSize: 11) }.max() ?? 0
            left = 26 + widestLabel + 8
            let horizontalLabels = chart.markers.filter { $0.orientation == .horizontal && !$0.label.isEmpty }.map(\.label)
            right = SVGChart.width - 14 - (horizontalLabels.map { SVGChart.textWidth($0, fontSize: 10.5) }.max() ?? 0)
            let labelledVertical = chart.markers.contains { $0.orientation == .vertical && !$0.label.isEmpty }
            top = labelledVertical ? 50 : 30
            height = top + SVGChart.plotHeight + 42
            if chart.showsLegend {
                var x = left
                var y = height + 6
                for (index, series) in chart.series.enumerated() {
                    let itemWidth = 18 + SVGChart.textWidth(series.name, fontSize: 11) + 14
                    if x > left && x + itemWidth > right {
                        x = left
                        y += SVGChart.legendRowHeight
                    }
                    legendItems.append(LegendItem(index: index, x: x, y: y))
                    x += itemWidth
                }
                if !legendItems.isEmpty { height = y + 8 }
            }
        }

        /// The domain and ticks of an axis over `values`.
        static func scale(_ axis: ChartAxis, values: [Double]) -> (ClosedRange<Double>, [Tick]) {
            if let categories = axis.categories, !categories.isEmpty {
                let ticks = categories.enumerated().map { Tick(value: Double($0.offset), label: $0.element) }
                return (-0.5...(Double(categories.count) - 0.5), ticks)
            }
            var lower = values.min() ?? 0
            var upper = values.max() ?? 1
            if axis.includesZero {
                lower = min(lower, 0)
                upper = max(upper, 0)
            }
            let ticks = NiceTicks(lower: lower, upper: upper)
            return (ticks.domain, ticks.values.map { Tick(value: $0, label: ticks.label($0)) })
        }

        func x(_ value: Double) -> Double {
            left + (value - xDomain.lowerBound) / (xDomain.upperBound - xDomain.lowerBound) * plotWidth
        }

        func y(_ value: Double) -> Double {
            bottom - (value - yDomain.lowerBound) / (yDomain.upperBound - yDomain.lowerBound) * SVGChart.plotHeight
        }
    }

    /// The colours and text styles of charts, as CSS: the page's theme variables (light, and dark
    /// when the reader prefers it) and the classes the SVG uses.
    public static let stylesheet = """
        :root {
          --bg: #ffffff; --fg: #1f2328; --muted: #59636e; --card: #f6f8fa; --border: #d1d9e0;
          --grid: #e6eaef; --axis: #8c959f; --bad: #cf222e; --good: #1a7f37; --accent: #0969da;
          --series-0: #2563eb; --series-1: #ea580c; --series-2: #16a34a; --series-3: #9333ea;
          --series-4: #dc2626; --series-5: #0891b2; --series-6: #ca8a04; --series-7: #db2777;
        }
        @media (prefers-color-scheme: dark) {
          :root {
            --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --card: #151b23; --border: #3d444d;
            --grid: #262c36; --axis: #656c76; --bad: #ff7b72; --good: #3fb950; --accent: #4493f8;
            --series-0: #60a5fa; --series-1: #fb923c; --series-2: #4ade80; --series-3: #c084fc;
            --series-4: #f87171; --series-5: #22d3ee; --series-6: #facc15; --series-7: #f472b6;
          }
        }
        .chart-svg { display: block; width: 100%; height: auto; font-family: inherit; }
        .chart-title { font-size: 14px; font-weight: 600; fill: var(--fg); }
        .axis-label { font-size: 12px; fill: var(--muted); }
        .tick { font-size: 11px; fill: var(--muted); font-variant-numeric: tabular-nums; }
        .chart-empty { font-size: 13px; fill: var(--muted); }
        .grid line { stroke: var(--grid); stroke-width: 1; }
        .axis line { stroke: var(--axis); stroke-width: 1; }
        .series-0 { --c: var(--series-0); } .series-1 { --c: var(--series-1); }
        .series-2 { --c: var(--series-2); } .series-3 { --c: var(--series-3); }
        .series-4 { --c: var(--series-4); } .series-5 { --c: var(--series-5); }
        .series-6 { --c: var(--series-6); } .series-7 { --c: var(--series-7); }
        .series .line { fill: none; stroke: var(--c); stroke-width: 2; stroke-linejoin: round; }
        .series .dot { fill: var(--c); stroke: var(--bg); stroke-width: 1; }
        .bar { fill: var(--c); fill-opacity: 0.55; stroke: var(--c); stroke-opacity: 0.9; stroke-width: 0.5; }
        .dashed { stroke-dasharray: 6 4; }
        .marker line { stroke: var(--c, var(--muted)); stroke-width: 1.2; stroke-dasharray: 3 3; }
        .marker-label { font-size: 10.5px; fill: var(--c, var(--muted)); }
        .legend-label { font-size: 11px; fill: var(--fg); }
        .swatch-line { stroke: var(--c); stroke-width: 2.5; }
        @media (max-width: 600px) {
          .chart-title { font-size: 15px; } .axis-label { font-size: 13px; }
          .tick, .legend-label { font-size: 12.5px; } .marker-label { font-size: 11.5px; }
        }
        """
}

extension ChartSeries.Style {
    var isBars: Bool {
        if case .bars = self { return true }
        return false
    }
}

/// A coordinate with one decimal (`12.3`), never `-0.0`.
private func f(_ value: Double) -> String {
    let rounded = (value * 10).rounded() / 10
    return rounded == 0 ? "0" : String(format: "%.1f", rounded)
}
