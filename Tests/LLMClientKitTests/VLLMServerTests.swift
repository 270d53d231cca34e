import Foundation
import LLMClientKit
import OpenAIAPI
import TestSupport
import Testing

/// The client against a real vLLM server (CPU) with SmolLM2-135M-Instruct, started by
/// `scripts/test.sh` (which sets `LLM_CLIENT_VLLM_URL`). The assertions are on formats, counts and
/// timings, never on the 135M model's words; workloads are small, as vLLM on 2 shared cores is slow.
@Suite(.serialized, .requires(.vllm)) struct VLLMServerTests {
    private static let model = "SmolLM2-135M-Instruct"

    private func withVLLM(_ body: (LLMClient, String) async throws -> Void) async throws {
        let url = try RealService.vllm.required()
        try await LLMClient.withClient(ClientConfiguration(baseURL: url, requestTimeout: .seconds(300), maxConnections: 4)) {
            try await body($0, url)
        }
    }

    /// The `data:` payloads of a raw streamed answer from vLLM, read with curl (the client hides the
    /// chunk shapes these tests check), each decoded as JSON; `[DONE]` as nil.
    private func rawStream(_ baseURL: String, path: String, body: [String: Any]) async throws -> [[String: Any]?] {
        let json = String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self)
        let output = try await runProcess(
            URL(fileURLWithPath: "/usr/bin/curl"),
            ["-sS", "-N", "--max-time", "300", "-H", "Content-Type: application/json", "-d", json, baseURL + path], timeout: 320)
        #expect(output.status == 0, "\(output.stderr)")
        return output.stdout.components(separatedBy: "\n\n").compactMap { event -> [String: Any]?? in
            guard event.hasPrefix("data: ") else { return nil }
            let payload = event.dropFirst("data: ".count)
            if payload == "[DONE]" { return .some(nil) }
            return .some(try? JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any])
        }
    }

    private static func choice(_ chunk: [String: Any]?) -> [String: Any]? {
        (chunk?["choices"] as? [[String: Any]])?.first
    }

    /// The text a chunk carries: `text` (completions) or `delta.content` (chat).
    private static func text(_ chunk: [String: Any]?) -> String? {
        guard let choice = choice(chunk) else { return nil }
        return choice["text"] as? String ?? (choice["delta"] as? [String: Any])?["content"] as? String
    }

    @Test func healthOnTheEmptyBodyAndTheModelList() async throws {
        try await withVLLM { client, _ in
            // vLLM answers /health with 200 and an empty body.
            let health = await client.health()
            #expect(health.healthy && health.httpStatus == 200 && health.message == "ok", "\(health)")
            #expect(health.endpoint.hasSuffix("/health"))
            let models = try await client.listModels()
            #expect(models.map(\.id) == [Self.model])
        }
    }

    @Test(arguments: [APIKind.completions, .chat], [true, false])
    func answersStreamedAndWhole(api: APIKind, stream: Bool) async throws {
        try await withVLLM { client, _ in
            let parameters = GenerationParameters(model: Self.model, temperature: 0, maxTokens: 16)
            // A prompt that SmolLM2 continues rather than ends at once (an empty answer has nothing to time).
            let prompt = api == .completions ? "The capital of France is" : "Write one sentence about the sea."
            let result = await client.generate(GenerationRequest(prompt: .text(prompt), parameters: parameters, api: api, stream: stream))
            #expect(result.success, "\(result.error ?? "")")
            #expect(result.model == Self.model && result.httpStatus == 200)
            // vLLM reports usage for streams too (the client asks for include_usage): counts are the server's.
            #expect(!result.tokensEstimated && (result.promptTokens ?? 0) > 3)
            let tokens = try #require(result.completionTokens)
            #expect((1...16).contains(tokens))
            #expect(result.finishReason == (tokens == 16 ? "length" : "stop"))
            #expect(!result.output.isEmpty && !result.output.contains("\u{FFFD}"))
            if stream {
                let ttft = try #require(result.ttftS)
                #expect(ttft > 0 && ttft <= result.latencyS)
                #expect(result.contentChunks >= 1 && result.contentChunks <= tokens)
                // vLLM sends a chunk per token (and a chat's role chunk first); ITL, as vLLM's benchmark
                // pools it, has a gap before each after the first.
                #expect(result.itlS.count == tokens - 1 + (api == .chat ? 1 : 0), "\(result.itlS.count) gaps, \(tokens) tokens")
                #expect(result.itlS.allSatisfy { $0 >= 0 })
            } else {
                #expect(result.ttftS == nil && result.itlS.isEmpty)
            }
        }
    }

    @Test func koreanHoldbackSendsEmptyChunksThatAreNeitherTextNorTTFT() async throws {
        try await withVLLM { client, baseURL in
            let prompt = "한국의 수도는"
            let raw = try await rawStream(
                baseURL, path: "/completions",
                body: [
                    "model": Self.model, "prompt": prompt, "max_tokens": 32, "temperature": 0, "stream": true,
                    "stream_options": ["include_usage": true],
                ])
            let texts = raw.dropLast(2).map { Self.text($0) ?? "" }
            let usage = try #require(raw[raw.count - 2]?["usage"] as? [String: Any])
            // vLLM holds back an incomplete UTF-8 character as chunks with empty text, not as missing
            // chunks: one chunk per token (an end-of-text token is the extra stop chunk).
            #expect(texts.count == usage["completion_tokens"] as? Int, "one chunk per token: \(texts)")
            #expect(texts.contains(""), "vLLM sent no empty chunk for this answer: \(texts)")
            #expect(!texts.joined().contains("\u{FFFD}"))

            let request = GenerationRequest(
                prompt: .text(prompt), parameters: GenerationParameters(model: Self.model, temperature: 0, maxTokens: 32), api: .completions)
            var pieces: [String] = []
            var completed: RequestResult?
            for await event in client.stream(request) {
                switch event {
                case .text(let piece): pieces.append(piece)
                case .completed(let result): completed = result
                }
            }
            let result = try #require(completed)
            #expect(result.success, "\(result.error ?? "")")
            #expect(!pieces.contains(""), "an empty chunk reached the caller as text")
            // Greedy, but batched with other tests' requests the answer may end before max_tokens.
            let tokens = try #require(result.completionTokens)
            #expect(result.finishReason == (tokens == 32 ? "length" : "stop"))
            // Empty chunks are not content: fewer content chunks than tokens. They are chunks all the
            // same: a gap before each of the token chunks after the first, as vLLM's benchmark counts.
            #expect(result.contentChunks == pieces.count && result.contentChunks < tokens)
            #expect(result.itlS.count == tokens - 1, "\(result.itlS.count) gaps, \(tokens) tokens")
            // TTFT is the first text's arrival, within the answer's time, and no gap is negative.
            let ttft = try #require(result.ttftS)
            #expect(ttft < result.latencyS && result.itlS.allSatisfy { $0 >= 0 })
            #expect(
                !result.output.contains("\u{FFFD}")
                    && result.output.unicodeScalars.contains { $0.properties.isIdeographic || (0xAC00...0xD7A3).contains($0.value) })
        }
    }

    @Test func aStopStringEndsOnAnExtraEmptyChunkThenUsage() async throws {
        try await withVLLM { client, baseURL in
            for (path, api) in [("/completions", APIKind.completions), ("/chat/completions", .chat)] {
                var body: [String: Any] = [
                    "model": Self.model, "max_tokens": 32, "temperature": 0, "stop": ["."], "stream": true,
                    "stream_options": ["include_usage": true],
                ]
                if api == .chat {
                    body["messages"] = [["role": "user", "content": "Name a colour in one sentence."]]
                } else {
                    body["prompt"] = "The capital of France is"
                }
                let raw = try await rawStream(baseURL, path: path, body: body)
                #expect(raw.last! == nil, "[DONE] ends the stream")
                let usage = try #require(raw[raw.count - 2])
                #expect((usage["choices"] as? [Any])?.isEmpty == true && usage["usage"] != nil, "the usage chunk comes after the finish chunk")
                let finish = try #require(Self.choice(raw[raw.count - 3]))
                #expect(finish["finish_reason"] as? String == "stop" && finish["stop_reason"] as? String == ".")
                #expect(Self.text(raw[raw.count - 3]) == "", "the stop chunk carries no text")
                #expect(raw.dropLast(3).allSatisfy { Self.choice($0)?["finish_reason"] is NSNull })

                let result = await client.generate(
                    GenerationRequest(
                        prompt: .text(api == .chat ? "Name a colour in one sentence." : "The capital of France is"),
                        parameters: GenerationParameters(model: Self.model, temperature: 0, maxTokens: 32, stop: ["."]), api: api))
                #expect(result.success, "\(result.error ?? "")")
                #expect(result.finishReason == "stop" && !result.output.contains("."))
                #expect(!result.tokensEstimated && (result.completionTokens ?? 0) >= result.contentChunks)
            }
        }
    }

    @Test func vLLMsOwnErrorMessagesAreReported() async throws {
        try await withVLLM { client, _ in
            let tooLong = await client.generate(
                GenerationRequest(
                    prompt: .text("Hi"), parameters: GenerationParameters(model: Self.model, maxTokens: 5000)))
            #expect(!tooLong.success && tooLong.httpStatus == 400)
            #expect(tooLong.error?.contains("max_tokens=5000 cannot be greater than max_model_len=2048") == true, "\(tooLong.error ?? "")")
            let unknown = await client.generate(
                GenerationRequest(
                    prompt: .text("Hi"), parameters: GenerationParameters(model: "nope", maxTokens: 4), api: .chat))
            #expect(!unknown.success && unknown.httpStatus == 404)
            #expect(unknown.error?.contains("The model `nope` does not exist.") == true, "\(unknown.error ?? "")")
        }
    }
}
