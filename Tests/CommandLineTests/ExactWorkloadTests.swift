import Foundation
import LLMBench
import LLMClientKit
import LLMResults
import LLMSimulator
import OpenAIAPI
import TestSupport
import Testing

/// Synthetic workloads sized by the server's own tokenizer: `--synthetic-input-tokens 32` sends
/// prompts of exactly 32 prompt tokens by the server's `usage`, `--synthetic-output-tokens N`
/// answers of exactly N (ignore_eos, min_tokens). The vLLM case runs in `VLLMCommandTests`.
@Suite struct ExactWorkloadTests {
    /// Runs a benchmark of `requests` synthetic requests against `baseURL` and checks that every
    /// request had exactly `input` prompt tokens and `output` completion tokens by the server's
    /// usage, and that the document says the lengths are exact.
    static func expectExactLengths(
        baseURL: String, api: APIKind, language: String, input: Int = 32, output: Int = 64, requests: Int = 4, timeout: Double = 600,
        echoesRequestID: Bool = true
    ) async throws {
        let directory = try makeTemporaryDirectory("llm-client-exact")
        defer { try? FileManager.default.removeItem(at: directory) }
        let json = directory.appendingPathComponent("bench.json").path
        let rows = directory.appendingPathComponent("bench.jsonl").path
        let run = try await runProcess(
            TestEnvironment.cliBinary,
            [
                "bench", "--base-url", baseURL, "--api", api.rawValue, "--synthetic-input-tokens", String(input), "--synthetic-output-tokens",
                String(output), "--synthetic-language", language, "--num-requests", String(requests), "--concurrent", "2",
                "--output", json, "--output", rows,
            ], timeout: timeout)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!run.stderr.contains("warning"), "\(run.stderr)")
        let document = try JSONDecoder().decode(BenchDocument.self, from: Data(contentsOf: URL(fileURLWithPath: json)))
        #expect(document.bench["prompt_lengths"]?.hasPrefix("exact") == true, "\(document.bench)")
        let level = try #require(document.levels.first)
        #expect(level.requestedInputTokens == input && level.requestedOutputTokens == output)
        #expect(level.summary.inputTokensPerRequest == TokenLengths(count: requests, mean: Double(input), min: input, max: input))
        #expect(level.summary.outputTokensPerRequest == TokenLengths(count: requests, mean: Double(output), min: output, max: output))
        #expect(level.lengthMismatches.isEmpty, "\(level.lengthMismatches)")
        let results = try String(contentsOfFile: rows, encoding: .utf8).split(separator: "\n").map {
            try JSONDecoder().decode(RequestResult.self, from: Data($0.utf8))
        }
        #expect(results.count == requests && results.allSatisfy(\.success), "\(failureReport(results))")
        for result in results {
            #expect(result.promptTokens == input && result.completionTokens == output && !result.tokensEstimated, "\(result.prompt)")
            // Each request carries its X-Request-Id; vLLM (and the simulator) make it their response id.
            let requestID = try #require(result.requestID)
            #expect(requestID.hasPrefix("llmc-") && result.responseID != nil)
            if echoesRequestID { #expect(result.responseID?.hasSuffix(requestID) == true, "\(result.responseID ?? "none")") }
        }
        #expect(run.stdout.contains("Input tokens/req:    \(input) asked, \(input).0 mean"), "\(run.stdout)")
    }

    @Test(arguments: [APIKind.completions, .chat], ["ko", "en"])
    func theSimulatorGetsExactLengths(api: APIKind, language: String) async throws {
        try await SimulatorServer.withRunning(testSimulatorConfiguration(latency: .instant(outputTokens: 8))) { endpoint in
            try await Self.expectExactLengths(baseURL: endpoint.baseURL, api: api, language: language, timeout: 120)
        }
    }

    @Test(.requires(.llamaServer), arguments: [APIKind.completions, .chat])
    func llamaServerGetsExactLengths(api: APIKind) async throws {
        try await Self.expectExactLengths(baseURL: try RealService.llamaServer.required(), api: api, language: "ko", echoesRequestID: false)
    }

    @Test func withoutATokenizeEndpointLengthsAreEstimatesWithAWarning() async throws {
        var configuration = testSimulatorConfiguration(latency: .instant(outputTokens: 8))
        configuration.tokenizeEndpoint = false
        try await SimulatorServer.withRunning(configuration) { endpoint in
            let directory = try makeTemporaryDirectory("llm-client-exact")
            defer { try? FileManager.default.removeItem(at: directory) }
            let json = directory.appendingPathComponent("bench.json").path
            let run = try await runProcess(
                TestEnvironment.cliBinary,
                [
                    "bench", "--base-url", endpoint.baseURL, "--synthetic-input-tokens", "16", "--synthetic-output-tokens", "8",
                    "--num-requests", "2", "--quiet", "--output", json,
                ], timeout: 120)
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stderr.contains("warning: the server has no tokenize endpoint"), "\(run.stderr)")
            let document = try JSONDecoder().decode(BenchDocument.self, from: Data(contentsOf: URL(fileURLWithPath: json)))
            #expect(document.bench["prompt_lengths"] == "estimated" && document.bench["output_lengths"] == "up to max_tokens")
            // No ignore_eos was sent: the simulator's answers end at its own 8 tokens.
            #expect(document.levels.first?.summary.outputTokensPerRequest?.max == 8)
        }
    }
}
