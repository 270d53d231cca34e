import Foundation
import LLMClientKit
import OpenAIAPI
import TestSupport
import Testing

/// The client against a real llama.cpp server with SmolLM2-135M-Instruct, started by
/// `scripts/test.sh` (which sets `LLM_CLIENT_LLAMA_URL`).
@Suite(.serialized, .requires(.llamaServer)) struct LlamaServerTests {
    private func withLlama(_ body: (LLMClient) async throws -> Void) async throws {
        let url = try RealService.llamaServer.required()
        try await LLMClient.withClient(ClientConfiguration(baseURL: url, requestTimeout: .seconds(120), maxConnections: 4)) { try await body($0) }
    }

    @Test func healthAndModels() async throws {
        try await withLlama { client in
            let health = await client.health()
            #expect(health.healthy)
            #expect(health.endpoint.hasSuffix("/health"))
            let models = try await client.listModels()
            #expect(models.first?.id == "SmolLM2-135M-Instruct")
        }
    }

    @Test(arguments: [APIKind.completions, .chat])
    func koreanStreamMatchesTheWholeAnswer(api: APIKind) async throws {
        try await withLlama { client in
            // Without llama.cpp's prompt cache, greedy decoding of the same prompt is reproducible,
            // but only while the server does not batch it with other tests' requests (another batch
            // shape changes the arithmetic): up to three tries at a pair that matches.
            let parameters = GenerationParameters(temperature: 0, maxTokens: 24, seed: 1, extraBody: ["cache_prompt": false])
            func pair() async -> (streamed: RequestResult, whole: RequestResult, wholeText: String) {
                let streamed = await client.generate(
                    GenerationRequest(prompt: .text("인공지능을 한국어로 설명해주세요."), parameters: parameters, api: api, stream: true))
                let whole = await client.generate(
                    GenerationRequest(prompt: .text("인공지능을 한국어로 설명해주세요."), parameters: parameters, api: api, stream: false))
                // llama.cpp holds back a character cut by max_tokens when streaming; a whole answer ends in U+FFFD instead.
                var wholeText = whole.output
                while wholeText.hasSuffix("\u{FFFD}") { wholeText.removeLast() }
                return (streamed, whole, wholeText)
            }
            var (streamed, whole, wholeText) = await pair()
            for _ in 0..<2 where streamed.output != wholeText { (streamed, whole, wholeText) = await pair() }
            #expect(streamed.success, "\(streamed.error ?? "")")
            #expect(whole.success, "\(whole.error ?? "")")
            #expect(streamed.completionTokens == 24 && !streamed.tokensEstimated)
            #expect(whole.completionTokens == 24)
            #expect(streamed.promptTokens == whole.promptTokens)
            #expect((streamed.promptTokens ?? 0) > 5)
            #expect(streamed.ttftS != nil)
            #expect(streamed.serverTimings != nil)
            #expect(!streamed.output.contains("\u{FFFD}"))
            #expect(streamed.output == wholeText)
        }
    }

    @Test func concurrencyFourWithRepeats() async throws {
        try await withLlama { client in
            let prompts = ["광합성이란?", "What is AI?", "양자 컴퓨터란?"]
            var requests: [GenerationRequest] = []
            for round in 0..<3 {
                for prompt in prompts {
                    requests.append(
                        GenerationRequest(
                            index: requests.count, repeatIndex: round, prompt: .text(prompt), parameters: .init(temperature: 0.7, maxTokens: 12)))
                }
            }
            let results = await client.generateBatch(requests, concurrency: 4)
            #expect(results.map(\.index) == Array(0..<9))
            for result in results {
                #expect(result.success, "\(result.error ?? "")")
                // Sampled answers may end early (the model can emit its end token at once).
                #expect((1...12).contains(result.completionTokens ?? 0))
                #expect(result.finishReason == (result.completionTokens == 12 ? "length" : "stop"))
                #expect((result.ttftS != nil) == !result.output.isEmpty)
            }
        }
    }

    @Test func serverErrorsAreRecordedWithTheirMessage() async throws {
        try await withLlama { client in
            let result = await client.generate(GenerationRequest(prompt: .text("x"), parameters: .init(extraBody: ["max_tokens": -5])))
            #expect(!result.success)
            #expect(result.httpStatus == 400)
            #expect(result.error?.contains("max_tokens") == true)
        }
    }
}
