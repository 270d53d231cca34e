import Foundation
import LLMSupport
import OpenAIAPI

/// Collects a streamed answer event by event: text, timings of every content chunk, finish
/// reason, usage (in its own final chunk or riding on the last content chunk, as llama.cpp does).
struct StreamAccumulator {
    let started: ContinuousClock.Instant
    let onText: (@Sendable (String) -> Void)?
    private let decoder = JSONDecoder()
    private(set) var output = ""
    private(set) var firstContent: ContinuousClock.Instant?
    private var lastContent: ContinuousClock.Instant?
    private(set) var gaps: [Double] = []
    private(set) var contentChunks = 0
    private(set) var finishReason: String?
    private(set) var usage: Usage?
    private(set) var timings: JSONValue?
    private(set) var sawDone = false

    init(started: ContinuousClock.Instant, onText: (@Sendable (String) -> Void)?) {
        self.started = started
        self.onText = onText
    }

    /// Takes one event received at `time`.
    mutating func handle(_ event: ServerSentEvent, at time: ContinuousClock.Instant) throws {
        if event.isDone {
            sawDone = true
            return
        }
        let chunk: StreamChunk
        do {
            chunk = try decoder.decode(StreamChunk.self, from: Data(event.data))
        } catch {
            throw RequestFailure(kind: .malformedChunk, message: "malformed stream chunk: \(LLMClient.snippet(event.data))")
        }
        if let error = chunk.error {
            throw RequestFailure(kind: .serverErrorEvent, message: "the server reported an error in the stream: \(error.message)")
        }
        if event.event == "error" {
            throw RequestFailure(kind: .serverErrorEvent, message: "the server reported an error in the stream: \(event.text)")
        }
        let text = chunk.text
        if !text.isEmpty {
            contentChunks += 1
            output += text
            if firstContent == nil { firstContent = time }
            if let lastContent { gaps.append((time - lastContent).seconds) }
            lastContent = time
            onText?(text)
        }
        if let reason = chunk.finishReason { finishReason = reason }
        if let usage = chunk.usage { self.usage = usage }
        if let timings = chunk.timings { self.timings = timings }
    }

    /// Writes what was received into `result`.
    func fill(_ result: inout RequestResult) {
        result.output = output
        result.contentChunks = contentChunks
        result.itlS = gaps
        result.ttftS = firstContent.map { ($0 - started).seconds }
        result.finishReason = finishReason
        result.serverTimings = timings
        if let usage {
            result.promptTokens = usage.promptTokens
            result.completionTokens = usage.completionTokens
            result.tokensEstimated = false
        } else if result.stream {
            result.completionTokens = contentChunks
            result.tokensEstimated = true
        }
    }
}
