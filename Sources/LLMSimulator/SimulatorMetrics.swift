import Prometheus

/// The simulator's Prometheus metrics, served at `GET /metrics`.
final class SimulatorMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let requestCounters: [Int: Counter]
    private let otherStatusCounter: Counter
    let promptTokens: Counter
    let generationTokens: Counter
    let running: Gauge
    let waiting: Gauge
    let timeToFirstToken: ValueHistogram
    let endToEndLatency: ValueHistogram

    init() {
        let requests = Self.metric( "llmsim_requests_total", "Generation requests answered, by HTTP status.")
        var counters: [Int: Counter] = [:]
        for status in [200, 400, 401, 404, 429, 500, 503] {
            counters[status] = registry.makeCounter(descriptor: requests, labels: [("status", String(status))])
        }
        requestCounters = counters
        otherStatusCounter = registry.makeCounter(descriptor: requests, labels: [("status", "other")])
        promptTokens = registry.makeCounter(descriptor: Self.metric( "llmsim_prompt_tokens_total", "Prompt tokens received."))
        generationTokens = registry.makeCounter(descriptor: Self.metric( "llmsim_generation_tokens_total", "Tokens generated."))
        running = registry.makeGauge(descriptor: Self.metric( "llmsim_requests_running", "Requests generating now."))
        waiting = registry.makeGauge(descriptor: Self.metric( "llmsim_requests_waiting", "Requests queued for a sequence slot."))
        let latencyBuckets = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]
        timeToFirstToken = registry.makeValueHistogram(
            descriptor: Self.metric( "llmsim_time_to_first_token_seconds", "Time from receiving a streamed request to writing its first token, queueing included."), buckets: latencyBuckets)
        endToEndLatency = registry.makeValueHistogram(
            descriptor: Self.metric( "llmsim_e2e_request_latency_seconds", "Time from receiving a request to finishing its response."),
            buckets: latencyBuckets + [20, 30, 60])
    }

    /// Counts one answered generation request.
    func countRequest(status: Int) {
        (requestCounters[status] ?? otherStatusCounter).increment()
    }

    /// The Prometheus text exposition.
    func exposition() -> [UInt8] {
        registry.emitToBuffer()
    }

    private static func metric(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }
}
