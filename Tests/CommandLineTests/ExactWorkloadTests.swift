import Foundation
import LLMBench
import LLMClientKit
import LLMResults
import LLMSimulator
import OpenAIAPI
import TestSupport
import Testing

/// Synthetic workloads sized by the server's own tokenizer: `--synthetic-input-tokens 32` sends
/// prompts of exactly 32 prompt tokens by the server's `usage`, `--synthetic-output-tokens N`
/// answers of exactly N (ignore_eos, min_tokens). The vLLM case runs in `VLLMCommandTests`.
@Suite struct ExactWorkloadTests {
    /// Runs a benchmark of `requests` synthetic requests against `baseURL` and checks that every
    /// request had exactly `input` prompt tokens and `output` completion tokens by the server's
    /// usage, and that the document says the lengths are exact.
    static func expectExactLengths(
        baseURL: String, api: APIKind, language: String, input: Int = 32, output: Int = 64, requests: Int = 4, timeout: Double = 600,
        echoesRequestID: Bool = true
    ) async throws {
        let directory = try makeTemporaryDirectory("llm-client-exact")
        defer { try? FileManager.default.removeItem(at: directory) }
        let json = directory.appendingPathComponent("bench.json").path
        let rows = directory.appendingPathComponent("bench.jsonl").path
        let run = try await runProcess(
            TestEnvironment.cliBinary,
            [
                "bench", "--base-url", baseURL, "--api", api.rawValue, "--synthetic-input-tokens", String(input), "--synthetic-output-tokens",
                String(output), "--synthetic-language", language, "--num-requests", String(requests), "--concurrent", "2",
                "--output", json, "--output", rows,
            ], timeout: timeout)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!run.stderr.contains("warning"), "\(run.stderr)")
        let document = try JSONDecoder().decode(BenchDocument.self, from: Data(contentsOf: URL(fileURLWithPath: json)))
        #expect(document.bench["prompt_lengths"]?.hasPrefix("exact") == true, "\(document.bench)")
        let level = try #require(document.levels.first)
        #expect(level.requestedInputTokens == input && level.requestedOutputTokens == output)
        #expect(level.summary.inputTokensPerRequest == TokenLengths(count: requests, mean: Double(input), min: input, max: input))
        #expect(level.summary.outputTokensPerRequest == TokenLengths(count: requests, mean: Double(output), min: output, max: output))
        #expect(level.lengthMismatches.isEmpty, "\(level.lengthMismatches)")
        let results = try String(contentsOfFile: rows, encoding: .utf8).split(separator: "\n").map {
            try JSONDecoder().decode(RequestResult.self, from: Data($0.utf8))
        }
        #expect(results.count == requests && results.allSatisfy(\.success), "\(failureReport(results))")
        for result in results {
            #expect(result.promptTokens == input && result.completionTokens == output && !result.tokensEstimated, "\(result.prompt)")
            // Each request carries its X-Request-Id; vLLM (and the simulator) make it their response id.
            let requestID = try #require(result.requestID)
            #expect(requestID.hasPrefix("llmc-") && result.responseID != nil)
            if echoesRequestID { #expect(result.responseID?.hasSuffix(requestID) == true, "\(result.responseID ?? "none")") }
        }
        #expect(run.stdout.contains("Input tokens/req:    \(input) asked, \(input).0 mean"), "\(run.stdout)")
    }

    @Test(arguments: [APIKind.completions, .chat], ["ko", "en"])
    func theSimulatorGetsExactLengths(api: APIKind, language: String) async throws {
        try await SimulatorServer.withRunning(testSimulatorConfiguration(latency: .instant(outputTokens: 8))) { endpoint in
            try await Self.expectExactLengths(baseURL: endpoint.baseURL, api: api, language: language, timeout: 120)
        }
    }

    @Test(.requires(.llamaServer), arguments: [APIKind.completions, .chat])
    func llamaServerGetsExactLengths(api: APIKind) async throws {
        try await Self.expectExactLengths(baseURL: try RealService.llamaServer.required(), api: api, language: "ko", echoesRequestID: false)
    }

