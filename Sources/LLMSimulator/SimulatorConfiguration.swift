/// Everything `llm-client serve-sim` can be told.
public struct SimulatorConfiguration: Sendable {
    /// Address to bind; loopback unless asked otherwise.
    public var host: String
    /// Port to bind; 0 picks a free one.
    public var port: Int
    /// Model ids served; the first is the default for requests that name none.
    public var models: [String]
    /// Seed for generated text and timings.
    public var seed: UInt64
    /// When set, requests must carry `Authorization: Bearer <key>`.
    public var apiKey: String?
    /// Sequences generated at once; requests beyond wait in a FIFO queue. 0 means no limit.
    public var maxConcurrency: Int
    public var latency: LatencyModel
    public var faults: FaultConfiguration
    /// When set, every completion and chat completion answers exactly this text instead of generated
    /// text (e.g. a judge's JSON verdict), split into tokenizer-like tokens. The latency model still
    /// times it, token by token; `max_tokens` and `stop` still cut it, and usage counts its tokens.
    public var reply: String?
    /// Serve vLLM's `POST /tokenize` (on by default); off, the simulator looks like a server
    /// without one (OpenAI, Ollama, TGI), whose prompt lengths a benchmark can only estimate.
    public var tokenizeEndpoint = true
    /// Act as a reasoning model: every chat completion thinks for this many tokens before it
    /// answers (0, the default, turns reasoning off). The thoughts are generated text like the answer,
    /// timed by the latency model like answer tokens (the first thought is the first token), and
    /// sent in ``reasoningField``: streamed, one chunk per thought before the answer's chunks; whole,
    /// beside `content` in the message. `max_tokens` limits thoughts and answer together, so with
    /// `max_tokens` at most this many the answer is empty and ends with `"length"`; stop strings
    /// apply to the answer only. `usage.completion_tokens` counts both, and
    /// `usage.completion_tokens_details.reasoning_tokens` the thoughts sent. Completions
    /// (`/v1/completions`) never reason.
    public var reasoningTokens = 0
    /// The message and delta member that carries a reasoning model's thoughts (``reasoningTokens``).
    public var reasoningField = ReasoningField.reasoning
    /// Where to record when each streamed answer's tokens were sent (``TimingLog``); nil: nowhere.
    public var timingLog: String?

    public init(
        host: String = "127.0.0.1", port: Int = 8000, models: [String] = ["llm-sim"], seed: UInt64 = 0,
        apiKey: String? = nil, maxConcurrency: Int = 256, latency: LatencyModel = LatencyModel(),
        faults: FaultConfiguration = FaultConfiguration(), reply: String? = nil, reasoningTokens: Int = 0,
        reasoningField: ReasoningField = .reasoning
    ) {
        self.host = host
        self.port = port
        self.models = models
        self.seed = seed
        self.apiKey = apiKey
        self.maxConcurrency = maxConcurrency
        self.latency = latency
        self.faults = faults
        self.reply = reply
        self.reasoningTokens = reasoningTokens
        self.reasoningField = reasoningField
    }
}

/// Where a reasoning model's thoughts go in a chat message or a streamed delta: the member name
/// is the raw value.
public enum ReasoningField: String, Sendable, Hashable, CaseIterable {
    /// `reasoning`, what current vLLM sends.
    case reasoning
    /// `reasoning_content`, what older vLLM releases, llama.cpp and DeepSeek's API send.
    case reasoningContent = "reasoning_content"
}
