import Foundation
import LLMBench
import LLMExperiment
import LLMResults
import LLMSimulator
import TestSupport
import Testing

/// `llm-client bench` run as a user runs it.
@Suite struct BenchCommandTests {
    private func run(_ arguments: [String]) async throws -> ProcessOutput {
        try await runProcess(TestEnvironment.cliBinary, ["bench"] + arguments, timeout: 120)
    }

    @Test func peakMemoryDoesNotGrowWithTheNumberOfRequests() async throws {
        let directory = try makeTemporaryDirectory("llm-client-bench")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("bench.json").path
        try await withSimulatorProcess(["--no-latency", "--output-tokens", "4"]) { baseURL in
            // Three levels of 8,000 synthetic requests in one process. The peak memory is set within
            // the first (about 47 MB for this debug build) and then creeps: 1.2 to 2.6 MB more by the
            // third level in six runs here (of this code and of the code before the capacity search
            // alike), 4.0 MB once in CI; over 100,000 requests, 4.5 to 5.4 MB. A leak of a few hundred
            // bytes a request, as the timeout watchdog once had (6.5 MB per 10,000), adds 10 MB or more
            // by the third level.
            let output = try await runProcess(
                TestEnvironment.cliBinary,
                [
                    "bench", "--base-url", baseURL, "--synthetic-input-tokens", "128", "--synthetic-output-tokens", "4",
                    "--concurrent", "32,32,32", "--num-requests", "8000", "--quiet", "--output", path,
                ], timeout: 600)
            #expect(output.status == 0, "\(output.stderr)")
            let document = try JSONDecoder().decode(BenchDocument.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
            #expect(document.levels.map(\.summary.successful) == [8000, 8000, 8000], "\(document.levels.map(\.summary.errorsByKind))")
            let peaks = document.levels.compactMap { $0.summary.client?.peakMemoryMB }
            #expect(peaks.count == 3 && peaks[2] - peaks[0] < 6, "peak memory after each level: \(peaks) MB")
        }
    }

    @Test func aConcurrencySweepFindsTheSaturationLevel() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bench-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        // Two sequence slots: beyond two in flight, requests only queue.
        let latency = LatencyModel(ttftMean: 0.02, ttftJitter: 0, prefillPerToken: 0, itlMean: 0.01, itlJitter: 0, outputTokensMean: 10)
        try await SimulatorServer.withRunning(testSimulatorConfiguration(latency: latency, maxConcurrency: 2)) { endpoint in
            let output = try await run([
                "--base-url", endpoint.baseURL, "--synthetic-input-tokens", "16", "--synthetic-output-tokens", "10",
                "--concurrent", "1,2,8", "--num-requests", "16", "--output", path,
            ])
            #expect(output.status == 0, "\(output.stderr)")
            let json = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
            let levels = try #require(json["levels"] as? [[String: Any]])
            #expect(levels.map { $0["label"] as? String } == ["c=1", "c=2", "c=8"])
            // Which level saturates depends on timing (a loaded CI machine slows the low levels too), so
            // check that the reported level is the one the sweep's own figures give, wherever it lands.
            let document = try JSONDecoder().decode(BenchDocument.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
            let expected = BenchDocument.saturation(document.levels.map(\.summary)).map { document.levels[$0].label }
            #expect(document.saturationLevel == expected)
            #expect(output.stdout.contains("← saturation") == (expected != nil))
            #expect(output.stdout.contains("client %"))
            for level in levels {
                let summary = try #require(level["summary"] as? [String: Any])
                #expect(summary["successful"] as? Int == 16)
                #expect((summary["ttft_s"] as? [String: Any])?["p99.9"] is Double)
                let client = try #require(summary["client"] as? [String: Any], "the client's own load")
                #expect((client["cpu_s"] as? Double ?? 0) > 0 && (client["peak_memory_mb"] as? Double ?? 0) > 0)
                #expect((client["cores"] as? Int ?? 0) >= 1 && client["cpu_percent"] is Double)
                let histograms = try #require(level["histograms"] as? [String: Any])
                #expect((histograms["e2e_us"] as? [[Int]])?.reduce(0) { $0 + $1[1] } == 16)
                #expect((level["time_series"] as? [Any])?.isEmpty == false)
            }
            #expect((json["run"] as? [String: Any])?["model"] as? String == "llm-sim")
        }
    }

    @Test func aMissedSLOExitsWithThree() async throws {
        let latency = LatencyModel(ttftMean: 0.1, ttftJitter: 0, prefillPerToken: 0, itlMean: 0.001, itlJitter: 0, outputTokensMean: 4)
        try await SimulatorServer.withRunning(testSimulatorConfiguration(latency: latency)) { endpoint in
            let base = ["--base-url", endpoint.baseURL, "--synthetic-input-tokens", "8", "--num-requests", "6", "--concurrent", "2"]
            let missed = try await run(base + ["--slo", "ttft=0.05", "--slo-percent", "90"])
            #expect(missed.status == 3, "\(missed.stderr)")
            #expect(missed.stderr.contains("SLO missed"))
            let met = try await run(base + ["--slo", "ttft=60", "--slo-percent", "90"])
            #expect(met.status == 0, "\(met.stderr)")
            #expect(met.stdout.contains("100.0 % met the SLO"))
        }
    }

    @Test func openLoopWithAPromptFileAndPerRequestOutput() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bench-\(UUID().uuidString).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await SimulatorServer.withRunning(testSimulatorConfiguration()) { endpoint in
            let prompts = TestEnvironment.packageRoot.appendingPathComponent("examples/prompts.txt").path
            let output = try await run([
                "--base-url", endpoint.baseURL, "--prompt-file", prompts, "--request-rate", "40", "--num-requests", "20",
                "--arrivals", "constant", "--output", path, "--scrape-metrics",
            ])
            #expect(output.status == 0, "\(output.stderr)")
            #expect(output.stdout.contains("scheduling lag"))
            #expect(output.stdout.contains("llmsim_requests_total{status=\"200\"}  +20"))
            let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
            #expect(lines.count == 20)
        }
    }

