import Foundation
import LLMClientKit
public import LLMResults
import LLMSupport

/// Merges the result documents of the workers of one sharded run (`--shard K/N`) into the document
/// of the whole run, exactly: a batch run's results are pooled and summarised again; a benchmark's
/// histograms are added bucket by bucket (so merged percentiles are those of the pooled requests,
/// within the histograms' three significant digits), its counts and throughputs summed (the
/// workers ran at the same time), and its time series summed on the wall clock. Documents of
/// different workloads, missing or repeated shards, and requests seen twice are refused.
public enum ShardMerge {
    /// The whole run of the shards' batch-run documents.
    public static func merge(runs documents: [RunDocument]) throws(ShardMergeError) -> RunDocument {
        let run = try mergedInfo(documents.map(\.run))
        let results = documents.flatMap(\.results).sorted { $0.index < $1.index }
        for (previous, next) in zip(results, results.dropFirst()) where previous.index == next.index {
            throw ShardMergeError(.overlapping, "request #\(next.index) is in more than one file: these are not disjoint shards")
        }
        var summary = ResultSummary(results: results, durationSeconds: RunDocument.span(of: results))
        summary.client = ClientLoad.merged(documents.map(\.summary.client), durationS: summary.durationS)
        return RunDocument(run: run, summary: summary, results: results)
    }

    /// The whole run of the shards' benchmark documents.
    public static func merge(benches documents: [BenchDocument]) throws(ShardMergeError) -> BenchDocument {
        let run = try mergedInfo(documents.map(\.run))
        var bench = documents[0].bench
        bench.removeValue(forKey: "shard")
        for document in documents.dropFirst() {
            var other = document.bench
            other.removeValue(forKey: "shard")
            guard other == bench else {
                throw ShardMergeError(
                    .differentWorkloads,
                    "the shards were run with different benchmark settings (\(difference(bench, other))): refusing to merge different workloads")
            }
        }
        let labels = documents[0].levels.map(\.label)
        guard documents.allSatisfy({ $0.levels.map(\.label) == labels }) else {
            throw ShardMergeError(
                .differentWorkloads,
                "the shards have different load levels (\(documents.map { $0.levels.map(\.label).joined(separator: ",") }.joined(separator: " vs ")))"
            )
        }
        let levels = try labels.indices.map { (position: Int) throws(ShardMergeError) -> BenchDocument.Level in
            try mergedLevel(documents.map { $0.levels[position] })
        }
        var changes: [String: Double]?
        for document in documents {
            guard let documentChanges = document.serverMetricChanges else { continue }
            // Every worker scraped the same server: its counters' changes are the run's, not a sum.
            changes = changes ?? documentChanges
        }
        return BenchDocument(run: run, bench: bench, levels: levels, serverMetricChanges: changes)
    }

    /// The configuration of the whole run: the shards' configurations must agree on everything but
    /// their shard, times and counts, and be shards 0..<N of one N.
    private static func mergedInfo(_ runs: [RunInfo]) throws(ShardMergeError) -> RunInfo {
        guard let first = runs.first else { throw ShardMergeError(.notShards, "nothing to merge") }
        var shards: [Shard] = []
        for run in runs {
            guard let text = run.shard else {
                throw ShardMergeError(.notShards, "a file is not a shard's (its run has no shard): merge the files of `--shard K/N` workers")
            }
            do { shards.append(try Shard(parsing: text)) } catch { throw ShardMergeError(.notShards, "a run's shard '\(text)' is invalid: \(error)") }
        }
        let count = shards[0].count
        guard shards.allSatisfy({ $0.count == count }) else {
            throw ShardMergeError(
                .notShards, "the files come from runs of different shard counts (\(shards.map(\.description).joined(separator: ", ")))")
        }
        let indexes = shards.map(\.index).sorted()
        guard indexes == Array(0..<count) else {
            let repeated = Set(indexes.filter { index in indexes.filter { $0 == index }.count > 1 }).sorted()
            let missing = Set(0..<count).subtracting(indexes).sorted()
            var problems: [String] = []
            if !repeated.isEmpty { problems.append("shard \(repeated.map { "\($0)/\(count)" }.joined(separator: ", ")) given twice") }
            if !missing.isEmpty { problems.append("shard \(missing.map { "\($0)/\(count)" }.joined(separator: ", ")) missing") }
            throw ShardMergeError(.notShards, problems.joined(separator: "; "))
        }
        func workload(_ run: RunInfo) -> RunInfo {
            var run = run
            run.shard = nil
            run.startedAt = Timestamp(.distantPast)
            run.repeat = nil  // bench files of earlier versions recorded 1
            run.finishedAt = nil
            run.requestsPlanned = nil
            run.interrupted = nil
            run.toolVersion = ""
            return run
        }
        for run in runs.dropFirst() where workload(run) != workload(first) {
            throw ShardMergeError(
                .differentWorkloads,
                "the shards were run with different configurations (\(difference(workload(first), workload(run)))): refusing to merge different workloads"
            )
        }
        var merged = first
        merged.shard = nil
        merged.startedAt = runs.map(\.startedAt).min() ?? first.startedAt
        merged.finishedAt = runs.compactMap(\.finishedAt).max()
        merged.requestsPlanned = runs.allSatisfy { $0.requestsPlanned != nil } ? runs.compactMap(\.requestsPlanned).reduce(0, +) : nil
        merged.interrupted = runs.contains { $0.interrupted == true } ? true : nil
        return merged
    }

