import Foundation
import OpenAIAPI
import Testing

@testable import LLMClientKit

/// The scanning decoder of the stream's hot path against `JSONDecoder` (the reference), and the
/// whole read path (SSE framing, scanning, accumulating) at every split of recorded streams.
@Suite struct ChunkScannerTests {
    /// Every recorded stream: llama.cpp, vLLM 0.32 (with and without usage, continuous usage,
    /// Korean, stop strings, reasoning) and GuideLLM's mock server.
    static let recordedStreams = [
        "llama-server-completions-stream-ko.sse", "llama-server-chat-stream-ko.sse", "guidellm-mock-completions-stream.sse",
        "vllm-chat-stream.sse", "vllm-completions-stream.sse", "vllm-chat-stop-stream.sse", "vllm-completions-stop-stream.sse",
        "vllm-korean-chat-stream.sse", "vllm-korean-completions-stream.sse", "vllm-korean-translate-chat-stream.sse",
        "vllm-reasoning-chat-stream.sse", "vllm-chat-no-usage-stream.sse", "vllm-completions-continuous-usage-stream.sse",
    ]

    /// What `JSONDecoder` reads from `json` as a ``StreamChunk``, in the scanner's terms; nil when it
    /// throws.
    static func decoded(_ json: String) -> ScannedChunk? {
        guard let chunk = try? JSONDecoder().decode(StreamChunk.self, from: Data(json.utf8)) else { return nil }
        let choice = chunk.choices?.first
        return ScannedChunk(
            id: chunk.id, carriesChoice: chunk.carriesChoice, choiceText: choice?.text, deltaContent: choice?.delta?.content,
            deltaReasoning: choice?.delta?.reasoning, deltaReasoningContent: choice?.delta?.reasoningContent, finishReason: chunk.finishReason,
            usage: chunk.usage, timings: chunk.timings, error: chunk.error)
    }

    /// What the scanner reads from `json`; nil when it finds it malformed.
    static func scanned(_ json: String) -> ScannedChunk? {
        Array(json.utf8).withUnsafeBufferPointer { try? ChunkScanner.scan($0, readID: true) }
    }

    @Test(arguments: recordedStreams)
    func everyRecordedChunkScansAsJSONDecoderDecodesIt(name: String) throws {
        let events = SSEParserTests.parse(try SSEParserTests.fixture(name), pieceSize: 4096).filter { !$0.isDone }
        #expect(events.count >= 5, "\(name): \(events.count) events")
        for event in events {
            let reference = try #require(Self.decoded(event.text), "JSONDecoder reads \(event.text)")
            #expect(Self.scanned(event.text) == reference, "\(name): \(event.text)")
        }
    }

    @Test(arguments: [
        // Escapes of every kind, Korean as \u escapes, a surrogate pair, whitespace everywhere.
        #" { "choices" : [ { "text" : "a\"b\\c\/d\n\t\r\b\f \ud55c\uAD6D\uc5b4 \ud83d\ude00" , "finish_reason" : null } ] } "#,
        // Chat: role chunk, content null, reasoning fields, unknown keys and nested values skipped.
        #"{"id":"chatcmpl-1","choices":[{"index":0,"delta":{"role":"assistant","content":null},"logprobs":{"content":[{"token":"x","logprob":-0.5e-3,"top_logprobs":[]}]}}]}"#,
        #"{"choices":[{"delta":{"reasoning":"생각","reasoning_content":"old"},"finish_reason":null}],"extra":[1,2.5,-3E+2,true,false,null,{"a":[]}]}"#,
        #"{"choices":[{"delta":{"reasoning_content":"only old"}}]}"#,
        // Null and empty choices, null delta, only the first choice read.
        #"{"choices":null}"#, #"{"choices":[]}"#, #"{"choices":[{"delta":null,"finish_reason":"stop"}]}"#,
        #"{"choices":[{"text":"first"},{"text":"second","finish_reason":"length"}]}"#,
        // Usage in every shape servers send: null parts, details null or with reasoning tokens, no total.
        #"{"choices":[],"usage":{"prompt_tokens":37,"total_tokens":56,"completion_tokens":19}}"#,
        #"{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":9,"completion_tokens_details":null,"prompt_tokens_details":{"cached_tokens":1}}}"#,
        #"{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":9,"completion_tokens_details":{"reasoning_tokens":4}}}"#,
        #"{"choices":[],"usage":{"prompt_tokens":null,"completion_tokens":2}}"#, #"{"usage":null}"#, #"{}"#,
        // llama.cpp's timings, an error in the stream.
        #"{"choices":[],"timings":{"prompt_n":39,"prompt_ms":376.0,"predicted_per_second":65.0653057645032}}"#,
        #"{"error":{"message":"boom","type":"x","code":500}}"#, #"{"error":null,"id":null}"#,
        // Escaped keys are still the keys they spell.
        #"{"choi\u0063es":[{"te\u0078t":"escaped key"}]}"#,
    ])
    func handWrittenChunksScanAsJSONDecoderDecodesThem(json: String) throws {
        let reference = try #require(Self.decoded(json), "JSONDecoder reads \(json)")
        #expect(Self.scanned(json) == reference, "\(json)")
    }

