import Foundation
import LLMExperiment
import LLMResults
import LLMSimulator
import TestSupport
import Testing

/// `llm-client compare` on result files the binary wrote against the simulator.
@Suite struct CompareCommandTests {
    let prompts = TestEnvironment.packageRoot.appendingPathComponent("examples/prompts.txt").path

    private func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> ProcessOutput {
        try await runProcess(TestEnvironment.cliBinary, arguments, environment: environment, timeout: 120)
    }

    /// Runs the example prompts twice each against a simulator with `latency`, saving to `path`.
    private func recordRun(latency: LatencyModel, to path: String, extra: [String] = []) async throws {
        try await SimulatorServer.withRunning(testSimulatorConfiguration(latency: latency)) { endpoint in
            let output = try await run(
                ["--base-url", endpoint.baseURL, "--prompt-file", prompts, "--repeat", "2", "--concurrent", "4", "--output", path] + extra)
            #expect(output.status == 0, "\(output.stderr)")
        }
    }

    static let fast = LatencyModel(ttftMean: 0.004, ttftJitter: 0.0005, prefillPerToken: 0, itlMean: 0.001, itlJitter: 0.0001, outputTokensMean: 8)

    /// Writes to `path` the run of `source` with every request slower to its first token (and so end
    /// to end) by half a second more than the spread of its latencies, so that every slowed request
    /// is slower than every original one. A second recording against a slower simulator would do the
    /// same, but on a loaded 2-core CI machine the timing noise of two recordings (seconds while 40
    /// suites run at once) can blur any designed difference; a known shift cannot.
    private func writeSlowedDown(_ source: String, to path: String) throws {
        let document = try JSONDecoder().decode(RunDocument.self, from: Data(contentsOf: URL(fileURLWithPath: source)))
        let latencies = document.results.map(\.latencyS)
        let seconds = (latencies.max() ?? 0) - (latencies.min() ?? 0) + 0.5
        let results = document.results.map { result in
            var slowed = result
            slowed.latencyS += seconds
            slowed.ttftS = result.ttftS.map { $0 + seconds }
            return slowed
        }
        let summary = ResultSummary(results: results, durationSeconds: document.summary.durationS + seconds)
        try JSONEncoder().encode(RunDocument(run: document.run, summary: summary, results: results)).write(to: URL(fileURLWithPath: path))
    }

    @Test func aSlowerRunIsMarkedSignificantlyWorse() async throws {
        let directory = try makeTemporaryDirectory("llm-client-compare")
        defer { try? FileManager.default.removeItem(at: directory) }
        let fast = directory.appendingPathComponent("fast.json").path
        let slow = directory.appendingPathComponent("slow.json").path
        try await recordRun(latency: Self.fast, to: fast)
        try writeSlowedDown(fast, to: slow)
        let json = directory.appendingPathComponent("compare.json").path
        let html = directory.appendingPathComponent("compare.html").path
        let output = try await run(["compare", fast, slow, "-o", json, "--report", html])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("🔬 RUN COMPARISON") && output.stdout.contains("Baseline: fast.json"))
        #expect(!output.stdout.contains("\u{1B}["), "no colour when not on a terminal")
        let latencyRow = try #require(output.stdout.split(separator: "\n").first { $0.hasPrefix("slow.json") && $0.contains("latency (ms)") })
        #expect(latencyRow.contains("worse, significant"), "\(latencyRow)")
        #expect(output.stdout.contains("[1] 인공지능이란"), "\(output.stdout)")

