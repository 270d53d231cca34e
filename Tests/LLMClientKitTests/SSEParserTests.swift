import Foundation
import OpenAIAPI
import TestSupport
import Testing

@testable import LLMClientKit

@Suite struct SSEParserTests {
    static func fixture(_ name: String) throws -> [UInt8] {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil))
        return Array(try Data(contentsOf: url))
    }

    /// Parses `bytes` fed in pieces of `size` bytes.
    static func parse(_ bytes: [UInt8], pieceSize size: Int) -> [ServerSentEvent] {
        var parser = SSEParser()
        var events: [ServerSentEvent] = []
        var start = 0
        while start < bytes.count {
            let end = min(bytes.count, start + size)
            parser.feed(bytes[start..<end]) { events.append($0) }
            start = end
        }
        parser.finish { events.append($0) }
        return events
    }

    @Test(arguments: ["llama-server-completions-stream-ko.sse", "llama-server-chat-stream-ko.sse", "guidellm-mock-completions-stream.sse"])
    func capturesParseTheSameAtEverySplit(name: String) throws {
        let bytes = try Self.fixture(name)
        let whole = Self.parse(bytes, pieceSize: bytes.count)
        #expect(whole.last?.isDone == true)
        #expect(whole.count == bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true).count)
        for size in 1...64 {
            #expect(Self.parse(bytes, pieceSize: size) == whole, "piece size \(size)")
        }
    }

    @Test func lineEndingsCRLFAndCRAndCRAtAPieceEnd() {
        let text = "data: a\r\n\r\ndata: b\r\rdata: c\n\n: comment\n\nevent: error\ndata: {\"x\":1}\ndata: two\n\n"
        let expected = [
            ServerSentEvent(event: nil, data: Array("a".utf8)),
            ServerSentEvent(event: nil, data: Array("b".utf8)),
            ServerSentEvent(event: nil, data: Array("c".utf8)),
            ServerSentEvent(event: "error", data: Array("{\"x\":1}\ntwo".utf8)),
        ]
        for size in 1...8 {
            #expect(Self.parse(Array(text.utf8), pieceSize: size) == expected, "piece size \(size)")
        }
    }

    @Test func fieldsWithoutSpaceAndMissingFinalBlankLine() {
        let events = Self.parse(Array("data:x\n\ndata: y".utf8), pieceSize: 3)
        #expect(events.map(\.text) == ["x", "y"])
    }

    @Test func koreanSplitInsideCharactersComesOutWhole() {
        let text = "data: {\"choices\":[{\"text\":\"인공지능은 데이터를 학습합니다\"}]}\n\ndata: [DONE]\n\n"
        for size in 1...7 {
            let events = Self.parse(Array(text.utf8), pieceSize: size)
            #expect(events.first?.text.contains("인공지능은 데이터를 학습합니다") == true)
        }
    }

    @Test func randomBytesNeverCrash() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let bytes = (0..<Int.random(in: 0..<2000, using: &generator)).map { _ in
                [UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: ":"), UInt8(ascii: "d"), 0xEA, 0x80].randomElement(using: &generator)!
                    &+ (Bool.random(using: &generator) ? 0 : UInt8.random(in: 0...255, using: &generator))
            }
            _ = Self.parse(bytes, pieceSize: Int.random(in: 1...50, using: &generator))
        }
    }
}

/// Mutation fuzzing: real server captures with bytes flipped, inserted, deleted and cut, fed at
/// random piece sizes through the SSE parser and the stream accumulator (the whole streaming read
/// path). Nothing may crash; every event either decodes or is classified.
@Suite struct StreamFuzzTests {
    @Test(arguments: ["llama-server-completions-stream-ko.sse", "llama-server-chat-stream-ko.sse", "guidellm-mock-completions-stream.sse"])
    func mutatedCapturesNeverCrashTheReader(name: String) throws {
        let original = try SSEParserTests.fixture(name)
        var random = SystemRandomNumberGenerator()
        let seed = UInt64.random(in: 0...UInt64.max, using: &random)
        var generator = ByteMutator(seed: seed, interesting: "{}[]\":,\n\r\\ data:event:[DONE]")
        for _ in 0..<400 {
            let mutated = generator.mutate(original)
            var accumulator = StreamAccumulator(started: .now, onText: nil)
            var kinds: Set<ErrorKind> = []
            for event in SSEParserTests.parse(mutated, pieceSize: Int.random(in: 1...64, using: &generator)) {
                do {
                    try accumulator.handle(event, at: .now)
                } catch let failure as RequestFailure {
                    kinds.insert(failure.kind)
                } catch {
                    Issue.record("unclassified error \(error) (seed \(seed))")
                }
            }
            #expect(kinds.isSubset(of: [.malformedChunk, .serverErrorEvent]), "seed \(seed)")
        }
    }
}

