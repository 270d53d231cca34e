import Foundation
import LLMResults
import LLMBench
import LLMClientKit
import LLMSimulator
import TestSupport
import Testing

/// Benchmarks against the simulator, whose latency is known.
@Suite struct BenchSimulatorTests {
    let workload = Workload.synthetic(count: 20, inputTokens: 32, outputTokens: 8, korean: true, seed: 1)

    @Test func closedLoopFiguresMatchTheLatencyModel() async throws {
        let latency = LatencyModel(ttftMean: 0.05, ttftJitter: 0, prefillPerToken: 0, itlMean: 0.01, itlJitter: 0, outputTokensMean: 8)
        try await SimulatorServer.withRunning(testSimulatorConfiguration(latency: latency)) { endpoint in
            try await LLMClient.withClient(ClientConfiguration(baseURL: endpoint.baseURL, maxConnections: 4)) { client in
                let level = await BenchRunner.run(
                    BenchConfiguration(mode: .concurrency(4), numRequests: 40, duration: nil, warmupRequests: 4), workload: workload, client: client)
                let summary = level.summary
                #expect(summary.totalRequests == 40 && summary.successful == 40)
                #expect(summary.maxInFlight == 4)
                #expect(summary.totalCompletionTokens == 320)
                let ttft = try #require(summary.ttftS)
                let itl = try #require(summary.itlS)
                let e2e = try #require(summary.latencyS)
                // The simulator never sends a token before it is due: these lower bounds hold on any
                // machine, however busy (upper bounds would be timings, which depend on the machine).
                #expect(ttft.min >= 0.05 - 0.001, "\(ttft)")
                #expect(e2e.min >= 0.05 + 7 * 0.01 - 0.002, "\(e2e)")
                #expect(itl.count == 40 * 7)  // 8 chunks per answer
                #expect(itl.max >= 0.005, "\(itl)")
                #expect(summary.tpotS?.count == 40)
                #expect(summary.schedulingLagS == nil)
                #expect(level.timeSeries.reduce(0) { $0 + $1.completed } == 40)
            }
        }
    }

    @Test func openLoopSendsOnScheduleAndRecordsLag() async throws {
        try await SimulatorServer.withRunning(testSimulatorConfiguration()) { endpoint in
            try await LLMClient.withClient(ClientConfiguration(baseURL: endpoint.baseURL, maxConnections: 16)) { client in
                let level = await BenchRunner.run(
                    BenchConfiguration(mode: .rate(50, arrivals: .constant, burstiness: 1, maxConcurrency: nil), numRequests: 50, duration: nil),
                    workload: workload, client: client)
                #expect(level.summary.successful == 50)
                // 50 requests 20 ms apart take about 1 s whatever the answers do.
                #expect(level.summary.durationS >= 0.98)
                let lag = try #require(level.summary.schedulingLagS)
                #expect(lag.count == 50)
                #expect(lag.min >= 0)
            }
        }
    }

    @Test func durationStopsTheRun() async throws {
        let latency = LatencyModel(ttftMean: 0.02, ttftJitter: 0, prefillPerToken: 0, itlMean: 0.005, itlJitter: 0, outputTokensMean: 4)
        try await SimulatorServer.withRunning(testSimulatorConfiguration(latency: latency)) { endpoint in
            try await LLMClient.withClient(ClientConfiguration(baseURL: endpoint.baseURL, maxConnections: 2)) { client in
                let started = ContinuousClock.now
                let level = await BenchRunner.run(
                    BenchConfiguration(mode: .concurrency(2), numRequests: nil, duration: 0.5), workload: workload, client: client)
                // An endless workload ends with its duration (bounds loose: a loaded 2-core CI machine
                // can starve the in-process simulator for seconds, so that no request even finishes).
                #expect(ContinuousClock.now - started < .seconds(30))
                #expect(level.summary.failed == 0 && level.summary.totalRequests == level.summary.successful)
            }
        }
    }
}
