import Foundation
public import LLMResults
import LLMSupport

/// Reads Prometheus text exposition, for `--scrape-metrics`.
public enum PrometheusScrape {
    /// Every sample of `text` by its series name with labels (`vllm:num_requests_running{model_name="m"}`).
    public static func samples(_ text: String) -> [String: Double] {
        var samples: [String: Double] = [:]
        for line in text.split(whereSeparator: \.isNewline) where !line.hasPrefix("#") {
            // `name{labels} value [timestamp]`: label values may hold spaces, so split after the labels.
            let name: Substring
            let rest: Substring
            if let close = line.lastIndex(of: "}") {
                name = line[...close]
                rest = line[line.index(after: close)...]
            } else {
                guard let space = line.firstIndex(of: " ") else { continue }
                name = line[..<space]
                rest = line[space...]
            }
            guard let valueText = rest.split(separator: " ").first, let value = Double(valueText) else { continue }
            samples[String(name)] = value
        }
        return samples
    }

    /// The series whose value changed between two scrapes, with the change (after minus before).
    public static func changes(before: [String: Double], after: [String: Double]) -> [String: Double] {
        var changes: [String: Double] = [:]
        for (name, value) in after {
            let delta = value - (before[name] ?? 0)
            if delta != 0, !name.contains("_bucket{") { changes[name] = delta }
        }
        return changes
    }
}

extension PrometheusScrape {
    /// Gauges whose highest value during a level is worth reporting (a before/after difference of a
    /// gauge says nothing): vLLM's queue and KV cache, and the simulator's own queue.
    public static let peakGauges: Set<String> = [
        "vllm:num_requests_running", "vllm:num_requests_waiting", "vllm:kv_cache_usage_perc",
        "llmsim_requests_running", "llmsim_requests_waiting",
    ]

    /// vLLM counters reported for a level even when they did not move (no preemptions is a result).
    public static let alwaysReportedCounters: Set<String> = [
        "vllm:num_preemptions_total", "vllm:prefix_cache_hits_total", "vllm:prefix_cache_queries_total",
    ]

    /// The prefix of a series that holds a gauge's highest value during a level.
    public static let peakPrefix = "peak "

    /// A series' name without its labels: `vllm:num_requests_running{engine="0"}` → `vllm:num_requests_running`.
    public static func family(_ series: some StringProtocol) -> Substring {
        let series = Substring(series)
        return series.firstIndex(of: "{").map { series[..<$0] } ?? series
    }

    /// What one level changed on the server: the counters' and histograms' changes
    /// (``changes(before:after:)``), the ``alwaysReportedCounters`` even when unchanged, and each of
    /// `peaks` (``peakGauges`` sampled during the level) as `peak NAME`.
    public static func levelChanges(before: [String: Double], after: [String: Double], peaks: [String: Double]) -> [String: Double] {
        var changes = changes(before: before, after: after)
        for (name, value) in after where alwaysReportedCounters.contains(String(family(name))) {
            changes[name] = value - (before[name] ?? 0)
        }
        for (name, value) in peaks { changes[peakPrefix + name] = value }
        return changes
    }

    /// Runs `body` while reading the server's metrics (`fetch`) every `interval`, and returns its
    /// result with the highest value each of the ``peakGauges`` reached, by series. The readings
    /// before and after `body` count too, so a level shorter than `interval` still has peaks.
    public static func samplingPeaks<T: Sendable>(
        every interval: Duration, fetch: @escaping @Sendable () async -> [String: Double], during body: () async -> T
    ) async -> (result: T, peaks: [String: Double]) {
        await withTaskGroup(of: [String: Double].self) { group in
            group.addTask {
                var peaks: [String: Double] = [:]
                repeat {
                    for (name, value) in await fetch() where peakGauges.contains(String(family(name))) {
                        peaks[name] = max(peaks[name] ?? value, value)
                    }
                    try? await Task.sleep(for: interval)
                } while !Task.isCancelled
                return peaks
            }
            let result = await body()
            group.cancelAll()
            var peaks: [String: Double] = [:]
            for await sampled in group { peaks = sampled }
            for (name, value) in await fetch() where peakGauges.contains(String(family(name))) {
                peaks[name] = max(peaks[name] ?? value, value)
            }
            return (result, peaks)
        }
    }
}

/// What vLLM measured during one benchmark level, from its `/metrics` (sums and counts of its
/// histograms over the level, so means), beside the client's own time to first token.
public struct ServerLevelMetrics: Sendable, Equatable {
    public var label: String
    /// Requests the server finished during the level (`vllm:request_success_total`).
    public var requests: Double?
    /// The client's mean time to first token (receiving the first text, sending included).
    public var clientTTFTMeanS: Double?
    /// vLLM's mean `time_to_first_token_seconds`: from the request's arrival in the engine to its
    /// first token, queueing and prefill included, HTTP and detokenization not.
    public var serverTTFTMeanS: Double?
    /// vLLM's mean `request_queue_time_seconds`, `request_prefill_time_seconds`,
    /// `inter_token_latency_seconds` and `e2e_request_latency_seconds`.
    public var queueTimeMeanS: Double?
    public var prefillTimeMeanS: Double?
    public var interTokenLatencyMeanS: Double?
    public var endToEndMeanS: Double?
    /// The highest `num_requests_running`, `num_requests_waiting` and `kv_cache_usage_perc` (0–1) seen.
    public var peakRunning: Double?
    public var peakWaiting: Double?
    public var peakKVCacheUsage: Double?
    public var prefixCacheHits: Double?
    public var prefixCacheQueries: Double?
    public var preemptions: Double?

