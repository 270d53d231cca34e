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
    /// A stream recorded from vLLM 0.32 with its `deepseek_r1` reasoning parser. No reasoning model
    /// is within reach offline, so SmolLM2-135M-Instruct served it with a tokenizer whose "." is
    /// named `</think>` (and an unused special token `<think>`): the model's first full stop ends its
    /// thoughts, and vLLM's own parser splits the stream into `delta.reasoning` and `delta.content`
    /// (the `</think>` token itself sends no chunk). vLLM reported `reasoning_tokens: 0` in the usage
    /// for this answer; the result keeps the server's word.
    @Test func aRecordedVLLMReasoningStreamKeepsThoughtsApart() throws {
        let bytes = try SSEParserTests.fixture("vllm-reasoning-chat-stream.sse")
        let start = ContinuousClock.now
        var accumulator = StreamAccumulator(started: start, onText: nil)
        var time = start
        for event in SSEParserTests.parse(bytes, pieceSize: 7) {
            time += .milliseconds(10)
            try accumulator.handle(event, at: time)
        }
        var result = RequestResult(request: GenerationRequest(prompt: .text("x"), api: .chat), model: "m", startedAt: Timestamp())
        accumulator.fill(&result, endedAt: time + .milliseconds(10))
        #expect(result.reasoning == "The colour of the rainbow is indeed a marvel of nature")
        #expect(result.output.hasPrefix(" It is a spectacular display") && !result.output.contains("marvel"))
        #expect(result.reasoningTokens == 0 && result.completionTokens == 40 && result.finishReason == "length")
        // Events 10 ms apart: the role chunk at 10 ms, eleven thoughts from 20 ms (the first token),
        // 28 answer tokens from 130 ms (TTFO) to 400 ms (E2E), the usage chunk, [DONE] at 420 ms.
        #expect(result.ttftS.map { abs($0 - 0.020) < 1e-9 } == true, "\(result.ttftS ?? -1)")
        #expect(result.ttfoS.map { abs($0 - 0.130) < 1e-9 } == true, "\(result.ttfoS ?? -1)")
        #expect(result.contentChunks == 39)
        #expect(abs(result.latencyS - 0.400) < 1e-9 && result.streamEndS.map { abs($0 - 0.430) < 1e-9 } == true)
        // ITL as vLLM pools it: a gap before each of the 40 chunks with a choice after the first.
        #expect(result.itlS.count == 39, "\(result.itlS.count)")
        #expect(result.responseID?.hasPrefix("chatcmpl-") == true)
    }

    @Test func aRecordedWholeVLLMReasoningAnswerKeepsThoughtsApart() throws {
        let bytes = try SSEParserTests.fixture("vllm-reasoning-chat.json")
        let response = try JSONDecoder().decode(GenerationResponse.self, from: Data(bytes))
        #expect(response.choices.first?.reasoning == "The colour of the rainbow is indeed a marvel of nature")
        #expect(response.firstText.hasPrefix(" It is a spectacular display"))
        #expect(response.usage?.completionTokens == 40)
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
            // The simulator sends on an absolute schedule from the request's arrival: the answer's
            // first token is due after the TTFT and five thoughts an ITL apart, never earlier. A busy
            // machine may send the first thought late, and then the simulator writes every token due
            // by then at once: the thoughts and the answer's first token arrive in one read, stamped
            // alike (CI: TTFT = TTFO = 2.33 s), so TTFO is at least TTFT, not always after it.
            #expect(ttfo >= 0.02 + 5 * 0.01 - 0.001 && ttfo >= ttft, "TTFT \(ttft) s, TTFO \(ttfo) s")
            #expect(result.contentChunks == 11)
        } else {
            #expect(result.ttftS == nil && result.ttfoS == nil)
        }
    }
}
