import Foundation
import LLMBench
import LLMClientKit
import LLMExperiment
import LLMResults
import LLMSimulator
import OpenAIAPI
import TestSupport
import Testing

/// The `llm-client` binary against a real vLLM server (CPU) with SmolLM2-135M-Instruct, started by
/// `scripts/test.sh` (`LLM_CLIENT_VLLM_URL`): repeats, the judge with structured output, and a
/// benchmark sweep with vLLM's own metrics beside the client's. Small workloads, generous limits.
/// The same table against the simulator, which exposes vLLM's names, runs everywhere.
@Suite(.serialized) struct VLLMCommandTests {
    private static let model = "SmolLM2-135M-Instruct"

    private func run(_ arguments: [String], timeout: Double = 900) async throws -> ProcessOutput {
        try await runProcess(TestEnvironment.cliBinary, arguments, timeout: timeout)
    }

    @Test(.requires(.vllm)) func tenRepeatsAtTemperatureZeroAreConsistent() async throws {
        let baseURL = try RealService.vllm.required()
        let directory = try makeTemporaryDirectory("llm-client-vllm")
        defer { try? FileManager.default.removeItem(at: directory) }
        let json = directory.appendingPathComponent("repeat.json").path
        let output = try await run([
            "--base-url", baseURL, "--prompt", "What is the capital of France?", "--api", "chat", "--repeat", "10",
            "--temperature", "0.0", "--max-tokens", "16", "--quiet", "--output", json,
        ])
        #expect(output.status == 0, "\(output.stderr)")
        let document = try JSONDecoder().decode(RunDocument.self, from: Data(contentsOf: URL(fileURLWithPath: json)))
        #expect(document.results.count == 10 && document.results.allSatisfy(\.success), "\(failureReport(document.results))")
        #expect(document.results.allSatisfy { $0.model == Self.model && !$0.tokensEstimated && ($0.completionTokens ?? 0) > 0 })
        let consistency = try #require(document.summary.quality?.consistency)
        #expect(consistency.prompts == 1 && consistency.perPrompt.first?.answers == 10)
        // Greedy decoding of one prompt, one request at a time: one answer, ten times.
        #expect(consistency.identicalShare == 1, "\(Set(document.results.map(\.output)))")
    }

    @Test(.requires(.vllm)) func theJudgeGetsAVerdictInTheSchemaFromGuidedDecoding() async throws {
        let baseURL = try RealService.vllm.required()
        let directory = try makeTemporaryDirectory("llm-client-vllm")
        defer { try? FileManager.default.removeItem(at: directory) }
        let prompts = directory.appendingPathComponent("prompts.txt")
        try "한국의 수도는 어디인가요?\nWhat is the capital of France?\n".write(to: prompts, atomically: true, encoding: .utf8)
        let json = directory.appendingPathComponent("judged.json").path
        let output = try await run([
            "--base-url", baseURL, "--prompt-file", prompts.path, "--api", "chat", "--temperature", "0", "--max-tokens", "16",
            "--judge-model", Self.model, "--judge-max-tokens", "200", "--quiet", "--output", json,
        ])
        #expect(output.status == 0, "\(output.stderr)")
        let document = try JSONDecoder().decode(RunDocument.self, from: Data(contentsOf: URL(fileURLWithPath: json)))
        #expect(document.results.count == 2 && document.results.allSatisfy(\.success), "\(failureReport(document.results))")
        // vLLM honours response_format (guided decoding): the verdict is JSON in the schema, its
        // score first, even from a 135M model that rarely writes one unguided.
        for result in document.results {
            let score = try #require(result.judgeScore, "\(result.judgeError ?? "")")
            #expect((1...10).contains(score) && result.judgeReason != nil)
        }
    }

