import Foundation
import LLMExperiment
import LLMResults
import LLMSimulator
import TestSupport
import Testing

/// The `llm-client` binary, run as a user runs it, against the simulator.
@Suite struct CommandLineTests {
    let examples = TestEnvironment.packageRoot.appendingPathComponent("examples")

    /// Runs the binary; it is killed after `timeout` seconds (a real model on a loaded 2-core
    /// machine needs more than the simulator).
    private func run(_ arguments: [String], environment: [String: String] = [:], input: String? = nil, timeout: Double = 120) async throws
        -> ProcessOutput
    {
        try await runProcess(TestEnvironment.cliBinary, arguments, environment: environment, input: input, timeout: timeout)
    }

    private func requestCount(_ endpoint: SimulatorServer.Endpoint) async throws -> Int {
        let metrics = try await runProcess(URL(fileURLWithPath: "/usr/bin/curl"), ["-s", endpoint.rootURL + "/metrics"])
        return metrics.stdout.split(separator: "\n")
            .filter { $0.hasPrefix("llmsim_requests_total{") }
            .compactMap { Int($0.split(separator: " ").last ?? "") }
            .reduce(0, +)
    }

    @Test func aSinglePromptStreamsTheAnswerAndPrintsTheSummary() async throws {
        try await SimulatorServer.withRunning(testSimulatorConfiguration()) { endpoint in
            let output = try await run(["--prompt", "인공지능을 설명해주세요"], environment: ["OPENAI_BASE_URL": endpoint.baseURL])
            #expect(output.status == 0, "\(output.stderr)")
            #expect(TextGenerator.isKorean(output.stdout))
            #expect(output.stdout.contains("📊 EXPERIMENT SUMMARY"))
            #expect(output.stdout.contains("TTFT"))
        }
    }