    @Test(arguments: [
        "", " ", "[]", "null", #""text""#, "{", #"{"choices":[{"te"#, #"{"choices":[{"text":"a"}]"#, #"{"choices":[{"text":"a"}]}}"#,
        #"{"choices":[{"text":"a"}]} x"#, #"{"choices":[{"text":5}]}"#, #"{"choices":[{"delta":{"content":["a"]}}]}"#,
        #"{"choices":{"text":"a"}}"#, #"{"choices":[{"finish_reason":1}]}"#, #"{"choices":[],"usage":{"prompt_tokens":"3"}}"#,
        #"{"choices":[],"usage":{"prompt_tokens":3.5}}"#, #"{"error":{"type":"no message"}}"#, #"{"choices":[{"text":"\x"}]}"#,
        #"{"choices":[{"text":"\u12"}]}"#, #"{"choices" "x"}"#, #"{"choices":[,]}"#, #"{"a":tru}"#,
    ])
    func malformedChunksAreRefusedAsJSONDecoderRefusesThem(json: String) {
        #expect(Self.decoded(json) == nil, "JSONDecoder refuses \(json)")
        #expect(Self.scanned(json) == nil, "the scanner refuses \(json)")
    }

    @Test func nestingDeeperThanJSONDecoderAllowsIsRefusedNotRecursedInto() {
        // A hostile or broken server's 200,000 open brackets must not overflow the event loop's stack.
        let deep = #"{"x":"# + String(repeating: "[", count: 200_000)
        #expect(Self.scanned(deep) == nil)
        let allowed = #"{"x":"# + String(repeating: "[", count: 500) + String(repeating: "]", count: 500) + #","choices":[{"text":"ok"}]}"#
        #expect(Self.scanned(allowed)?.text == "ok")
        #expect(Self.decoded(allowed)?.text == "ok")
    }

