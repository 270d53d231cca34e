import Foundation
public import LLMResults
public import LLMSupport

extension BenchDocument {
    /// The document of a benchmark's measured levels.
    public init(run: RunInfo, bench: [String: String], levels: [BenchLevelResult], serverMetricChanges: [String: Double]?) {
        self.init(
            run: run, bench: bench,
            levels: levels.map {
                var level = Level(
                    label: $0.label, temperature: $0.temperature, summary: $0.summary, timeSeries: $0.timeSeries, histograms: $0.histograms,
                    startedAt: $0.startedAt)
                level.requestedInputTokens = $0.requestedInputTokens
                level.requestedOutputTokens = $0.requestedOutputTokens
                level.rampUp = $0.rampUp
                level.stoppedEarly = $0.stoppedEarly
                return level
            },
            serverMetricChanges: serverMetricChanges)
    }
}

/// The terminal report of a benchmark: one block per level, or one table row per level for sweeps.
/// Columns are measured in terminal columns, so wide (Korean) labels keep them aligned.
/// - Parameter style: colour for a terminal (the title, failures, the saturation mark); plain by default.
public func formatBenchReport(_ document: BenchDocument, style: TerminalStyle = .plain) -> String {
    func ms(_ value: Double?) -> String { value.map { String(format: "%.1f", $0 * 1000) } ?? "n/a" }
    var lines: [String] = []
    let rule = String(repeating: "=", count: 100)
    lines.append(rule)
    lines.append(style.bold("📊 BENCHMARK") + "  \(document.run.model) at \(document.run.baseURL)  (workload: \(document.bench["workload"] ?? ""))")
    lines.append(rule)
    if document.levels.count == 1, let level = document.levels.first {
        let s = level.summary
        let share = document.run.shard.map { "  (all workers together; this is shard \($0) and sends its share)" } ?? ""
        lines.append("Load:                \(level.label)\(share)")
        lines.append(
            "Requests:            \(s.totalRequests) (\(s.successful) ok, " + (s.failed > 0 ? style.red("\(s.failed) failed") : "0 failed") + ")")
        if !s.errorsByKind.isEmpty {
            lines.append("Errors by kind:      " + s.errorsByKind.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        lines.append(String(format: "Duration:            %.2f s", s.durationS))
        lines.append(String(format: "Request throughput:  %.2f req/s", s.requestsPerSecond))
        lines.append(String(format: "Output tokens:       %.1f tok/s (%d tokens)", s.outputTokensPerSecond, s.totalCompletionTokens))
        lines.append(String(format: "Total tokens:        %.1f tok/s (%d input)", s.totalTokensPerSecond, s.totalPromptTokens))
        if let goodput = s.goodput, let attainment = s.sloAttainmentPercent {
            lines.append(String(format: "Goodput:             %.2f req/s (%.1f %% met the SLO)", goodput, attainment))
        }
        lines.append("Max in flight:       \(s.maxInFlight ?? 0)")
        for (name, lengths, requested) in [
            ("Input", s.inputTokensPerRequest, level.requestedInputTokens), ("Output", s.outputTokensPerRequest, level.requestedOutputTokens),
        ] {
            guard let lengths else { continue }
            let asked = requested.map { "\($0) asked, " } ?? ""
            lines.append(
                "\(name) tokens/req:".fitted(toWidth: 21)
                    + String(format: "%@%.1f mean (%d to %d), by the server's usage", asked, lengths.mean, lengths.min, lengths.max))
        }
        if let client = s.client {
            lines.append(
                String(
                    format: "Client load:         %.0f %% of %d cores (%.2f s CPU), peak memory %.0f MB",
                    client.cpuPercent, client.cores, client.cpuS, client.peakMemoryMB))
        }
        lines.append(String(repeating: "-", count: 100))
        lines.append(
            "(ms)".fitted(toWidth: 18)
                + ["mean", "min", "p50", "p90", "p95", "p99", "p99.9", "max"].map { $0.rightAlignedCell(width: 10) }.joined())
        let rows: [(String, DistributionSummary?)] = [
            ("TTFT", s.ttftS), ("TTFT turn 1", s.ttftFirstTurnS), ("TTFT turns 2+", s.ttftLaterTurnsS), ("TTFO", s.ttfoS),
            ("end-to-end", s.latencyS), ("ITL", s.itlS), ("TPOT", s.tpotS),
            ("scheduling lag", s.schedulingLagS), ("send (client)", s.sendS),
        ]
        for (name, d) in rows {
            guard let d else { continue }
            lines.append(
                "  " + name.fitted(toWidth: 16)
                    + [d.mean, d.min, d.p50, d.p90, d.p95, d.p99, d.p99_9, d.max].map { ms($0).rightAlignedCell(width: 10) }.joined())
        }
    } else {
        let header = [
            "level", "req/s", "out tok/s", "TTFT p50", "TTFT p99", "E2E p50", "E2E p99", "ITL p50", "ITL p99", "lag p99", "client %", "errors",
        ]
        lines.append(header.enumerated().map { $0 == 0 ? $1.fitted(toWidth: 16) : $1.rightAlignedCell(width: 10) }.joined())
        for level in document.levels {
            let s = level.summary
            var row = level.label.fitted(toWidth: 16)
            row += [
                String(format: "%.2f", s.requestsPerSecond), String(format: "%.1f", s.outputTokensPerSecond),
                ms(s.ttftS?.p50), ms(s.ttftS?.p99), ms(s.latencyS?.p50), ms(s.latencyS?.p99), ms(s.itlS?.p50), ms(s.itlS?.p99),
                ms(s.schedulingLagS?.p99), s.client.map { String(format: "%.0f", $0.cpuPercent) } ?? "n/a",
                String(s.failed),
            ].map { $0.rightAlignedCell(width: 10) }.joined()
            if level.label == document.saturationLevel { row += style.yellow("  ← saturation") }
            lines.append(row)
        }
        lines.append("(latencies in ms)")
        let lengths = document.levels.compactMap { level -> String? in
            let s = level.summary
            guard let input = s.inputTokensPerRequest, let output = s.outputTokensPerRequest else { return nil }
            return
                "\(level.label) in \(String(format: "%.1f", input.mean)) (\(input.min)-\(input.max)), out \(String(format: "%.1f", output.mean)) (\(output.min)-\(output.max))"
        }
        if !lengths.isEmpty { lines.append("Tokens per request (server's usage): " + lengths.joined(separator: "; ")) }
        if let saturation = document.saturationLevel {
            lines.append("Saturation at \(saturation): beyond it throughput grows by less than 10 % while median latency rises by more than 25 %.")
        }
    }
    for level in document.levels {
        if let ramp = level.rampUp {
            lines.append(
                "\(level.label) ramp-up (not in the figures above): "
                    + String(
                        format: "%d requests (%d failed) over %.1f s, TTFT p50 %@ ms, p99 %@ ms", ramp.totalRequests, ramp.failed, ramp.durationS,
                        ms(ramp.ttftS?.p50), ms(ramp.ttftS?.p99)))
        }
        for mismatch in level.lengthMismatches { lines.append(style.yellow("⚠ \(level.label): \(mismatch).")) }
        if let stop = level.stoppedEarly { lines.append(style.yellow("⚠ \(level.label) stopped early (\(stop.reason)): \(stop.detail).")) }
    }
    if let capacity = document.capacity { lines += formatCapacity(capacity, style: style) }
    let busy = document.levels.filter { $0.summary.client?.isBusy(overSeconds: $0.summary.durationS) == true }.map(\.label)
    if !busy.isEmpty {
        lines.append(
            style.yellow(
                "⚠ The client kept more than \(Int(ClientLoad.busyPercent)) % of its cores busy (\(busy.joined(separator: ", "))): "
                    + "its own delays may be in these latencies. Spread the load over more workers (--shard K/N)."))
    }
    // A server with vLLM's metrics gets a table of its means per level instead of its vllm: series
    // (60-odd per level, all kept in the JSON); other series are listed as they changed.
    let serverLevels = ServerLevelMetrics.from(document)
    let listed = (document.serverMetricChanges ?? [:]).filter { serverLevels.isEmpty || !$0.key.contains(" vllm:") }
    if !listed.isEmpty {
        lines.append(String(repeating: "-", count: 100))
        lines.append("Server metrics that changed during the run:")
        for (name, delta) in listed.sorted(by: { $0.key < $1.key }) {
            lines.append("  \(name)  \(delta >= 0 ? "+" : "")\(delta.formatted(.number.precision(.fractionLength(0...3))))")
        }
    }
    if !serverLevels.isEmpty {
        lines.append(String(repeating: "-", count: 100))
        lines += ServerLevelMetrics.format(serverLevels)
    }
    lines.append(rule)
    return lines.joined(separator: "\n")
}

/// The capacity search's chart and verdict: one row per probe load, by load, with its SLO
/// attainment as a bar (the required share marked `|`), goodput and throughput, and the capacity marked.
func formatCapacity(_ capacity: BenchCapacity, style: TerminalStyle) -> [String] {
    let objective = capacity.slo.sorted { $0.key < $1.key }.map { "\($0.key) ≤ \($0.value.formatted()) s" }.joined(separator: ", ")
    var lines = [String(repeating: "-", count: 100)]
    lines.append(
        "Capacity search (\(capacity.dimension.replacingOccurrences(of: "_", with: " "))): \(objective) for "
            + String(format: "%g %% of requests, within %g %%", capacity.requiredPercent, capacity.precision * 100))
    let barWidth = 40
    lines.append(
        "  " + capacity.unit.fitted(toWidth: 10) + "attainment".rightAlignedCell(width: 11) + "  " + "".fitted(toWidth: barWidth + 2)
            + "goodput".rightAlignedCell(width: 9) + "req/s".rightAlignedCell(width: 9) + "tok/s".rightAlignedCell(width: 10))
    let mark = Int((capacity.requiredPercent / 100 * Double(barWidth)).rounded())
    for probe in capacity.probes.sorted(by: { $0.value < $1.value }) {
        let filled = Int((probe.attainment / 100 * Double(barWidth)).rounded())
        let bar = (0..<barWidth).map { $0 < filled ? "█" : ($0 == mark ? "|" : " ") }.joined()
        var row =
            "  " + capacity.formatted(probe.value).fitted(toWidth: 10) + String(format: "%.1f %%", probe.attainment).rightAlignedCell(width: 11)
            + "  "
            + (probe.passed ? style.green("[" + bar + "]") : style.red("[" + bar + "]"))
            + String(format: "%.2f", probe.goodput).rightAlignedCell(width: 9)
            + String(format: "%.2f", probe.requestsPerSecond).rightAlignedCell(width: 9)
            + String(format: "%.1f", probe.outputTokensPerSecond).rightAlignedCell(width: 10)
        if probe.value == capacity.value { row += style.bold("  ◀ capacity") } else if !probe.passed { row += "  ✗" }
        lines.append(row)
    }
    if let fewest = capacity.probes.map(\.requests).min(), let most = capacity.probes.map(\.requests).max(), fewest > 0 {
        // How coarse the attainment is: with few requests, one more or less meeting the SLO moves it far.
        lines.append(
            "  Probes of \(fewest == most ? "\(fewest)" : "\(fewest) to \(most)") measured requests"
                + String(format: " (at %d, one request is %.1f %% of attainment)", fewest, 100 / Double(fewest)))
    }
    lines.append(style.bold("Capacity: ") + capacity.sentence)
    return lines
}
