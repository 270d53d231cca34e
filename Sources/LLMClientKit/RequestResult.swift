public import Foundation
import LLMSupport
public import OpenAIAPI

/// Why a request failed, so failures can be counted by kind. The README's "When things go wrong"
/// section says what each one means and what to do about it.
public enum ErrorKind: String, Sendable, Codable, CaseIterable {
    /// Nothing listens at the server's address and port.
    case connectionRefused = "connection_refused"
    /// The server's host name does not resolve.
    case dns
    /// The TLS handshake failed (certificate not trusted, wrong host name, not a TLS server).
    case tls
    /// The connection failed otherwise (reset, closed by the server before any response).
    case connection
    /// No connection within the connect timeout.
    case connectTimeout = "connect_timeout"
    /// No text within the first-token timeout.
    case firstTokenTimeout = "first_token_timeout"
    /// The stream stayed silent longer than the idle timeout after its first text.
    case idleTimeout = "idle_timeout"
    /// The whole request took longer than the request timeout.
    case requestTimeout = "request_timeout"
    /// The server answered with a non-2xx HTTP status (see `http_status` and the message).
    case httpStatus = "http_status"
    /// The stream ended before the server said it was done.
    case streamCut = "stream_cut"
    /// A streamed event was not valid JSON of the expected shape.
    case malformedChunk = "malformed_chunk"
    /// The server sent an error event inside the stream.
    case serverErrorEvent = "server_error_event"
    /// A non-streamed response body could not be decoded.
    case invalidResponse = "invalid_response"
    /// The request was cancelled (Ctrl-C, or the run's end).
    case cancelled

    /// True for the four time limits.
    public var isTimeout: Bool {
        [.connectTimeout, .firstTokenTimeout, .idleTimeout, .requestTimeout].contains(self)
    }
}

/// Everything measured and received for one request. Encoded with snake_case keys into every
/// output format; the API key is never part of it.
public struct RequestResult: Sendable, Codable, Hashable {
    /// Position in the batch (input order, repeats included).
    public var index: Int
    /// Which repeat of its prompt this request was (0-based).
    public var `repeat`: Int
    /// The prompt's id from the prompt file, if it had one.
    public var promptID: String?
    /// The turn of a multi-turn session this request sent (from 1); nil outside sessions.
    public var turn: Int?
    /// The `X-Request-Id` sent with the request, to find it in the server's logs.
    public var requestID: String?
    /// The server's response id (`cmpl-…`, `chatcmpl-…`).
    public var responseID: String?
    /// The setting of a comparison run (`temperature=0.9`, `model=qwen`), nil in a plain run.
    public var setting: String?
    /// The prompt text (for a conversation, the last user message).
    public var prompt: String
    /// The full conversation, when the prompt was a list of messages.
    public var messages: [ChatMessage]?
    public var api: APIKind
    public var model: String?
    public var temperature: Double?
    public var maxTokens: Int?
    public var topP: Double?
    public var seed: Int?
    public var stream: Bool

    /// The generated text (partial when the stream was cut).
    public var output: String
    /// A reasoning model's thoughts (`reasoning` / `reasoning_content`), kept apart from the
    /// answer in ``output``; nil when the model sent none.
    public var reasoning: String?
    /// Of the completion tokens, those spent thinking, when the server's `usage` says.
    public var reasoningTokens: Int?
    public var success: Bool
    public var error: String?
    public var errorKind: ErrorKind?
    public var httpStatus: Int?
    public var finishReason: String?
    /// How many times the request was sent (1 when it was not retried).
    public var attempts: Int
    /// The error of each failed attempt before the last, in order (empty when not retried).
    public var retryErrors: [String]

    /// Prompt tokens as the server counted them (nil when it did not say).
    public var promptTokens: Int?
    /// Completion tokens from the server's `usage`, or the number of content chunks when
    /// `tokensEstimated` is true.
    public var completionTokens: Int?
    /// True when the server sent no `usage` and `completionTokens` counts content chunks.
    public var tokensEstimated: Bool
    /// Number of streamed events that carried text.
    public var contentChunks: Int

