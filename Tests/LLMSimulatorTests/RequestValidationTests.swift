import Foundation
import OpenAIAPI
import Testing

@testable import LLMSimulator

@Suite struct RequestValidationTests {
    private func validate(_ body: String, api: APIKind = .completions, header: String? = nil) -> Result<SimulatedRequest, SimulatorError> {
        Result { () throws(SimulatorError) in
            try RequestValidator.validate(body: Array(body.utf8), api: api, models: ["m1", "m2"], faultHeader: header)
        }
    }

    private func message(_ body: String, api: APIKind = .completions) -> (Int, String)? {
        if case .failure(let error) = validate(body, api: api) { return (error.status, error.message) }
        return nil
    }

    @Test func acceptsAValidCompletionRequest() throws {
        let request = try validate(
            #"{"model":"m2","prompt":"hi","max_tokens":5,"temperature":0,"stream":true,"stream_options":{"include_usage":true},"stop":"x","seed":3}"#
        ).get()
        #expect(request.model == "m2")
        #expect(request.promptText == "hi")
        #expect(request.maxTokens == 5)
        #expect(request.temperature == 0)
        #expect(request.stream && request.includeUsage)
        #expect(request.stop == ["x"])
        #expect(request.seed == 3)
    }

    @Test func defaultsToTheFirstModel() throws {
        #expect(try validate(#"{"prompt":"hi"}"#).get().model == "m1")
    }

    @Test func acceptsChatMessagesWithTextParts() throws {
        let request = try validate(
            #"{"messages":[{"role":"system","content":"be brief"},{"role":"user","content":[{"type":"text","text":"hello"}]}]}"#,
            api: .chat
        ).get()
        #expect(request.promptText == "be brief\nhello")
    }

    @Test(arguments: [
        (#"{"prompt": "#, "Invalid JSON"),
        (#"[1, 2]"#, "must be a JSON object"),
        (#"{"max_tokens": 5}"#, "'prompt' is required"),
        (#"{"prompt": 5}"#, "'prompt' must be a string"),
        (#"{"prompt": "x", "max_tokens": 0}"#, "'max_tokens' must be at least 1, got 0"),
        (#"{"prompt": "x", "max_tokens": 2.5}"#, "'max_tokens' must be an integer"),
        (#"{"prompt": "x", "temperature": 3}"#, "'temperature' must be between 0 and 2, got 3.0"),
        (#"{"prompt": "x", "temperature": -0.1}"#, "'temperature' must be between 0 and 2"),
        (#"{"prompt": "x", "top_p": 0}"#, "'top_p' must be greater than 0"),
        (#"{"prompt": "x", "stream": "yes"}"#, "'stream' must be a boolean"),
        (#"{"prompt": "x", "n": 2}"#, "'n' must be 1"),
        (#"{"prompt": "x", "stop": [1]}"#, "'stop' must be a string or an array of strings"),
        (#"{"prompt": "x", "sim_fault": "boom"}"#, "Unknown simulator fault 'boom'"),
    ])
    func rejectsBadCompletionRequests(body: String, expected: String) throws {
        let (status, text) = try #require(message(body))
        #expect(status == 400)
        #expect(text.contains(expected), "\(text)")
    }

    @Test func rejectsBadChatRequests() throws {
        #expect(try #require(message(#"{"model":"m1"}"#, api: .chat)).1.contains("'messages' is required"))
        #expect(try #require(message(#"{"messages":[]}"#, api: .chat)).1.contains("at least one message"))
        #expect(try #require(message(#"{"messages":[{"content":"x"}]}"#, api: .chat)).1.contains("'messages[0].role' is required"))
        #expect(try #require(message(#"{"messages":[{"role":"robot","content":"x"}]}"#, api: .chat)).1.contains("must be system, user"))
        #expect(try #require(message(#"{"messages":[{"role":"user","content":5}]}"#, api: .chat)).1.contains("'messages[0].content'"))
    }

    @Test func unknownModelIs404() throws {
        let (status, text) = try #require(message(#"{"model":"gpt-9","prompt":"x"}"#))
        #expect(status == 404)
        #expect(text.contains("gpt-9"))
    }

    @Test func faultTriggersFromHeaderOrBody() throws {
        #expect(try validate(#"{"prompt":"x"}"#, header: "drop").get().faultTrigger == .drop)
        #expect(try validate(#"{"prompt":"x","sim_fault":"429"}"#).get().faultTrigger == .error429)
        #expect(try validate(#"{"prompt":"x"}"#).get().faultTrigger == nil)
    }

    @Test func errorBodiesAreOpenAIShaped() throws {
        let body = SimulatorError(status: 429, message: "slow down").body
        let decoded = try JSONDecoderForTests.decode(APIErrorEnvelope.self, body)
        #expect(decoded.error.message == "slow down")
        #expect(decoded.error.type == "rate_limit_error")
        #expect(decoded.error.code == .number(429))
    }
}

enum JSONDecoderForTests {
    static func decode<T: Decodable>(_ type: T.Type, _ bytes: [UInt8]) throws -> T {
        try JSONDecoder().decode(type, from: Data(bytes))
    }
}