    @Test(.requires(.vllm)) func aSweepWithVLLMsOwnMetricsBesideTheClients() async throws {
        let baseURL = try RealService.vllm.required()
        let directory = try makeTemporaryDirectory("llm-client-vllm")
        defer { try? FileManager.default.removeItem(at: directory) }
        let json = directory.appendingPathComponent("sweep.json").path
        let output = try await run([
            "bench", "--base-url", baseURL, "--concurrent", "1,2,4,8", "--num-requests", "8", "--synthetic-input-tokens", "32",
            "--synthetic-output-tokens", "16", "--synthetic-language", "en", "--extra-body", #"{"ignore_eos":true}"#,
            "--scrape-metrics", "--quiet", "--output", json,
        ])
        #expect(output.status == 0, "\(output.stderr)")
        let document = try JSONDecoder().decode(BenchDocument.self, from: Data(contentsOf: URL(fileURLWithPath: json)))
        #expect(document.levels.map(\.label) == ["c=1", "c=2", "c=4", "c=8"])
        #expect(
            document.levels.allSatisfy { $0.summary.successful == 8 && $0.summary.totalCompletionTokens == 8 * 16 },
            "\(document.levels.map { ($0.label, $0.summary.successful, $0.summary.errorsByKind) })")
        let changes = try #require(document.serverMetricChanges)
        for level in ["c=1", "c=2", "c=4", "c=8"] {
            // Per level: vLLM's request and token counters, its histograms, and the gauges' peaks.
            for family in [
                "vllm:request_success_total", "vllm:generation_tokens_total", "vllm:time_to_first_token_seconds_count",
                "vllm:inter_token_latency_seconds_sum", "vllm:request_queue_time_seconds_sum", "vllm:request_prefill_time_seconds_sum",
                "vllm:prefix_cache_queries_total", "vllm:prefix_cache_hits_total", "vllm:num_preemptions_total",
                "peak vllm:num_requests_running", "peak vllm:num_requests_waiting", "peak vllm:kv_cache_usage_perc",
            ] {
                #expect(changes.keys.contains { $0.hasPrefix("\(level) \(family)") }, "\(level) \(family) is missing")
            }
            let generated = changes.filter { $0.key.hasPrefix("\(level) vllm:generation_tokens_total") }.values.reduce(0, +)
            #expect(generated == 8 * 16)
        }
        let server = ServerLevelMetrics.from(document)
        #expect(server.map(\.label) == ["c=1", "c=2", "c=4", "c=8"])
        for level in server {
            #expect(level.requests == 8)
            #expect(level.peakRunning != nil && level.peakWaiting != nil && level.peakKVCacheUsage != nil)
            // The client's mean TTFT and vLLM's differ by less than 25 % or 50 ms, whichever is larger.
            #expect(level.ttftAgrees(), "\(level.label): client \(level.clientTTFTMeanS ?? -1) s, vLLM \(level.serverTTFTMeanS ?? -1) s")
        }
        #expect(output.stdout.contains("vLLM's own metrics per level") && output.stdout.contains("cli−srv"))
        // The table replaces vLLM's series in the terminal; they are all in the JSON document.
        #expect(!output.stdout.contains("vllm:generation_tokens_total"))
    }

    @Test func theSimulatorUnderVLLMsNamesFillsTheSameTable() async throws {
        let latency = LatencyModel(ttftMean: 0.1, ttftJitter: 0, prefillPerToken: 0, itlMean: 0.005, itlJitter: 0, outputTokensMean: 8)
        let directory = try makeTemporaryDirectory("llm-client-vllm")
        defer { try? FileManager.default.removeItem(at: directory) }
        let json = directory.appendingPathComponent("sim.json").path
        try await SimulatorServer.withRunning(testSimulatorConfiguration(latency: latency, maxConcurrency: 2)) { endpoint in
            let output = try await run(
                [
                    "bench", "--base-url", endpoint.baseURL, "--concurrent", "1,4", "--num-requests", "8", "--synthetic-input-tokens", "8",
                    "--scrape-metrics", "--quiet", "--output", json,
                ], timeout: 120)
            #expect(output.status == 0, "\(output.stderr)")
            let document = try JSONDecoder().decode(BenchDocument.self, from: Data(contentsOf: URL(fileURLWithPath: json)))
            let server = ServerLevelMetrics.from(document)
            #expect(server.map(\.label) == ["c=1", "c=4"])
            for level in server {
                #expect(level.requests == 8 && level.peakRunning != nil && level.peakWaiting != nil)
                // The client's TTFT holds the server's (and what HTTP and a loaded machine add).
                #expect(
                    (level.ttftDifferenceS ?? -1) >= 0,
                    "\(level.label): client \(level.clientTTFTMeanS ?? -1) s, server \(level.serverTTFTMeanS ?? -1) s")
            }
            // The simulator's TTFT is at least its latency model's 100 ms at every level (a lower
            // bound: it never answers early; how much queueing adds depends on how promptly a busy
            // machine lets the client send, so it is not asserted here).
            #expect(server.allSatisfy { ($0.serverTTFTMeanS ?? 0) >= 0.1 }, "\(server)")
            // The simulator's own series are still listed; its vllm: ones make the table.
            #expect(output.stdout.contains("c=4 llmsim_requests_total{status=\"200\"}  +8") && output.stdout.contains("cli−srv"))
        }
    }
}