    @Test func aPromptFileToJSONKeepsEveryResult() async throws {
        let directory = try makeTemporaryDirectory("llm-client-cli")
        defer { try? FileManager.default.removeItem(at: directory) }
        try await SimulatorServer.withRunning(testSimulatorConfiguration()) { endpoint in
            let path = directory.appendingPathComponent("results.json").path
            let output = try await run([
                "--base-url", endpoint.baseURL, "--prompt-file", examples.appendingPathComponent("prompts.txt").path,
                "--output", path,
            ])
            #expect(output.status == 0, "\(output.stderr)")
            let json = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
            let results = try #require(json["results"] as? [[String: Any]])
            #expect(results.count == 10)
            #expect(results.map { $0["index"] as? Int } == Array(0..<10))
            for key in [
                "index", "repeat", "prompt", "output", "success", "error", "http_status", "finish_reason", "prompt_tokens",
                "completion_tokens", "latency_s", "ttft_s", "tokens_per_second", "temperature", "started_at",
            ] {
                #expect(results.allSatisfy { $0.keys.contains(key) }, "every result has \(key)")
            }
            let summary = try #require(json["summary"] as? [String: Any])
            #expect(summary["total_requests"] as? Int == 10)
            #expect(summary["successful"] as? Int == 10)
            for key in ["latency_s", "ttft_s", "itl_s"] {
                let stats = try #require(summary[key] as? [String: Any], "\(key)")
                for stat in ["mean", "min", "max", "p50", "p90", "p95", "p99"] { #expect(stats[stat] is Double, "\(key).\(stat)") }
            }
            // The client's own load while it sent them, in the summary and on the terminal.
            let client = try #require(summary["client"] as? [String: Any])
            #expect((client["cpu_s"] as? Double ?? 0) > 0 && (client["cores"] as? Int ?? 0) >= 1 && client["peak_memory_mb"] is Double)
            #expect(output.stdout.contains("Client load:") && output.stdout.contains(" cores ("), "\(output.stdout)")
            #expect(json["run"] is [String: Any])
        }
    }

    @Test func concurrencyAndRepeatsRunEveryRequest() async throws {
        let directory = try makeTemporaryDirectory("llm-client-cli")
        defer { try? FileManager.default.removeItem(at: directory) }
        try await SimulatorServer.withRunning(testSimulatorConfiguration()) { endpoint in
            let path = directory.appendingPathComponent("r.jsonl").path
            let output = try await run([
                "--base-url", endpoint.baseURL, "--prompt-file", examples.appendingPathComponent("prompts.json").path,
                "--concurrent", "3", "--repeat", "5", "--output", path,
            ])
            #expect(output.status == 0, "\(output.stderr)")
            #expect(output.stdout.contains("Total requests:      50"))
            let results = try ResultDocument.results(path: path)
            #expect(results.count == 50)
            #expect(Set(results.map(\.index)) == Set(0..<50))
            #expect(Dictionary(grouping: results, by: \.repeat).mapValues(\.count) == [0: 10, 1: 10, 2: 10, 3: 10, 4: 10])
            #expect(try await requestCount(endpoint) == 50)
        }
    }

    @Test func temperatureZeroRepeatsGiveIdenticalAnswers() async throws {
        let directory = try makeTemporaryDirectory("llm-client-cli")
        defer { try? FileManager.default.removeItem(at: directory) }
        try await SimulatorServer.withRunning(testSimulatorConfiguration()) { endpoint in
            let path = directory.appendingPathComponent("r.jsonl").path
            let output = try await run([
                "--base-url", endpoint.baseURL, "--prompt", "2+2는?", "--repeat", "10", "--temperature", "0.0", "--output", path,
            ])
            #expect(output.status == 0, "\(output.stderr)")
            let results = try ResultDocument.results(path: path)
            #expect(results.count == 10)
            #expect(Set(results.map(\.output)).count == 1, "\(failureReport(results))")
            #expect(results.allSatisfy { $0.temperature == 0 })
        }
    }

    @Test func csvOutputOpensInASpreadsheet() async throws {
        let directory = try makeTemporaryDirectory("llm-client-cli")
        defer { try? FileManager.default.removeItem(at: directory) }
        try await SimulatorServer.withRunning(testSimulatorConfiguration()) { endpoint in
            let path = directory.appendingPathComponent("benchmark.csv").path
            let output = try await run([
                "--base-url", endpoint.baseURL, "--prompt-file", examples.appendingPathComponent("prompts.txt").path,
                "--concurrent", "5", "--output", path,
            ])
            #expect(output.status == 0, "\(output.stderr)")
            let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            #expect(Array(bytes.prefix(3)) == [0xEF, 0xBB, 0xBF])
            let rows = try ResultWriter.readCSV(path: path)
            #expect(rows.count == 10)
            #expect(rows.allSatisfy { $0["success"] == "true" })
            #expect(rows.contains { $0["prompt"] == "광합성 과정을 간단히 설명해주세요." })
        }
    }

    @Test func chatAPIAndNoStream() async throws {
        try await SimulatorServer.withRunning(testSimulatorConfiguration()) { endpoint in
            let output = try await run(["--base-url", endpoint.baseURL, "--api", "chat", "--no-stream", "--prompt", "Hello", "--max-tokens", "5"])
            #expect(output.status == 0, "\(output.stderr)")
            #expect(output.stdout.contains("Successful:          1"))
        }
    }

    @Test func failedRequestsExitWithOne() async throws {
        try await SimulatorServer.withRunning(testSimulatorConfiguration()) { endpoint in
            let output = try await run([
                "--base-url", endpoint.baseURL, "--prompt", "x", "--repeat", "3", "--extra-body", #"{"sim_fault":"500"}"#,
            ])
            #expect(output.status == 1)
            #expect(output.stdout.contains("Failed:              3"))
        }
    }

    @Test func badPromptFilesExitWithTwoAndSendNothing() async throws {
        let directory = try makeTemporaryDirectory("llm-client-cli")
        defer { try? FileManager.default.removeItem(at: directory) }
        let bad = directory.appendingPathComponent("bad.jsonl")
        try Data("{\"prompt\": \"ok\"}\n{\"prompt\": \n".utf8).write(to: bad)
        try await SimulatorServer.withRunning(testSimulatorConfiguration()) { endpoint in
            let output = try await run(["--base-url", endpoint.baseURL, "--prompt-file", bad.path])
            #expect(output.status == 2)
            #expect(output.stderr.contains("bad.jsonl:2"), "\(output.stderr)")
            let missing = try await run(["--base-url", endpoint.baseURL, "--prompt-file", directory.appendingPathComponent("none.txt").path])
            #expect(missing.status == 2)
            #expect(missing.stderr.contains("none.txt"))
            #expect(try await requestCount(endpoint) == 0)
        }
    }

    @Test func usageErrorsExitWithTwo() async throws {
        for arguments in [
            ["--prompt", "x", "--concurrent", "0"], [], ["--prompt", "x", "--base-url", "nope"], ["--prompt", "x", "--output", "a.xlsx"],
            ["--prompt", "x", "--api", "embeddings"], ["--prompt", "x", "--output", "a.csv", "--format", "jsonl"],
        ] {
            let output = try await run(arguments)
            #expect(output.status == 2, "\(arguments): \(output.stderr)")
            #expect(!output.stderr.isEmpty)
        }
    }

    @Test func formatIsForFilesWithoutAKnownExtension() async throws {
        let directory = try makeTemporaryDirectory("llm-client-cli")
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = directory.appendingPathComponent("results.log").path
        let json = directory.appendingPathComponent("results.json").path
        try await withSimulatorProcess(["--no-latency"]) { baseURL in
            let output = try await run(["--base-url", baseURL, "--prompt", "x", "--output", log, "--output", json, "--format", "json", "--quiet"])
            #expect(output.status == 0, "\(output.stderr)")
            let contradiction = try await run(["--base-url", baseURL, "--prompt", "x", "--output", "r.csv", "--format", "jsonl"])
            #expect(
                contradiction.status == 2 && contradiction.stderr.contains("--format jsonl contradicts --output 'r.csv'"), "\(contradiction.stderr)")
        }
        let document = try JSONDecoder().decode(RunDocument.self, from: Data(contentsOf: URL(fileURLWithPath: log)))
        #expect(document.results.count == 1, "the .log file is in the --format")
        #expect(try ResultDocument.results(path: json).count == 1)
    }

