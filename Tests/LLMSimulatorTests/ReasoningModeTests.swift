import AsyncHTTPClient
import Foundation
import LLMSimulator
import LLMSupport
import NIOCore
import TestSupport
import Testing

/// The simulator as a reasoning model (`--reasoning-tokens`, `--reasoning-field`), over real
/// loopback HTTP, checked on the raw JSON.
@Suite struct ReasoningModeTests {
    /// Thoughts before every chat answer in these tests.
    static let thinking = 5
    /// The answer's length without `max_tokens` (the test latency model's output length).
    static let answerLength = 16

    private func configuration(
        thinking: Int = Self.thinking, field: ReasoningField = .reasoning, latency: LatencyModel = .instant(outputTokens: Self.answerLength)
    ) -> SimulatorConfiguration {
        var configuration = testSimulatorConfiguration(latency: latency)
        configuration.reasoningTokens = thinking
        configuration.reasoningField = field
        return configuration
    }

    /// POSTs `body` to `path` below `root` and returns the status and the body.
    private func post(_ root: String, _ path: String, _ body: String) async throws -> (status: Int, body: String) {
        var request = HTTPClientRequest(url: root + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 10 << 20)
        return (Int(response.status.code), String(buffer: bytes))
    }

    /// A chat request body: one user message, temperature 0 (the same thoughts and answer every time).
    private func chatBody(stream: Bool, _ members: String = "") -> String {
        let streaming = stream ? #","stream":true,"stream_options":{"include_usage":true}"# : ""
        return #"{"messages":[{"role":"user","content":"Why is the sky blue?"}],"temperature":0"# + streaming
            + (members.isEmpty ? "" : "," + members) + "}"
    }

