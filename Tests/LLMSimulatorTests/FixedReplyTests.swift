import AsyncHTTPClient
import Foundation
import NIOCore
import TestSupport
import Testing

@testable import LLMSimulator

/// The simulator answering every request with a fixed reply (`--reply`), as an LLM-as-judge stand-in.
@Suite struct FixedReplyTests {
    static let verdict = #"{"score": 8, "reason": "정확하고 완결된 답변"}"#

    /// One streamed or whole answer, reduced to what these tests check.
    struct Answer {
        var text: String
        var finishReason: String?
        var completionTokens: Int?
        /// How many chunks carried text (streamed answers only).
        var contentChunks: Int
    }

    private func configuration(reply: String, latency: LatencyModel = .instant()) -> SimulatorConfiguration {
        var configuration = testSimulatorConfiguration(latency: latency)
        configuration.reply = reply
        return configuration
    }

    /// Sends `body` (a JSON object's members, without braces) to `/v1/completions` or
    /// `/v1/chat/completions`, streamed or not, and reads the answer back.
    private func ask(_ baseURL: String, chat: Bool, stream: Bool, _ members: String = "") async throws -> Answer {
        let input = chat ? #""messages":[{"role":"user","content":"Judge this answer."}]"# : #""prompt":"Judge this answer.""#
        let streaming = stream ? #","stream":true,"stream_options":{"include_usage":true}"# : ""
        var request = HTTPClientRequest(url: baseURL + (chat ? "/chat/completions" : "/completions"))
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: "{" + input + streaming + (members.isEmpty ? "" : "," + members) + "}"))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = String(buffer: try await response.body.collect(upTo: 1 << 20))
        #expect(response.status.code == 200, "\(body)")
        let textKey = chat ? "content" : "text"
        guard stream else {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
            let choice = try #require((object["choices"] as? [[String: Any]])?.first)
            let text = chat ? (choice["message"] as? [String: Any])?[textKey] : choice[textKey]
            return Answer(
                text: try #require(text as? String), finishReason: choice["finish_reason"] as? String,
                completionTokens: (object["usage"] as? [String: Any])?["completion_tokens"] as? Int, contentChunks: 0)
        }
        var answer = Answer(text: "", contentChunks: 0)
        for event in body.components(separatedBy: "\n\n") where event.hasPrefix("data: {") {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(event.dropFirst(6).utf8)) as? [String: Any])
            if let usage = object["usage"] as? [String: Any] { answer.completionTokens = usage["completion_tokens"] as? Int }
            guard let choice = (object["choices"] as? [[String: Any]])?.first else { continue }
            let text = (chat ? (choice["delta"] as? [String: Any])?[textKey] : choice[textKey]) as? String ?? ""
            if !text.isEmpty {
                answer.text += text
                answer.contentChunks += 1
            }
            if let reason = choice["finish_reason"] as? String { answer.finishReason = reason }
        }
        #expect(body.hasSuffix("data: [DONE]\n\n"))
        return answer
    }

    @Test func tokensSplitLikeATokenizerAndJoinBackExactly() {
        #expect(
            TextGenerator.replyTokens(Self.verdict) == [
                #"{""#, "scor", "e", #"":"#, " 8", ",", #" ""#, "reas", "on", #"":"#, #" ""#,
                "정확", "하고", " 완결", "된", " 답변", #""}"#,
            ])
        for text in [Self.verdict, "  Hello,   world!\n\nSecond line… ", "e\u{301}té 👩‍👩‍👧 ok", "답", ""] {
            let tokens = TextGenerator.replyTokens(text)
            #expect(tokens.joined() == text)
            #expect(!tokens.contains(""))
            #expect(tokens.allSatisfy { !$0.unicodeScalars.first!.properties.isGraphemeExtend }, "never cut in a character")
        }
        #expect(TextGenerator.replyTokens("e\u{301}té 👩‍👩‍👧 ok") == ["e\u{301}té", " 👩‍👩‍👧", " ok"])
    }

    @Test(arguments: [(false, false), (false, true), (true, false), (true, true)])
    func everyAnswerIsTheReply(chat: Bool, stream: Bool) async throws {
        try await SimulatorServer.withRunning(configuration(reply: Self.verdict)) { endpoint in
            let tokenCount = TextGenerator.replyTokens(Self.verdict).count
            let answer = try await ask(endpoint.baseURL, chat: chat, stream: stream)
            #expect(answer.text == Self.verdict)
            #expect(answer.finishReason == "stop")
            #expect(answer.completionTokens == tokenCount)
            if stream { #expect(answer.contentChunks == tokenCount) }
        }
    }

    @Test(arguments: [(false, false), (false, true), (true, false), (true, true)])
    func maxTokensCutsTheReply(chat: Bool, stream: Bool) async throws {
        try await SimulatorServer.withRunning(configuration(reply: Self.verdict)) { endpoint in
            let answer = try await ask(endpoint.baseURL, chat: chat, stream: stream, #""max_tokens":2"#)
            #expect(answer.text == TextGenerator.replyTokens(Self.verdict).prefix(2).joined())
            #expect(Self.verdict.hasPrefix(answer.text) && answer.text.count < Self.verdict.count)
            #expect(answer.finishReason == "length")
            #expect(answer.completionTokens == 2)
            if stream { #expect(answer.contentChunks == 2) }
        }
    }

    @Test(arguments: [false, true])
    func stopSequencesCutTheReply(stream: Bool) async throws {
        try await SimulatorServer.withRunning(configuration(reply: Self.verdict)) { endpoint in
            let answer = try await ask(endpoint.baseURL, chat: true, stream: stream, #""stop":["완결"]"#)
            #expect(answer.text == #"{"score": 8, "reason": "정확하고"#)
            #expect(answer.finishReason == "stop")
            #expect(answer.completionTokens == TextGenerator.replyTokens(answer.text).count)
        }
    }

    @Test func anEmptyReplyStillEndsWithAFinishReason() async throws {
        try await SimulatorServer.withRunning(configuration(reply: "")) { endpoint in
            let answer = try await ask(endpoint.baseURL, chat: true, stream: true)
            #expect(answer.text == "")
            #expect(answer.finishReason == "stop")
            #expect(answer.completionTokens == 0)
        }
    }

    @Test func theLatencyModelTimesTheReply() async throws {
        let latency = LatencyModel(ttftMean: 0.1, ttftJitter: 0, prefillPerToken: 0, itlMean: 0.02, itlJitter: 0)
        try await SimulatorServer.withRunning(configuration(reply: Self.verdict, latency: latency)) { endpoint in
            let expected = 0.1 + 0.02 * Double(TextGenerator.replyTokens(Self.verdict).count - 1)
            for stream in [false, true] {
                let start = ContinuousClock.now
                let answer = try await ask(endpoint.baseURL, chat: true, stream: stream)
                #expect(answer.text == Self.verdict)
                #expect((ContinuousClock.now - start).seconds >= expected * 0.95, "stream: \(stream)")
            }
        }
    }

    @Test func serveSimReplyFlagSetsTheReply() async throws {
        try await withBackgroundProcess(TestEnvironment.cliBinary, ["serve-sim", "--port", "0", "--no-latency", "--reply", Self.verdict]) { server in
            let line = await server.readLine()
            let baseURL = try #require(line.split(separator: " ").last.map(String.init))
            #expect(baseURL.hasPrefix("http://127.0.0.1:"), "\(line)")
            #expect(try await ask(baseURL, chat: true, stream: true).text == Self.verdict)
            #expect(try await ask(baseURL, chat: false, stream: false).text == Self.verdict)
        }
    }
}
