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

    public init(
        host: String = "127.0.0.1", port: Int = 8000, models: [String] = ["llm-sim"], seed: UInt64 = 0,
        apiKey: String? = nil, maxConcurrency: Int = 256, latency: LatencyModel = LatencyModel(),
        faults: FaultConfiguration = FaultConfiguration(), reply: String? = nil
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
    }
}
