import Foundation
public import LLMClientKit
public import LLMSupport

/// The last few seconds of a running level, for a live view: requests, output tokens, TTFT and
/// ITL of the results that finished in each of the last seconds, in one slot per second. Memory is
/// fixed (a few slots of log-bucket counts, whatever the request rate); recording a result is a
/// few additions; the statistics are computed when asked for, once per refresh.
public struct LiveWindow: Sendable {
    /// One second of finished results.
    struct Slot: Sendable {
        var second = -1
        var finished = 0
        var failed = 0
        var outputTokens = 0
        var ttft = LogBuckets()
        var itl = LogBuckets()

        mutating func reset(to second: Int) {
            self.second = second
            finished = 0
            failed = 0
            outputTokens = 0
            ttft.reset()
            itl.reset()
        }
    }

    /// The median and the 99th percentile of the values in the window, and how many there were.
    public struct Percentiles: Sendable, Equatable {
        public var p50: Double
        public var p99: Double
        public var count: Int

        public init(p50: Double, p99: Double, count: Int) {
            self.p50 = p50
            self.p99 = p99
            self.count = count
        }
    }

    /// How many failures there were of one kind.
    public struct ErrorCount: Sendable, Equatable {
        public var kind: String
        public var count: Int

        public init(kind: String, count: Int) {
            self.kind = kind
            self.count = count
        }
    }

    /// What the window holds at a moment.
    public struct Statistics: Sendable, Equatable {
        /// Seconds the window covers (its length, or less early in the level).
        public var seconds: Double
        /// Results (successful or not) that finished in the window, and those that failed.
        public var finished: Int
        public var failed: Int
        /// Output tokens of the successful results in the window.
        public var outputTokens: Int
        /// TTFT of the results in the window, and their gaps between tokens (nil when there are none).
        public var ttft: Percentiles?
        public var itl: Percentiles?
        /// Results since the level started, and those that failed.
        public var totalFinished: Int
        public var totalFailed: Int
        /// Failures since the level started by kind (`http_status`, ...), the most frequent first.
        public var errorsByKind: [ErrorCount]

        public init(
            seconds: Double, finished: Int, failed: Int, outputTokens: Int, ttft: Percentiles?, itl: Percentiles?, totalFinished: Int,
            totalFailed: Int, errorsByKind: [ErrorCount]
        ) {
            self.seconds = seconds
            self.finished = finished
            self.failed = failed
            self.outputTokens = outputTokens
            self.ttft = ttft
            self.itl = itl
            self.totalFinished = totalFinished
            self.totalFailed = totalFailed
            self.errorsByKind = errorsByKind
        }

        /// Finished requests per second over the window.
        public var requestsPerSecond: Double { seconds > 0 ? Double(finished) / seconds : 0 }
        /// Output tokens per second over the window.
        public var outputTokensPerSecond: Double { seconds > 0 ? Double(outputTokens) / seconds : 0 }

    }

    /// Whole seconds the window spans: the statistics cover the last `seconds` complete seconds
    /// and the current, partial one (the results that finished then).
    public let seconds: Int
    private var slots: [Slot]
    private var totalFinished = 0
    private var totalFailed = 0
    private var errorsByKind: [ErrorKind: Int] = [:]

    /// An empty window of the last `seconds` seconds (at least 1).
    public init(seconds: Int = 5) {
        self.seconds = max(1, seconds)
        slots = Array(repeating: Slot(), count: self.seconds + 1)
    }

    /// Records `result`, which finished `time` seconds after the level started.
    public mutating func record(_ result: RequestResult, at time: Double) {
        let second = max(0, Int(time.rounded(.down)))
        let index = second % slots.count
        // A result of a second that has already left the window (a late caller) still counts in the totals.
        if slots[index].second != second {
            guard second > slots[index].second else { return countTotals(result) }
            slots[index].reset(to: second)
        }
        countTotals(result)
        slots[index].finished += 1
        guard result.success else {
            slots[index].failed += 1
            return
        }
        slots[index].outputTokens += result.completionTokens ?? 0
        if let ttft = result.ttftS { slots[index].ttft.record(ttft) }
        for gap in result.itlS { slots[index].itl.record(gap) }
    }

