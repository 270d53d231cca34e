import Foundation
import LLMClientKit
import LLMSimulator
import OpenAIAPI
import Synchronization
import TestSupport
import Testing

/// The client against the simulator over real loopback HTTP, faults included.
@Suite struct ClientSimulatorTests {
    private func withSimulator<T: Sendable>(
        _ configuration: SimulatorConfiguration = testSimulatorConfiguration(), idleTimeout: Duration? = nil,
        clock: any Clock<Duration> = ContinuousClock(), _ body: @Sendable (LLMClient, SimulatorServer.Endpoint) async throws -> T
    ) async throws -> T {
        try await SimulatorServer.withRunning(configuration) { endpoint in
            try await LLMClient.withClient(
                ClientConfiguration(
                    baseURL: endpoint.baseURL, idleTimeout: idleTimeout, requestTimeout: .seconds(30), maxConnections: 8, clock: clock)
            ) { client in try await body(client, endpoint) }
        }
    }

    @Test(arguments: [APIKind.completions, .chat], [true, false])
    func generatesWithEveryEndpointAndMode(api: APIKind, stream: Bool) async throws {
        try await withSimulator { client, _ in
            let request = GenerationRequest(prompt: .text("인공지능을 설명해주세요"), parameters: .init(temperature: 0, maxTokens: 12), api: api, stream: stream)
            let result = await client.generate(request)
            #expect(result.success, "\(result.error ?? "")")
            #expect(result.httpStatus == 200)
            #expect(result.model == "llm-sim")  // resolved from /v1/models
            #expect(result.completionTokens == 12)
            #expect(result.promptTokens == TextGenerator.estimateTokens("인공지능을 설명해주세요"))
            #expect(!result.tokensEstimated)
            #expect(result.finishReason == "length")
            #expect(TextGenerator.isKorean(result.output))
            if stream {
                #expect(result.contentChunks == 12)
                #expect(result.ttftS != nil)
                // vLLM's ITL: a gap before every chunk with a choice after the first, the chat role
                // chunk being the first of a chat answer.
                #expect(result.itlS.count == (api == .chat ? 12 : 11), "\(result.itlS)")
                #expect(result.tpotS != nil)
            } else {
                #expect(result.ttftS == nil)
            }
        }
    }