extension VLLMCommandTests {
    @Test(.requires(.vllm), arguments: [APIKind.completions, .chat])
    func vLLMGetsExactLengths(api: APIKind) async throws {
        try await ExactWorkloadTests.expectExactLengths(baseURL: try RealService.vllm.required(), api: api, language: "ko", timeout: 900)
    }
}

extension VLLMCommandTests {
    @Test(.requires(.vllm)) func sharedPrefixesHitVLLMsPrefixCache() async throws {
        // vLLM on the CPU caches whole blocks of 128 tokens: a 256-token prefix is two. The first
        // request fills the cache; the next three find both blocks there.
        let (document, results) = try await ExactWorkloadTests.bench(
            [
                "--base-url", try RealService.vllm.required(), "--synthetic-input-tokens", "300", "--synthetic-output-tokens", "2",
                "--shared-prefix-tokens", "256", "--num-requests", "4", "--concurrent", "1", "--scrape-metrics",
            ], timeout: 900)
        #expect(results.count == 4 && results.allSatisfy { $0.success && $0.promptTokens == 300 }, "\(failureReport(results))")
        let level = try #require(ServerLevelMetrics.from(document).first)
        let hits = try #require(level.prefixCacheHits)
        #expect(hits >= 3 * 256, "prefix cache hits \(hits) of \(level.prefixCacheQueries ?? 0) queried tokens")
    }
}

extension VLLMCommandTests {
    @Test(.requires(.vllm)) func aTraceIsReplayedWithExactLengthsAndItsSharedBlocksHitTheCache() async throws {
        let trace = try ExactWorkloadTests.writeTrace()
        defer { try? FileManager.default.removeItem(at: trace.deletingLastPathComponent()) }
        // Blocks of 128 tokens, vLLM's CPU cache block: the requests that repeat blocks hit it.
        let (document, results) = try await ExactWorkloadTests.bench(
            ["--base-url", try RealService.vllm.required(), "--trace", trace.path, "--trace-block-tokens", "128", "--scrape-metrics", "--quiet"],
            timeout: 900)
        try ExactWorkloadTests.expectTraceReplayed(document, results)
        let level = try #require(ServerLevelMetrics.from(document).first)
        #expect((level.prefixCacheHits ?? 0) >= 128, "prefix cache hits \(level.prefixCacheHits ?? 0)")
    }
}

extension VLLMCommandTests {
    @Test(.requires(.vllm)) func sessionsRunTurnByTurnAgainstVLLM() async throws {
        let file = try ExactWorkloadTests.writeConversations(thinkTime: 0.1)
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        let (document, results) = try await ExactWorkloadTests.bench(
            ["--base-url", try RealService.vllm.required(), "--conversations", file.path, "--concurrent", "2", "--max-tokens", "8", "--quiet"],
            timeout: 900)
        try ExactWorkloadTests.expectSessions(document, results, thinkTime: 0.1)
    }
}

extension VLLMCommandTests {
    @Test(.requires(.vllm)) func aRampUpAgainstVLLMIsMeasuredApart() async throws {
        let (document, results) = try await ExactWorkloadTests.bench(
            [
                "--base-url", try RealService.vllm.required(), "--concurrent", "2", "--ramp-up", "2", "--num-requests", "2",
                "--synthetic-input-tokens", "16", "--synthetic-output-tokens", "4", "--quiet",
            ], timeout: 900)
        #expect(results.count == 2 && results.allSatisfy(\.success), "\(failureReport(results))")
        let ramp = try #require(document.levels.first?.rampUp)
        // The first worker sends from the start, the second from halfway: at least one request each
        // way, none failed, and none of them among the level's two.
        #expect(ramp.totalRequests >= 1 && ramp.failed == 0 && (ramp.maxInFlight ?? 0) <= 2, "\(ramp)")
        #expect(document.levels.first?.summary.totalRequests == 2)
    }
}

extension VLLMCommandTests {
    @Test(.requires(.vllm)) func aCapacitySearchRunsAgainstVLLM() async throws {
        try await CapacitySearchCommandTests.expectSearchRuns(against: try RealService.vllm.required())
    }
}
