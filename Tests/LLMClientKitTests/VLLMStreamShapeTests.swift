import Foundation
import LLMClientKit
import LLMSimulator
import OpenAIAPI
import TestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The simulator's streams against captures of real vLLM 0.32 (Fixtures/vllm-*.sse): every kind of
/// chunk has vLLM's fields, in vLLM's order of kinds.
@Suite struct VLLMStreamShapeTests {
    /// What a chunk is, by vLLM's rules: the chat role chunk, a token (text possibly empty), the
    /// token that ends on `length`, the extra `stop` chunk, the usage chunk.
    enum Kind: String { case role, token, length, stop, usage }

    struct Chunk {
        var kind: Kind
        /// The JSON's structure: keys and value types, without the values.
        var shape: String
        var text: String?
    }

    /// The JSON chunks of an SSE stream (without `[DONE]`, which must end it).
    static func chunks(_ sse: String) throws -> [Chunk] {
        let events = sse.components(separatedBy: "\n\n").filter { !$0.isEmpty }
        #expect(events.last == "data: [DONE]")
        return try events.dropLast().map { event in
            #expect(event.hasPrefix("data: ") && !event.contains("\n"), "every event is one data line: \(event)")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(event.dropFirst(6).utf8)) as? [String: Any])
            let choice = (object["choices"] as? [[String: Any]])?.first
            let delta = choice?["delta"] as? [String: Any]
            let kind: Kind =
                switch (choice, choice?["finish_reason"] as? String) {
                case (nil, _): .usage
                case (_, "stop"?): .stop
                case (_, "length"?): .length
                default: delta?["role"] != nil ? .role : .token
                }
            return Chunk(kind: kind, shape: shape(object), text: choice?["text"] as? String ?? delta?["content"] as? String)
        }
    }

    /// A JSON value's structure: object keys sorted with their values' shapes, strings as `s`,
    /// numbers as `n`, null as `null`; an array by its first element.
    static func shape(_ value: Any) -> String {
        switch value {
        case let object as [String: Any]: "{" + object.keys.sorted().map { "\($0):\(shape(object[$0]!))" }.joined(separator: ",") + "}"
        case let array as [Any]: "[" + (array.first.map(shape) ?? "") + "]"
        case is String: "s"
        case is NSNull: "null"
        default: "n"
        }
    }

    static func fixture(_ name: String) throws -> String {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil))
        return try String(contentsOf: url, encoding: .utf8)
    }

    /// The raw SSE the simulator sends for `body` on `path`.
    static func simulatorStream(_ configuration: SimulatorConfiguration, path: String, body: [String: Any]) async throws -> String {
        let json = try JSONSerialization.data(withJSONObject: body)
        return try await SimulatorServer.withRunning(configuration) { endpoint in
            var request = URLRequest(url: URL(string: endpoint.baseURL + path)!)
            request.httpMethod = "POST"
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = json
            let (data, _) = try await URLSession.shared.data(for: request)
            return String(decoding: data, as: UTF8.self)
        }
    }

    /// The kinds in stream order, runs of tokens as one `token*`.
    static func sequence(_ chunks: [Chunk]) -> [String] {
        var kinds: [String] = []
        for chunk in chunks {
            let name = chunk.kind == .token ? "token*" : chunk.kind.rawValue
            if kinds.last != name { kinds.append(name) }
        }
        return kinds
    }

    /// Each kind's shape in a stream (all chunks of a kind have one shape).
    static func shapes(_ chunks: [Chunk]) -> [Kind: Set<String>] {
        Dictionary(grouping: chunks, by: \.kind).mapValues { Set($0.map(\.shape)) }
    }

    @Test(arguments: [
        ("vllm-completions-stream.sse", "/completions", false), ("vllm-chat-stream.sse", "/chat/completions", false),
        ("vllm-completions-stop-stream.sse", "/completions", true), ("vllm-chat-stop-stream.sse", "/chat/completions", true),
        ("vllm-korean-chat-stream.sse", "/chat/completions", false),
    ])
    func theSimulatorStreamsInVLLMsShape(capture: String, path: String, stopString: Bool) async throws {
        let real = try Self.chunks(try Self.fixture(capture))
        var body: [String: Any] = ["model": "llm-sim", "stream": true, "stream_options": ["include_usage": true], "temperature": 0]
        if path == "/completions" { body["prompt"] = "The capital of France is" } else { body["messages"] = [["role": "user", "content": "Hello"]] }
        var configuration = testSimulatorConfiguration()
        if stopString {
            // The reply holds the stop string: the answer ends on vLLM's extra stop chunk.
            configuration.reply = "Paris is the capital. It is large."
            body["stop"] = ["."]
        } else if real.contains(where: { $0.kind == .length }) {
            body["max_tokens"] = 8  // as captured: cut by max_tokens, "length" on the last token
        }  // else as captured: the end of text, an extra stop chunk with stop_reason null
        let simulated = try Self.chunks(try await Self.simulatorStream(configuration, path: path, body: body))
        #expect(Self.sequence(simulated) == Self.sequence(real))
        let realShapes = Self.shapes(real)
        for (kind, shapes) in Self.shapes(simulated) {
            #expect(shapes.count == 1 && shapes == realShapes[kind], "\(kind): \(shapes) against vLLM's \(realShapes[kind] ?? [])")
        }
        if stopString {
            let stop = try #require(simulated.first { $0.kind == .stop })
            #expect(stop.text == "" && stop.shape.contains("stop_reason:s"))
        }
    }

    @Test func splitUTF8HoldsBackLikeVLLMWithEmptyChunks() async throws {
        let real = try Self.chunks(try Self.fixture("vllm-korean-completions-stream.sse"))
        #expect(real.contains { $0.kind == .token && $0.text == "" }, "the capture has vLLM's empty chunks")
        var configuration = testSimulatorConfiguration(
            latency: LatencyModel(ttftMean: 0.02, ttftJitter: 0, prefillPerToken: 0, itlMean: 0.005, itlJitter: 0, outputTokensMean: 20))
        configuration.faults.splitUTF8 = true
        let body: [String: Any] = [
            "model": "llm-sim", "prompt": "한국의 수도는", "stream": true, "stream_options": ["include_usage": true], "max_tokens": 12,
        ]
        let simulated = try Self.chunks(try await Self.simulatorStream(configuration, path: "/completions", body: body))
        let empty = simulated.filter { $0.kind == .token && $0.text == "" }
        #expect(!empty.isEmpty && Set(empty.map(\.shape)) == Self.shapes(real)[.token])
        #expect(simulated.compactMap(\.text).joined().unicodeScalars.allSatisfy { $0 != "\u{FFFD}" })

        // The client: empty chunks are no text and no first token; as in vLLM's benchmark, each is
        // a chunk with a choice, so it splits the gap it falls in: 11 gaps between the 12 tokens,
        // and one more for each token beyond ASCII (those the simulator precedes with an empty chunk).
        let result = try await SimulatorServer.withRunning(configuration) { endpoint in
            try await LLMClient.withClient(ClientConfiguration(baseURL: endpoint.baseURL, requestTimeout: .seconds(30))) { client in
                await client.generate(GenerationRequest(prompt: .text("한국의 수도는"), parameters: .init(maxTokens: 12)))
            }
        }
        #expect(result.success && result.completionTokens == 12 && result.contentChunks == 12)
        #expect((12...23).contains(result.itlS.count), "\(result.itlS)")
        // The first token is due 20 ms after arrival; its empty chunk went out 10 ms earlier.
        #expect((result.ttftS ?? 0) >= 0.019, "TTFT \(result.ttftS ?? -1) s counts an empty chunk")
    }
}