    @Test func withoutATokenizeEndpointLengthsAreEstimatesWithAWarning() async throws {
        var configuration = testSimulatorConfiguration(latency: .instant(outputTokens: 8))
        configuration.tokenizeEndpoint = false
        try await SimulatorServer.withRunning(configuration) { endpoint in
            let directory = try makeTemporaryDirectory("llm-client-exact")
            defer { try? FileManager.default.removeItem(at: directory) }
            let json = directory.appendingPathComponent("bench.json").path
            let run = try await runProcess(
                TestEnvironment.cliBinary,
                [
                    "bench", "--base-url", endpoint.baseURL, "--synthetic-input-tokens", "16", "--synthetic-output-tokens", "8",
                    "--num-requests", "2", "--quiet", "--output", json,
                ], timeout: 120)
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stderr.contains("warning: the server has no tokenize endpoint"), "\(run.stderr)")
            let document = try JSONDecoder().decode(BenchDocument.self, from: Data(contentsOf: URL(fileURLWithPath: json)))
            #expect(document.bench["prompt_lengths"] == "estimated" && document.bench["output_lengths"] == "up to max_tokens")
            // No ignore_eos was sent: the simulator's answers end at its own 8 tokens.
            #expect(document.levels.first?.summary.outputTokensPerRequest?.max == 8)
        }
    }
}

extension ExactWorkloadTests {
    /// Runs `bench` with the given arguments, writing a JSON document and a JSONL file; returns both.
    static func bench(_ arguments: [String], timeout: Double = 600) async throws -> (BenchDocument, [RequestResult]) {
        let directory = try makeTemporaryDirectory("llm-client-workload")
        defer { try? FileManager.default.removeItem(at: directory) }
        let json = directory.appendingPathComponent("bench.json").path
        let rows = directory.appendingPathComponent("bench.jsonl").path
        let run = try await runProcess(TestEnvironment.cliBinary, ["bench"] + arguments + ["--output", json, "--output", rows], timeout: timeout)
        #expect(run.status == 0, "\(run.stderr)")
        let document = try JSONDecoder().decode(BenchDocument.self, from: Data(contentsOf: URL(fileURLWithPath: json)))
        let results = try String(contentsOfFile: rows, encoding: .utf8).split(separator: "\n").map {
            try JSONDecoder().decode(RequestResult.self, from: Data($0.utf8))
        }
        return (document, results)
    }

    @Test func sharedPrefixesAreIdenticalWithinAGroupAndExact() async throws {
        try await SimulatorServer.withRunning(testSimulatorConfiguration(latency: .instant(outputTokens: 4))) { endpoint in
            let (document, results) = try await Self.bench([
                "--base-url", endpoint.baseURL, "--synthetic-input-tokens", "40", "--synthetic-output-tokens", "4", "--shared-prefix-tokens",
                "24", "--prefix-groups", "3", "--num-requests", "12", "--synthetic-language", "en",
            ])
            #expect(results.count == 12 && results.allSatisfy { $0.success && $0.promptTokens == 40 }, "\(failureReport(results))")
            #expect(document.bench["workload"]?.hasSuffix("prefix=24x3") == true)
            // The simulator counts an English word of up to four letters as a token: the first 24
            // tokens' words are the group's prefix.
            func prefix(_ result: RequestResult) -> String {
                var text = ""
                var tokens = 0
                for word in result.prompt.split(separator: " ") where tokens < 24 {
                    text += " " + word
                    tokens += TextGenerator.estimateTokens(String(word))
                }
                return text
            }
            let groups = Dictionary(grouping: results, by: { $0.index % 3 }).mapValues { Set($0.map(prefix)) }
            #expect(groups.values.allSatisfy { $0.count == 1 }, "\(groups)")
            #expect(Set(groups.values.compactMap(\.first)).count == 3, "\(groups)")
            #expect(Set(results.map(\.prompt)).count == 12)
        }
    }
}

extension ExactWorkloadTests {
    /// A small Mooncake-style trace (timestamps in ms): requests 0, 3 and 5 share blocks 1 and 2,
    /// request 1 shares block 1; the others have their own.
    static let traceRows: [(timestamp: Int, input: Int, output: Int, blocks: [Int])] = [
        (0, 300, 4, [1, 2]), (250, 300, 4, [1, 3]), (500, 200, 4, []), (750, 300, 4, [1, 2]), (1000, 150, 4, [7]), (1500, 300, 4, [1, 2]),
    ]

