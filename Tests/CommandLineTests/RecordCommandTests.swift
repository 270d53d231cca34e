import Foundation
import LLMExperiment
import LLMResults
import LLMSimulator
import TestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Comparison runs (comma lists of temperatures), `--report` and MLflow tracking from the command
/// line, against the simulator and a real MLflow server (`LLM_CLIENT_MLFLOW_URL`, started by
/// `scripts/test.sh`), checked through MLflow's own REST API.
@Suite struct RecordCommandTests {
    /// A call to MLflow's REST API (a POST when there is a `json` body), decoded as a JSON object.
    private func get(_ url: String, json: [String: Any]? = nil) async throws -> [String: Any] {
        var request = URLRequest(url: try #require(URL(string: url)))
        if let json {
            request.httpMethod = "POST"
            request.httpBody = try JSONSerialization.data(withJSONObject: json)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        #expect((response as? HTTPURLResponse)?.statusCode == 200, "\(url): \(String(decoding: data, as: UTF8.self))")
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// The runs of the experiment named `name`: each run's status, params, metrics and artifact names.
    private func runs(_ base: String, experiment name: String) async throws
        -> [(status: String, params: [String: String], metrics: [String: Double], artifacts: [String])]
    {
        let encoded = name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? name
        let experiment = try await get("\(base)/api/2.0/mlflow/experiments/get-by-name?experiment_name=\(encoded)")
        let id = try #require((experiment["experiment"] as? [String: Any])?["experiment_id"] as? String)
        let found = try await get("\(base)/api/2.0/mlflow/runs/search", json: ["experiment_ids": [id]])
        var runs: [(String, [String: String], [String: Double], [String])] = []
        for run in found["runs"] as? [[String: Any]] ?? [] {
            let info = run["info"] as? [String: Any] ?? [:]
            let data = run["data"] as? [String: Any] ?? [:]
            var params: [String: String] = [:]
            for param in data["params"] as? [[String: Any]] ?? [] { params[param["key"] as? String ?? ""] = param["value"] as? String }
            var metrics: [String: Double] = [:]
            for metric in data["metrics"] as? [[String: Any]] ?? [] { metrics[metric["key"] as? String ?? ""] = metric["value"] as? Double }
            let runID = info["run_id"] as? String ?? ""
            let listed = try await get("\(base)/api/2.0/mlflow/artifacts/list?run_id=\(runID)")
            let artifacts = (listed["files"] as? [[String: Any]] ?? []).compactMap { $0["path"] as? String }
            runs.append((info["status"] as? String ?? "", params, metrics, artifacts))
        }
        return runs
    }

    @Test(.requires(.mlflow)) func aTemperatureListRunsEachSettingAndIsReportedAndTracked() async throws {
        let directory = try makeTemporaryDirectory("llm-client-record")
        defer { try? FileManager.default.removeItem(at: directory) }
        let prompts = directory.appendingPathComponent("prompts.txt")
        try "한국의 수도는 어디인가요?\n양자 컴퓨터를 설명해주세요\n".write(to: prompts, atomically: true, encoding: .utf8)
        let json = directory.appendingPathComponent("sweep.json").path
        let csv = directory.appendingPathComponent("sweep.csv").path
        let report = directory.appendingPathComponent("sweep.html").path
        let experiment = "llm-client-cli-test \(UUID().uuidString.prefix(8))"
        let mlflow = try RealService.mlflow.required()
        try await SimulatorServer.withRunning(testSimulatorConfiguration()) { endpoint in
            let output = try await runProcess(
                TestEnvironment.cliBinary,
                [
                    "--base-url", endpoint.baseURL, "--prompt-file", prompts.path, "--temperature", "0.1,0.9", "--repeat", "2",
                    "--concurrent", "2", "--output", json, "--output", csv, "--report", report, "--expect-regex", ".",
                    "--mlflow-uri", mlflow, "--mlflow-experiment", experiment,
                ])
            #expect(output.status == 0, "\(output.stderr)")
            #expect(output.stdout.contains("SETTINGS SIDE BY SIDE"))
            #expect(!output.stderr.contains("warning"), "\(output.stderr)")

            let document = try JSONDecoder().decode(RunDocument.self, from: Data(contentsOf: URL(fileURLWithPath: json)))
            #expect(document.results.count == 8)
            // The settings take turns on each prompt, so both meet the same conditions.
            #expect(document.results.map(\.setting) == Array(repeating: ["temperature=0.1", "temperature=0.9"], count: 4).flatMap { $0 })
            #expect(document.results.map(\.temperature) == Array(repeating: [0.1, 0.9], count: 4).flatMap { $0 })
            #expect(
                document.results.map(\.prompt)
                    == Array(repeating: ["한국의 수도는 어디인가요?", "한국의 수도는 어디인가요?", "양자 컴퓨터를 설명해주세요", "양자 컴퓨터를 설명해주세요"], count: 2).flatMap { $0 })
            #expect(document.settings?.map(\.setting) == ["temperature=0.1", "temperature=0.9"])
            #expect(document.settings?.allSatisfy { $0.summary.successful == 4 } == true, "\(failureReport(document.results))")
            #expect(document.run.settings == ["temperature=0.1", "temperature=0.9"])
            let rows = try ResultWriter.readCSV(path: csv).sorted { Int($0["index"] ?? "") ?? 0 < Int($1["index"] ?? "") ?? 0 }
            #expect(rows.map { $0["setting"] } == document.results.map(\.setting), "CSV rows are written as requests finish")
            let html = try String(contentsOfFile: report, encoding: .utf8)
            #expect(html.contains("<svg") && html.contains("한국의 수도는"))

            let tracked = try await runs(mlflow, experiment: experiment)
            #expect(tracked.count == 1)
            let run = try #require(tracked.first)
            #expect(run.status == "FINISHED")
            #expect(run.params["setting.0"] == "temperature=0.1" && run.params["setting.1"] == "temperature=0.9")
            #expect(run.params["prompt_file"] == "prompts.txt")
            #expect(run.params["base_url"] == endpoint.baseURL)
            #expect(run.metrics["latency_s.p50"] != nil && run.metrics["success_rate"] == 1)
            #expect(run.metrics["setting.latency_s.p50"] != nil)
            #expect(run.metrics["quality.assertion_pass_rate"] == 1, "quality scores are tracked: \(run.metrics.keys.sorted())")
            #expect(run.metrics["quality.consistency.identical_share"] != nil && run.metrics["setting.quality.consistency.mean_similarity"] != nil)
            #expect(Set(run.artifacts) == ["sweep.json", "sweep.csv", "sweep.html"])
        }
    }

    @Test(.requires(.mlflow)) func anInterruptedRunIsKilledInMLflowAndAnUnreachableOneOnlyWarns() async throws {
        let directory = try makeTemporaryDirectory("llm-client-record")
        defer { try? FileManager.default.removeItem(at: directory) }
        let prompts = directory.appendingPathComponent("prompts.txt")
        try (0..<8).map { "질문 \($0)" }.joined(separator: "\n").write(to: prompts, atomically: true, encoding: .utf8)
        let slow = testSimulatorConfiguration(
            latency: LatencyModel(ttftMean: 0.01, ttftJitter: 0, prefillPerToken: 0, itlMean: 0.05, itlJitter: 0, outputTokensMean: 200))
        try await SimulatorServer.withRunning(slow) { endpoint in
            do {
                let mlflow = try RealService.mlflow.required()
                let experiment = "llm-client-cli-test \(UUID().uuidString.prefix(8))"
                let jsonl = directory.appendingPathComponent("run.jsonl").path
                let status = try await withBackgroundProcess(
                    TestEnvironment.cliBinary,
                    [
                        "--base-url", endpoint.baseURL, "--prompt-file", prompts.path, "--concurrent", "2", "--grace-period", "0",
                        "--quiet", "--output", jsonl, "--mlflow-uri", mlflow, "--mlflow-experiment", experiment,
                    ], stdout: FileHandle.nullDevice, stderr: FileHandle.nullDevice
                ) { child in
                    let deadline = ContinuousClock.now + .seconds(60)
                    while (try? await endpoint.metric("llmsim_requests_running")) ?? 0 < 1, ContinuousClock.now < deadline {
                        try await Task.sleep(for: .milliseconds(50))
                    }
                    child.send(SIGINT)
                    return await child.waitForExit(timeout: 180)
                }
                #expect(status == 130)
                let tracked = try await runs(mlflow, experiment: experiment)
                #expect(tracked.map(\.status) == ["KILLED"])
                #expect(tracked.first?.artifacts == ["run.jsonl"])
            }
            try await withRefusingPort { port in
                let json = directory.appendingPathComponent("kept.json").path
                let output = try await runProcess(
                    TestEnvironment.cliBinary,
                    [
                        "--base-url", endpoint.baseURL, "--prompt", "안녕하세요", "--max-tokens", "2", "--output", json,
                        "--mlflow-uri", "http://127.0.0.1:\(port)",
                    ])
                #expect(output.status == 0, "\(output.stderr)")
                #expect(output.stderr.contains("warning: not logged to MLflow"), "\(output.stderr)")
                #expect(try ResultDocument.results(path: json).count == 1)
            }
        }
    }

    @Test(.requires(.mlflow)) func aBenchSweepIsReportedAndTrackedLevelByLevel() async throws {
        let directory = try makeTemporaryDirectory("llm-client-record")
        defer { try? FileManager.default.removeItem(at: directory) }
        let json = directory.appendingPathComponent("bench.json").path
        let report = directory.appendingPathComponent("bench.html").path
        let experiment = "llm-client-cli-test \(UUID().uuidString.prefix(8))"
        let mlflow = try RealService.mlflow.required()
        try await SimulatorServer.withRunning(testSimulatorConfiguration()) { endpoint in
            let output = try await runProcess(
                TestEnvironment.cliBinary,
                [
                    "bench", "--base-url", endpoint.baseURL, "--synthetic-input-tokens", "16", "--synthetic-output-tokens", "8",
                    "--concurrent", "1,2", "--num-requests", "6", "--output", json, "--report", report,
                    "--mlflow-uri", mlflow, "--mlflow-experiment", experiment,
                ])
            #expect(output.status == 0, "\(output.stderr)")
            #expect(try String(contentsOfFile: report, encoding: .utf8).contains("<svg"))
            let run = try #require(try await runs(mlflow, experiment: experiment).first)
            #expect(run.status == "FINISHED")
            #expect(run.params["level.0"] == "c=1" && run.params["level.1"] == "c=2")
            #expect(Set(run.artifacts) == ["bench.json", "bench.html"])
        }
    }
}
