import Foundation
import LLMBench
import LLMClientKit
import LLMSimulator
import TestSupport
import Testing

/// vLLM's Prometheus metrics: a real scrape (a capture of vLLM 0.32), the simulator's copies of its
/// names, and a level's server-side means beside the client's TTFT.
@Suite struct VLLMMetricsTests {
    private static let capture = TestEnvironment.packageRoot.appendingPathComponent("Tests/LLMClientKitTests/Fixtures/vllm-metrics.txt")

    /// The names the simulator shares with vLLM.
    private static let sharedNames = [
        "vllm:num_requests_running", "vllm:num_requests_waiting", "vllm:time_to_first_token_seconds_sum",
        "vllm:time_to_first_token_seconds_count", "vllm:e2e_request_latency_seconds_count", "vllm:prompt_tokens_total",
        "vllm:generation_tokens_total", "vllm:request_success_total",
    ]

    @Test func theSimulatorsMetricsCarryVLLMsNamesAndLabels() async throws {
        let real = PrometheusScrape.samples(try String(contentsOf: Self.capture, encoding: .utf8))
        for name in Self.sharedNames { #expect(real.keys.contains { PrometheusScrape.family($0) == name }, "the capture has \(name)") }
        try await SimulatorServer.withRunning(testSimulatorConfiguration(latency: .instant(outputTokens: 6))) { endpoint in
            try await LLMClient.withClient(ClientConfiguration(baseURL: endpoint.baseURL, requestTimeout: .seconds(30))) { client in
                for stream in [true, false] {
                    let result = await client.generate(GenerationRequest(prompt: .text("hello"), parameters: .init(maxTokens: 4), stream: stream))
                    #expect(result.success, "\(result.error ?? "")")
                }
                let simulated = PrometheusScrape.samples(await client.serverMetrics() ?? "")
                for name in Self.sharedNames {
                    let series = simulated.keys.filter { PrometheusScrape.family($0) == name }
                    #expect(!series.isEmpty, "\(name) is missing")
                    #expect(series.allSatisfy { $0.contains(#"engine="0""#) && $0.contains(#"model_name="llm-sim""#) }, "\(series)")
                }
                func total(_ name: String) -> Double {
                    simulated.filter { PrometheusScrape.family($0.key) == name }.values.reduce(0, +)
                }
                #expect(simulated[#"vllm:request_success_total{engine="0",model_name="llm-sim",finished_reason="length"}"#] == 2)
                #expect(total("vllm:generation_tokens_total") == 8)
                #expect(total("vllm:time_to_first_token_seconds_count") == 2 && total("vllm:e2e_request_latency_seconds_count") == 2)
                #expect(total("vllm:num_requests_running") == 0)
            }
        }
    }

    @Test func aLevelsChangesKeepVLLMsCountersAndTheGaugesPeaks() {
        let series = #"{engine="0",model_name="m"}"#
        let before: [String: Double] = [
            "vllm:num_preemptions_total\(series)": 2, "vllm:generation_tokens_total\(series)": 10, "vllm:num_requests_running\(series)": 0,
        ]
        let after: [String: Double] = [
            "vllm:num_preemptions_total\(series)": 2, "vllm:generation_tokens_total\(series)": 42, "vllm:num_requests_running\(series)": 0,
        ]
        let changes = PrometheusScrape.levelChanges(before: before, after: after, peaks: ["vllm:num_requests_running\(series)": 4])
        #expect(
            changes == [
                "vllm:num_preemptions_total\(series)": 0, "vllm:generation_tokens_total\(series)": 32, "peak vllm:num_requests_running\(series)": 4,
            ])
    }

    @Test func theServersMeansBesideTheClientsTTFT() throws {
        let series = #"{engine="0",model_name="m"}"#
        var changes: [String: Double] = [:]
        for (level, ttftSum, running) in [("c=1", 0.8, 1.0), ("c=8", 8.0, 8.0)] {
            changes["\(level) vllm:time_to_first_token_seconds_sum\(series)"] = ttftSum
            changes["\(level) vllm:time_to_first_token_seconds_count\(series)"] = 8
            changes["\(level) vllm:request_queue_time_seconds_sum\(series)"] = 0.08
            changes["\(level) vllm:request_queue_time_seconds_count\(series)"] = 8
            changes["\(level) vllm:request_success_total{engine=\"0\",model_name=\"m\",finished_reason=\"length\"}"] = 6
            changes["\(level) vllm:request_success_total{engine=\"0\",model_name=\"m\",finished_reason=\"stop\"}"] = 2
            changes["\(level) vllm:prefix_cache_hits_total\(series)"] = 16
            changes["\(level) vllm:prefix_cache_queries_total\(series)"] = 64
            changes["\(level) peak vllm:num_requests_running\(series)"] = running
        }
        let one = try #require(ServerLevelMetrics.from(label: "c=1", clientTTFTMeanS: 0.13, changes: changes))
        #expect(one.requests == 8 && one.peakRunning == 1 && one.preemptions == nil)
        #expect(abs(one.serverTTFTMeanS! - 0.1) < 1e-12 && abs(one.queueTimeMeanS! - 0.01) < 1e-12)
        #expect(abs(one.ttftDifferenceS! - 0.03) < 1e-12)
        // 30 ms over 100 ms is 30 %, but within the 50 ms floor.
        #expect(one.ttftAgrees())
        let eight = try #require(ServerLevelMetrics.from(label: "c=8", clientTTFTMeanS: 1.3, changes: changes))
        #expect(eight.peakRunning == 8 && !eight.ttftAgrees(), "300 ms over 1 s is beyond 25 %")
        #expect(ServerLevelMetrics.from(label: "c=8", clientTTFTMeanS: 1.2, changes: changes)?.ttftAgrees() == true)
        // A server without vLLM's metrics (llama.cpp, or the simulator's own names only) has no row.
        #expect(ServerLevelMetrics.from(label: "c=1", clientTTFTMeanS: 0.1, changes: ["c=1 llmsim_requests_total": 8]) == nil)
        let table = ServerLevelMetrics.format([one, eight]).joined(separator: "\n")
        #expect(table.contains("c=1") && table.contains("130.0") && table.contains("100.0") && table.contains("30.0") && table.contains("25 %"))
    }
}