    /// The client's mean TTFT minus the server's: what HTTP, the client and the API server add.
    public var ttftDifferenceS: Double? {
        guard let clientTTFTMeanS, let serverTTFTMeanS else { return nil }
        return clientTTFTMeanS - serverTTFTMeanS
    }

    /// True when the client's and the server's mean TTFT differ by less than `relative` of the
    /// server's (0.25: 25 %) or `absoluteS` seconds, whichever is larger.
    public func ttftAgrees(relative: Double = 0.25, absoluteS: Double = 0.05) -> Bool {
        guard let difference = ttftDifferenceS, let serverTTFTMeanS else { return false }
        return abs(difference) < max(relative * serverTTFTMeanS, absoluteS)
    }

    /// The server metrics of the level `label` from a bench document's `serverMetricChanges` (keys
    /// `LABEL NAME`, see ``PrometheusScrape/levelChanges(before:after:peaks:)``), beside the client's
    /// mean TTFT of that level; nil when the server reported none of vLLM's metrics.
    public static func from(label: String, clientTTFTMeanS: Double?, changes: [String: Double]) -> ServerLevelMetrics? {
        let prefix = label + " "
        var byFamily: [Substring: Double] = [:]
        var peaks: [Substring: Double] = [:]
        for (key, value) in changes where key.hasPrefix(prefix) {
            let series = key.dropFirst(prefix.count)
            if series.hasPrefix(PrometheusScrape.peakPrefix) {
                let name = PrometheusScrape.family(series.dropFirst(PrometheusScrape.peakPrefix.count))
                peaks[name] = max(peaks[name] ?? value, value)
            } else {
                byFamily[PrometheusScrape.family(series), default: 0] += value
            }
        }
        guard byFamily.keys.contains(where: { $0.hasPrefix("vllm:") }) else { return nil }
        func mean(_ histogram: String) -> Double? {
            guard let count = byFamily[Substring(histogram + "_count")], count > 0, let sum = byFamily[Substring(histogram + "_sum")] else {
                return nil
            }
            return sum / count
        }
        return ServerLevelMetrics(
            label: label, requests: byFamily["vllm:request_success_total"], clientTTFTMeanS: clientTTFTMeanS,
            serverTTFTMeanS: mean("vllm:time_to_first_token_seconds"), queueTimeMeanS: mean("vllm:request_queue_time_seconds"),
            prefillTimeMeanS: mean("vllm:request_prefill_time_seconds"), interTokenLatencyMeanS: mean("vllm:inter_token_latency_seconds"),
            endToEndMeanS: mean("vllm:e2e_request_latency_seconds"), peakRunning: peaks["vllm:num_requests_running"],
            peakWaiting: peaks["vllm:num_requests_waiting"], peakKVCacheUsage: peaks["vllm:kv_cache_usage_perc"],
            prefixCacheHits: byFamily["vllm:prefix_cache_hits_total"], prefixCacheQueries: byFamily["vllm:prefix_cache_queries_total"],
            preemptions: byFamily["vllm:num_preemptions_total"])
    }

    /// Every level's server metrics, for the levels the server reported vLLM's metrics for.
    public static func from(_ document: BenchDocument) -> [ServerLevelMetrics] {
        guard let changes = document.serverMetricChanges else { return [] }
        return document.levels.compactMap { from(label: $0.label, clientTTFTMeanS: $0.summary.ttftS?.mean, changes: changes) }
    }

    /// The terminal table of ``from(_:)``: one row per level, the client's TTFT beside vLLM's.
    public static func format(_ levels: [ServerLevelMetrics]) -> [String] {
        guard !levels.isEmpty else { return [] }
        func ms(_ value: Double?) -> String { value.map { String(format: "%.1f", $0 * 1000) } ?? "n/a" }
        func count(_ value: Double?) -> String { value.map { String(format: "%.0f", $0) } ?? "n/a" }
        let header = [
            "level", "requests", "TTFT cli", "TTFT srv", "cli−srv", "queue", "prefill", "ITL srv", "E2E srv",
            "running≤", "waiting≤", "KV cache≤", "prefix hit", "preempt",
        ]
        var lines = ["vLLM's own metrics per level (means over the level from /metrics; ≤ the highest value seen; times in ms):"]
        lines.append(header.enumerated().map { $0 == 0 ? $1.fitted(toWidth: 14) : $1.rightAlignedCell(width: 10) }.joined())
        for level in levels {
            let prefix: String
            if let hits = level.prefixCacheHits, let queries = level.prefixCacheQueries {
                prefix = queries > 0 ? String(format: "%.0f %%", 100 * hits / queries) : "0/0"
            } else {
                prefix = "n/a"
            }
            let row = [
                count(level.requests), ms(level.clientTTFTMeanS), ms(level.serverTTFTMeanS), ms(level.ttftDifferenceS),
                ms(level.queueTimeMeanS), ms(level.prefillTimeMeanS), ms(level.interTokenLatencyMeanS), ms(level.endToEndMeanS),
                count(level.peakRunning), count(level.peakWaiting), level.peakKVCacheUsage.map { String(format: "%.1f %%", $0 * 100) } ?? "n/a",
                prefix, count(level.preemptions),
            ]
            lines.append(level.label.fitted(toWidth: 14) + row.map { $0.rightAlignedCell(width: 10) }.joined())
        }
        lines.append("cli−srv: the client's mean TTFT minus vLLM's (HTTP, the API server's tokenizing and detokenizing, and the client itself).")
        return lines
    }
}
