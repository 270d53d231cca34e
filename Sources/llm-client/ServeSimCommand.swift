public import ArgumentParser
import Foundation
import LLMSimulator

extension Fault: ExpressibleByArgument {}
extension ReasoningField: ExpressibleByArgument {}

/// `llm-client serve-sim`: the OpenAI-compatible simulator.
struct ServeSimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve-sim",
        abstract: "Run an OpenAI-compatible simulator server with a latency model and fault injection.",
        discussion: """
            A request can trigger a fault itself with the header 'X-Sim-Fault: NAME' or the body member \
            "sim_fault": "NAME" (e.g. --extra-body '{"sim_fault":"drop"}'), NAME being 500, 429, 503, drop, stall or malformed.
            """)

    @Option(help: "Address to bind.") var host = "127.0.0.1"
    @Option(help: "Port to bind; 0 picks a free one.") var port = 8000
    @Option(name: .customLong("model"), help: "Model id to serve (repeat for several; the first is the default).")
    var models: [String] = []
    @Option(help: "Seed for generated text.") var seed: UInt64 = 0
    @Option(help: "Require 'Authorization: Bearer KEY'.") var apiKey: String?
    @Option(help: "Sequences generated at once; more requests wait in a FIFO queue (0: no limit).")
    var maxConcurrency = 256
    @Option(help: "Answer every request with exactly this text (e.g. a judge's JSON verdict), timed by the latency model.")
    var reply: String?
    @Flag(help: "Serve no POST /tokenize, like OpenAI, Ollama or TGI (benchmarks then estimate prompt lengths).")
    var noTokenizeEndpoint = false
    @Option(
        help: """
            Act as a reasoning model: each chat completion first streams this many thought tokens, then the answer \
            (max_tokens counts both; usage reports completion_tokens_details.reasoning_tokens). 0: no reasoning.
            """)
    var reasoningTokens = 0
    @Option(
        help: """
            The delta and message member carrying the thoughts: 'reasoning' (current vLLM) or 'reasoning_content' \
            (older vLLM, llama.cpp).
            """)
    var reasoningField: ReasoningField = .reasoning

    @Option(help: "Mean time to first token, milliseconds.") var ttftMs = 50.0
    @Option(help: "Standard deviation of the time to first token, milliseconds.") var ttftJitterMs = 10.0
    @Option(help: "Prefill time per prompt token, milliseconds.") var prefillMsPerToken = 0.1
    @Option(help: "Mean inter-token latency, milliseconds.") var itlMs = 10.0
    @Option(help: "Standard deviation of the inter-token latency, milliseconds.") var itlJitterMs = 2.0
    @Option(help: "Mean answer length in tokens (max_tokens caps it).") var outputTokens = 64
    @Option(help: "Standard deviation of the answer length in tokens (0: fixed length).") var outputTokensStddev = 0.0
    @Flag(help: "No latency at all: answers are written as fast as possible.") var noLatency = false

    @Option(name: .customLong("error-500-rate"), help: "Share of requests answered with HTTP 500.") var rate500 = 0.0
    @Option(name: .customLong("error-429-rate"), help: "Share of requests answered with HTTP 429 and Retry-After.") var rate429 = 0.0
    @Option(name: .customLong("error-503-rate"), help: "Share of requests answered with HTTP 503 and Retry-After.") var rate503 = 0.0
    @Option(help: "Share of answers whose connection is dropped halfway.") var dropRate = 0.0
    @Option(help: "Share of streams that stall halfway for --stall-seconds.") var stallRate = 0.0
    @Option(help: "Share of streams with one malformed chunk.") var malformedRate = 0.0
    @Option(help: "Length of a stall, seconds.") var stallSeconds = 5.0
    @Option(help: "Pause asked with 429 and 503, seconds (Retry-After and retry-after-ms).") var retryAfter = 1.0
    @Flag(help: "Cut streamed bytes at random points, inside UTF-8 characters and data: lines.") var splitUtf8 = false
    @Option(
        help:
            "Record, per streamed request (one JSON line each), when its first and each later token were written, in seconds from its arrival, with its X-Request-Id."
    ) var timingLog: String?

    func validate() throws {
        for (name, rate) in [
            ("--error-500-rate", rate500), ("--error-429-rate", rate429), ("--error-503-rate", rate503),
            ("--drop-rate", dropRate), ("--stall-rate", stallRate), ("--malformed-rate", malformedRate),
        ]
        where !(0...1).contains(rate) {
            throw ValidationError("\(name) must be between 0 and 1, got \(rate).")
        }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535.") }
        guard outputTokens >= 1 else { throw ValidationError("--output-tokens must be at least 1.") }
        guard maxConcurrency >= 0 else { throw ValidationError("--max-concurrency must not be negative.") }
        guard reasoningTokens >= 0 else { throw ValidationError("--reasoning-tokens must not be negative.") }
        if let timingLog, !FileManager.default.createFile(atPath: timingLog, contents: nil) {
            throw ValidationError("cannot create --timing-log '\(timingLog)'.")
        }
        for value in [ttftMs, ttftJitterMs, prefillMsPerToken, itlMs, itlJitterMs, outputTokensStddev, stallSeconds] where value < 0 {
            throw ValidationError("latency options must not be negative, got \(value).")
        }
    }

    var simulatorConfiguration: SimulatorConfiguration {
        let latency =
            noLatency
            ? LatencyModel.instant(outputTokens: outputTokens)
            : LatencyModel(
                ttftMean: ttftMs / 1000, ttftJitter: ttftJitterMs / 1000, prefillPerToken: prefillMsPerToken / 1000,
                itlMean: itlMs / 1000, itlJitter: itlJitterMs / 1000, outputTokensMean: outputTokens,
                outputTokensStddev: outputTokensStddev)
        let faults = FaultConfiguration(
            rates: [.error500: rate500, .error429: rate429, .error503: rate503, .drop: dropRate, .stall: stallRate, .malformed: malformedRate],
            retryAfterSeconds: retryAfter, stallSeconds: stallSeconds, splitUTF8: splitUtf8)
        var configuration = SimulatorConfiguration(
            host: host, port: port, models: models.isEmpty ? ["llm-sim"] : models, seed: seed, apiKey: apiKey,
            maxConcurrency: maxConcurrency, latency: latency, faults: faults, reply: reply, reasoningTokens: reasoningTokens,
            reasoningField: reasoningField)
        configuration.tokenizeEndpoint = !noTokenizeEndpoint
        configuration.timingLog = timingLog
        return configuration
    }

    func run() async throws {
        let server = SimulatorServer(configuration: simulatorConfiguration)
        try await server.run(handleSignals: true) { host, port in
            FileHandle.standardOutput.write(Data("llm-client simulator listening on http://\(host):\(port)/v1\n".utf8))
        }
    }
}
