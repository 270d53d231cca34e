import LLMSupport

/// How long the simulated server takes, shaped like a real one: a time to first token made of a
/// fixed part, jitter and a prefill cost per prompt token; a steady inter-token latency with jitter;
/// and an output length drawn from a distribution and capped by `max_tokens`.
///
/// All times are in seconds. Jitter is the standard deviation of a normal distribution around the
/// mean, clipped at zero. Queueing for a free sequence slot (`--max-concurrency`) comes on top of
/// the time to first token, as on a real server.
public struct LatencyModel: Sendable, Hashable {
    /// Mean time to first token, before prefill.
    public var ttftMean: Double
    /// Standard deviation of the time to first token.
    public var ttftJitter: Double
    /// Extra time to first token for each prompt token (prefill).
    public var prefillPerToken: Double
    /// Mean time between two output tokens.
    public var itlMean: Double
    /// Standard deviation of the time between two output tokens.
    public var itlJitter: Double
    /// Mean answer length in tokens (before `max_tokens` caps it).
    public var outputTokensMean: Int
    /// Standard deviation of the answer length; 0 gives every answer the same length.
    public var outputTokensStddev: Double

    public init(
        ttftMean: Double = 0.05, ttftJitter: Double = 0.01, prefillPerToken: Double = 0.0001,
        itlMean: Double = 0.01, itlJitter: Double = 0.002, outputTokensMean: Int = 64, outputTokensStddev: Double = 0
    ) {
        self.ttftMean = ttftMean
        self.ttftJitter = ttftJitter
        self.prefillPerToken = prefillPerToken
        self.itlMean = itlMean
        self.itlJitter = itlJitter
        self.outputTokensMean = outputTokensMean
        self.outputTokensStddev = outputTokensStddev
    }

    /// A model with no latency at all: answers are produced as fast as the server can write them.
    public static func instant(outputTokens: Int = 64) -> LatencyModel {
        LatencyModel(
            ttftMean: 0, ttftJitter: 0, prefillPerToken: 0, itlMean: 0, itlJitter: 0,
            outputTokensMean: outputTokens, outputTokensStddev: 0)
    }

    /// The time to first token of a request with `promptTokens` prompt tokens, excluding queueing.
    func timeToFirstToken(promptTokens: Int, using random: inout SeededRandom) -> Double {
        max(0, random.normal(mean: ttftMean, standardDeviation: ttftJitter)) + prefillPerToken * Double(promptTokens)
    }

    /// The time between two output tokens.
    func interTokenLatency(using random: inout SeededRandom) -> Double {
        max(0, random.normal(mean: itlMean, standardDeviation: itlJitter))
    }

    /// An answer length, at least one token.
    func outputTokens(using random: inout SeededRandom) -> Int {
        let drawn = random.normal(mean: Double(outputTokensMean), standardDeviation: outputTokensStddev)
        return max(1, Int(drawn.rounded()))
    }
}