    @Test func anUnreachableServerExitsWithOneQuickly() async throws {
        try await withRefusingPort { port in
            let started = ContinuousClock.now
            let output = try await run(["--base-url", "http://127.0.0.1:\(port)/v1", "--prompt", "x"])
            #expect(output.status == 1)
            #expect(output.stderr.contains("127.0.0.1:\(port)"), "\(output.stderr)")
            #expect(ContinuousClock.now - started < .seconds(30))
            let health = try await run(["health", "--base-url", "http://127.0.0.1:\(port)/v1"])
            #expect(health.status == 1)
        }
    }

    @Test func healthAndModelsSubcommands() async throws {
        try await SimulatorServer.withRunning(testSimulatorConfiguration(models: ["m-a", "m-b"])) { endpoint in
            let health = try await run(["health", "--base-url", endpoint.baseURL])
            #expect(health.status == 0)
            #expect(health.stdout.contains("healthy"))
            let models = try await run(["models", "--base-url", endpoint.baseURL])
            #expect(models.stdout.split(separator: "\n") == ["m-a", "m-b"])
        }
    }

    @Test func theAPIKeyNeverAppearsInOutput() async throws {
        let directory = try makeTemporaryDirectory("llm-client-cli")
        defer { try? FileManager.default.removeItem(at: directory) }
        let key = "sk-very-secret-test-key"
        try await SimulatorServer.withRunning(testSimulatorConfiguration(apiKey: key)) { endpoint in
            let json = directory.appendingPathComponent("r.json").path
            let csv = directory.appendingPathComponent("r.csv").path
            let output = try await run(
                ["--base-url", endpoint.baseURL, "--prompt", "hi", "--repeat", "2", "--output", json, "--output", csv],
                environment: ["OPENAI_API_KEY": key])
            #expect(output.status == 0, "\(output.stderr)")
            for path in [json, csv] {
                #expect(!(try String(contentsOfFile: path, encoding: .utf8)).contains(key))
            }
            #expect(!output.stdout.contains(key) && !output.stderr.contains(key))
            let denied = try await run(["--base-url", endpoint.baseURL, "--prompt", "hi", "--model", "llm-sim"])
            #expect(denied.status == 1)
        }
    }

    @Test func interactiveChatKeepsTheConversation() async throws {
        try await SimulatorServer.withRunning(testSimulatorConfiguration()) { endpoint in
            let output = try await run(
                ["--base-url", endpoint.baseURL, "--interactive"], input: "안녕하세요\n/temperature 0\nTell me more\n/exit\n")
            #expect(output.status == 0, "\(output.stderr)")
            #expect(TextGenerator.isKorean(output.stdout))
            #expect(output.stdout.contains("temperature = 0.0"))
            #expect(output.stderr.components(separatedBy: "tokens").count - 1 == 2)  // one stat line per answer
        }
    }