@Suite struct StreamAccumulatorTests {
    private func accumulate(_ name: String, pieceSize: Int) throws -> RequestResult {
        let bytes = try SSEParserTests.fixture(name)
        let start = ContinuousClock.now
        var accumulator = StreamAccumulator(started: start, onText: nil)
        for event in SSEParserTests.parse(bytes, pieceSize: pieceSize) {
            try accumulator.handle(event, at: .now)
        }
        var result = RequestResult(request: GenerationRequest(prompt: .text("x")), model: "m", startedAt: Timestamp())
        accumulator.fill(&result, endedAt: .now)
        #expect(accumulator.sawDone)
        return result
    }

    @Test func llamaCompletionsUsageRidesOnTheLastContentChunk() throws {
        let result = try accumulate("llama-server-completions-stream-ko.sse", pieceSize: 5)
        // llama.cpp holds back partial UTF-8: 24 tokens but only 10 text chunks. Tokens come from usage.
        #expect(result.completionTokens == 24)
        #expect(result.contentChunks == 10)
        #expect(!result.tokensEstimated)
        #expect(result.finishReason == "length")
        #expect(result.output.contains("여데모"))
        #expect(!result.output.contains("\u{FFFD}"))
        #expect(result.serverTimings?["predicted_n"] == .number(24))
        #expect(result.ttftS != nil)
        // ITL as vLLM's benchmark pools it: a gap before every chunk with a choice after the first
        // token, the last one being the empty chunk with the finish reason.
        #expect(result.itlS.count == result.contentChunks, "\(result.itlS.count) gaps for \(result.contentChunks) text chunks")
    }

    @Test func llamaChatUsageInAFinalChunkWithEmptyChoices() throws {
        let result = try accumulate("llama-server-chat-stream-ko.sse", pieceSize: 17)
        #expect(result.completionTokens == 24)
        #expect(result.promptTokens == 63)
        #expect(result.finishReason == "length")
        #expect(!result.output.isEmpty)
    }

    @Test func guidellmMockParses() throws {
        let result = try accumulate("guidellm-mock-completions-stream.sse", pieceSize: 1)
        #expect(result.output == "Score each cause. Quality")
        #expect(result.completionTokens == 8)
        #expect(result.finishReason == "stop")
    }

    @Test func withoutUsageTokensAreEstimatedFromContentChunks() throws {
        var accumulator = StreamAccumulator(started: .now, onText: nil)
        for text in ["a", "", "b", "c"] {
            try accumulator.handle(ServerSentEvent(event: nil, data: Array(#"{"choices":[{"text":"\#(text)"}]}"#.utf8)), at: .now)
        }
        var result = RequestResult(request: GenerationRequest(prompt: .text("x")), model: "m", startedAt: Timestamp())
        accumulator.fill(&result, endedAt: .now)
        #expect(result.completionTokens == 3)
        #expect(result.tokensEstimated)
    }

    @Test func errorEventsAndMalformedChunksAreClassified() {
        var accumulator = StreamAccumulator(started: .now, onText: nil)
        #expect(throws: RequestFailure.self) {
            try accumulator.handle(ServerSentEvent(event: nil, data: Array(#"{"error":{"message":"boom","type":"x","code":500}}"#.utf8)), at: .now)
        }
        do {
            try accumulator.handle(ServerSentEvent(event: nil, data: Array(#"{"choices":[{"te"#.utf8)), at: .now)
            Issue.record("a malformed chunk must throw")
        } catch let failure as RequestFailure {
            #expect(failure.kind == .malformedChunk)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func nonStreamedCapturesDecode() throws {
        let completion = try JSONDecoder().decode(GenerationResponse.self, from: Data(try SSEParserTests.fixture("llama-server-completions-ko.json")))
        #expect(completion.usage?.completionTokens == 24)
        #expect(completion.firstText.hasSuffix("\u{FFFD}"))  // cut inside a character by max_tokens
        let chat = try JSONDecoder().decode(GenerationResponse.self, from: Data(try SSEParserTests.fixture("llama-server-chat-en.json")))
        #expect(chat.firstText == "The answer to this classic math problem is 4.")
        let models = try JSONDecoder().decode(ModelList.self, from: Data(try SSEParserTests.fixture("llama-server-models.json")))
        #expect(models.data.first?.id == "SmolLM2-135M-Instruct.Q4_1.gguf")
        let errorBody = String(decoding: try SSEParserTests.fixture("llama-server-error-bad-request.http"), as: UTF8.self)
            .components(separatedBy: "\r\n\r\n")[1]
        #expect(LLMClient.errorMessage(in: Array(errorBody.utf8)).contains("max_tokens"))
    }
}

extension StreamAccumulator {
    /// Takes a whole event, as tests build them.
    mutating func handle(_ event: ServerSentEvent, at time: ContinuousClock.Instant) throws {
        try event.data.withUnsafeBufferPointer { try handle(SSEParser.BorrowedEvent(event: event.event, data: $0), at: time) }
    }
}