    static func writeTrace() throws -> URL {
        let directory = try makeTemporaryDirectory("llm-client-trace")
        let file = directory.appendingPathComponent("trace.jsonl")
        let lines = traceRows.map { row in
            #"{"timestamp": \#(row.timestamp), "input_length": \#(row.input), "output_length": \#(row.output), "hash_ids": \#(row.blocks)}"#
        }
        try (lines.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    /// Checks a replayed trace: every request's lengths as recorded (by the server's usage), sent no
    /// earlier than its time, and the requests that share blocks sharing their text.
    static func expectTraceReplayed(_ document: BenchDocument, _ results: [RequestResult]) throws {
        #expect(results.count == traceRows.count && results.allSatisfy(\.success), "\(failureReport(results))")
        let byIndex = Dictionary(uniqueKeysWithValues: results.map { ($0.index, $0) })
        let start = try #require(document.levels.first?.startedAt).date
        for (index, row) in traceRows.enumerated() {
            let result = try #require(byIndex[index])
            #expect(result.promptTokens == row.input && result.completionTokens == row.output, "request \(index)")
            // Never sent before its time (a busy machine may send it later, never earlier).
            let offset = result.startedAt.date.timeIntervalSince(start)
            // (Both times are whole milliseconds, cut down: 1 ms of slack.)
            #expect(offset >= Double(row.timestamp) / 1000 - 0.001, "request \(index) sent at \(offset) s")
        }
        // Shared blocks, shared text: requests 0, 3 and 5 share their first 256 of 300 tokens,
        // request 1 the first 128 of them, request 2 none (as shares of the text's length).
        let first = Array(try #require(byIndex[0]).prompt)
        func shared(_ index: Int) -> Double {
            let other = Array(byIndex[index]?.prompt ?? "")
            let common = zip(first, other).prefix { $0 == $1 }.count
            return Double(common) / Double(first.count)
        }
        #expect(shared(3) > 0.6 && shared(5) > 0.6 && shared(3) < 1, "\(shared(3)), \(shared(5))")
        #expect(shared(1) > 0.2 && shared(1) < 0.6, "\(shared(1))")
        #expect(shared(2) < 0.1, "\(shared(2))")
    }

    /// With a warm-up, the trace's first requests go first on its schedule (not measured), then the
    /// whole trace from its start.
    @Test(arguments: [0, 2])
    func aTraceIsReplayedOnItsScheduleWithExactLengths(warmupRequests: Int) async throws {
        let trace = try Self.writeTrace()
        defer { try? FileManager.default.removeItem(at: trace.deletingLastPathComponent()) }
        try await SimulatorServer.withRunning(testSimulatorConfiguration(latency: .instant(outputTokens: 2))) { endpoint in
            let (document, results) = try await Self.bench(
                ["--base-url", endpoint.baseURL, "--trace", trace.path, "--trace-block-tokens", "128", "--quiet"]
                    + (warmupRequests > 0 ? ["--warmup", "\(warmupRequests)"] : []))
            #expect(document.levels.map(\.label) == ["trace"] && document.bench["prompt_lengths"]?.hasPrefix("exact") == true)
            try Self.expectTraceReplayed(document, results)
            let answered = try await endpoint.metric("llmsim_requests_total")
            #expect(Int(answered) == Self.traceRows.count + warmupRequests, "the simulator answered \(answered) requests")
        }
    }

    /// A warm-up replays the trace's start with block texts of its own: it leaves none of the
    /// measured requests' blocks in the server's prefix cache, and its requests share blocks
    /// among themselves as the trace says.
    @Test func aTracesWarmupSharesNoBlockWithTheMeasuredRequests() throws {
        let trace = try Self.writeTrace()
        defer { try? FileManager.default.removeItem(at: trace.deletingLastPathComponent()) }
        let workload = try Workload.trace(trace.path, blockTokens: 128, korean: false, seed: 7)
        func text(_ index: Int, stream: Int) -> String {
            if case .text(let text) = workload.entry(at: index, stream: stream).prompt { return text }
            return ""
        }
        func commonPrefix(_ a: String, _ b: String) -> Int { zip(a, b).prefix { $0 == $1 }.count }
        let measured = text(0, stream: 0)
        let warmup = text(0, stream: 1)
        #expect(commonPrefix(measured, text(3, stream: 0)) > measured.count / 2, "requests 0 and 3 share blocks 1 and 2")
        #expect(commonPrefix(warmup, text(3, stream: 1)) > warmup.count / 2, "so do they in the warm-up")
        #expect(commonPrefix(measured, warmup) < 20, "the warm-up's block 1 is not the measured one's")
    }
}

extension ExactWorkloadTests {
    @Test func aReasoningModelsTimeToItsAnswerIsReportedBesideTTFT() async throws {
        var configuration = testSimulatorConfiguration(
            latency: LatencyModel(ttftMean: 0.01, ttftJitter: 0, prefillPerToken: 0, itlMean: 0.002, itlJitter: 0, outputTokensMean: 4))
        configuration.reasoningTokens = 6
        try await SimulatorServer.withRunning(configuration) { endpoint in
            let (document, results) = try await Self.bench([
                "--base-url", endpoint.baseURL, "--api", "chat", "--synthetic-input-tokens", "16", "--synthetic-output-tokens", "12",
                "--num-requests", "4", "--quiet",
            ])
            #expect(results.allSatisfy { $0.success && $0.reasoningTokens == 6 && $0.reasoning != nil && $0.ttfoS != nil })
            let level = try #require(document.levels.first)
            let ttft = try #require(level.summary.ttftS)
            let ttfo = try #require(level.summary.ttfoS)
            // At least TTFT: on a busy machine the thoughts and the answer's first token can arrive
            // in one read (the simulator writes every token due at once when it is late).
            #expect(
                ttfo.count == 4 && ttfo.mean >= ttft.mean && !level.histogram(.ttfo).isEmpty,
                "TTFO \(ttfo.count) requests, mean \(ttfo.mean) s; TTFT mean \(ttft.mean) s")
            // The run's summary shows TTFO beside TTFT, and the results keep thoughts and answer apart.
            let run = try await runProcess(
                TestEnvironment.cliBinary, ["--base-url", endpoint.baseURL, "--api", "chat", "--prompt", "왜 하늘은 파란가요?", "--quiet"],
                timeout: 60)
            #expect(run.status == 0, "\(run.stderr)")
            let lines = run.stdout.components(separatedBy: "\n")
            let ttftLine = try #require(lines.firstIndex { $0.hasPrefix("  TTFT (s)") })
            #expect(lines[ttftLine + 1].hasPrefix("  TTFO (s)"), "\(run.stdout)")
        }
    }
}

extension ExactWorkloadTests {
    static func writeConversations(thinkTime: Double) throws -> URL {
        let directory = try makeTemporaryDirectory("llm-client-sessions")
        let file = directory.appendingPathComponent("conversations.jsonl")
        try """
        {"id": "travel", "turns": ["서울에서 가볼 만한 곳을 알려주세요.", "그중 하나만 골라 주세요.", "왜 그곳인가요?"], "think_time_s": \(thinkTime)}
        {"id": "science", "turns": ["What is photosynthesis?", "Explain it to a child.", "Shorter, please."], "think_time_s": \(thinkTime)}

        """.write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    /// Checks sessions run turn by turn: each turn's request carries the conversation so far, with
    /// the answers the server gave, and the summary has TTFT for first and later turns apart.
    static func expectSessions(_ document: BenchDocument, _ results: [RequestResult], thinkTime: Double) throws {
        #expect(results.count == 6 && results.allSatisfy(\.success), "\(failureReport(results))")
        for id in ["travel", "science"] {
            let turns = results.filter { $0.promptID == id }.sorted { ($0.turn ?? 0) < ($1.turn ?? 0) }
            #expect(turns.map(\.turn) == [1, 2, 3], "\(id): \(turns.map(\.turn))")
            for (position, result) in turns.enumerated() {
                let messages = try #require(result.messages)
                #expect(messages.count == 2 * position + 1 && messages.last?.role == "user", "\(id) turn \(position + 1)")
                // The history holds the server's own earlier answers.
                for earlier in 0..<position {
                    #expect(messages[2 * earlier + 1] == ChatMessage(role: "assistant", content: turns[earlier].output))
                }
                if position > 0 {
                    // Sent after the last answer ended and the user's think time. (Send times are whole
                    // milliseconds, stamped just after the clock that times the answer: 10 ms of slack.)
                    let previous = turns[position - 1]
                    let sent = result.startedAt.date.timeIntervalSince(previous.startedAt.date)
                    #expect(sent >= previous.latencyS + thinkTime - 0.01, "\(id) turn \(position + 1) sent \(sent) s after the last")
                    #expect((result.promptTokens ?? 0) > (previous.promptTokens ?? 0))
                }
            }
        }
        let summary = try #require(document.levels.first?.summary)
        #expect(summary.ttftFirstTurnS?.count == 2 && summary.ttftLaterTurnsS?.count == 4)
    }

    @Test func sessionsSendEachTurnAfterTheLastAnswerWithTheHistory() async throws {
        let file = try Self.writeConversations(thinkTime: 0.2)
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        let latency = LatencyModel(ttftMean: 0.02, ttftJitter: 0, prefillPerToken: 0, itlMean: 0.002, itlJitter: 0, outputTokensMean: 6)
        try await SimulatorServer.withRunning(testSimulatorConfiguration(latency: latency)) { endpoint in
            let (document, results) = try await Self.bench([
                "--base-url", endpoint.baseURL, "--conversations", file.path, "--concurrent", "2", "--quiet",
            ])
            #expect(document.bench["workload"] == "conversations:conversations.jsonl")
            try Self.expectSessions(document, results, thinkTime: 0.2)
        }
    }
}

extension ExactWorkloadTests {
    @Test func aRampUpGrowsTheLoadAndIsMeasuredApart() async throws {
        let latency = LatencyModel(ttftMean: 0.01, ttftJitter: 0, prefillPerToken: 0, itlMean: 0.001, itlJitter: 0, outputTokensMean: 4)
        try await SimulatorServer.withRunning(testSimulatorConfiguration(latency: latency)) { endpoint in
            // Open loop at 20 req/s after a 1 s ramp: the k-th ramp request is due at √(2·1·k/20) s,
            // so requests 0 to 9 fall inside the ramp (the tenth would be due at its end).
            let (open, openResults) = try await Self.bench([
                "--base-url", endpoint.baseURL, "--request-rate", "20", "--ramp-up", "1", "--num-requests", "8",
                "--synthetic-input-tokens", "8", "--synthetic-output-tokens", "4", "--quiet",
            ])
            let level = try #require(open.levels.first)
            #expect(level.rampUp?.totalRequests == 10 && level.rampUp?.successful == 10, "\(String(describing: level.rampUp))")
            #expect(level.summary.totalRequests == 8 && openResults.count == 8, "the ramp's requests are not the level's")
            #expect(open.bench["ramp_up_s"] == "1.0")
            // Closed loop: the workers join one by one over the ramp, then the level runs in full.
            let (closed, _) = try await Self.bench([
                "--base-url", endpoint.baseURL, "--concurrent", "4", "--ramp-up", "0.5", "--num-requests", "8",
                "--synthetic-input-tokens", "8", "--synthetic-output-tokens", "4", "--quiet",
            ])
            let ramp = try #require(closed.levels.first?.rampUp)
            #expect(ramp.totalRequests > 0 && ramp.failed == 0 && (ramp.maxInFlight ?? 0) <= 4, "\(ramp)")
            #expect(closed.levels.first?.summary.totalRequests == 8)
        }
    }
}

extension ExactWorkloadTests {
    @Test func shareGPTConversationsReplayAsSessions() async throws {
        let directory = try makeTemporaryDirectory("llm-client-sharegpt")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("sharegpt.json")
        try """
        [{"id": "a", "conversations": [{"from": "human", "value": "안녕하세요"}, {"from": "gpt", "value": "네"}, {"from": "human", "value": "날씨는?"}]},
         {"id": "b", "conversations": [{"from": "human", "value": "Hi"}]}]
        """.write(to: file, atomically: true, encoding: .utf8)
        try await SimulatorServer.withRunning(testSimulatorConfiguration(latency: .instant(outputTokens: 3))) { endpoint in
            let (document, results) = try await Self.bench([
                "--base-url", endpoint.baseURL, "--sharegpt", file.path, "--multi-turn", "--concurrent", "2", "--quiet",
            ])
            #expect(results.count == 3 && results.allSatisfy(\.success), "\(failureReport(results))")
            let second = try #require(results.first { $0.promptID == "a" && $0.turn == 2 })
            // The recorded answer ("네") is replaced by the server's own.
            let first = try #require(results.first { $0.promptID == "a" && $0.turn == 1 })
            #expect(second.messages?.map(\.content) == ["안녕하세요", first.output, "날씨는?"])
            #expect(document.levels.first?.summary.ttftLaterTurnsS?.count == 1)
        }
    }
}