    /// The answer is timed from the request's write: a request that waits for the client's only
    /// connection has that wait in its send time (`sendS`), not in its TTFT or latency.
    @Test func theClientsWaitIsSendTimeNotTTFT() async throws {
        let latency = LatencyModel(ttftMean: 0.05, ttftJitter: 0, prefillPerToken: 0, itlMean: 0.02, itlJitter: 0, outputTokensMean: 60)
        try await SimulatorServer.withRunning(testSimulatorConfiguration(latency: latency)) { endpoint in
            try await LLMClient.withClient(ClientConfiguration(baseURL: endpoint.baseURL, maxConnections: 1)) { client in
                let request = GenerationRequest(prompt: .text("Why is the sky blue?"), parameters: .init(maxTokens: 60), stream: true)
                _ = await client.generate(request)  // the connection opened
                let started = ContinuousClock.now
                async let first = client.generate(request)
                try await Task.sleep(for: .milliseconds(20))
                async let second = client.generate(request)
                let (a, b) = await (first, second)
                let elapsed = (ContinuousClock.now - started).seconds
                #expect(a.success && b.success, "\(a.error ?? "") \(b.error ?? "")")
                let (firstTTFT, secondTTFT) = (try #require(a.ttftS), try #require(b.ttftS))
                let (firstSend, secondSend) = (try #require(a.sendS), try #require(b.sendS))
                // The second waited for the first answer (50 ms + 59 × 20 ms = 1.23 s, written on
                // the simulator's schedule, never sooner), less the time it was sent after it (20 ms
                // asked; more on a busy machine, so only half the answer is counted on).
                #expect(secondSend >= 0.6, "send \(secondSend) s")
                // Its TTFT is the server's: the simulator's 50 ms, not the wait besides. (Counted from
                // the hand-off, it was at least the wait and 50 ms.)
                #expect(secondTTFT >= 0.05 - 0.001 && secondTTFT < secondSend, "TTFT \(secondTTFT) s, send \(secondSend) s")
                #expect(firstTTFT >= 0.05 - 0.001 && firstSend < secondSend, "TTFT \(firstTTFT) s, send \(firstSend) s")
                // Send time and latency follow each other: together within the wall time.
                #expect(secondSend + b.latencyS <= elapsed, "send \(secondSend) + latency \(b.latencyS) s of \(elapsed) s")
            }
        }
    }

    @Test func splitUTF8StreamsReassembleToTheSameText() async throws {
        let request = GenerationRequest(prompt: .text("광합성을 설명해주세요"), parameters: .init(temperature: 0, maxTokens: 40))
        let plain = try await withSimulator { client, _ in await client.generate(request) }
        var split = testSimulatorConfiguration()
        split.faults.splitUTF8 = true
        let pieces = try await withSimulator(split) { client, _ in await client.generate(request) }
        #expect(plain.success && pieces.success)
        #expect(pieces.output == plain.output)
        #expect(pieces.output.unicodeScalars.allSatisfy { $0 != "\u{FFFD}" })
        #expect(pieces.completionTokens == 16)  // the simulator's answer length; max_tokens 40 does not cut it
        #expect(pieces.contentChunks == 16)
    }

    @Test func aDroppedStreamKeepsThePartialOutputAndFails() async throws {
        try await withSimulator { client, _ in
            let request = GenerationRequest(prompt: .text("hello"), parameters: .init(maxTokens: 10, extraBody: ["sim_fault": "drop"]))
            let result = await client.generate(request)
            #expect(!result.success)
            #expect(result.errorKind == .streamCut)
            #expect(result.contentChunks == 5)
            #expect(!result.output.isEmpty)
            #expect(result.error?.isEmpty == false)
        }
    }

    @Test func aMalformedChunkFailsAsMalformed() async throws {
        try await withSimulator { client, _ in
            let result = await client.generate(GenerationRequest(prompt: .text("hello"), parameters: .init(extraBody: ["sim_fault": "malformed"])))
            #expect(!result.success)
            #expect(result.errorKind == .malformedChunk)
            #expect(result.error?.contains("malformed") == true)
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func aStalledStreamEndsAsATimeoutNotAHang() async throws {
        var configuration = testSimulatorConfiguration()
        configuration.faults.stallSeconds = 120
        let clock = ManualClock()
        let texts = TextCounter()
        try await withSimulator(configuration, idleTimeout: .seconds(10), clock: clock) { client, _ in
            let request = GenerationRequest(prompt: .text("hello"), parameters: .init(extraBody: ["sim_fault": "stall"]))
            let generation = Task { await client.generate(request, onText: texts.add) }
            await texts.wait(forAtLeast: 8)  // the half before the stall
            let result = await clock.advancing { await generation.value }
            #expect(!result.success)
            #expect(result.errorKind == .idleTimeout)
            #expect(result.error == "idle timeout: the stream was silent for 10 s (--idle-timeout)")
            #expect(result.contentChunks == 8)
            #expect(clock.now.offset >= .seconds(10), "silent for the idle limit on the client's clock")
        }
    }

    @Test func aShortStallIsWaitedOut() async throws {
        var configuration = testSimulatorConfiguration()
        configuration.faults.stallSeconds = 3
        try await withSimulator(configuration) { client, _ in
            let result = await client.generate(GenerationRequest(prompt: .text("hello"), parameters: .init(extraBody: ["sim_fault": "stall"])))
            #expect(result.success)
            // The 3 s pause shows as one long gap (less on a busy machine, where the client may read the
            // chunks before it late).
            #expect(result.itlS.max() ?? 0 >= 1.5)
        }
    }

    @Test func aBaseURLWithoutV1IsNamedInTheError() async throws {
        try await SimulatorServer.withRunning(testSimulatorConfiguration()) { endpoint in
            let withCredentials = endpoint.rootURL.replacingOccurrences(of: "http://", with: "http://user:secret@")
            try await LLMClient.withClient(ClientConfiguration(baseURL: withCredentials)) { client in
                let result = await client.generate(GenerationRequest(prompt: .text("x"), parameters: .init(model: "llm-sim")))
                #expect(result.httpStatus == 404)
                #expect(
                    result.error?.contains("has no /v1: OpenAI-compatible servers answer under it, e.g. \(endpoint.rootURL)/v1") == true,
                    "\(result.error ?? "")")
                #expect(result.error?.contains("secret") == false)
                await #expect(throws: LLMClientError.self) { try await client.listModels() }
            }
            try await LLMClient.withClient(ClientConfiguration(baseURL: endpoint.baseURL)) { client in
                let result = await client.generate(GenerationRequest(prompt: .text("x"), parameters: .init(model: "nope")))
                #expect(result.httpStatus == 404 && result.error?.contains("/v1:") == false, "a 404 under /v1 is the server's own")
            }
        }
    }

    @Test func httpErrorsCarryTheServersMessage() async throws {
        try await withSimulator { client, _ in
            for (fault, status) in [("429", 429), ("500", 500), ("503", 503)] {
                let result = await client.generate(GenerationRequest(prompt: .text("x"), parameters: .init(extraBody: ["sim_fault": .string(fault)])))
                #expect(!result.success)
                #expect(result.httpStatus == status)
                #expect(result.errorKind == .httpStatus)
                #expect(result.error?.hasPrefix("HTTP \(status): ") == true)
                #expect(result.error?.contains("injected") == true)
            }
            let badModel = await client.generate(GenerationRequest(prompt: .text("x"), parameters: .init(model: "missing")))
            #expect(badModel.httpStatus == 404)
            #expect(badModel.error?.contains("missing") == true)
        }
    }

    @Test func apiKeyIsSentAsBearerToken() async throws {
        let configuration = testSimulatorConfiguration(apiKey: "k-123")
        try await SimulatorServer.withRunning(configuration) { endpoint in
            let withKey = try await LLMClient.withClient(ClientConfiguration(baseURL: endpoint.baseURL, apiKey: "k-123")) {
                await $0.generate(GenerationRequest(prompt: .text("x")))
            }
            #expect(withKey.success)
            let without = try await LLMClient.withClient(ClientConfiguration(baseURL: endpoint.baseURL)) {
                await $0.generate(GenerationRequest(prompt: .text("x"), parameters: .init(model: "llm-sim")))
            }
            #expect(without.httpStatus == 401)
        }
    }

    @Test func batchesKeepInputOrderAndRecordFailuresInPlace() async throws {
        try await withSimulator { client, _ in
            let requests = (0..<20).map { index in
                GenerationRequest(
                    index: index, prompt: .text("prompt \(index)"),
                    parameters: .init(maxTokens: 3 + index % 4, extraBody: index % 5 == 0 ? ["sim_fault": "500"] : nil))
            }
            let seen = ResultCollector()
            let results = await client.generateBatch(requests, concurrency: 4, onResult: { seen.add($0) })
            #expect(results.map(\.index) == Array(0..<20))
            #expect(seen.count == 20)
            for result in results {
                #expect(result.success == (result.index % 5 != 0))
                if result.success { #expect(result.completionTokens == 3 + result.index % 4) }
            }
        }
    }

    @Test func streamYieldsTextThenTheResult() async throws {
        try await withSimulator { client, _ in
            var texts: [String] = []
            var final: RequestResult?
            for await event in client.stream(GenerationRequest(prompt: .text("hi"), parameters: .init(maxTokens: 5))) {
                switch event {
                case .text(let text): texts.append(text)
                case .completed(let result): final = result
                }
            }
            #expect(texts.count == 5)
            #expect(final?.output == texts.joined())
        }
    }

    @Test func healthAndModels() async throws {
        try await withSimulator(testSimulatorConfiguration(models: ["x", "y"])) { client, _ in
            let health = await client.health()
            #expect(health.healthy)
            #expect(health.endpoint.hasSuffix("/health"))
            let models = try await client.listModels()
            #expect(models.map(\.id) == ["x", "y"])
        }
    }

    @Test func anUnreachableServerFailsClearlyAndQuickly() async throws {
        try await withRefusingPort { port in
            let started = ContinuousClock.now
            try await LLMClient.withClient(ClientConfiguration(baseURL: "http://127.0.0.1:\(port)/v1", connectTimeout: .seconds(2))) { client in
                let result = await client.generate(GenerationRequest(prompt: .text("x"), parameters: .init(model: "m")))
                #expect(!result.success)
                #expect(result.errorKind == .connectionRefused)
                #expect(result.error?.contains("127.0.0.1:\(port)") == true)
                let health = await client.health()
                #expect(!health.healthy)
            }
            #expect(ContinuousClock.now - started < .seconds(10))
        }
    }
}

/// Counts results handed to a batch callback from concurrent tasks.
final class ResultCollector: Sendable {
    private let results = Mutex<[RequestResult]>([])
    func add(_ result: RequestResult) { results.withLock { $0.append(result) } }
    var count: Int { results.withLock { $0.count } }
}