    private mutating func countTotals(_ result: RequestResult) {
        totalFinished += 1
        if !result.success {
            totalFailed += 1
            errorsByKind[result.errorKind ?? .connection, default: 0] += 1
        }
    }

    /// The statistics `time` seconds after the level started.
    public func statistics(at time: Double) -> Statistics {
        let current = max(0, Int(time.rounded(.down)))
        let oldest = current - seconds
        let live = slots.filter { $0.second >= 0 && $0.second >= oldest && $0.second <= current }
        let span = max(0, min(time, time - Double(oldest)))
        let errors = errorsByKind.map { ErrorCount(kind: $0.key.rawValue, count: $0.value) }.sorted {
            $0.count != $1.count ? $0.count > $1.count : $0.kind < $1.kind
        }
        return Statistics(
            seconds: span, finished: live.reduce(0) { $0 + $1.finished }, failed: live.reduce(0) { $0 + $1.failed },
            outputTokens: live.reduce(0) { $0 + $1.outputTokens }, ttft: LogBuckets.percentiles(live.map(\.ttft)),
            itl: LogBuckets.percentiles(live.map(\.itl)), totalFinished: totalFinished, totalFailed: totalFailed, errorsByKind: errors)
    }
}

/// Counts of values in buckets 1/64 of an octave wide (from a microsecond to about an hour): the
/// bucket of a value is the top bits of its floating-point representation, so recording needs no
/// logarithm. A percentile read back is the bucket's middle, within 0.8 % of the value. Not a
/// ``LatencyHistogram``: an HdrHistogram over the same range at three digits holds about 190 KB of
/// counts, twelve of them (two per slot) over 2 MB, and a slot is emptied every second; these hold 8 KB.
struct LogBuckets: Sendable {
    private static let mantissaBits: UInt64 = 6
    private static let shift = 52 - mantissaBits
    private static let lowest = 1e-6
    private static let highest = 4096.0
    private static let base = Int(lowest.bitPattern >> shift)
    static let count = Int(highest.bitPattern >> shift) - base + 1

    private var counts: [UInt32] = []
    private(set) var total = 0

    mutating func record(_ seconds: Double) {
        if counts.isEmpty { counts = Array(repeating: 0, count: Self.count) }
        let value = seconds.isNaN ? Self.lowest : min(Self.highest, max(Self.lowest, seconds))
        counts[Int(value.bitPattern >> Self.shift) - Self.base] &+= 1
        total += 1
    }

    mutating func reset() {
        guard total > 0 else { return }
        for index in counts.indices { counts[index] = 0 }
        total = 0
    }

    /// The middle of bucket `index`.
    static func value(ofBucket index: Int) -> Double {
        let low = Double(bitPattern: UInt64(index + base) << shift)
        let high = Double(bitPattern: UInt64(index + base + 1) << shift)
        return (low + high) / 2
    }

    /// The median and 99th percentile (nearest rank) of the values of `buckets` together.
    static func percentiles(_ buckets: [LogBuckets]) -> LiveWindow.Percentiles? {
        let filled = buckets.filter { $0.total > 0 }
        let total = filled.reduce(0) { $0 + $1.total }
        guard total > 0 else { return nil }
        let ranks = [0.5, 0.99].map { max(1, Int((Double(total) * $0).rounded(.up))) }
        var found: [Double] = []
        var seen = 0
        for index in 0..<count {
            seen += filled.reduce(0) { $0 + Int($1.counts[index]) }
            while found.count < ranks.count, seen >= ranks[found.count] { found.append(value(ofBucket: index)) }
            if found.count == ranks.count { break }
        }
        return LiveWindow.Percentiles(p50: found[0], p99: found[1], count: total)
    }
}