    /// Wall-clock time the request was sent, ISO 8601 with milliseconds.
    public var startedAt: Timestamp
    /// Seconds from sending the request to the end of the response.
    public var latencyS: Double
    /// Seconds from sending the request to the first chunk with text (streaming only).
    public var ttftS: Double?
    /// Seconds the client took to send the request: from handing it to the HTTP client to its last
    /// byte written to the connection (opening the connection first, when there was none idle).
    /// TTFT, ITL and the latency are timed from that write. It includes a resend on a fresh
    /// connection after a kept-alive one turned out closed. Nil when the request was not written,
    /// or over HTTP/2 (no stamp there yet: its times count from the hand-off). The time limits
    /// (``ClientConfiguration``) count from the hand-off.
    public var sendS: Double?
    /// When the request's last byte was written, on this machine's monotonic clock: to set this
    /// result's times beside another record of the same exchange (a server's log on the same
    /// machine). Held in memory only: not saved in result files, not part of equality.
    public var written = MonotonicInstant()
    /// Seconds to the first token of the answer, after any thoughts (AIPerf's TTFO, GuideLLM's
    /// TTFOT); set only when thoughts came first (otherwise it is ``ttftS``).
    public var ttfoS: Double?
    /// Seconds to the end of the stream (`[DONE]` or the connection's end), after the last token
    /// that ends ``latencyS``; nil for whole answers.
    public var streamEndS: Double?
    /// Seconds between consecutive chunks with text (streaming only).
    public var itlS: [Double]
    /// `(latency - ttft) / (completion tokens - 1)`: time per output token after the first.
    public var tpotS: Double?
    /// `completion tokens / latency`: the request's own output speed.
    public var tokensPerSecond: Double?
    /// Server-side timings when the server reports them (llama.cpp's `timings`).
    public var serverTimings: JSONValue?

    /// Whether the output met every expectation of its prompt (`expect_contains`, ...); nil when
    /// it had none or the request failed.
    public var assertionsPassed: Bool?
    /// What the output failed to meet, one line per expectation; nil when not checked.
    public var assertionFailures: [String]?
    /// The judge model's score of the answer, 1 to 10; nil when not judged or the judge failed.
    public var judgeScore: Double?
    /// The judge's reason for its score.
    public var judgeReason: String?
    /// Why the answer has no score although a judge was asked (the judge's request failed, or its
    /// reply held no score).
    public var judgeError: String?

    public init(request: GenerationRequest, model: String?, startedAt: Timestamp) {
        index = request.index
        `repeat` = request.repeatIndex
        promptID = request.promptID
        requestID = request.requestID
        setting = request.setting
        prompt = request.prompt.displayText
        if case .messages(let list) = request.prompt { messages = list }
        api = request.api
        self.model = model
        temperature = request.parameters.temperature
        maxTokens = request.parameters.maxTokens
        topP = request.parameters.topP
        seed = request.parameters.seed
        stream = request.stream
        output = ""
        success = false
        attempts = 1
        retryErrors = []
        tokensEstimated = false
        contentChunks = 0
        self.startedAt = startedAt
        latencyS = 0
        itlS = []
    }

    enum CodingKeys: String, CodingKey {
        case index, `repeat`, setting, prompt, messages, api, model, temperature, seed, stream, output, success, error
        case promptID = "prompt_id"
        case requestID = "request_id"
        case turn
        case responseID = "response_id"
        case reasoning
        case reasoningTokens = "reasoning_tokens"
        case ttfoS = "ttfo_s"
        case streamEndS = "stream_end_s"
        case sendS = "send_s"
        case maxTokens = "max_tokens"
        case topP = "top_p"
        case errorKind = "error_kind"
        case httpStatus = "http_status"
        case finishReason = "finish_reason"
        case attempts
        case retryErrors = "retry_errors"
        case promptTokens = "prompt_tokens"
        case completionTokens = "completion_tokens"
        case tokensEstimated = "tokens_estimated"
        case contentChunks = "content_chunks"
        case startedAt = "started_at"
        case latencyS = "latency_s"
        case ttftS = "ttft_s"
        case itlS = "itl_s"
        case tpotS = "tpot_s"
        case tokensPerSecond = "tokens_per_second"
        case serverTimings = "server_timings"
        case assertionsPassed = "assertions_passed"
        case assertionFailures = "assertion_failures"
        case judgeScore = "judge_score"
        case judgeReason = "judge_reason"
        case judgeError = "judge_error"
    }