    /// The JSON objects of an SSE body's `data:` events; fails unless it ends with `[DONE]`.
    private func events(_ body: String) throws -> [[String: Any]] {
        let datas = body.components(separatedBy: "\n\n").filter { !$0.isEmpty }.map { event -> String in
            #expect(event.hasPrefix("data: "), "every event is a data line: \(event)")
            return String(event.dropFirst(6))
        }
        #expect(datas.last == "[DONE]", "the stream ends with [DONE]: \(body.suffix(300))")
        return try datas.filter { $0 != "[DONE]" }.map {
            try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any], "not a JSON object: \($0)")
        }
    }

    /// The first choice of a chunk or response, if any.
    private func firstChoice(_ object: [String: Any]) -> [String: Any]? {
        (object["choices"] as? [[String: Any]])?.first
    }

    /// A streamed chat answer taken apart.
    struct StreamedChat {
        /// Every chunk after the role chunk that carries a choice.
        var choiceChunks: [[String: Any]] = []
        /// The thoughts, one per chunk, in order.
        var thoughts: [String] = []
        /// The answer's text pieces (empty `content` deltas left out).
        var content: [String] = []
        /// Where in `choiceChunks` the last thought and the first non-empty content were.
        var lastThoughtIndex: Int?
        var firstContentIndex: Int?
        var finishReason: String?
        var usage: [String: Any]?
        var body: String
    }

    /// Reads a streamed chat answer whose thoughts come in `field`, checking each chunk's own shape:
    /// a thought chunk has no `content` and not the other field's key.
    private func readStreamedChat(_ body: String, field: ReasoningField) throws -> StreamedChat {
        let chunks = try events(body)
        var result = StreamedChat(body: body)
        let roleDelta = try #require(chunks.first.flatMap(firstChoice)?["delta"] as? [String: Any], "no role chunk first: \(body.prefix(400))")
        #expect(roleDelta["role"] as? String == "assistant", "role chunk: \(roleDelta)")
        let otherKey = ReasoningField.allCases.first { $0 != field }!.rawValue
        for chunk in chunks.dropFirst() {
            if let usage = chunk["usage"] as? [String: Any] { result.usage = usage }
            guard let choice = firstChoice(chunk) else { continue }
            let index = result.choiceChunks.count
            result.choiceChunks.append(chunk)
            let delta = try #require(choice["delta"] as? [String: Any], "a chat chunk without delta: \(chunk)")
            #expect(delta[otherKey] == nil, "a thought in the wrong field \(otherKey): \(delta)")
            if let thought = delta[field.rawValue] {
                let text = try #require(thought as? String, "a thought that is not a string: \(delta)")
                #expect(delta["content"] == nil, "a thought chunk with content: \(delta)")
                #expect(delta.count == 1, "a thought chunk's delta has only the thought: \(delta)")
                #expect(!text.isEmpty, "an empty thought: \(delta)")
                result.thoughts.append(text)
                result.lastThoughtIndex = index
            } else if let content = delta["content"] as? String, !content.isEmpty {
                result.content.append(content)
                if result.firstContentIndex == nil { result.firstContentIndex = index }
            }
            if let reason = choice["finish_reason"] as? String {
                #expect(result.finishReason == nil, "two finish reasons: \(result.finishReason ?? "") then \(reason)")
                result.finishReason = reason
            }
        }
        return result
    }

    private func integer(_ object: [String: Any]?, _ key: String) -> Int? {
        object?[key] as? Int
    }

    /// `usage.completion_tokens_details.reasoning_tokens`.
    private func reasoningTokens(_ usage: [String: Any]?) -> Int? {
        (usage?["completion_tokens_details"] as? [String: Any])?["reasoning_tokens"] as? Int
    }

    @Test(arguments: ReasoningField.allCases)
    func streamedChatSendsThoughtsFirstInTheConfiguredField(field: ReasoningField) async throws {
        try await SimulatorServer.withRunning(configuration(field: field)) { endpoint in
            let (status, body) = try await post(endpoint.rootURL, "/v1/chat/completions", chatBody(stream: true))
            #expect(status == 200, "\(body)")
            let chat = try readStreamedChat(body, field: field)
            #expect(chat.thoughts.count == Self.thinking, "thought chunks: \(chat.thoughts)")
            #expect(chat.content.count == Self.answerLength, "content chunks: \(chat.content)")
            #expect(
                chat.lastThoughtIndex == Self.thinking - 1 && chat.firstContentIndex == Self.thinking,
                "the \(Self.thinking) thoughts come first, then the answer: last thought at \(String(describing: chat.lastThoughtIndex)), first content at \(String(describing: chat.firstContentIndex))"
            )
            #expect(chat.finishReason == "stop", "finish_reason: \(String(describing: chat.finishReason))")
            let usage = try #require(chat.usage, "no usage chunk: \(body.suffix(400))")
            #expect(
                integer(usage, "completion_tokens") == Self.thinking + Self.answerLength,
                "completion_tokens counts thoughts and answer: \(usage)")
            #expect(reasoningTokens(usage) == Self.thinking, "reasoning_tokens: \(usage)")
            #expect(
                integer(usage, "total_tokens") == (integer(usage, "prompt_tokens") ?? 0) + Self.thinking + Self.answerLength,
                "total_tokens: \(usage)")
        }
    }

    @Test(arguments: ReasoningField.allCases)
    func wholeChatPutsTheThoughtsBesideTheContent(field: ReasoningField) async throws {
        try await SimulatorServer.withRunning(configuration(field: field)) { endpoint in
            let (status, body) = try await post(endpoint.rootURL, "/v1/chat/completions", chatBody(stream: false))
            #expect(status == 200, "\(body)")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any], "\(body)")
            let choice = try #require(firstChoice(object), "no choice: \(body)")
            let message = try #require(choice["message"] as? [String: Any], "no message: \(body)")
            #expect(message["role"] as? String == "assistant", "\(message)")
            let thoughts = try #require(message[field.rawValue] as? String, "no \(field.rawValue) in the message: \(message)")
            let content = try #require(message["content"] as? String, "no content in the message: \(message)")
            let otherKey = ReasoningField.allCases.first { $0 != field }!.rawValue
            #expect(message[otherKey] == nil, "thoughts in the wrong field too: \(message)")
            #expect(!thoughts.isEmpty && !content.isEmpty, "\(message)")
            #expect(choice["finish_reason"] as? String == "stop", "\(choice)")
            let usage = object["usage"] as? [String: Any]
            #expect(integer(usage, "completion_tokens") == Self.thinking + Self.answerLength, "usage: \(String(describing: usage))")
            #expect(reasoningTokens(usage) == Self.thinking, "usage: \(String(describing: usage))")

            // The same thoughts and answer as the stream's (temperature 0).
            let streamed = try readStreamedChat(try await post(endpoint.rootURL, "/v1/chat/completions", chatBody(stream: true)).body, field: field)
            #expect(streamed.thoughts.joined() == thoughts, "streamed \(streamed.thoughts) vs whole \(thoughts)")
            #expect(streamed.content.joined() == content, "streamed \(streamed.content) vs whole \(content)")
        }
    }

    @Test func thinkingLeavesTheAnswerAsItWasWithout() async throws {
        let plain = try await SimulatorServer.withRunning(configuration(thinking: 0)) { endpoint in
            try await post(endpoint.rootURL, "/v1/chat/completions", chatBody(stream: false)).body
        }
        let object = try #require(try JSONSerialization.jsonObject(with: Data(plain.utf8)) as? [String: Any], "\(plain)")
        let message = try #require(firstChoice(object)?["message"] as? [String: Any], "\(plain)")
        #expect(message["reasoning"] == nil && message["reasoning_content"] == nil, "no thoughts when reasoning is off: \(message)")
        #expect((object["usage"] as? [String: Any])?["completion_tokens_details"] == nil, "no details when reasoning is off: \(plain)")
        let reasoned = try await SimulatorServer.withRunning(configuration()) { endpoint in
            try await post(endpoint.rootURL, "/v1/chat/completions", chatBody(stream: false)).body
        }
        let reasonedMessage = try #require(
            (try JSONSerialization.jsonObject(with: Data(reasoned.utf8)) as? [String: Any]).flatMap(firstChoice)?["message"] as? [String: Any],
            "\(reasoned)")
        #expect(reasonedMessage["content"] as? String == message["content"] as? String, "with thoughts \(reasonedMessage), without \(message)")
    }

    /// `max_tokens` limits thoughts and answer together; at most the thinking budget, no answer.
    @Test(arguments: [1, 3, Self.thinking])
    func maxTokensWithinTheThoughtsLeavesNoAnswer(maxTokens: Int) async throws {
        try await SimulatorServer.withRunning(configuration()) { endpoint in
            let streamed = try readStreamedChat(
                try await post(endpoint.rootURL, "/v1/chat/completions", chatBody(stream: true, #""max_tokens":\#(maxTokens)"#)).body,
                field: .reasoning)
            #expect(streamed.thoughts.count == maxTokens, "thought chunks: \(streamed.thoughts)")
            #expect(streamed.content.isEmpty, "an answer after max_tokens \(maxTokens): \(streamed.content)")
            #expect(streamed.finishReason == "length", "finish_reason: \(String(describing: streamed.finishReason))")
            let lastChoice = streamed.choiceChunks.last.flatMap(firstChoice)
            #expect(
                (lastChoice?["delta"] as? [String: Any])?["reasoning"] != nil && lastChoice?["finish_reason"] as? String == "length",
                "\"length\" rides on the last thought: \(String(describing: lastChoice))")
            #expect(integer(streamed.usage, "completion_tokens") == maxTokens, "usage: \(String(describing: streamed.usage))")
            #expect(reasoningTokens(streamed.usage) == maxTokens, "usage: \(String(describing: streamed.usage))")

            let body = try await post(endpoint.rootURL, "/v1/chat/completions", chatBody(stream: false, #""max_tokens":\#(maxTokens)"#)).body
            let object = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any], "\(body)")
            let choice = try #require(firstChoice(object), "\(body)")
            let message = try #require(choice["message"] as? [String: Any], "\(body)")
            #expect(message["content"] as? String == "", "whole answer's content: \(message)")
            #expect(message["reasoning"] as? String == streamed.thoughts.joined(), "whole answer's thoughts: \(message)")
            #expect(choice["finish_reason"] as? String == "length", "\(choice)")
            let usage = object["usage"] as? [String: Any]
            #expect(integer(usage, "completion_tokens") == maxTokens, "usage: \(String(describing: usage))")
            #expect(reasoningTokens(usage) == maxTokens, "usage: \(String(describing: usage))")
        }
    }

    @Test func maxTokensBeyondTheThoughtsCutsTheAnswer() async throws {
        let answerTokens = 3
        try await SimulatorServer.withRunning(configuration()) { endpoint in
            let members = #""max_tokens":\#(Self.thinking + answerTokens)"#
            let streamed = try readStreamedChat(
                try await post(endpoint.rootURL, "/v1/chat/completions", chatBody(stream: true, members)).body, field: .reasoning)
            #expect(streamed.thoughts.count == Self.thinking, "thought chunks: \(streamed.thoughts)")
            #expect(streamed.content.count == answerTokens, "content chunks: \(streamed.content)")
            #expect(streamed.finishReason == "length", "finish_reason: \(String(describing: streamed.finishReason))")
            #expect(integer(streamed.usage, "completion_tokens") == Self.thinking + answerTokens, "usage: \(String(describing: streamed.usage))")
            #expect(reasoningTokens(streamed.usage) == Self.thinking, "usage: \(String(describing: streamed.usage))")
        }
    }

    @Test func stopStringsApplyToTheAnswerOnly() async throws {
        try await SimulatorServer.withRunning(configuration(thinking: 12)) { endpoint in
            let full = try readStreamedChat(try await post(endpoint.rootURL, "/v1/chat/completions", chatBody(stream: true)).body, field: .reasoning)
            #expect(full.thoughts.count == 12 && full.content.count == Self.answerLength, "thoughts \(full.thoughts), answer \(full.content)")
            let answer = full.content.joined()

            // A word that only the thoughts have does not stop anything.
            let thoughtWord = full.thoughts.map { $0.trimmingCharacters(in: .whitespaces) }.first { $0.count > 1 && !answer.contains($0) }
            if let thoughtWord {
                let members = #""stop":["\#(thoughtWord)"]"#
                let unstopped = try readStreamedChat(
                    try await post(endpoint.rootURL, "/v1/chat/completions", chatBody(stream: true, members)).body, field: .reasoning)
                #expect(unstopped.thoughts == full.thoughts, "stop '\(thoughtWord)' cut the thoughts: \(unstopped.thoughts)")
                #expect(unstopped.content == full.content, "stop '\(thoughtWord)' changed the answer: \(unstopped.content)")
                #expect(
                    integer(unstopped.usage, "completion_tokens") == 12 + Self.answerLength, "usage: \(String(describing: unstopped.usage))")
            } else {
                Issue.record("no thought word missing from the answer to test with: thoughts \(full.thoughts), answer \(answer)")
            }

            // A word of the answer stops it there, after all the thoughts.
            let answerWord = full.content[4].trimmingCharacters(in: .whitespaces)
            let stopped = try readStreamedChat(
                try await post(endpoint.rootURL, "/v1/chat/completions", chatBody(stream: true, #""stop":["\#(answerWord)"]"#)).body,
                field: .reasoning)
            #expect(stopped.thoughts == full.thoughts, "stop '\(answerWord)' changed the thoughts: \(stopped.thoughts)")
            #expect(stopped.content.count < full.content.count, "stop '\(answerWord)' did not cut the answer: \(stopped.content)")
            #expect(!stopped.content.joined().contains(answerWord), "the answer goes on past '\(answerWord)': \(stopped.content)")
            #expect(stopped.finishReason == "stop", "finish_reason: \(String(describing: stopped.finishReason))")
            #expect(
                integer(stopped.usage, "completion_tokens") == 12 + stopped.content.count, "usage: \(String(describing: stopped.usage))")
            #expect(reasoningTokens(stopped.usage) == 12, "usage: \(String(describing: stopped.usage))")
        }
    }

    @Test func completionsDoNotReason() async throws {
        try await SimulatorServer.withRunning(configuration()) { endpoint in
            let (status, body) = try await post(
                endpoint.rootURL, "/v1/completions", #"{"prompt":"Why is the sky blue?","stream":true,"stream_options":{"include_usage":true}}"#)
            #expect(status == 200, "\(body)")
            #expect(!body.contains("reasoning"), "reasoning in a completions stream: \(body)")
            let chunks = try events(body)
            let texts = chunks.compactMap { firstChoice($0)?["text"] as? String }.filter { !$0.isEmpty }
            #expect(texts.count == Self.answerLength, "text chunks: \(texts)")
            let usage = chunks.last?["usage"] as? [String: Any]
            #expect(integer(usage, "completion_tokens") == Self.answerLength, "usage: \(String(describing: usage))")

            let whole = try await post(endpoint.rootURL, "/v1/completions", #"{"prompt":"Why is the sky blue?","max_tokens":4}"#).body
            #expect(!whole.contains("reasoning"), "reasoning in a whole completion: \(whole)")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(whole.utf8)) as? [String: Any], "\(whole)")
            #expect(integer(object["usage"] as? [String: Any], "completion_tokens") == 4, "\(whole)")
            #expect(firstChoice(object)?["finish_reason"] as? String == "length", "\(whole)")
        }
    }

    /// Each thought takes its place in the latency model's schedule: with a fixed inter-token
    /// latency, thoughts and answer take (thoughts + answer - 1) gaps, streamed or whole.
    @Test func thoughtsAreTimedLikeAnswerTokens() async throws {
        let gap = 0.03
        let latency = LatencyModel(
            ttftMean: 0, ttftJitter: 0, prefillPerToken: 0, itlMean: gap, itlJitter: 0, outputTokensMean: 3, outputTokensStddev: 0)
        try await SimulatorServer.withRunning(configuration(latency: latency)) { endpoint in
            let least = gap * Double(Self.thinking + 3 - 1) * 0.95
            for stream in [true, false] {
                let start = ContinuousClock.now
                let body = try await post(endpoint.rootURL, "/v1/chat/completions", chatBody(stream: stream)).body
                let elapsed = (ContinuousClock.now - start).seconds
                #expect(
                    elapsed >= least, "stream \(stream): \(elapsed) s for \(Self.thinking) thoughts and 3 answer tokens, at least \(least) s expected"
                )
                #expect(body.contains("reasoning_tokens\":\(Self.thinking)"), "\(body)")
            }
        }
    }

    /// `llm-client serve-sim --reasoning-tokens N --reasoning-field reasoning_content`.
    @Test func serveSimTakesTheReasoningOptions() async throws {
        try await withSimulatorProcess(
            ["--no-latency", "--output-tokens", "4", "--reasoning-tokens", "3", "--reasoning-field", "reasoning_content"]
        ) { baseURL in
            let root = String(baseURL.dropLast("/v1".count))
            let chat = try readStreamedChat(try await post(root, "/v1/chat/completions", chatBody(stream: true)).body, field: .reasoningContent)
            #expect(chat.thoughts.count == 3 && chat.content.count == 4, "thoughts \(chat.thoughts), answer \(chat.content)")
            #expect(reasoningTokens(chat.usage) == 3, "usage: \(String(describing: chat.usage))")
        }
        let refused = try await runProcess(TestEnvironment.cliBinary, ["serve-sim", "--reasoning-field", "thoughts"])
        #expect(refused.status != 0, "an unknown --reasoning-field was accepted: \(refused.stdout)")
        #expect(refused.stderr.contains("reasoning-field"), "\(refused.stderr)")
        let negative = try await runProcess(TestEnvironment.cliBinary, ["serve-sim", "--reasoning-tokens", "-1"])
        #expect(negative.status != 0, "--reasoning-tokens -1 was accepted: \(negative.stdout)")
    }
}
