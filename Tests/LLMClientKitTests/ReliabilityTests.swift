import Foundation
import LLMClientKit
import LLMSimulator
import LLMSupport
import NIOHTTP1
import OpenAIAPI
import TestSupport
import Testing

@testable import LLMClientKit

/// Faults, timeouts, retries and error classes, over real loopback HTTP against the simulator.
/// Time limits and waits run on a ``ManualClock`` unless a test says why not.
@Suite struct ReliabilityTests {
    private func withClient<T: Sendable>(
        _ simulator: SimulatorConfiguration, _ configure: @Sendable (inout ClientConfiguration) -> Void = { _ in },
        _ body: @Sendable (LLMClient, SimulatorServer.Endpoint) async throws -> T
    ) async throws -> T {
        try await SimulatorServer.withRunning(simulator) { endpoint in
            var configuration = ClientConfiguration(baseURL: endpoint.baseURL, requestTimeout: .seconds(30), maxConnections: 32)
            configure(&configuration)
            return try await LLMClient.withClient(configuration) { client in try await body(client, endpoint) }
        }
    }

    private func request(_ index: Int = 0, fault: String? = nil, maxTokens: Int = 24) -> GenerationRequest {
        GenerationRequest(
            index: index, prompt: .text("질문 \(index): 신뢰성을 설명해주세요"),
            parameters: .init(maxTokens: maxTokens, extraBody: fault.map { ["sim_fault": .string($0)] }))
    }