    @Test func aTemperatureSweepRunsEachSetting() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bench-\(UUID().uuidString).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await SimulatorServer.withRunning(testSimulatorConfiguration()) { endpoint in
            let output = try await run([
                "--base-url", endpoint.baseURL, "--synthetic-input-tokens", "8", "--concurrent", "2", "--num-requests", "5",
                "--temperature", "0,1.5", "--output", path,
            ])
            #expect(output.status == 0, "\(output.stderr)")
            #expect(output.stdout.contains("c=2 t=0.0") && output.stdout.contains("c=2 t=1.5"))
            let temperatures = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
                (try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["temperature"] as? Double
            }
            #expect(temperatures.filter { $0 == 0 }.count == 5 && temperatures.filter { $0 == 1.5 }.count == 5)
            // Each level numbers its requests from 0; the level in every row keeps them apart.
            let results = try ResultDocument.results(path: path)
            #expect(results.count == 10)
            #expect(Set(results.map(\.setting)) == ["c=2 t=0.0", "c=2 t=1.5"])
            let runs = try ComparedRun.load(path: path)
            #expect(runs.map(\.setting) == ["c=2 t=0.0", "c=2 t=1.5"] && runs.allSatisfy { $0.results.count == 5 })
        }
    }

    @Test func failuresAreShownAndAnUnreachableServerStopsTheRun() async throws {
        let directory = try makeTemporaryDirectory("llm-client-bench")
        defer { try? FileManager.default.removeItem(at: directory) }
        try await SimulatorServer.withRunning(testSimulatorConfiguration()) { endpoint in
            // Every request fails: the report counts them, and stderr says why.
            let output = try await run(["--base-url", endpoint.baseURL, "--model", "nope", "--concurrent", "2", "--num-requests", "4"])
            #expect(output.status == 1)
            #expect(output.stderr.contains("failed: 4 × http_status, e.g. HTTP 404: The model `nope` does not exist."), "\(output.stderr)")
        }
        try await withRefusingPort { port in
            // A closed loop against nothing would record thousands of refusals a second until --duration.
            let jsonl = directory.appendingPathComponent("deep/er/refused.jsonl").path
            let output = try await run([
                "--base-url", "http://127.0.0.1:\(port)/v1", "--model", "m", "--concurrent", "4", "--duration", "60", "--output", jsonl,
            ])
            #expect(output.status == 1)
            #expect(
                output.stderr.contains("requests in a row could not connect, with no answer for 10 s or more, so the benchmark stopped sending"),
                "\(output.stderr)")
            let refused = try ResultDocument.results(path: jsonl)
            #expect(refused.count >= 50 && refused.count < 200 && refused.allSatisfy { $0.errorKind == .connectionRefused })
        }
    }

    @Test func badBenchOptionsExitWithTwo() async throws {
        for arguments in [
            ["--concurrent", "0"], ["--concurrent", "2", "--request-rate", "3"], ["--slo", "speed=1"], ["--warmup", "soon"],
            ["--concurrent", "1,2", "--temperature", "0,1"], ["--prompt-file", "/nonexistent.txt"],
            ["--slo", "ttft=1", "--slo-percent", "150"], ["--concurrent", "2", "--max-concurrency", "4"],
            ["--concurrent", "2", "--burstiness", "0.5"], ["--num-requests", "4", "--duration", "2"],
            ["--concurrent", "2,4", "--shard", "0/2"], ["--output", "x.json", "--output", "./x.json"],
            ["--synthetic-input-tokens", "10", "--synthetic-input-spread", "10"],
        ] {
            let output = try await run(arguments)
            #expect(output.status == 2, "\(arguments): \(output.stderr)")
        }
        // A negative number is the option's (invalid) value, not an unknown option.
        let negative = try await run(["--concurrent", "-1"])
        #expect(negative.status == 2 && negative.stderr.contains("--concurrent values must be at least 1"), "\(negative.stderr)")
    }
}