        let object = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any])
        let differences = try #require(object["differences"] as? [[String: Any]])
        let metrics = try #require(differences.first?["metrics"] as? [[String: Any]])
        let p50 = try #require(metrics.first { $0["metric"] as? String == "latency_p50_s" })
        #expect(try #require(p50["percent_change"] as? Double) > 0)
        let tests = try #require(differences.first?["tests"] as? [[String: Any]])
        let latency = try #require(tests.first { $0["metric"] as? String == "latency_s" })
        #expect(latency["significant"] as? Bool == true && latency["verdict"] as? String == "worse")
        #expect(try #require(latency["median_difference"] as? Double) > 0)
        #expect((object["prompts"] as? [Any])?.count == 10)

        let page = try String(contentsOfFile: html, encoding: .utf8)
        #expect(page.hasPrefix("<!DOCTYPE html>"))
        #expect(page.contains("Differences from the baseline") && page.contains("Prompts side by side"))
        #expect(page.contains("worse (significant)"))
        #expect(page.contains(">fast.json</text>") && page.contains(">slow.json</text>"), "both runs in the charts' legends")

        // Outputs are never clobbered without --overwrite.
        let again = try await run(["compare", fast, slow, "-o", json])
        #expect(again.status == 2 && again.stderr.contains("already exists"), "\(again.stderr)")
        let replaced = try await run(["compare", fast, slow, "-o", json, "--report", html, "--overwrite", "--max-prompts", "0"])
        #expect(replaced.status == 0, "\(replaced.stderr)")
        #expect(!replaced.stdout.contains("[1] "))
    }

    @Test func oneFileOfSeveralTemperaturesComparesItsSettings() async throws {
        let directory = try makeTemporaryDirectory("llm-client-compare")
        defer { try? FileManager.default.removeItem(at: directory) }
        let sweep = directory.appendingPathComponent("sweep.json").path
        try await recordRun(latency: Self.fast, to: sweep, extra: ["--temperature", "0.1,0.9"])
        let output = try await run(["compare", sweep])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("Baseline: sweep.json temperature=0.1"), "\(output.stdout)")
        #expect(output.stdout.contains("sweep.json temperature=0.9"))
    }

    @Test func benchmarkDocumentsCompareByLevel() async throws {
        let directory = try makeTemporaryDirectory("llm-client-compare")
        defer { try? FileManager.default.removeItem(at: directory) }
        let single = directory.appendingPathComponent("single.json").path
        let sweep = directory.appendingPathComponent("sweep.json").path
        try await SimulatorServer.withRunning(testSimulatorConfiguration(latency: Self.fast)) { endpoint in
            for (path, levels) in [(single, "2"), (sweep, "1,4")] {
                let bench = try await run([
                    "bench", "--base-url", endpoint.baseURL, "--prompt-file", prompts, "--concurrent", levels,
                    "--num-requests", "12", "--output", path, "--quiet",
                ])
                #expect(bench.status == 0, "\(bench.stderr)")
            }
        }
        let output = try await run(["compare", single, sweep, "-o", directory.appendingPathComponent("compare.json").path])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(
            output.stdout.contains("Baseline: single.json") && output.stdout.contains("sweep.json c=1") && output.stdout.contains("sweep.json c=4"),
            "\(output.stdout)")
        let requests = try #require(output.stdout.split(separator: "\n").first { $0.hasPrefix("successful") })
        #expect(requests.split(separator: " ").filter { $0 == "12" }.count == 3, "\(requests)")
        #expect(output.stdout.contains("Per prompt: none (benchmark documents hold no per-request results"))
    }

    @Test func badInputExitsWithTwoNamingTheFile() async throws {
        let directory = try makeTemporaryDirectory("llm-client-compare")
        defer { try? FileManager.default.removeItem(at: directory) }
        let single = directory.appendingPathComponent("single.json").path
        try await recordRun(latency: .instant(outputTokens: 4), to: single)
        let missing = directory.appendingPathComponent("missing.json").path
        let notResults = directory.appendingPathComponent("notes.json").path
        try Data("[1, 2]".utf8).write(to: URL(fileURLWithPath: notResults))
        for (arguments, named) in [([single, missing], missing), ([single, notResults], notResults), ([single], single)] {
            let output = try await run(["compare"] + arguments)
            #expect(output.status == 2, "\(arguments): \(output.stderr)")
            #expect(output.stderr.contains(named), "\(output.stderr)")
            #expect(output.stderr.split(separator: "\n").count == 1, "one clear message: \(output.stderr)")
        }
        let none = try await run(["compare"])
        #expect(none.status == 2)
    }
}