    /// Many requests at once, healthy and stalled streams side by side: this one runs on the real
    /// clock, as a manual one would have to move under the healthy streams too.
    @Test(.timeLimit(.minutes(2)))
    func everyRequestIsAccountedForUnderMixedFaults() async throws {
        var simulator = testSimulatorConfiguration(
            latency: LatencyModel(ttftMean: 0.005, ttftJitter: 0.002, prefillPerToken: 0, itlMean: 0.002, itlJitter: 0.001, outputTokensMean: 24),
            faults: FaultConfiguration(
                rates: [.error500: 0.08, .error429: 0.08, .error503: 0.05, .drop: 0.08, .stall: 0.06, .malformed: 0.06],
                retryAfterSeconds: 0.02, stallSeconds: 30, splitUTF8: true))
        simulator.seed = 7
        let requests = (0..<240).map { request($0) }
        let (results, received) = try await withClient(
            simulator,
            {
                // Stalls last 30 s; the idle timeout catches them, with room for a loaded machine's pauses.
                $0.idleTimeout = .seconds(2)
                $0.retry = RetryPolicy(maxRetries: 2, initialDelay: .milliseconds(10), maxDelay: .milliseconds(100))
            }
        ) { client, endpoint in
            let results = await client.generateBatch(requests, concurrency: 24)
            return (results, Int(try await endpoint.metric("llmsim_requests_total")))
        }
        #expect(results.count == requests.count)
        #expect(results.map(\.index) == Array(0..<requests.count), "each request once, none lost")
        let failed = results.filter { !$0.success }
        #expect(results.filter(\.success).count + failed.count == requests.count)
        #expect(!failed.isEmpty && failed.count < requests.count)
        for result in failed {
            #expect(result.errorKind != nil, "every failure has a class")
            #expect(result.error?.isEmpty == false, "every failure has a message")
        }
        for result in results.filter(\.success) {
            #expect(!result.output.contains("\u{FFFD}"), "split UTF-8 reassembled")
            #expect(result.completionTokens == 24)
        }
        let kinds = Set(failed.compactMap(\.errorKind))
        #expect(kinds.isSubset(of: [.httpStatus, .streamCut, .idleTimeout, .malformedChunk]), "\(kinds)")
        #expect(kinds.contains(.idleTimeout) && kinds.contains(.streamCut) && kinds.contains(.malformedChunk))
        // Only failures before any content were retried, and every attempt reached the server once.
        #expect(results.contains { $0.attempts > 1 })
        for result in results {
            #expect(result.retryErrors.count == result.attempts - 1)
            if result.attempts > 1 { #expect(result.retryErrors.allSatisfy { $0.hasPrefix("HTTP 5") || $0.hasPrefix("HTTP 429") }) }
        }
        #expect(received == results.map(\.attempts).reduce(0, +))
    }

    /// Puts a client on `clock`, with first-token and request limits far beyond what a test's
    /// clock reaches while a request is in flight (the clock runs ahead of real time meanwhile).
    private func onManualClock(_ clock: ManualClock, _ configure: @escaping @Sendable (inout ClientConfiguration) -> Void)
        -> @Sendable (inout ClientConfiguration) -> Void
    {
        { configuration in
            configuration.clock = clock
            configuration.firstTokenTimeout = .seconds(3600)
            configuration.requestTimeout = .seconds(3600)
            configure(&configuration)
        }
    }

    /// The sleeps longer than the watchdog's (which sleeps a second at most): the waits before retries.
    private func retryWaits(on clock: ManualClock) -> [Duration] {
        clock.requestedSleeps.filter { $0 > Watchdog.longestSleep }
    }

    @Test(.timeLimit(.minutes(1)))
    func retriesHonourRetryAfterAndRecordEveryAttempt() async throws {
        let simulator = testSimulatorConfiguration(faults: FaultConfiguration(retryAfterSeconds: 30))
        let clock = ManualClock()
        let result = try await withClient(simulator, onManualClock(clock) { $0.retry = RetryPolicy(maxRetries: 2, initialDelay: .milliseconds(1)) }) {
            client, _ in
            await clock.advancing { await client.generate(request(fault: "429")) }
        }
        #expect(!result.success)
        #expect(result.attempts == 3)
        #expect(result.retryErrors.count == 2)
        #expect(result.retryErrors.allSatisfy { $0.hasPrefix("HTTP 429: ") })
        #expect(result.error?.hasPrefix("HTTP 429: ") == true)
        #expect(retryWaits(on: clock) == [.seconds(30), .seconds(30)], "waited the server's 30 s twice, not the 1 ms backoff")
    }

    @Test(.timeLimit(.minutes(1)))
    func backoffWaitsOnTheConfiguredClockWithTheConfiguredJitter() async throws {
        let policy = RetryPolicy(maxRetries: 2, initialDelay: .seconds(10), maxDelay: .seconds(60))
        var random = SeededRandom(seed: 42)
        let expected = [1, 2].map { policy.delay(beforeRetry: $0, retryAfter: nil, using: &random) }
        let clock = ManualClock()
        let result = try await withClient(
            testSimulatorConfiguration(),
            onManualClock(clock) {
                $0.retry = policy
                $0.random = RandomSource(SeededRandom(seed: 42))
            }
        ) { client, _ in
            await clock.advancing { await client.generate(request(fault: "500")) }
        }
        #expect(result.attempts == 3)
        #expect(result.httpStatus == 500)
        #expect(retryWaits(on: clock) == expected, "the backoff of 10 s then 20 s, with the seeded jitter")
    }

    @Test func nothingIsRetriedOnceContentArrivedOrForClientErrors() async throws {
        try await withClient(testSimulatorConfiguration(), { $0.retry = RetryPolicy(maxRetries: 3, initialDelay: .milliseconds(1)) }) { client, _ in
            let dropped = await client.generate(request(fault: "drop"))
            #expect(dropped.errorKind == .streamCut)
            #expect(dropped.attempts == 1)
            #expect(!dropped.output.isEmpty)
            let unknownModel = await client.generate(GenerationRequest(prompt: .text("x"), parameters: .init(model: "nope")))
            #expect(unknownModel.httpStatus == 404)
            #expect(unknownModel.attempts == 1)
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func aStopEndsTheWaitBeforeARetry() async throws {
        let simulator = testSimulatorConfiguration(faults: FaultConfiguration(retryAfterSeconds: 30))
        let clock = ManualClock()
        let stop = StopSignal()
        let result = try await withClient(simulator, onManualClock(clock) { $0.retry = RetryPolicy(maxRetries: 2) }) { client, _ in
            let generation = Task { await client.generate(request(fault: "429"), stop: stop) }
            // The clock stands still: the client waits for the retry until the stop.
            while !retryWaits(on: clock).contains(.seconds(30)) { try await Task.sleep(for: .milliseconds(1)) }
            stop.stop()
            return await generation.value
        }
        #expect(result.attempts == 1)
        #expect(result.httpStatus == 429)
        #expect(clock.now.offset == .zero)
    }

    @Test(.timeLimit(.minutes(1)))
    func aSlowFirstTokenEndsAsAFirstTokenTimeout() async throws {
        let slow = testSimulatorConfiguration(
            latency: LatencyModel(ttftMean: 5, ttftJitter: 0, prefillPerToken: 0, itlMean: 0, itlJitter: 0, outputTokensMean: 4))
        let clock = ManualClock()
        let result = try await withClient(slow, onManualClock(clock) { $0.firstTokenTimeout = .seconds(2.5) }) { client, _ in
            await clock.advancing { await client.generate(request()) }
        }
        #expect(result.errorKind == .firstTokenTimeout)
        #expect(result.error == "first-token timeout: no text within 2.5 s (--first-token-timeout)")
        #expect(result.output.isEmpty)
        #expect(clock.now.offset == .seconds(2.5), "fired at the limit, on the client's clock")
    }

    @Test(.timeLimit(.minutes(1)))
    func aLongAnswerEndsAsARequestTimeoutWithItsPartialOutput() async throws {
        // Half the answer comes at once, then the stream stalls for two minutes: once text arrived,
        // the whole-request timeout (not the idle one) ends it.
        let stalling = testSimulatorConfiguration(
            latency: LatencyModel(ttftMean: 0, ttftJitter: 0, prefillPerToken: 0, itlMean: 0, itlJitter: 0, outputTokensMean: 24),
            faults: FaultConfiguration(stallSeconds: 120))
        let clock = ManualClock()
        let texts = TextCounter()
        let result = try await withClient(
            stalling,
            {
                $0.clock = clock
                $0.requestTimeout = .seconds(10)
                $0.idleTimeout = .seconds(120)
            }
        ) { client, _ in
            let generation = Task { await client.generate(request(fault: "stall"), onText: texts.add) }
            await texts.wait(forAtLeast: 1)
            return await clock.advancing { await generation.value }
        }
        #expect(result.errorKind == .requestTimeout)
        #expect(result.error == "request timeout: the answer took longer than 10 s (--timeout)")
        #expect(result.contentChunks > 0 && result.contentChunks < 24)
        #expect(!result.output.isEmpty)
    }

    @Test func connectionFailuresAreClassified() async throws {
        try await withRefusingPort { closedPort in
            let cases: [(String, ErrorKind)] = [
                ("http://127.0.0.1:\(closedPort)/v1", .connectionRefused),
                ("http://no-such-host.invalid/v1", .dns),
            ]
            for (url, kind) in cases {
                let result = try await LLMClient.withClient(ClientConfiguration(baseURL: url, connectTimeout: .seconds(5))) { client in
                    await client.generate(GenerationRequest(prompt: .text("x"), parameters: .init(model: "m")))
                }
                #expect(result.errorKind == kind, "\(url): \(result.error ?? "")")
            }
        }
        // TLS spoken to a plain HTTP server.
        try await SimulatorServer.withRunning(testSimulatorConfiguration()) { endpoint in
            let url = endpoint.baseURL.replacingOccurrences(of: "http://", with: "https://")
            let result = try await LLMClient.withClient(ClientConfiguration(baseURL: url)) { client in
                await client.generate(GenerationRequest(prompt: .text("x"), parameters: .init(model: "m")))
            }
            // The simulator answers the ClientHello with a 400 and closes; either the 400 or the close
            // can reach the handshake first, and both are a TLS error that says to use http://.
            #expect(result.errorKind == .tls, "\(result.error ?? "")")
            #expect(result.error?.contains("use http:// for a plain server") == true, "\(result.error ?? "")")
        }
    }

    @Test func secretsNeverReachAResult() async throws {
        let secret = "sk-secret-0123456789"
        try await SimulatorServer.withRunning(testSimulatorConfiguration(apiKey: "the-right-key")) { endpoint in
            let url = endpoint.baseURL.replacingOccurrences(of: "http://", with: "http://user:pa55word@")
            let result = try await LLMClient.withClient(ClientConfiguration(baseURL: url, apiKey: secret)) { client in
                await client.generate(GenerationRequest(prompt: .text("x"), parameters: .init(model: "llm-sim")))
            }
            #expect(result.httpStatus == 401)
            let encoded = String(decoding: try JSONEncoder().encode(result), as: UTF8.self)
            #expect(!encoded.contains(secret) && !encoded.contains("pa55word"))
            let closed = try await LLMClient.withClient(ClientConfiguration(baseURL: "http://user:pa55word@127.0.0.1:1/v1", apiKey: secret)) {
                client in
                await client.generate(GenerationRequest(prompt: .text("x"), parameters: .init(model: "m")))
            }
            #expect(closed.errorKind == .connectionRefused)
            #expect(closed.error?.contains("pa55word") == false)
        }
        let configuration = ClientConfiguration(baseURL: "http://u:pw@h/v1", apiKey: secret)
        #expect(configuration.redacting("bad key \(secret) for http://u:pw@h/v1") == "bad key [redacted] for http://h/v1")
    }

    @Test func backoffGrowsWithJitterAndRetryAfterWins() {
        let policy = RetryPolicy(maxRetries: 5, initialDelay: .milliseconds(500), maxDelay: .seconds(4))
        var random = SeededRandom(seed: 7)
        var firstDelays: Set<Duration> = []
        for _ in 0..<200 {
            let first = policy.delay(beforeRetry: 1, retryAfter: nil, using: &random)
            firstDelays.insert(first)
            #expect((.milliseconds(250) ... .milliseconds(500)).contains(first))
            #expect((.seconds(1) ... .seconds(2)).contains(policy.delay(beforeRetry: 3, retryAfter: nil, using: &random)))
            #expect((.seconds(2) ... .seconds(4)).contains(policy.delay(beforeRetry: 10, retryAfter: nil, using: &random)))
        }
        #expect(firstDelays.count > 100, "jittered, not one fixed delay")
        #expect(policy.delay(beforeRetry: 1, retryAfter: .milliseconds(2500), using: &random) == .milliseconds(2500))
        #expect(policy.delay(beforeRetry: 1, retryAfter: .seconds(60), using: &random) == .seconds(4))
        #expect(RetryPolicy.isRetryable(.httpStatus, httpStatus: 429))
        #expect(RetryPolicy.isRetryable(.httpStatus, httpStatus: 503))
        #expect(!RetryPolicy.isRetryable(.httpStatus, httpStatus: 400))
        #expect(!RetryPolicy.isRetryable(.streamCut, httpStatus: nil))
        #expect(!RetryPolicy.isRetryable(.dns, httpStatus: nil))
        #expect(RetryPolicy.isRetryable(.connectionRefused, httpStatus: nil))
    }

    @Test func retryAfterHeadersAreRead() {
        #expect(LLMClient.retryAfter(in: HTTPHeaders([("Retry-After", "3")])) == .seconds(3))
        #expect(LLMClient.retryAfter(in: HTTPHeaders([("retry-after-ms", "250"), ("Retry-After", "1")])) == .milliseconds(250))
        #expect(LLMClient.retryAfter(in: HTTPHeaders([("Retry-After", "soon")])) == nil)
        #expect(LLMClient.retryAfter(in: HTTPHeaders([("Retry-After", "inf")])) == nil)
        let date = Date().addingTimeInterval(30)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        let wait = LLMClient.retryAfter(in: HTTPHeaders([("Retry-After", formatter.string(from: date))])) ?? .zero
        #expect(wait > .seconds(25) && wait <= .seconds(30))
        #expect(LLMClient.retryAfter(in: HTTPHeaders()) == nil)
    }

    @Test func aStopSignalSendsNoMoreAndCancellingEndsThoseInFlight() async throws {
        // Each answer takes 50 s: a starved machine can take seconds to send the first four and to
        // read the simulator's metrics, so the test stops the batch once it sees all four on the server.
        let slow = testSimulatorConfiguration(
            latency: LatencyModel(ttftMean: 0.01, ttftJitter: 0, prefillPerToken: 0, itlMean: 0.5, itlJitter: 0, outputTokensMean: 100))
        let stop = StopSignal()
        let results = try await withClient(slow, { $0.requestTimeout = .seconds(600) }) { client, endpoint in
            let batch = Task { await client.generateBatch((0..<50).map { request($0, maxTokens: 100) }, concurrency: 4, stop: stop) }
            let deadline = ContinuousClock.now + .seconds(60)
            while (try? await endpoint.metric("llmsim_requests_running")) ?? 0 < 4, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            stop.stop()
            try await Task.sleep(for: .milliseconds(100))
            batch.cancel()
            return await batch.value
        }
        #expect(results.count == 4, "only the first four were sent")
        #expect(results.allSatisfy { $0.errorKind == .cancelled }, "\(results.map { "\($0.errorKind?.rawValue ?? "ok"): \($0.error ?? "")" })")
        // What arrived before the cancel is kept (how much did arrive depends on the machine's load).
        #expect(results.allSatisfy { $0.output.isEmpty == ($0.contentChunks == 0) })
    }
}
