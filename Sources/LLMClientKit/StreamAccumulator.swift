import Foundation
import LLMSupport
import OpenAIAPI

/// Collects a streamed answer event by event: answer and thoughts, timings, finish reason, usage
/// (in its own final chunk or riding on the last content chunk, as llama.cpp does).
///
/// Timings, all from the request's start and stamped when the bytes arrived (before decoding):
/// TTFT at the first chunk with a token of either kind (answer or thoughts; not the chat role
/// chunk, not an empty held-back chunk); TTFO at the first answer token when thoughts came first;
/// the gaps (ITL) between every two consecutive chunks that carry a choice (the chat role chunk,
/// empty held-back chunks and the finish chunk included; not the usage chunk), exactly as
/// `vllm bench serve` pools them; the end (E2E) at the last token; and the end of the stream
/// separately.
struct StreamAccumulator: Sendable {
    /// Where the times are counted from: the request written to the connection, once it was.
    var started: ContinuousClock.Instant
    let onText: (@Sendable (String) -> Void)?
    private(set) var output = ""
    private(set) var reasoning = ""
    private var firstToken: ContinuousClock.Instant?
    private var firstAnswer: ContinuousClock.Instant?
    private var lastToken: ContinuousClock.Instant?
    private var lastChoice: ContinuousClock.Instant?
    private(set) var gaps: [Double] = []
    private(set) var contentChunks = 0
    private(set) var finishReason: String?
    private(set) var usage: Usage?
    private(set) var timings: JSONValue?
    private(set) var responseID: String?
    private(set) var sawDone = false

    init(started: ContinuousClock.Instant, onText: (@Sendable (String) -> Void)?) {
        self.started = started
        self.onText = onText
    }

    /// Takes one event received at `time`.
    mutating func handle(_ event: SSEParser.BorrowedEvent, at time: ContinuousClock.Instant) throws {
        if event.isDone {
            sawDone = true
            return
        }
        let chunk: ScannedChunk
        do {
            chunk = try ChunkScanner.scan(event.data, readID: responseID == nil)
        } catch {
            throw RequestFailure(kind: .malformedChunk, message: "malformed stream chunk: \(LLMClient.snippet(Array(event.data)))")
        }
        if let error = chunk.error {
            throw RequestFailure(kind: .serverErrorEvent, message: "the server reported an error in the stream: \(error.message)")
        }
        if event.event == "error" {
            throw RequestFailure(
                kind: .serverErrorEvent, message: "the server reported an error in the stream: \(String(decoding: event.data, as: UTF8.self))")
        }
        if responseID == nil { responseID = chunk.id }
        let text = chunk.text
        let thoughts = chunk.reasoningText
        if chunk.carriesChoice {
            if let lastChoice { gaps.append((time - lastChoice).seconds) }
            lastChoice = time
        }
        if !text.isEmpty || !thoughts.isEmpty {
            contentChunks += 1
            if firstToken == nil { firstToken = time }
            lastToken = time
        }
        if !thoughts.isEmpty { reasoning += thoughts }
        if !text.isEmpty {
            output += text
            if firstAnswer == nil { firstAnswer = time }
            onText?(text)
        }
        if let reason = chunk.finishReason { finishReason = reason }
        if let usage = chunk.usage { self.usage = usage }
        if let timings = chunk.timings { self.timings = timings }
    }

    /// Writes what was received into `result`; `end` is when the stream ended.
    func fill(_ result: inout RequestResult, endedAt end: ContinuousClock.Instant) {
        result.output = output
        result.reasoning = reasoning.isEmpty ? nil : reasoning
        result.contentChunks = contentChunks
        result.itlS = gaps
        result.ttftS = firstToken.map { ($0 - started).seconds }
        // Thoughts first: the answer's own first token is told apart.
        if !reasoning.isEmpty, let firstAnswer { result.ttfoS = (firstAnswer - started).seconds }
        result.latencyS = ((lastToken ?? end) - started).seconds
        result.streamEndS = (end - started).seconds
        result.finishReason = finishReason
        result.serverTimings = timings
        result.responseID = responseID
        if let usage {
            result.promptTokens = usage.promptTokens
            result.completionTokens = usage.completionTokens
            result.reasoningTokens = usage.reasoningTokens
            result.tokensEstimated = false
        } else if result.stream {
            result.completionTokens = contentChunks
            result.tokensEstimated = true
        }
    }
}