/// The text of the live view of a running level: a few short lines, each fitted to the terminal's
/// width, styled lightly (nothing but text without colour).
///
///     c=4  ████████░░░░  4s/6s  done 60  in flight 4
///       rate     14.9 req/s   239 tok/s out         last 5 s
///       TTFT     p50 106 ms    p99 115 ms           last 5 s, 60 requests
///       ITL      p50 9.95 ms   p99 13.2 ms          last 5 s, 900 gaps
///       errors   2: http_status 1, stream_cut 1  (1 in the last 5 s)
///       client   CPU 25 % of a core (2 cores)       last 1 s
public struct LivePanelText: Sendable {
    /// The level (or probe): `c=8`, `r=20/s`.
    public var label: String
    /// Seconds since the level started.
    public var elapsed: Double
    /// The level's length in seconds, when a duration ends it.
    public var duration: Double?
    /// Measured requests the level sends, when a count ends it.
    public var expectedRequests: Int?
    /// Requests in flight, when known.
    public var inFlight: Int?
    public var statistics: LiveWindow.Statistics
    /// The window's length in whole seconds.
    public var windowSeconds: Int
    /// The client's CPU time over the last `cpuSeconds` of wall time, in percent of one core.
    public var cpuPercent: Double?
    public var cpuSeconds: Double
    /// Cores the client may use.
    public var cores: Int

    public init(
        label: String, elapsed: Double, duration: Double?, expectedRequests: Int?, inFlight: Int?, statistics: LiveWindow.Statistics,
        windowSeconds: Int, cpuPercent: Double?, cpuSeconds: Double = 1, cores: Int
    ) {
        self.label = label
        self.elapsed = elapsed
        self.duration = duration
        self.expectedRequests = expectedRequests
        self.inFlight = inFlight
        self.statistics = statistics
        self.windowSeconds = windowSeconds
        self.cpuPercent = cpuPercent
        self.cpuSeconds = cpuSeconds
        self.cores = cores
    }

    /// A piece of a line and how it is styled.
    private typealias Segment = (text: String, style: @Sendable (TerminalStyle, String) -> String)

    private static func plain(_ text: String) -> Segment { (text, { _, text in text }) }
    private static func dim(_ text: String) -> Segment { (text, { $0.dim($1) }) }
    private static func bold(_ text: String) -> Segment { (text, { $0.bold($1) }) }
    private static func red(_ text: String) -> Segment { (text, { $0.red($1) }) }
    private static func yellow(_ text: String) -> Segment { (text, { $0.yellow($1) }) }

