import Foundation
import LLMBench
import LLMClientKit
import LLMExperiment
import LLMResults
import LLMSupport
import Testing

func benchResult(success: Bool = true, latency: Double, ttft: Double?, itl: [Double], prompt: Int = 10, completion: Int) -> RequestResult {
    var result = RequestResult(request: GenerationRequest(prompt: .text("x")), model: "m", startedAt: Timestamp())
    result.success = success
    result.latencyS = latency
    result.ttftS = ttft
    result.itlS = itl
    result.promptTokens = prompt
    result.completionTokens = completion
    if completion > 1, let ttft { result.tpotS = (latency - ttft) / Double(completion - 1) }
    if !success { result.errorKind = .requestTimeout }
    return result
}

@Suite struct BenchMetricsTests {
    @Test func arithmeticOnHandMadeTimings() throws {
        let metrics = BenchMetrics(start: .now, slo: ServiceLevelObjective(ttft: 0.2, itl: nil, e2e: 1.0))
        let results = [
            benchResult(latency: 0.5, ttft: 0.1, itl: [0.1, 0.1, 0.2], completion: 4),  // meets the SLO
            benchResult(latency: 1.5, ttft: 0.1, itl: [0.5, 0.9], completion: 3),  // too slow end to end
            benchResult(latency: 0.9, ttft: 0.3, itl: [0.3, 0.3], completion: 3),  // first token too late
            benchResult(success: false, latency: 2, ttft: nil, itl: [], completion: 0),
        ]
        for result in results {
            metrics.requestStarted(lag: nil)
            metrics.requestFinished(result, counted: true)
        }
        let summary = metrics.summary(durationSeconds: 2)
        #expect(summary.totalRequests == 4 && summary.successful == 3 && summary.failed == 1)
        #expect(summary.errorsByKind == ["request_timeout": 1])
        #expect(summary.requestsPerSecond == 1.5)
        #expect(summary.totalCompletionTokens == 10 && summary.outputTokensPerSecond == 5)
        #expect(summary.totalPromptTokens == 30 && summary.totalTokensPerSecond == 20)
        #expect(summary.goodput == 0.5)
        #expect(summary.sloAttainmentPercent == 25)
        let ttft = try #require(summary.ttftS)
        #expect(ttft.count == 3 && abs(ttft.min - 0.1) < 1e-4 && abs(ttft.max - 0.3) < 1e-3)
        let tpot = try #require(summary.tpotS)
        // TPOT = (E2E - TTFT) / (tokens - 1): 0.4/3, 1.4/2, 0.6/2
        #expect(abs(tpot.mean - (0.4 / 3 + 0.7 + 0.3) / 3) < 1e-3)
        #expect(summary.itlS?.count == 7)
        #expect(summary.maxInFlight == 1)
        #expect(metrics.timeSeries.first?.completed == 3)
        #expect(metrics.timeSeries.first?.errors == 1)
    }

    @Test func theClientsOwnLoadIsMeasuredAndABusyClientIsFlagged() throws {
        let load = ClientLoad(
            from: ProcessUsage(cpuSeconds: 10, peakResidentMegabytes: 30), to: ProcessUsage(cpuSeconds: 13.4, peakResidentMegabytes: 41),
            cores: 2, durationS: 2)
        #expect(abs(load.cpuS - 3.4) < 1e-9 && abs(load.cpuPercent - 85) < 1e-9 && load.peakMemoryMB == 41)
        // This process's usage only grows.
        let before = ProcessUsage.current()
        var sink = 0.0
        for index in 0..<2_000_000 { sink += sin(Double(index)) }
        let after = ProcessUsage.current()
        #expect(sink.isFinite && after.cpuSeconds > before.cpuSeconds && after.peakResidentMegabytes >= before.peakResidentMegabytes)

        let info = RunInfo(
            baseURL: "http://127.0.0.1:8000/v1", api: "completions", model: "m", stream: true, temperature: nil, maxTokens: 16,
            topP: nil, seed: nil, concurrency: 64, repeat: 1, promptFile: nil, promptCount: 1, startedAt: Timestamp(), finishedAt: nil,
            toolVersion: "0")
        func document(_ loads: [ClientLoad]) -> BenchDocument {
            let metrics = BenchMetrics(start: .now, slo: nil)
            let levels = loads.enumerated().map { index, load in
                BenchDocument.Level(
                    label: "c=\(index + 1)", temperature: nil, summary: metrics.summary(durationSeconds: 2, client: load),
                    timeSeries: [], histograms: [:], startedAt: nil)
            }
            return BenchDocument(run: info, bench: [:], levels: levels, serverMetricChanges: nil)
        }
        let busy = formatBenchReport(document([load]))
        #expect(busy.contains("Client load:         85 % of 2 cores (3.40 s CPU), peak memory 41 MB"), "\(busy)")
        #expect(busy.contains("⚠ The client kept more than 80 % of its cores busy (c=1)"))
        let idle = ClientLoad(cpuS: 0.2, cores: 2, peakMemoryMB: 20, durationS: 2)
        let sweep = formatBenchReport(document([idle, load]))
        #expect(sweep.contains("client %") && sweep.contains("busy (c=2)") && !sweep.contains("c=1,"))
        #expect(!formatBenchReport(document([idle])).contains("⚠"))
    }

