public import OpenAIAPI

/// Why a request failed, so failures can be counted by kind.
public enum ErrorKind: String, Sendable, Codable, CaseIterable {
    /// The server could not be reached (refused, reset before a response, DNS, TLS).
    case connection
    /// The connect, first-token, idle or whole-request time limit ran out.
    case timeout
    /// The server answered with a non-2xx HTTP status.
    case httpStatus = "http_status"
    /// The stream ended before the server said it was done.
    case streamCut = "stream_cut"
    /// A streamed event was not valid JSON of the expected shape.
    case malformedChunk = "malformed_chunk"
    /// The server sent an error event inside the stream.
    case serverErrorEvent = "server_error_event"
    /// A non-streamed response body could not be decoded.
    case invalidResponse = "invalid_response"
    /// The request was cancelled by the user.
    case cancelled
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
    public var success: Bool
    public var error: String?
    public var errorKind: ErrorKind?
    public var httpStatus: Int?
    public var finishReason: String?

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
    public var startedAt: String
    /// Seconds from sending the request to the end of the response.
    public var latencyS: Double
    /// Seconds from sending the request to the first chunk with text (streaming only).
    public var ttftS: Double?
    /// Seconds between consecutive chunks with text (streaming only).
    public var itlS: [Double]
    /// `(latency - ttft) / (completion tokens - 1)`: time per output token after the first.
    public var tpotS: Double?
    /// `completion tokens / latency`: the request's own output speed.
    public var tokensPerSecond: Double?
    /// Server-side timings when the server reports them (llama.cpp's `timings`).
    public var serverTimings: JSONValue?

    public init(request: GenerationRequest, model: String?, startedAt: String) {
        index = request.index
        `repeat` = request.repeatIndex
        promptID = request.promptID
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
        tokensEstimated = false
        contentChunks = 0
        self.startedAt = startedAt
        latencyS = 0
        itlS = []
    }

    enum CodingKeys: String, CodingKey {
        case index, `repeat`, prompt, messages, api, model, temperature, seed, stream, output, success, error
        case promptID = "prompt_id"
        case maxTokens = "max_tokens"
        case topP = "top_p"
        case errorKind = "error_kind"
        case httpStatus = "http_status"
        case finishReason = "finish_reason"
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
    }

    /// Encodes every key, writing `null` for missing values, so that each result has the same
    /// fields in JSON and JSONL output.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(index, forKey: .index)
        try c.encode(`repeat`, forKey: .repeat)
        try c.encode(promptID, forKey: .promptID)
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
        try c.encode(promptTokens, forKey: .promptTokens)
        try c.encode(completionTokens, forKey: .completionTokens)
        try c.encode(tokensEstimated, forKey: .tokensEstimated)
        try c.encode(contentChunks, forKey: .contentChunks)
        try c.encode(startedAt, forKey: .startedAt)
        try c.encode(latencyS, forKey: .latencyS)
        try c.encode(ttftS, forKey: .ttftS)
        try c.encode(itlS, forKey: .itlS)
        try c.encode(tpotS, forKey: .tpotS)
        try c.encode(tokensPerSecond, forKey: .tokensPerSecond)
        try c.encodeIfPresent(serverTimings, forKey: .serverTimings)
    }

    /// Fills the derived timing fields (TPOT and tokens per second) from the measured ones.
    mutating func deriveRates() {
        guard let tokens = completionTokens else { return }
        if latencyS > 0, tokens > 0 { tokensPerSecond = Double(tokens) / latencyS }
        if let ttft = ttftS, tokens > 1 { tpotS = (latencyS - ttft) / Double(tokens - 1) }
    }
}
