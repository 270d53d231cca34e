import AsyncHTTPClient
import Foundation
import LLMClientKit
import LLMSimulator
import NIOCore
import OpenAIAPI
import TestSupport
import Testing

/// The simulator over real loopback HTTP.
@Suite struct SimulatorHTTPTests {
    struct RawResponse {
        var status: Int
        var headers: [String: String]
        var body: String
    }

    private func send(
        _ endpoint: SimulatorServer.Endpoint, _ method: String = "POST", path: String, body: String? = nil,
        headers: [String: String] = [:]
    ) async throws -> RawResponse {
        var request = HTTPClientRequest(url: endpoint.rootURL + path)
        request.method = .init(rawValue: method)
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 10 << 20)
        var headerMap: [String: String] = [:]
        for header in response.headers { headerMap[header.name.lowercased()] = header.value }
        return RawResponse(status: Int(response.status.code), headers: headerMap, body: String(buffer: bytes))
    }

    /// The JSON objects of an SSE body's `data:` lines, and whether it ended with `[DONE]`.
    private func events(_ body: String) throws -> (chunks: [[String: Any]], done: Bool) {
        let datas = body.components(separatedBy: "\n\n").filter { !$0.isEmpty }.map { event -> String in
            #expect(event.hasPrefix("data: "), "every event is a data line: \(event)")
            return String(event.dropFirst(6))
        }
        let done = datas.last == "[DONE]"
        let chunks = try datas.filter { $0 != "[DONE]" }.map {
            try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        return (chunks, done)
    }

    @Test func streamsCompletionsLikeVLLM() async throws {
        try await SimulatorServer.withRunning(testSimulatorConfiguration()) { endpoint in
            let response = try await send(
                endpoint, path: "/v1/completions",
                body: #"{"prompt":"Hello there","max_tokens":10,"stream":true,"stream_options":{"include_usage":true}}"#)
            #expect(response.status == 200)
            #expect(response.headers["content-type"]?.hasPrefix("text/event-stream") == true)
            let (chunks, done) = try events(response.body)
            #expect(done)
            let content = chunks.dropLast()
            #expect(content.count == 10)
            let usageChunk = try #require(chunks.last)
            #expect((usageChunk["choices"] as? [Any])?.isEmpty == true)
            let usage = try #require(usageChunk["usage"] as? [String: Int])
            #expect(usage["completion_tokens"] == content.count)
            #expect(usage["prompt_tokens"] == TextGenerator.estimateTokens("Hello there"))
            let finishReasons = content.map { (($0["choices"] as? [[String: Any]])?.first?["finish_reason"] as? String) }
            #expect(finishReasons.dropLast().allSatisfy { $0 == nil })
            #expect(finishReasons.last == "length")
            #expect(content.allSatisfy { $0["object"] as? String == "text_completion" })
        }
    }

    @Test func withoutIncludeUsageThereIsNoUsageChunk() async throws {
        try await SimulatorServer.withRunning(testSimulatorConfiguration()) { endpoint in
            let response = try await send(endpoint, path: "/v1/completions", body: #"{"prompt":"Hi","stream":true}"#)
            let (chunks, done) = try events(response.body)
            #expect(done)
            #expect(chunks.count == 16 + 1, "16 tokens, then vLLM's extra chunk for finish_reason \"stop\"")
            #expect(chunks.allSatisfy { $0["usage"] == nil || $0["usage"] is NSNull })
        }
    }

    @Test func streamsChatWithARoleChunkFirst() async throws {
        try await SimulatorServer.withRunning(testSimulatorConfiguration()) { endpoint in
            let response = try await send(
                endpoint, path: "/v1/chat/completions",
                body: #"{"messages":[{"role":"user","content":"안녕하세요"}],"stream":true,"stream_options":{"include_usage":true}}"#)
            let (chunks, done) = try events(response.body)
            #expect(done)
            let first = try #require((chunks.first?["choices"] as? [[String: Any]])?.first?["delta"] as? [String: String])
            #expect(first["role"] == "assistant")
            let text = chunks.compactMap { (($0["choices"] as? [[String: Any]])?.first?["delta"] as? [String: String])?["content"] }.joined()
            #expect(TextGenerator.isKorean(text))
            #expect((chunks.last?["usage"] as? [String: Int])?["completion_tokens"] == 16)
        }
    }

    @Test func answersWholeResponsesWithUsage() async throws {
        try await SimulatorServer.withRunning(testSimulatorConfiguration()) { endpoint in
            let response = try await send(
                endpoint, path: "/v1/chat/completions", body: #"{"messages":[{"role":"user","content":"Hi"}],"max_tokens":4}"#)
            #expect(response.status == 200)
            let decoded = try JSONDecoder().decode(GenerationResponse.self, from: Data(response.body.utf8))
            #expect(decoded.object == "chat.completion")
            #expect(decoded.usage?.completionTokens == 4)
            #expect(decoded.choices.first?.finishReason == "length")
            #expect(decoded.choices.first?.message?.role == "assistant")
            #expect(!decoded.firstText.isEmpty)
        }
    }

    @Test func servesHealthModelsAndMetrics() async throws {
        try await SimulatorServer.withRunning(testSimulatorConfiguration(models: ["a", "b"])) { endpoint in
            #expect(try await send(endpoint, "GET", path: "/health").status == 200)
            let models = try JSONDecoder().decode(ModelList.self, from: Data(try await send(endpoint, "GET", path: "/v1/models").body.utf8))
            #expect(models.data.map(\.id) == ["a", "b"])
            _ = try await send(endpoint, path: "/v1/completions", body: #"{"prompt":"Hi","stream":true}"#)
            _ = try await send(endpoint, path: "/v1/completions", body: #"{"prompt":"Hi","max_tokens":0}"#)
            let metrics = try await send(endpoint, "GET", path: "/metrics").body
            #expect(metrics.contains(#"llmsim_requests_total{status="200"} 1"#))
            #expect(metrics.contains(#"llmsim_requests_total{status="400"} 1"#))
            #expect(metrics.contains("llmsim_generation_tokens_total 16"))
            #expect(metrics.contains("llmsim_prompt_tokens_total 1"))
            #expect(metrics.contains("llmsim_requests_running 0"))
            #expect(metrics.contains("llmsim_requests_waiting 0"))
            #expect(metrics.contains("llmsim_time_to_first_token_seconds_count 1"))
        }
    }

    @Test func errorsAreOpenAIShapedWithTheRightStatus() async throws {
        try await SimulatorServer.withRunning(testSimulatorConfiguration(apiKey: "sekret")) { endpoint in
            let auth = ["Authorization": "Bearer sekret"]
            let cases: [(String, [String: String], Int)] = [
                (#"{"prompt":"x"}"#, [:], 401),
                (#"{"prompt":"x"}"#, ["Authorization": "Bearer wrong"], 401),
                (#"{"prompt":"#, auth, 400),
                (#"{"prompt":"x","model":"nope"}"#, auth, 404),
                (#"{"prompt":"x"}"#, auth.merging(["X-Sim-Fault": "429"]) { $1 }, 429),
                (#"{"prompt":"x","sim_fault":"500"}"#, auth, 500),
                (#"{"prompt":"x","sim_fault":"503"}"#, auth, 503),
            ]
            for (body, headers, status) in cases {
                let response = try await send(endpoint, path: "/v1/completions", body: body, headers: headers)
                #expect(response.status == status, "\(body) \(headers)")
                let envelope = try JSONDecoder().decode(APIErrorEnvelope.self, from: Data(response.body.utf8))
                #expect(!envelope.error.message.isEmpty)
                #expect(envelope.error.code == .number(Double(status)))
                if status == 429 || status == 503 { #expect(response.headers["retry-after"] == "1") }
            }
            #expect(try await send(endpoint, "GET", path: "/v1/models").status == 401)
            #expect(try await send(endpoint, "GET", path: "/v1/models", headers: auth).status == 200)
            #expect(try await send(endpoint, "GET", path: "/health").status == 200)
        }
    }

    @Test func queueingBeyondMaxConcurrencyShowsInTimeToFirstToken() async throws {
        let latency = LatencyModel(ttftMean: 0.02, ttftJitter: 0, prefillPerToken: 0, itlMean: 0.2, itlJitter: 0, outputTokensMean: 5)
        try await SimulatorServer.withRunning(testSimulatorConfiguration(latency: latency, maxConcurrency: 1)) { endpoint in
            try await LLMClient.withClient(ClientConfiguration(baseURL: endpoint.baseURL, maxConnections: 4)) { client in
                let requests = (0..<3).map { GenerationRequest(index: $0, prompt: .text("q\($0)")) }
                let results = await client.generateBatch(requests, concurrency: 3)
                #expect(results.allSatisfy { $0.success })
                let ttfts = results.compactMap(\.ttftS).sorted()
                // One slot: each answer (0.02 s + 4 × 0.2 s = 0.82 s) waits for those before it. The last
                // queues for two answers, the second for one; the bounds leave room for a loaded
                // machine sending the three up to 0.4 s apart.
                #expect(ttfts.count == 3)
                #expect(ttfts[2] >= 0.02 + 2 * 0.82 - 0.8, "\(ttfts)")
                #expect(ttfts[1] >= 0.02 + 0.82 - 0.4, "\(ttfts)")
            }
        }
    }

    @Test func latencyModelShapesTheStream() async throws {
        let latency = LatencyModel(ttftMean: 0.1, ttftJitter: 0, prefillPerToken: 0, itlMean: 0.03, itlJitter: 0, outputTokensMean: 6)
        try await SimulatorServer.withRunning(testSimulatorConfiguration(latency: latency)) { endpoint in
            try await LLMClient.withClient(ClientConfiguration(baseURL: endpoint.baseURL)) { client in
                let result = await client.generate(GenerationRequest(prompt: .text("timing")))
                #expect(result.success)
                let ttft = try #require(result.ttftS)
                #expect(ttft >= 0.1 - 0.001, "TTFT \(ttft) s")  // 1 ms of slack for the stamps' own cost
                // vLLM's ITL: five gaps between the six tokens, one before the extra chunk with "stop".
                #expect(result.itlS.count == 6, "\(result.itlS)")
                // Tokens are sent on an absolute schedule: none can arrive before its due time.
                #expect(result.latencyS >= 0.1 + 5 * 0.03 - 0.001)
            }
        }
    }

    /// The simulator counts from when it decoded the request's head, stamped in a header of its
    /// own: a client cannot move that instant by sending the header itself.
    @Test func aClientCannotSetTheArrivalStamp() async throws {
        let latency = LatencyModel(ttftMean: 0.2, ttftJitter: 0, prefillPerToken: 0, itlMean: 0, itlJitter: 0, outputTokensMean: 2)
        try await SimulatorServer.withRunning(testSimulatorConfiguration(latency: latency)) { endpoint in
            let started = ContinuousClock.now
            // Stamped at the process's first instant, the answer would be long overdue: sent at once.
            let response = try await send(
                endpoint, path: "/v1/completions", body: #"{"model": "llm-sim", "prompt": "hi", "max_tokens": 2}"#,
                headers: ["Content-Type": "application/json", "X-LLM-Sim-Arrival-Ns": "0"])
            let elapsed = (ContinuousClock.now - started).seconds
            #expect(response.status == 200, "\(response.body)")
            #expect(elapsed >= 0.2 - 0.001, "answered after \(elapsed) s, before its 0.2 s TTFT")
        }
    }

    @Test func theTimingLogRecordsWhenEachTokenWasWritten() async throws {
        let directory = try makeTemporaryDirectory("llm-sim-timing")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("timing.jsonl").path
        let latency = LatencyModel(ttftMean: 0.1, ttftJitter: 0, prefillPerToken: 0, itlMean: 0.03, itlJitter: 0, outputTokensMean: 6)
        var configuration = testSimulatorConfiguration(latency: latency)
        configuration.timingLog = path
        let result = try await SimulatorServer.withRunning(configuration) { endpoint in
            try await LLMClient.withClient(ClientConfiguration(baseURL: endpoint.baseURL)) { client in
                var request = GenerationRequest(prompt: .text("timing"))
                request.requestID = "timed-1"
                return await client.generate(request)
            }
        }
        #expect(result.success, "\(result.error ?? "")")
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 1, "\(lines)")
        let entry = try #require(JSONSerialization.jsonObject(with: Data((lines.first ?? "").utf8)) as? [String: Any])
        #expect(entry["request_id"] as? String == "timed-1")
        let writes = try #require(entry["token_writes_s"] as? [Double])
        let first = try #require(entry["first_token_s"] as? Double)
        // Six paced tokens, one write each on time; a write that goes out late carries every token
        // due by then (the simulator catches up on its schedule: seen in CI, the first write at
        // 0.138 s carried the tokens due at 0.1 and 0.13 s), so six writes or fewer. The first
        // after the TTFT; the client's TTFT at least the server's: the client counts from just
        // before it flushed the request's last byte and reads after the server wrote, the server
        // counts from having read the whole request (1 ms of slack for the stamps' own cost). The
        // margin above allows a loaded machine.
        #expect((1...6).contains(writes.count) && writes.first == first && first >= 0.1 && first < 0.6, "\(writes)")
        // Tokens are due on an absolute schedule: none written before its time (the k-th write
        // carries the k-th token or a later one; a late write makes the next gap shorter, so gaps
        // are not checked one by one), the last not long after.
        #expect(writes.enumerated().allSatisfy { $1 >= 0.1 + 0.03 * Double($0) - 0.001 }, "\(writes)")
        #expect((writes.last ?? 0) < 0.1 + 5 * 0.03 + 0.5, "\(writes)")
        let ttft = try #require(result.ttftS)
        #expect(ttft >= first - 0.001 && ttft - first < 0.5, "client \(ttft) s, server \(first) s")
        #expect(entry["arrival_unix_s"] as? Double ?? 0 > Date().timeIntervalSince1970 - 60)
    }
}
