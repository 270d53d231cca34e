import Foundation
import LLMBench
import LLMExperiment
import LLMResults
import LLMSimulator
import TestSupport
import Testing

/// Several `--shard K/N` worker processes against the simulator, merged with `llm-client merge`:
/// together they are the single-machine workload, and the merge is exact.
@Suite struct ShardTests {
    /// Runs the workers' command lines at the same time; their outputs in shard order.
    private func runWorkers(_ arguments: [[String]]) async throws -> [ProcessOutput] {
        try await withThrowingTaskGroup(of: (Int, ProcessOutput).self) { group in
            for (index, worker) in arguments.enumerated() {
                group.addTask { (index, try await runProcess(TestEnvironment.cliBinary, worker)) }
            }
            var outputs: [(Int, ProcessOutput)] = []
            for try await output in group { outputs.append(output) }
            return outputs.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }

    @Test func benchShardsMergeIntoTheWholeWorkloadExactly() async throws {
        let directory = try makeTemporaryDirectory("llm-client-shard")
        defer { try? FileManager.default.removeItem(at: directory) }
        let workers = 3
        let requests = 45
        let json = (0..<workers).map { directory.appendingPathComponent("shard-\($0).json").path }
        let jsonl = (0..<workers).map { directory.appendingPathComponent("shard-\($0).jsonl").path }
        let merged = directory.appendingPathComponent("merged.json").path
        let latency = LatencyModel(ttftMean: 0.02, ttftJitter: 0.01, prefillPerToken: 0, itlMean: 0.005, itlJitter: 0.002, outputTokensMean: 8)
        try await SimulatorServer.withRunning(testSimulatorConfiguration(latency: latency)) { endpoint in
            let start = String(Int(Date().timeIntervalSince1970) + 2)
            let outputs = try await runWorkers(
                (0..<workers).map { shard in
                    [
                        "bench", "--base-url", endpoint.baseURL, "--synthetic-input-tokens", "16", "--synthetic-output-tokens", "8",
                        "--request-rate", "30", "--num-requests", String(requests), "--shard", "\(shard)/\(workers)", "--start-at", start,
                        "--quiet", "--output", json[shard], "--output", jsonl[shard],
                    ]
                })
            for output in outputs { #expect(output.status == 0, "\(output.stderr)") }
            #expect(outputs[1].stdout.contains("r=30/s  (all workers together; this is shard 1/\(workers) and sends its share)"))
            let merge = try await runProcess(TestEnvironment.cliBinary, ["merge"] + json + ["-o", merged])
            #expect(merge.status == 0, "\(merge.stderr)")
        }
        // The union of the shards' requests is the workload, none twice.
        let pooled = try jsonl.flatMap { try ResultDocument.results(path: $0) }
        #expect(pooled.map(\.index).sorted() == Array(0..<requests))
        for (shard, path) in jsonl.enumerated() {
            #expect(try ResultDocument.results(path: path).allSatisfy { $0.index % workers == shard })
        }
        let shards = try json.map { try JSONDecoder().decode(BenchDocument.self, from: Data(contentsOf: URL(fileURLWithPath: $0))) }
        let document = try JSONDecoder().decode(BenchDocument.self, from: Data(contentsOf: URL(fileURLWithPath: merged)))
        let summary = try #require(document.levels.first?.summary)
        #expect(document.run.shard == nil && document.levels.map(\.label) == ["r=30/s"])
        #expect(summary.totalRequests == requests && summary.successful == pooled.filter(\.success).count)
        // Percentiles of the merged histograms are those of the pooled requests' latencies recorded
        // in one histogram, within its precision (three significant digits).
        var histogram = LatencyHistogram()
        for result in pooled where result.success { histogram.record(seconds: result.latencyS) }
        let exact = try #require(histogram.summary)
        let e2e = try #require(summary.latencyS)
        for (merged, pooled) in zip([e2e.p50, e2e.p90, e2e.p99, e2e.max], [exact.p50, exact.p90, exact.p99, exact.max]) {
            #expect(abs(merged - pooled) / pooled < 0.001, "\(e2e) vs \(exact)")
        }
        #expect(e2e.count == exact.count)
        let sorted = pooled.filter(\.success).map(\.latencyS).sorted()
        #expect(abs(e2e.max - sorted.last!) / sorted.last! < 0.001)
        // Throughput and tokens are the workers' sums; the time series counts every request.
        let shardSummaries = shards.compactMap { $0.levels.first?.summary }
        #expect(abs(summary.requestsPerSecond - shardSummaries.map(\.requestsPerSecond).reduce(0, +)) < 1e-9)
        #expect(summary.totalCompletionTokens == shardSummaries.map(\.totalCompletionTokens).reduce(0, +))
        #expect(document.levels[0].timeSeries.map(\.completed).reduce(0, +) == summary.successful)
        // The client's load: every worker's CPU time and cores, the largest worker's memory.
        let loads = shardSummaries.compactMap(\.client)
        let mergedLoad = try #require(summary.client)
        #expect(loads.count == workers && loads.allSatisfy { $0.cpuS > 0 && $0.peakMemoryMB > 0 })
        #expect(abs(mergedLoad.cpuS - loads.map(\.cpuS).reduce(0, +)) < 1e-9)
        #expect(mergedLoad.cores == loads.map(\.cores).reduce(0, +) && mergedLoad.peakMemoryMB == loads.map(\.peakMemoryMB).max())
        // The merged file is a result file like any other.
        let report = try await runProcess(TestEnvironment.cliBinary, ["report", merged])
        #expect(report.status == 0, "\(report.stderr)")
    }

    @Test func batchShardsMergeAndDifferentWorkloadsAreRefused() async throws {
        let directory = try makeTemporaryDirectory("llm-client-shard")
        defer { try? FileManager.default.removeItem(at: directory) }
        let prompts = directory.appendingPathComponent("prompts.txt").path
        try (0..<5).map { "질문 \($0): 분산 실행을 설명해주세요" }.joined(separator: "\n").write(toFile: prompts, atomically: true, encoding: .utf8)
        let json = (0..<3).map { directory.appendingPathComponent("worker-\($0).json").path }
        try await SimulatorServer.withRunning(testSimulatorConfiguration()) { endpoint in
            let outputs = try await runWorkers(
                (0..<2).map { shard in
                    [
                        "--base-url", endpoint.baseURL, "--prompt-file", prompts, "--repeat", "2", "--concurrent", "2",
                        "--quiet", "--output", json[shard], "--output", json[shard] + "l",
                    ]
                }.enumerated().map { shard, arguments in arguments + ["--shard", "\(shard)/2"] })
            for output in outputs { #expect(output.status == 0, "\(output.stderr)") }
            // A worker resumes from its own file only.
            let wrongShard = try await runProcess(
                TestEnvironment.cliBinary,
                [
                    "--base-url", endpoint.baseURL, "--prompt-file", prompts, "--repeat", "2", "--concurrent", "2", "--shard", "1/2",
                    "--resume", json[0] + "l",
                ])
            #expect(wrongShard.status == 2 && wrongShard.stderr.contains("another shard's than 1/2"), "\(wrongShard.stderr)")
            // A worker of another workload (other max tokens) cannot join the merge.
            let other = try await runProcess(
                TestEnvironment.cliBinary,
                [
                    "--base-url", endpoint.baseURL, "--prompt-file", prompts, "--repeat", "2", "--concurrent", "2", "--max-tokens", "5", "--quiet",
                    "--output", json[2], "--shard", "1/2",
                ])
            #expect(other.status == 0, "\(other.stderr)")
            // Nor can one whose prompt file, at the same path and of the same length, held other prompts.
            try (0..<5).map { "question \($0)" }.joined(separator: "\n").write(toFile: prompts, atomically: true, encoding: .utf8)
            let otherPrompts = try await runProcess(
                TestEnvironment.cliBinary,
                [
                    "--base-url", endpoint.baseURL, "--prompt-file", prompts, "--repeat", "2", "--concurrent", "2", "--quiet",
                    "--output", json[2] + ".prompts.json", "--shard", "1/2",
                ])
            #expect(otherPrompts.status == 0, "\(otherPrompts.stderr)")
        }
        let mixed = try await runProcess(
            TestEnvironment.cliBinary, ["merge", json[0], json[2] + ".prompts.json", "-o", directory.appendingPathComponent("mixed.json").path])
        #expect(mixed.status == 2 && mixed.stderr.contains("(prompts_fingerprint: "), "only the prompts differ: \(mixed.stderr)")
        let merged = directory.appendingPathComponent("merged.json").path
        let merge = try await runProcess(TestEnvironment.cliBinary, ["merge", json[0], json[1], "-o", merged])
        #expect(merge.status == 0, "\(merge.stderr)")
        let document = try JSONDecoder().decode(RunDocument.self, from: Data(contentsOf: URL(fileURLWithPath: merged)))
        #expect(document.results.map(\.index) == Array(0..<10))
        #expect(
            document.summary.successful == 10 && document.run.requestsPlanned == 10 && document.run.shard == nil, "\(document.summary.errorsByKind)")
        let workerLoads = try json[0...1].map {
            try JSONDecoder().decode(RunDocument.self, from: Data(contentsOf: URL(fileURLWithPath: $0))).summary.client
        }
        let mergedLoad = try #require(document.summary.client, "the workers' own load, merged")
        #expect(abs(mergedLoad.cpuS - workerLoads.compactMap { $0?.cpuS }.reduce(0, +)) < 1e-9)
        #expect(mergedLoad.cpuPercent == workerLoads.compactMap { $0?.cpuPercent }.max())

        let refused = try await runProcess(TestEnvironment.cliBinary, ["merge", json[0], json[2], "-o", merged + ".2"])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("different configurations") && refused.stderr.contains("max_tokens"), "\(refused.stderr)")
        let tooFew = try await runProcess(TestEnvironment.cliBinary, ["--prompt", "x", "--concurrent", "1", "--shard", "0/2"])
        #expect(tooFew.status == 2 && tooFew.stderr.contains("--concurrent 1 cannot be shared among 2 workers"), "\(tooFew.stderr)")
        let incomplete = try await runProcess(TestEnvironment.cliBinary, ["merge", json[0], "-o", merged + ".3"])
        #expect(incomplete.status == 2 && incomplete.stderr.contains("shard 1/2 missing"), "\(incomplete.stderr)")
    }
}