    @Test func histogramPercentilesAreWithinPrecisionAndMergeExactly() throws {
        var all = LatencyHistogram()
        var first = LatencyHistogram()
        var second = LatencyHistogram()
        var values: [Double] = []
        for index in 1...10_000 {
            let seconds = Double(index) / 10_000  // 0.1 ms … 1 s
            values.append(seconds)
            all.record(seconds: seconds)
            if index % 2 == 0 { first.record(seconds: seconds) } else { second.record(seconds: seconds) }
        }
        for p in [50.0, 90, 99, 99.9] {
            let exact = DistributionSummary.percentile(values, p)
            #expect(abs(all.percentile(p) - exact) / exact < 0.002, "p\(p)")
        }
        first.merge(second)
        #expect(first.summary == all.summary)
        #expect(LatencyHistogram(sparseCounts: all.sparseCounts).summary == all.summary)
    }

    @Test func memoryDoesNotGrowWithRequests() {
        let metrics = BenchMetrics(start: .now, slo: nil)
        func footprint() -> Int { metrics.histograms.values.reduce(0) { $0 + $1.count } }
        for index in 0..<10_000 {
            metrics.requestStarted(lag: 0.0001)
            metrics.requestFinished(benchResult(latency: 0.5 + Double(index % 100) / 1000, ttft: 0.05, itl: [0.01], completion: 8), counted: true)
        }
        let afterTenThousand = footprint()
        for index in 0..<10_000 {
            metrics.requestStarted(lag: 0.0001)
            metrics.requestFinished(benchResult(latency: 0.5 + Double(index % 100) / 1000, ttft: 0.05, itl: [0.01], completion: 8), counted: true)
        }
        #expect(footprint() == afterTenThousand)  // distinct recorded values, not one entry per request
        #expect(metrics.summary(durationSeconds: 1).totalRequests == 20_000)
    }

    @Test func sloParsing() throws {
        let slo = try ServiceLevelObjective(parsing: "ttft=0.5, e2e=10")
        #expect(slo == ServiceLevelObjective(ttft: 0.5, itl: nil, e2e: 10))
        #expect(throws: BenchError.self) { try ServiceLevelObjective(parsing: "latency=1") }
        #expect(throws: BenchError.self) { try ServiceLevelObjective(parsing: "ttft=-1") }
    }

    @Test func saturationIsWhereThroughputStopsWhileLatencyClimbs() {
        func level(_ throughput: Double, _ latency: Double) -> ResultSummary {
            var summary = BenchMetrics(start: .now, slo: nil).summary(durationSeconds: 1)
            summary.requestsPerSecond = throughput
            var metrics = LatencyHistogram()
            metrics.record(seconds: latency)
            summary.latencyS = metrics.summary
            return summary
        }
        #expect(BenchDocument.saturation([level(1, 1), level(2, 1.05), level(3.9, 1.1), level(4.0, 2), level(4.1, 4)]) == 2)
        #expect(BenchDocument.saturation([level(1, 1), level(2, 1), level(4, 1)]) == nil)
    }

    @Test func prometheusScrapeDiffs() {
        let before = PrometheusScrape.samples("# HELP x\nvllm:num_requests_running{model_name=\"a b\"} 1\nreqs_total 10 1700000000\n")
        let after = PrometheusScrape.samples("vllm:num_requests_running{model_name=\"a b\"} 3\nreqs_total 25\nlat_bucket{le=\"1\"} 4\n")
        #expect(before["reqs_total"] == 10)
        #expect(PrometheusScrape.changes(before: before, after: after) == ["vllm:num_requests_running{model_name=\"a b\"}": 2, "reqs_total": 15])
    }
}