    @Test func tokenCountsReadAsJSONDecoderReadsThemIntoInt() throws {
        for (json, prompt) in [
            (#"{"usage":{"prompt_tokens":1.0,"completion_tokens":1e2}}"#, 1),
            (#"{"usage":{"prompt_tokens":-9223372036854775808,"completion_tokens":0}}"#, Int.min),
            (#"{"usage":{"prompt_tokens":9223372036854775807,"completion_tokens":1,"total_tokens":5}}"#, Int.max),
        ] {
            let reference = try #require(Self.decoded(json), "JSONDecoder reads \(json)")
            #expect(Self.scanned(json) == reference, "\(json)")
            #expect(reference.usage?.promptTokens == prompt)
        }
        // Counts whose sum overflows: held at the largest, not a crash.
        #expect(Self.scanned(#"{"usage":{"prompt_tokens":9223372036854775807,"completion_tokens":1}}"#)?.usage?.totalTokens == Int.max)
        #expect(Self.scanned(#"{"usage":{"prompt_tokens":1.5,"completion_tokens":1}}"#) == nil)
        #expect(Self.scanned(#"{"usage":{"prompt_tokens":9223372036854775808,"completion_tokens":1}}"#) == nil)
    }

    @Test func aLoneSurrogateBecomesTheReplacementCharacter() throws {
        let chunk = try #require(Self.scanned(#"{"choices":[{"text":"a\ud800b\udc00"}]}"#))
        #expect(chunk.text == "a\u{FFFD}b\u{FFFD}")
    }

    @Test func theIDIsReadOnlyWhenAskedFor() throws {
        let bytes = Array(#"{"id":"cmpl-7","choices":[{"text":"x"}]}"#.utf8)
        #expect(try bytes.withUnsafeBufferPointer { try ChunkScanner.scan($0, readID: true) }.id == "cmpl-7")
        #expect(try bytes.withUnsafeBufferPointer { try ChunkScanner.scan($0, readID: false) }.id == nil)
    }

    static let instant = ContinuousClock.now
    static let startedAt = Timestamp()

    /// What a reader in `state` has gathered, as a result (every piece stamped with one instant,
    /// so that two readings compare exactly).
    static func result(of state: ResponseReader.State) -> RequestResult {
        var result = RequestResult(request: GenerationRequest(prompt: .text("x")), model: "m", startedAt: startedAt)
        state.stream.fill(&result, endedAt: instant)
        return result
    }

    /// `state` after it reads `pieces` of `bytes`, one after the other.
    static func reading(_ state: ResponseReader.State, _ bytes: [UInt8], _ pieces: Range<Int>...) throws -> ResponseReader.State {
        var state = state
        for piece in pieces { _ = try bytes[piece].withUnsafeBufferPointer { try state.readStream($0, at: instant) } }
        return state
    }

    /// Every split of a recorded stream into two pieces, and into three with a middle piece of 1 to 3
    /// bytes, reads as the whole stream does. A split only matters inside the event it falls in, so
    /// each event is read whole and split at each of its bytes from the same state (the reader's
    /// state is a value), and the reading goes on from the whole event's state: every split of the
    /// stream is checked in time linear in its length.
    @Test(arguments: recordedStreams)
    func everySplitOfARecordedStreamReadsTheSame(name: String) throws {
        let bytes = try SSEParserTests.fixture(name)
        let fresh = ResponseReader.State(stream: StreamAccumulator(started: Self.instant, onText: nil))
        var whole = try Self.reading(fresh, bytes, 0..<bytes.count)
        try whole.finishStream(at: Self.instant)
        #expect(whole.stream.sawDone || whole.stream.finishReason != nil, "\(name) ends as a finished stream")
        #expect(!whole.stream.output.isEmpty || !whole.stream.reasoning.isEmpty, "\(name) has an answer")
        // Where each event ends: after its blank line.
        let eventEnds = (1..<bytes.count).filter { bytes[$0 - 1] == UInt8(ascii: "\n") && bytes[$0] == UInt8(ascii: "\n") }.map { $0 + 1 }
        #expect(eventEnds.count >= 5, "\(name): \(eventEnds.count) events")
        var state = fresh
        var start = 0
        for end in eventEnds + (eventEnds.last == bytes.count ? [] : [bytes.count]) {
            let next = try Self.reading(state, bytes, start..<end)
            let expected = Self.result(of: next)
            for split in start + 1..<end {
                let twoPieces = try Self.reading(state, bytes, start..<split, split..<end)
                guard Self.result(of: twoPieces) == expected else {
                    Issue.record("\(name) split at byte \(split) of \(bytes.count) reads differently")
                    return
                }
                for width in 1...3 where split + width < end {
                    let threePieces = try Self.reading(state, bytes, start..<split, split..<split + width, split + width..<end)
                    guard Self.result(of: threePieces) == expected else {
                        Issue.record("\(name) split at bytes \(split) and \(split + width) of \(bytes.count) reads differently")
                        return
                    }
                }
            }
            (state, start) = (next, end)
        }
        try state.finishStream(at: Self.instant)
        #expect(Self.result(of: state) == Self.result(of: whole), "\(name) read event by event as in one piece")
    }
}
