import LLMSupport

/// A fault the simulator can inject into a response.
public enum Fault: String, Sendable, CaseIterable, Codable {
    /// HTTP 500 with an OpenAI-shaped error body.
    case error500 = "500"
    /// HTTP 429 with a `Retry-After` header.
    case error429 = "429"
    /// HTTP 503 with a `Retry-After` header.
    case error503 = "503"
    /// The connection is closed in the middle of a streamed answer.
    case drop
    /// The stream goes silent for `stallSeconds` in the middle of the answer, then goes on.
    case stall
    /// One streamed event is not valid JSON.
    case malformed
}

/// Which faults to inject and how often.
///
/// Each fault has a rate (the probability per request, 0...1). A request can also trigger a fault
/// itself, with the header `X-Sim-Fault: NAME` or the body member `"sim_fault": "NAME"` (so a client
/// can reach it through `--extra-body`), where NAME is one of ``Fault``'s raw values.
public struct FaultConfiguration: Sendable, Hashable {
    /// Probability per request of each fault.
    public var rates: [Fault: Double]
    /// The pause asked of clients with 429 and 503, in seconds: sent as `Retry-After` (whole
    /// seconds, rounded up) and as OpenAI's `retry-after-ms`.
    public var retryAfterSeconds: Double
    /// How long a stall lasts, in seconds.
    public var stallSeconds: Double
    /// Cut the streamed bytes into small random pieces, inside UTF-8 characters and `data:` lines,
    /// each written separately, so clients prove they reassemble the stream correctly.
    public var splitUTF8: Bool

    public init(rates: [Fault: Double] = [:], retryAfterSeconds: Double = 1, stallSeconds: Double = 5, splitUTF8: Bool = false) {
        self.rates = rates
        self.retryAfterSeconds = retryAfterSeconds
        self.stallSeconds = stallSeconds
        self.splitUTF8 = splitUTF8
    }

    /// The fault to inject into one request: the request's own trigger if it has one, else one drawn
    /// from the rates (at most one fault per request; the rates are tried in a fixed order).
    func choose(trigger: Fault?, using random: inout SeededRandom) -> Fault? {
        if let trigger { return trigger }
        for fault in Fault.allCases {
            if let rate = rates[fault], rate > 0, random.unit() < rate { return fault }
        }
        return nil
    }
}
