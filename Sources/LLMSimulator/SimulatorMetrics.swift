import Prometheus

/// The simulator's Prometheus metrics, served at `GET /metrics`: its own `llmsim_` families and,
/// beside them, vLLM's names for the same measurements (labels `engine="0"` and `model_name`, the
/// simulator's first model), so a dashboard or `--scrape-metrics` reads either server the same way.
final class SimulatorMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let requestCounters: [Int: Counter]
    private let otherStatusCounter: Counter
    private let promptTokens: Counter
    private let generationTokens: Counter
    let running: Gauge
    let waiting: Gauge
    private let timeToFirstToken: ValueHistogram
    private let endToEndLatency: ValueHistogram
    private let vllm: VLLMFamilies

    /// vLLM's metric families (vLLM 0.32 names and buckets' range).
    private struct VLLMFamilies: Sendable {
        let promptTokens: Counter
        let generationTokens: Counter
        /// By vLLM's `finished_reason` label: `stop`, `length`, `abort`.
        let requestSuccess: [String: Counter]
        let running: Gauge
        let waiting: Gauge
        let timeToFirstToken: ValueHistogram
        let endToEndLatency: ValueHistogram
    }

    init(modelName: String) {
        let requests = Self.metric("llmsim_requests_total", "Generation requests answered, by HTTP status.")
        var counters: [Int: Counter] = [:]
        for status in [200, 400, 401, 404, 429, 500, 503] {
            counters[status] = registry.makeCounter(descriptor: requests, labels: [("status", String(status))])
        }
        requestCounters = counters
        otherStatusCounter = registry.makeCounter(descriptor: requests, labels: [("status", "other")])
        promptTokens = registry.makeCounter(descriptor: Self.metric("llmsim_prompt_tokens_total", "Prompt tokens received."))
        generationTokens = registry.makeCounter(descriptor: Self.metric("llmsim_generation_tokens_total", "Tokens generated."))
        running = registry.makeGauge(descriptor: Self.metric("llmsim_requests_running", "Requests generating now."))
        waiting = registry.makeGauge(descriptor: Self.metric("llmsim_requests_waiting", "Requests queued for a sequence slot."))
        let latencyBuckets = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]
        timeToFirstToken = registry.makeValueHistogram(
            descriptor: Self.metric(
                "llmsim_time_to_first_token_seconds", "Time from receiving a streamed request to writing its first token, queueing included."),
            buckets: latencyBuckets)
        endToEndLatency = registry.makeValueHistogram(
            descriptor: Self.metric("llmsim_e2e_request_latency_seconds", "Time from receiving a request to finishing its response."),
            buckets: latencyBuckets + [20, 30, 60])

        let labels = [("engine", "0"), ("model_name", modelName)]
        let success = Self.metric("vllm:request_success_total", "Count of successfully processed requests.")
        let registry = registry
        vllm = VLLMFamilies(
            promptTokens: registry.makeCounter(
                descriptor: Self.metric("vllm:prompt_tokens_total", "Number of prefill tokens processed."), labels: labels),
            generationTokens: registry.makeCounter(
                descriptor: Self.metric("vllm:generation_tokens_total", "Number of generation tokens processed."), labels: labels),
            requestSuccess: Dictionary(
                uniqueKeysWithValues: ["stop", "length", "abort"].map {
                    ($0, registry.makeCounter(descriptor: success, labels: labels + [("finished_reason", $0)]))
                }),
            running: registry.makeGauge(
                descriptor: Self.metric("vllm:num_requests_running", "Number of requests in model execution batches."), labels: labels),
            waiting: registry.makeGauge(
                descriptor: Self.metric("vllm:num_requests_waiting", "Number of requests waiting to be processed."), labels: labels),
            timeToFirstToken: registry.makeValueHistogram(
                descriptor: Self.metric("vllm:time_to_first_token_seconds", "Histogram of time to first token in seconds."), labels: labels,
                buckets: latencyBuckets + [20, 40, 80, 160, 640, 2560]),
            endToEndLatency: registry.makeValueHistogram(
                descriptor: Self.metric("vllm:e2e_request_latency_seconds", "Histogram of e2e request latency in seconds."), labels: labels,
                buckets: latencyBuckets + [20, 30, 40, 50, 60, 120, 240, 480, 960, 1920, 7680]))
    }

    /// Counts one answered generation request.
    func countRequest(status: Int) {
        (requestCounters[status] ?? otherStatusCounter).increment()
    }

    /// Counts the prompt tokens of an accepted request.
    func recordPromptTokens(_ count: Int) {
        promptTokens.increment(by: Int64(count))
        vllm.promptTokens.increment(by: Int64(count))
    }

    /// Counts the tokens of a generated answer.
    func recordGeneratedTokens(_ count: Int) {
        generationTokens.increment(by: Int64(count))
        vllm.generationTokens.increment(by: Int64(count))
    }

    /// Records a request's time to first token; `llmsim_` counts streamed requests only, vLLM every one.
    func recordTimeToFirstToken(_ seconds: Double, streamed: Bool) {
        if streamed { timeToFirstToken.record(seconds) }
        vllm.timeToFirstToken.record(seconds)
    }

    /// Records a finished answer: its end-to-end latency and, for vLLM's names, why it ended.
    func recordFinished(finishReason: String, endToEndLatency seconds: Double) {
        endToEndLatency.record(seconds)
        vllm.endToEndLatency.record(seconds)
        vllm.requestSuccess[finishReason]?.increment()
    }

    /// Sets the queue gauges (read when scraped).
    func setQueue(running: Int, waiting: Int) {
        self.running.set(Double(running))
        self.waiting.set(Double(waiting))
        vllm.running.set(Double(running))
        vllm.waiting.set(Double(waiting))
    }

    /// The Prometheus text exposition.
    func exposition() -> [UInt8] {
        registry.emitToBuffer()
    }

    private static func metric(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }
}