    @Test(arguments: [
        (["--error-500-rate", "1"], "http_status"), (["--error-429-rate", "1"], "http_status"), (["--error-503-rate", "1"], "http_status"),
        (["--drop-rate", "1"], "stream_cut"), (["--malformed-rate", "1"], "malformed_chunk"),
        (["--stall-rate", "1", "--stall-seconds", "30"], "idle_timeout"),
    ])
    func everyFaultIsReachableFromAServeSimFlag(flags: [String], kind: String) async throws {
        let directory = try makeTemporaryDirectory("llm-client-cli")
        defer { try? FileManager.default.removeItem(at: directory) }
        try await withSimulatorProcess(["--no-latency"] + flags) { baseURL in
            let path = directory.appendingPathComponent("r.jsonl").path
            let output = try await run([
                "--base-url", baseURL, "--prompt", "fault", "--repeat", "2", "--idle-timeout", "1", "--retries", "0", "--output", path,
            ])
            #expect(output.status == 1)
            let results = try ResultDocument.results(path: path)
            #expect(results.count == 2)
            #expect(results.allSatisfy { !$0.success && $0.errorKind?.rawValue == kind }, "\(results.map(\.error))")
        }
    }

    @Test func splitUTF8FromTheFlagReassembles() async throws {
        let directory = try makeTemporaryDirectory("llm-client-cli")
        defer { try? FileManager.default.removeItem(at: directory) }
        var answers: [String] = []
        for (number, flags) in [[], ["--split-utf8"]].enumerated() {
            try await withSimulatorProcess(["--no-latency"] + flags) { baseURL in
                let path = directory.appendingPathComponent("r\(number).jsonl").path
                let output = try await run(["--base-url", baseURL, "--prompt", "한국어로 답해주세요", "--temperature", "0", "--quiet", "--output", path])
                #expect(output.status == 0, "\(output.stderr)")
                answers += try ResultDocument.results(path: path).map(\.output)
            }
        }
        #expect(answers.count == 2)
        #expect(answers[0] == answers[1])
        #expect(TextGenerator.isKorean(answers[1]) && !answers[1].contains("\u{FFFD}"))
    }

    @Test(.requires(.llamaServer)) func aBatchAgainstTheRealModelServerInEveryFormat() async throws {
        let baseURL = try RealService.llamaServer.required()
        let directory = try makeTemporaryDirectory("llm-client-cli")
        defer { try? FileManager.default.removeItem(at: directory) }
        let paths = ["json", "jsonl", "csv"].map { directory.appendingPathComponent("llama.\($0)").path }
        let output = try await run(
            [
                "--base-url", baseURL, "--prompt-file", examples.appendingPathComponent("prompts.json").path, "--concurrent", "4",
                "--repeat", "2", "--max-tokens", "12",
            ] + paths.flatMap { ["--output", $0] }, timeout: 600)
        #expect(output.status == 0, "\(output.stderr)")
        let json = try ResultDocument.results(path: paths[0])
        let jsonl = try ResultDocument.results(path: paths[1]).sorted { $0.index < $1.index }
        let csv = try ResultWriter.readCSV(path: paths[2]).sorted { Int($0["index"]!)! < Int($1["index"]!)! }
        #expect(json.count == 20 && jsonl == json && csv.count == 20)
        for (result, row) in zip(json, csv) {
            #expect(result.success, "\(result.error ?? "")")
            #expect(result.model == "SmolLM2-135M-Instruct")
            #expect((result.completionTokens ?? 0) > 0 && (result.completionTokens ?? 0) <= (result.maxTokens ?? 0) && !result.tokensEstimated)
            #expect(result.ttftS != nil && result.serverTimings != nil)
            #expect(row["output"] == result.output)
            #expect(row["completion_tokens"] == result.completionTokens.map(String.init))
        }
        #expect(json.filter { $0.promptID == "robot-feelings-story" }.allSatisfy { $0.temperature == 0.9 && $0.maxTokens == 200 })
        #expect(json.filter { $0.promptID == "ai-ethics" }.allSatisfy { $0.messages?.count == 2 })
    }

    @Test func serveSimPrintsTheAddressItBound() async throws {
        try await withSimulatorProcess(["--no-latency"]) { baseURL in
            let output = try await run(["--base-url", baseURL, "--prompt", "hello", "--quiet"])
            #expect(output.status == 0, "\(output.stderr)")
        }
    }
}