    private static func mergedLevel(_ levels: [BenchDocument.Level]) throws(ShardMergeError) -> BenchDocument.Level {
        let starts = levels.map { $0.startedAt?.date }
        guard let firstStart = starts.compactMap({ $0 }).min(), starts.allSatisfy({ $0 != nil }) else {
            throw ShardMergeError(.notShards, "level \(levels[0].label): a shard has no start time (a file of an older llm-client?)")
        }
        // Histograms: added exactly.
        var histograms: [LatencyHistogramName: LatencyHistogram] = [:]
        for level in levels {
            for name in LatencyHistogramName.allCases where level.histograms[name.rawValue] != nil {
                histograms[name, default: LatencyHistogram()].merge(LatencyHistogram(sparseCounts: level.histogram(name)))
            }
        }
        // Time series: each shard's seconds shifted onto the earliest shard's clock, then summed.
        var series: [TimeSeriesPoint] = []
        for (level, start) in zip(levels, starts) {
            let offset = Int((start!.timeIntervalSince(firstStart)).rounded())
            for point in level.timeSeries {
                let second = point.second + offset
                while series.count <= second { series.append(TimeSeriesPoint(second: series.count)) }
                series[second].completed += point.completed
                series[second].errors += point.errors
                series[second].outputTokens += point.outputTokens
                series[second].maxInFlight += point.maxInFlight
            }
        }
        let summaries = levels.map(\.summary)
        let end = zip(starts, summaries).map { $0!.addingTimeInterval($1.durationS) }.max() ?? firstStart
        let total = summaries.map(\.totalRequests).reduce(0, +)
        var errors: [String: Int] = [:]
        for summary in summaries { errors.merge(summary.errorsByKind, uniquingKeysWith: +) }
        let good = summaries.map { summary in
            summary.sloAttainmentPercent.map { Int(($0 * Double(summary.totalRequests) / 100).rounded()) }
        }
        let hasSLO = good.allSatisfy { $0 != nil }
        let goodCount = good.compactMap { $0 }.reduce(0, +)
        var summary = ResultSummary(
            keys: .bench, totalRequests: total, successful: summaries.map(\.successful).reduce(0, +),
            failed: summaries.map(\.failed).reduce(0, +), errorsByKind: errors, durationS: end.timeIntervalSince(firstStart),
            latencyS: histograms[.e2e]?.summary, ttftS: histograms[.ttft]?.summary, itlS: histograms[.itl]?.summary,
            tpotS: histograms[.tpot]?.summary, schedulingLagS: histograms[.schedulingLag]?.summary,
            requestsPerSecond: summaries.map(\.requestsPerSecond).reduce(0, +),
            outputTokensPerSecond: summaries.map(\.outputTokensPerSecond).reduce(0, +),
            totalTokensPerSecond: summaries.map(\.totalTokensPerSecond).reduce(0, +),
            totalPromptTokens: summaries.map(\.totalPromptTokens).reduce(0, +),
            totalCompletionTokens: summaries.map(\.totalCompletionTokens).reduce(0, +),
            goodput: hasSLO ? summaries.compactMap(\.goodput).reduce(0, +) : nil,
            sloAttainmentPercent: hasSLO && total > 0 ? 100 * Double(goodCount) / Double(total) : nil,
            maxInFlight: series.map(\.maxInFlight).max() ?? summaries.compactMap(\.maxInFlight).reduce(0, +),
            client: ClientLoad.merged(summaries.map(\.client), durationS: end.timeIntervalSince(firstStart)))
        summary.ttfoS = histograms[.ttfo]?.summary
        summary.sendS = histograms[.send]?.summary
        summary.ttftFirstTurnS = histograms[.ttftFirstTurn]?.summary
        summary.ttftLaterTurnsS = histograms[.ttftLaterTurns]?.summary
        summary.inputTokensPerRequest = TokenLengths.merged(summaries.map(\.inputTokensPerRequest))
        summary.outputTokensPerRequest = TokenLengths.merged(summaries.map(\.outputTokensPerRequest))
        var merged = BenchDocument.Level(
            label: levels[0].label, temperature: levels[0].temperature, summary: summary, timeSeries: series,
            histograms: Dictionary(uniqueKeysWithValues: histograms.map { ($0.key.rawValue, $0.value.sparseCounts) }),
            startedAt: levels.compactMap(\.startedAt).min())
        merged.requestedInputTokens = levels[0].requestedInputTokens
        merged.requestedOutputTokens = levels[0].requestedOutputTokens
        return merged
    }

    /// The first keys whose values differ, for a message.
    private static func difference(_ a: some Encodable, _ b: some Encodable) -> String {
        let encoder = ResultJSON.lineEncoder
        guard let left = (try? encoder.encode(a)).flatMap({ try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }),
            let right = (try? encoder.encode(b)).flatMap({ try? JSONSerialization.jsonObject(with: $0) as? [String: Any] })
        else { return "?" }
        let keys = Set(left.keys).union(right.keys).sorted().filter { key in
            String(describing: left[key] ?? "none") != String(describing: right[key] ?? "none")
        }
        return keys.prefix(3).map {
            "\($0): \(left[$0].map { String(describing: $0) } ?? "none") vs \(right[$0].map { String(describing: $0) } ?? "none")"
        }
        .joined(separator: "; ")
    }
}

/// Why result files cannot be merged.
public struct ShardMergeError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of failure this is; stable, for `catch let e as ShardMergeError where e.code == .notShards`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        /// The files are not the shards 0..<N of one run (no shard, missing or repeated shards, ...).
        public static let notShards = Code(name: "not_shards")
        /// The shards ran different workloads (configurations, benchmark settings or levels).
        public static let differentWorkloads = Code(name: "different_workloads")
        /// A request is in more than one file.
        public static let overlapping = Code(name: "overlapping")
        /// The files mix run and bench results.
        public static let mixedKinds = Code(name: "mixed_kinds")
        public var description: String { name }
    }

    public let code: Code
    /// One line for the user, naming the files or values at fault.
    public let message: String
    public var description: String { message }

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
}
