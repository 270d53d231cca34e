import Foundation
import LLMSimulator
import OpenAIAPI
import TestSupport
import Testing

@testable import LLMClientKit

/// Reasoning models: thoughts (`delta.reasoning`, vLLM's current field, or `reasoning_content`,
/// older vLLM's and llama.cpp's) are kept out of the answer; TTFT is the first token of either,
/// TTFO the first answer token.
@Suite struct ReasoningTests {
    /// A stream in vLLM 0.32's chat chunk shape with thoughts in `delta.reasoning` and
    /// `completion_tokens_details.reasoning_tokens` in the usage. Constructed, not recorded: no
    /// reasoning model runs on these machines (SmolLM2 has no thinking tokens for vLLM's parsers);
    /// the shape follows vLLM 0.32's `DeltaMessage` (role, content, reasoning) and the captured
    /// chat stream beside it.
    @Test func aVLLMReasoningStreamKeepsThoughtsApart() throws {
        let bytes = try SSEParserTests.fixture("constructed-vllm-reasoning-chat-stream.sse")
        let start = ContinuousClock.now
        var accumulator = StreamAccumulator(started: start, onText: nil)
        var time = start
        for event in SSEParserTests.parse(bytes, pieceSize: 7) {
            time += .milliseconds(10)
            try accumulator.handle(event, at: time)
        }
        var result = RequestResult(request: GenerationRequest(prompt: .text("x"), api: .chat), model: "m", startedAt: Timestamp())
        accumulator.fill(&result, endedAt: time + .milliseconds(10))
        #expect(result.output == "\n\nThe capital of France is Paris.")
        #expect(result.reasoning == "Okay, the user asks for the capital.")
        #expect(result.reasoningTokens == 9 && result.completionTokens == 18)
        // The role chunk is at 10 ms; the first thought at 20 ms is the first token; the first
        // answer token comes after nine thoughts.
        #expect(result.ttftS.map { abs($0 - 0.020) < 1e-9 } == true, "\(result.ttftS ?? -1)")
        #expect(result.ttfoS.map { abs($0 - 0.110) < 1e-9 } == true, "\(result.ttfoS ?? -1)")
        #expect(result.contentChunks == 17)
        // ITL as vLLM pools it: a gap before each chunk with a choice after the role chunk.
        #expect(result.itlS.count == 18, "\(result.itlS.count)")
    }

    @Test(arguments: [ReasoningField.reasoning, .reasoningContent], [true, false])
    func theSimulatorsThoughtsStayOutOfTheAnswer(field: ReasoningField, stream: Bool) async throws {
        var configuration = testSimulatorConfiguration(
            latency: LatencyModel(ttftMean: 0.02, ttftJitter: 0, prefillPerToken: 0, itlMean: 0.01, itlJitter: 0, outputTokensMean: 6))
        configuration.reasoningTokens = 5
        configuration.reasoningField = field
        let result = try await SimulatorServer.withRunning(configuration) { endpoint in
            try await LLMClient.withClient(ClientConfiguration(baseURL: endpoint.baseURL)) { client in
                await client.generate(
                    GenerationRequest(prompt: .text("Why is the sky blue?"), parameters: .init(maxTokens: 64), api: .chat, stream: stream))
            }
        }
        #expect(result.success, "\(result.error ?? "")")
        let thoughts = try #require(result.reasoning)
        #expect(!thoughts.isEmpty && !result.output.isEmpty && !result.output.contains(thoughts))
        #expect(result.reasoningTokens == 5 && result.completionTokens == 5 + 6, "\(result.completionTokens ?? -1)")
        if stream {
            let ttft = try #require(result.ttftS)
            let ttfo = try #require(result.ttfoS)
            // Five thoughts, an ITL apart, before the answer's first token.
            #expect(ttfo >= ttft + 5 * 0.01 - 0.002, "TTFT \(ttft) s, TTFO \(ttfo) s")
            #expect(result.contentChunks == 11)
        } else {
            #expect(result.ttftS == nil && result.ttfoS == nil)
        }
    }
}