    /// Decodes a result; `attempts` and `retry_errors` may be missing (files of earlier versions).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        index = try c.decode(Int.self, forKey: .index)
        `repeat` = try c.decode(Int.self, forKey: .repeat)
        promptID = try c.decodeIfPresent(String.self, forKey: .promptID)
        setting = try c.decodeIfPresent(String.self, forKey: .setting)
        prompt = try c.decode(String.self, forKey: .prompt)
        messages = try c.decodeIfPresent([ChatMessage].self, forKey: .messages)
        api = try c.decode(APIKind.self, forKey: .api)
        model = try c.decodeIfPresent(String.self, forKey: .model)
        temperature = try c.decodeIfPresent(Double.self, forKey: .temperature)
        maxTokens = try c.decodeIfPresent(Int.self, forKey: .maxTokens)
        topP = try c.decodeIfPresent(Double.self, forKey: .topP)
        seed = try c.decodeIfPresent(Int.self, forKey: .seed)
        stream = try c.decode(Bool.self, forKey: .stream)
        output = try c.decode(String.self, forKey: .output)
        success = try c.decode(Bool.self, forKey: .success)
        error = try c.decodeIfPresent(String.self, forKey: .error)
        errorKind = try c.decodeIfPresent(ErrorKind.self, forKey: .errorKind)
        httpStatus = try c.decodeIfPresent(Int.self, forKey: .httpStatus)
        finishReason = try c.decodeIfPresent(String.self, forKey: .finishReason)
        attempts = try c.decodeIfPresent(Int.self, forKey: .attempts) ?? 1
        retryErrors = try c.decodeIfPresent([String].self, forKey: .retryErrors) ?? []
        promptTokens = try c.decodeIfPresent(Int.self, forKey: .promptTokens)
        completionTokens = try c.decodeIfPresent(Int.self, forKey: .completionTokens)
        tokensEstimated = try c.decode(Bool.self, forKey: .tokensEstimated)
        contentChunks = try c.decode(Int.self, forKey: .contentChunks)
        startedAt = try c.decode(Timestamp.self, forKey: .startedAt)
        latencyS = try c.decode(Double.self, forKey: .latencyS)
        ttftS = try c.decodeIfPresent(Double.self, forKey: .ttftS)
        ttfoS = try c.decodeIfPresent(Double.self, forKey: .ttfoS)
        streamEndS = try c.decodeIfPresent(Double.self, forKey: .streamEndS)
        sendS = try c.decodeIfPresent(Double.self, forKey: .sendS)
        requestID = try c.decodeIfPresent(String.self, forKey: .requestID)
        turn = try c.decodeIfPresent(Int.self, forKey: .turn)
        responseID = try c.decodeIfPresent(String.self, forKey: .responseID)
        reasoning = try c.decodeIfPresent(String.self, forKey: .reasoning)
        reasoningTokens = try c.decodeIfPresent(Int.self, forKey: .reasoningTokens)
        itlS = try c.decode([Double].self, forKey: .itlS)
        tpotS = try c.decodeIfPresent(Double.self, forKey: .tpotS)
        tokensPerSecond = try c.decodeIfPresent(Double.self, forKey: .tokensPerSecond)
        serverTimings = try c.decodeIfPresent(JSONValue.self, forKey: .serverTimings)
        assertionsPassed = try c.decodeIfPresent(Bool.self, forKey: .assertionsPassed)
        assertionFailures = try c.decodeIfPresent([String].self, forKey: .assertionFailures)
        judgeScore = try c.decodeIfPresent(Double.self, forKey: .judgeScore)
        judgeReason = try c.decodeIfPresent(String.self, forKey: .judgeReason)
        judgeError = try c.decodeIfPresent(String.self, forKey: .judgeError)
    }

    /// Encodes every key, writing `null` for missing values, so that each result has the same
    /// fields in JSON and JSONL output; the quality fields appear only in evaluated runs.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(index, forKey: .index)
        try c.encode(`repeat`, forKey: .repeat)
        try c.encode(promptID, forKey: .promptID)
        try c.encodeIfPresent(setting, forKey: .setting)
        try c.encode(prompt, forKey: .prompt)
        try c.encodeIfPresent(messages, forKey: .messages)
        try c.encode(api, forKey: .api)
        try c.encode(model, forKey: .model)
        try c.encode(temperature, forKey: .temperature)
        try c.encode(maxTokens, forKey: .maxTokens)
        try c.encode(topP, forKey: .topP)
        try c.encode(seed, forKey: .seed)
        try c.encode(stream, forKey: .stream)
        try c.encode(output, forKey: .output)
        try c.encode(success, forKey: .success)
        try c.encode(error, forKey: .error)
        try c.encode(errorKind, forKey: .errorKind)
        try c.encode(httpStatus, forKey: .httpStatus)
        try c.encode(finishReason, forKey: .finishReason)
        try c.encode(attempts, forKey: .attempts)
        try c.encode(retryErrors, forKey: .retryErrors)
        try c.encode(promptTokens, forKey: .promptTokens)
        try c.encode(completionTokens, forKey: .completionTokens)
        try c.encode(tokensEstimated, forKey: .tokensEstimated)
        try c.encode(contentChunks, forKey: .contentChunks)
        try c.encode(startedAt, forKey: .startedAt)
        try c.encode(latencyS, forKey: .latencyS)
        try c.encode(ttftS, forKey: .ttftS)
        try c.encodeIfPresent(ttfoS, forKey: .ttfoS)
        try c.encodeIfPresent(streamEndS, forKey: .streamEndS)
        try c.encodeIfPresent(sendS, forKey: .sendS)
        try c.encodeIfPresent(requestID, forKey: .requestID)
        try c.encodeIfPresent(turn, forKey: .turn)
        try c.encodeIfPresent(responseID, forKey: .responseID)
        try c.encodeIfPresent(reasoning, forKey: .reasoning)
        try c.encodeIfPresent(reasoningTokens, forKey: .reasoningTokens)
        try c.encode(itlS, forKey: .itlS)
        try c.encode(tpotS, forKey: .tpotS)
        try c.encode(tokensPerSecond, forKey: .tokensPerSecond)
        try c.encodeIfPresent(serverTimings, forKey: .serverTimings)
        try c.encodeIfPresent(assertionsPassed, forKey: .assertionsPassed)
        try c.encodeIfPresent(assertionFailures, forKey: .assertionFailures)
        try c.encodeIfPresent(judgeScore, forKey: .judgeScore)
        try c.encodeIfPresent(judgeReason, forKey: .judgeReason)
        try c.encodeIfPresent(judgeError, forKey: .judgeError)
    }

    /// Fills the derived timing fields (TPOT and tokens per second) from the measured ones.
    mutating func deriveRates() {
        guard let tokens = completionTokens else { return }
        if latencyS > 0, tokens > 0 { tokensPerSecond = Double(tokens) / latencyS }
        if let ttft = ttftS, tokens > 1 { tpotS = (latencyS - ttft) / Double(tokens - 1) }
    }
}

/// An instant on the monotonic clock that a result carries in memory only: two results that differ
/// in it alone are equal (and hash alike), set or not.
public struct MonotonicInstant: Sendable, Hashable {
    /// The instant; nil when there is none.
    public var instant: ContinuousClock.Instant?

    public init(_ instant: ContinuousClock.Instant? = nil) { self.instant = instant }

    /// The same instant on the wall clock (as of now: the two clocks drift apart over hours).
    public var date: Date? { instant.map { Date() - (.now - $0).seconds } }

    public static func == (_: MonotonicInstant, _: MonotonicInstant) -> Bool { true }
    public func hash(into _: inout Hasher) {}
}