    /// The lines, each at most `columns` wide (cut with `…`), styled with `style`.
    public func lines(columns: Int, style: TerminalStyle) -> [String] {
        let window = "last \(windowSeconds) s"
        let statistics = statistics
        var header: [Segment] = [Self.bold(label)]
        let fraction: Double? =
            if let expectedRequests, expectedRequests > 0 {
                min(1, Double(statistics.totalFinished) / Double(expectedRequests))
            } else if let duration, duration > 0 {
                min(1, elapsed / duration)
            } else {
                nil
            }
        if let fraction {
            let filled = Int((fraction * 12).rounded(.down))
            header.append(Self.plain("  " + String(repeating: "█", count: filled) + String(repeating: "░", count: 12 - filled)))
        }
        header.append(Self.plain("  \(Int(elapsed.rounded(.down)))s" + (duration.map { "/" + Self.number($0) + "s" } ?? "")))
        header.append(Self.plain("  done \(statistics.totalFinished)" + (expectedRequests.map { "/\($0)" } ?? "")))
        header.append(Self.plain("  in flight " + (inFlight.map(String.init) ?? "–")))

        let rate: [Segment] = [
            Self.dim("  rate     "), Self.plain(Self.cell(Self.number(statistics.requestsPerSecond) + " req/s", 13)),
            Self.plain(Self.cell(Self.number(statistics.outputTokensPerSecond) + " tok/s out", 22)), Self.dim(window),
        ]
        func latency(_ name: String, _ percentiles: LiveWindow.Percentiles?, _ unit: String) -> [Segment] {
            guard let percentiles else { return [Self.dim("  " + Self.cell(name, 9)), Self.plain(Self.cell("–", 35)), Self.dim(window)] }
            return [
                Self.dim("  " + Self.cell(name, 9)), Self.plain(Self.cell("p50 " + Self.latency(percentiles.p50), 14)),
                Self.plain(Self.cell("p99 " + Self.latency(percentiles.p99), 21)),
                Self.dim("\(window), \(percentiles.count) \(unit)\(percentiles.count == 1 ? "" : "s")"),
            ]
        }
        var errors: [Segment] = [Self.dim("  errors   ")]
        if statistics.totalFailed == 0 {
            errors.append(Self.plain("none"))
        } else {
            errors.append(Self.red("\(statistics.totalFailed)"))
            errors.append(Self.plain(": " + statistics.errorsByKind.map { "\($0.kind) \($0.count)" }.joined(separator: ", ")))
            if statistics.failed > 0 { errors.append(Self.dim("  (\(statistics.failed) in the \(window))")) }
        }
        var client: [Segment] = [Self.dim("  client   ")]
        if let cpuPercent {
            let text = "CPU \(Int(cpuPercent.rounded())) % of a core"
            // Past 80 % of the cores it may use, the client's own delays show in the latencies.
            client.append(cpuPercent > ClientLoad.busyPercent * Double(max(1, cores)) ? Self.yellow(text) : Self.plain(text))
            client.append(Self.plain(Self.cell(" (\(cores) core\(cores == 1 ? "" : "s"))", 35 - text.displayWidth)))
            client.append(Self.dim("last \(max(1, Int(cpuSeconds.rounded()))) s"))
        } else {
            client.append(Self.plain("CPU –"))
        }
        return [header, rate, latency("TTFT", statistics.ttft, "request"), latency("ITL", statistics.itl, "gap"), errors, client].map {
            Self.fitted($0, columns: columns, style: style)
        }
    }

    /// `segments` cut to `columns` terminal columns (measured without escapes, ending in `…` when
    /// cut), then styled.
    private static func fitted(_ segments: [Segment], columns: Int, style: TerminalStyle) -> String {
        let cut = segments.reduce(0) { $0 + $1.text.displayWidth } > columns
        var room = cut ? max(0, columns - 1) : columns
        var line = ""
        for segment in segments where room > 0 {
            let width = segment.text.displayWidth
            let piece = width <= room ? segment.text : segment.text.truncated(toWidth: room, ellipsis: "")
            room = width <= room ? room - width : 0
            line += segment.style(style, piece)
        }
        return cut && columns > 0 ? line + "…" : line
    }

    private static func cell(_ text: String, _ width: Int) -> String { text.padded(toWidth: width) }

    /// A rate or count with three significant digits at most below 100 (`2.35`, `26.4`, `422`).
    static func number(_ value: Double) -> String {
        if value >= 100 || value == value.rounded() { return String(Int(value.rounded())) }
        return String(format: value >= 10 ? "%.1f" : "%.2f", value)
    }

    /// Seconds as milliseconds below one second (`0.412 ms`, `5.21 ms`, `48.0 ms`, `412 ms`), else seconds (`1.25 s`).
    static func latency(_ seconds: Double) -> String {
        let milliseconds = seconds * 1000
        switch milliseconds {
        case ..<1: return String(format: "%.3f ms", milliseconds)
        case ..<10: return String(format: "%.2f ms", milliseconds)
        case ..<100: return String(format: "%.1f ms", milliseconds)
        case ..<1000: return String(format: "%.0f ms", milliseconds)
        default: return String(format: "%.2f s", seconds)
        }
    }
}
