import Foundation
import LLMBench
import LLMClientKit
import LLMResults
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
                let results = ResultCollector()
                let level = await BenchRunner.run(
                    BenchConfiguration(mode: .concurrency(4), numRequests: 40, duration: nil, warmupRequests: 4), workload: workload, client: client,
                    onResult: results.append)
                let summary = level.summary
                #expect(summary.totalRequests == 40 && summary.successful == 40, "\(results.failures)")
                #expect(summary.maxInFlight == 4)
                #expect(summary.totalCompletionTokens == 320)
                let ttft = try #require(summary.ttftS)
                let itl = try #require(summary.itlS)
                let e2e = try #require(summary.latencyS)
                // The simulator never sends a token before it is due: these lower bounds hold on any
                // machine, however busy (upper bounds would be timings, which depend on the machine).
                #expect(ttft.min >= 0.05 - 0.001, "\(ttft)")
                #expect(e2e.min >= 0.05 + 7 * 0.01 - 0.002, "\(e2e)")
                // 8 token chunks and the extra chunk with "stop" per answer: 8 gaps each, pooled.
                #expect(itl.count == 40 * 8, "\(itl)")
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
                let results = ResultCollector()
                let level = await BenchRunner.run(
                    BenchConfiguration(mode: .rate(50, arrivals: .constant, burstiness: 1, maxConcurrency: nil), numRequests: 50, duration: nil),
                    workload: workload, client: client, onResult: results.append)
                #expect(level.summary.successful == 50, "\(results.failures)")
                // 50 requests 20 ms apart take about 1 s whatever the answers do.
                #expect(level.summary.durationS >= 0.98)
                let lag = try #require(level.summary.schedulingLagS)
                #expect(lag.count == 50)
                #expect(lag.min >= 0)
            }
        }
    }

    /// More arrivals than connections: the requests beyond the pool wait in the schedule (as
    /// scheduling lag), not inside the HTTP client, where they failed once they had waited the
    /// connect timeout (`getConnectionFromPoolTimeout`, seen on a starved CI machine).
    @Test func anOpenLoopBeyondTheConnectionPoolWaitsAsSchedulingLag() async throws {
        let latency = LatencyModel(ttftMean: 1, ttftJitter: 0, prefillPerToken: 0, itlMean: 0.01, itlJitter: 0, outputTokensMean: 8)
        try await SimulatorServer.withRunning(testSimulatorConfiguration(latency: latency)) { endpoint in
            // Requests waiting inside the client for the connect timeout (3 s) failed: the last ones
            // here wait over 5 s. (3 s, not less: a busy suite can take a second to connect.)
            let configuration = ClientConfiguration(baseURL: endpoint.baseURL, connectTimeout: .seconds(3), maxConnections: 2)
            try await LLMClient.withClient(configuration) { client in
                // The model first (as `bench` does): twelve requests asking for it at once would
                // queue for the two connections themselves.
                _ = try await client.resolveModel(nil)
                let results = ResultCollector()
                let level = await BenchRunner.run(
                    BenchConfiguration(mode: .rate(50, arrivals: .constant, burstiness: 1, maxConcurrency: nil), numRequests: 12, duration: nil),
                    workload: workload, client: client, onResult: results.append)
                #expect(level.summary.successful == 12, "\(results.failures)")
                #expect((level.summary.maxInFlight ?? 0) <= 2)
                // Two connections serve a request each 1.07 s or more: the last ones wait over five seconds.
                let lag = try #require(level.summary.schedulingLagS)
                #expect(lag.max >= 3, "\(lag)")
            }
        }
    }

    @Test func durationStopsTheRun() async throws {
        let latency = LatencyModel(ttftMean: 0.02, ttftJitter: 0, prefillPerToken: 0, itlMean: 0.005, itlJitter: 0, outputTokensMean: 4)
        try await SimulatorServer.withRunning(testSimulatorConfiguration(latency: latency)) { endpoint in
            try await LLMClient.withClient(ClientConfiguration(baseURL: endpoint.baseURL, maxConnections: 2)) { client in
                let started = ContinuousClock.now
                let results = ResultCollector()
                let level = await BenchRunner.run(
                    BenchConfiguration(mode: .concurrency(2), numRequests: nil, duration: 0.5), workload: workload, client: client,
                    onResult: results.append)
                // An endless workload ends with its duration (bounds loose: a loaded 2-core CI machine
                // can starve the in-process simulator for seconds, so that no request even finishes).
                #expect(ContinuousClock.now - started < .seconds(30))
                #expect(level.summary.failed == 0 && level.summary.totalRequests == level.summary.successful, "\(results.failures)")
            }
        }
    }
}
