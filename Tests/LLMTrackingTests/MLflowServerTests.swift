import Foundation
import LLMClientKit
import LLMExperiment
import LLMResults
import LLMSimulator
import TestSupport
import Testing

@testable import LLMTracking

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Tracking against a real MLflow tracking server started by `scripts/test.sh`
/// (`LLM_CLIENT_MLFLOW_URL`), checked through MLflow's own REST API; and the failures to reach one.
@Suite(.serialized) struct MLflowServerTests {
    /// Runs `body` with the MLflow server's URL (tests that call it are marked `.requires(.mlflow)`).
    private func withMLflow(_ body: (String) async throws -> Void) async throws {
        try await body(try RealService.mlflow.required())
    }

    private func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("llm-client-mlflow-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    private func uniqueExperiment(_ name: String) -> String { "llm-client-test \(name) \(UUID().uuidString.prefix(8))" }

    /// A REST call straight to MLflow (not through the code under test): status and body.
    private func call(_ url: String, method: String = "GET", json: [String: Any]? = nil) async throws -> (status: Int, body: Data) {
        var request = URLRequest(url: try #require(URL(string: url)))
        request.httpMethod = method
        if let json {
            request.httpBody = try JSONSerialization.data(withJSONObject: json)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
    }

    private func jsonObject(_ data: Data) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// `runs/get`: the raw body, the info, and params, tags and (latest) metrics by key.
    private func getRun(_ base: String, _ runID: String) async throws
        -> (body: Data, info: [String: Any], params: [String: String], tags: [String: String], metrics: [String: Double])
    {
        let (status, body) = try await call("\(base)/api/2.0/mlflow/runs/get?run_id=\(runID)")
        #expect(status == 200)
        let run = try #require(try jsonObject(body)["run"] as? [String: Any])
        let info = try #require(run["info"] as? [String: Any])
        let data = run["data"] as? [String: Any] ?? [:]
        func pairs(_ name: String) -> [String: String] {
            Dictionary(
                ((data[name] as? [[String: Any]]) ?? []).compactMap { entry in
                    (entry["key"] as? String).map { ($0, entry["value"] as? String ?? "") }
                }, uniquingKeysWith: { first, _ in first })
        }
        let metrics = Dictionary(
            ((data["metrics"] as? [[String: Any]]) ?? []).compactMap { entry -> (String, Double)? in
                guard let key = entry["key"] as? String, let value = entry["value"] as? Double else { return nil }
                return (key, value)
            }, uniquingKeysWith: { first, _ in first })
        return (body, info, pairs("params"), pairs("tags"), metrics)
    }

    @Test(.requires(.mlflow)) func aRealRunIsRecordedWithItsParametersMetricsArtifactsAndStatus() async throws {
        try await withMLflow { mlflowURL in
            let directory = try temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let secret = "sk-mlflow-test-7c1d9e2f4a"
            let promptFile = directory.appendingPathComponent("prompts.txt").path
            try "인공지능을 설명해주세요\n서울의 날씨는?\nWhat is 2+2?\n".write(toFile: promptFile, atomically: true, encoding: .utf8)
            let outputs: [(path: String, format: OutputFormat)] = [
                (directory.appendingPathComponent("결과.json").path, .json), (directory.appendingPathComponent("results.csv").path, .csv),
                (directory.appendingPathComponent("results.jsonl").path, .jsonl),
            ]
            let outcome = try await SimulatorServer.withRunning(testSimulatorConfiguration(apiKey: secret)) { endpoint in
                try await LLMClient.withClient(ClientConfiguration(baseURL: endpoint.baseURL, apiKey: secret, requestTimeout: .seconds(30))) {
                    client in
                    let plan = ExperimentPlan(
                        prompts: try PromptFile.load(path: promptFile), promptFile: promptFile, repeatCount: 2, concurrency: 2,
                        parameters: GenerationParameters(temperature: 0.3, maxTokens: 16), outputs: outputs)
                    return try await ExperimentRunner.run(plan, client: client, toolVersion: "0.0.0-test")
                }
            }
            #expect(outcome.summary.successful == 6, "\(outcome.summary.errorsByKind)")
            let report = directory.appendingPathComponent("report.html").path
            try "<html><body>보고서 \(outcome.run.model)</body></html>".write(toFile: report, atomically: true, encoding: .utf8)
            let files = outputs.map(\.path) + [report]

            let experiment = uniqueExperiment("run")
            let tracker = MLflowTracker(settings: try MLflowSettings(trackingURI: mlflowURL, experimentName: experiment))
            // What the JSON result file holds, as a later `llm-client` step would read it back.
            let document = try JSONDecoder().decode(RunDocument.self, from: Data(contentsOf: URL(fileURLWithPath: outputs[0].path)))
            let reference = try await tracker.logRun(
                document: document, resultFiles: files,
                status: .finished)
            #expect(reference.webURL == "\(mlflowURL)/#/experiments/\(reference.experimentID)/runs/\(reference.runID)")

            let encodedExperiment = experiment.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            let (found, experimentBody) = try await call(
                "\(mlflowURL)/api/2.0/mlflow/experiments/get-by-name?experiment_name=\(encodedExperiment)")
            #expect(found == 200)
            #expect((try jsonObject(experimentBody)["experiment"] as? [String: Any])?["experiment_id"] as? String == reference.experimentID)

            let run = try await getRun(mlflowURL, reference.runID)
            #expect(run.info["status"] as? String == "FINISHED")
            #expect(run.info["run_name"] as? String == "run llm-sim \(outcome.run.startedAt)")
            #expect((run.info["end_time"] as? Int ?? 0) >= (run.info["start_time"] as? Int ?? .max))
            #expect(run.info["artifact_uri"] as? String == reference.artifactURI)
            #expect(run.params["model"] == "llm-sim")
            #expect(run.params["base_url"] == outcome.run.baseURL)
            #expect(run.params["api"] == "completions")
            #expect(run.params["temperature"] == "0.3")
            #expect(run.params["max_tokens"] == "16")
            #expect(run.params["concurrency"] == "2")
            #expect(run.params["repeat"] == "2")
            #expect(run.params["prompt_file"] == "prompts.txt")
            #expect(run.params["prompt_file_sha256"] == SHA256.hexDigest(Array(try Data(contentsOf: URL(fileURLWithPath: promptFile)))))
            #expect(run.params["tool_version"] == "0.0.0-test")
            #expect(run.tags["mlflow.source.name"] == "llm-client")
            #expect(run.tags["mlflow.runName"] == run.info["run_name"] as? String)
            #expect(run.metrics["total_requests"] == 6)
            #expect(run.metrics["successful"] == 6)
            #expect(run.metrics["success_rate"] == 1)
            // Foundation's JSON decoding on Linux may be off by an ulp: compare to 1e-12.
            func close(_ key: String, _ expected: Double?) {
                guard let value = run.metrics[key], let expected else {
                    Issue.record("\(key) is missing")
                    return
                }
                #expect(abs(value - expected) <= 1e-12 * abs(expected), "\(key): \(value) vs \(expected)")
            }
            close("latency_s.p50", outcome.summary.latencyS?.p50)
            close("ttft_s.p99", outcome.summary.ttftS?.p99)
            close("itl_s.mean", outcome.summary.itlS?.mean)
            close("output_tokens_per_second", outcome.summary.outputTokensPerSecond)

            let (listed, listBody) = try await call("\(mlflowURL)/api/2.0/mlflow/artifacts/list?run_id=\(reference.runID)")
            #expect(listed == 200)
            let artifacts = ((try jsonObject(listBody)["files"] as? [[String: Any]]) ?? []).compactMap { $0["path"] as? String }
            #expect(Set(artifacts) == ["결과.json", "results.csv", "results.jsonl", "report.html"])
            var sent = [run.body, experimentBody, listBody]
            for file in files {
                let name = (file as NSString).lastPathComponent
                let encoded = name.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: ".-_"))) ?? name
                let (status, contents) = try await call(
                    "\(mlflowURL)/api/2.0/mlflow-artifacts/artifacts/\(reference.experimentID)/\(reference.runID)/artifacts/\(encoded)")
                #expect(status == 200)
                #expect(contents == (try Data(contentsOf: URL(fileURLWithPath: file))), "\(name) differs from the local file")
                sent.append(contents)
            }
            // The LLM server's API key is nowhere in what MLflow now holds.
            for body in sent { #expect(!String(decoding: body, as: UTF8.self).contains(secret)) }
        }
    }

    @Test(.requires(.mlflow)) func anExistingExperimentIsFoundByNameAndAnInterruptedRunEndsKilled() async throws {
        try await withMLflow { mlflowURL in
            let experiment = uniqueExperiment("reuse")
            let settings = try MLflowSettings(trackingURI: mlflowURL, experimentName: experiment, runName: "named by hand")
            let tracker = MLflowTracker(settings: settings)
            var info = MLflowRecordTests.runInfo()
            let first = try await tracker.logRun(
                run: info, summary: MLflowRecordTests.summary, resultFiles: [], status: .finished)
            info.interrupted = true
            let second = try await tracker.logRun(
                run: info, summary: MLflowRecordTests.summary, resultFiles: [],
                status: MLflowRunStatus(interrupted: true, completed: false))
            #expect(first.experimentID == second.experimentID)
            #expect(first.runID != second.runID)
            let firstRun = try await getRun(mlflowURL, first.runID)
            let secondRun = try await getRun(mlflowURL, second.runID)
            #expect(firstRun.info["status"] as? String == "FINISHED")
            #expect(secondRun.info["status"] as? String == "KILLED")
            #expect(secondRun.info["run_name"] as? String == "named by hand")
            #expect(secondRun.tags["llm_client.interrupted"] == "true")
            #expect(secondRun.metrics["errors_by_kind.request_timeout"] == 1)
            #expect(secondRun.params["prompt_file_sha256"] == nil)  // the file is not there to hash
        }
    }

    @Test(.requires(.mlflow)) func aBenchSweepHasOneStepPerLevel() async throws {
        try await withMLflow { mlflowURL in
            let document = try JSONDecoder().decode(BenchDocument.self, from: Data(MLflowRecordTests.benchJSON.utf8))
            let tracker = MLflowTracker(settings: try MLflowSettings(trackingURI: mlflowURL, experimentName: uniqueExperiment("bench")))
            let reference = try await tracker.logBench(document: document, resultFiles: [], status: .finished)
            let (status, body) = try await call(
                "\(mlflowURL)/api/2.0/mlflow/metrics/get-history?run_id=\(reference.runID)&metric_key=request_throughput")
            #expect(status == 200)
            let history = ((try jsonObject(body)["metrics"] as? [[String: Any]]) ?? []).compactMap { entry -> (Int, Double)? in
                guard let step = entry["step"] as? Int, let value = entry["value"] as? Double else { return nil }
                return (step, value)
            }
            #expect(history.sorted { $0.0 < $1.0 }.map(\.0) == [0, 1])
            #expect(history.sorted { $0.0 < $1.0 }.map(\.1) == [1.0, 1.6])
            let run = try await getRun(mlflowURL, reference.runID)
            #expect(run.params["level.1"] == "concurrency 4")
            #expect(run.params["bench.load"] == "concurrency 1,4")
            #expect(run.tags["llm_client.kind"] == "bench")
            #expect(run.metrics["server.vllm_prompt_tokens_total"] == 72)
        }
    }

    @Test(.requires(.mlflow)) func largeRecordsAreSentInBatchesWithinMLflowsLimits() async throws {
        try await withMLflow { mlflowURL in
            var record = MLflowRunRecord(run: MLflowRecordTests.runInfo(), summary: MLflowRecordTests.summary)
            for index in 0..<230 { record.add(param: "extra.\(index)", String(index)) }
            for index in 0..<2100 { record.add(metric: "extra.metric_\(index)", Double(index), step: 0) }
            let tracker = MLflowTracker(settings: try MLflowSettings(trackingURI: mlflowURL, experimentName: uniqueExperiment("batches")))
            let reference = try await tracker.log(record, resultFiles: [], status: .finished)
            let run = try await getRun(mlflowURL, reference.runID)
            #expect(run.params.count == record.params.count)
            #expect(run.metrics.count == record.metrics.count)
            #expect(run.params["extra.229"] == "229")
            #expect(run.metrics["extra.metric_2099"] == 2099)
        }
    }

    @Test(.requires(.mlflow)) func mlflowsErrorsAreReportedAndAFailedUploadLeavesTheRunFinishedWithAWarning() async throws {
        try await withMLflow { mlflowURL in
            let settings = try MLflowSettings(trackingURI: mlflowURL, experimentName: uniqueExperiment("errors"))
            do throws(MLflowError) {
                _ = try await MLflowRESTClient.withClient(settings) { client throws(MLflowError) in
                    try await client.getData("runs/get", query: [("run_id", "0123456789abcdef")], operation: "read the run")
                }
                Issue.record("a missing run was found")
            } catch {
                #expect(error.code == .http && error.httpStatus == 404 && error.serverErrorCode == "RESOURCE_DOES_NOT_EXIST")
                #expect(error.description.hasPrefix("MLflow tracking at \(mlflowURL): cannot read the run: HTTP 404 RESOURCE_DOES_NOT_EXIST"))
            }

            let tracker = MLflowTracker(settings: settings)
            let info = MLflowRecordTests.runInfo()
            let summary = MLflowRecordTests.summary
            let missing = "/nonexistent/llm-client/results.csv"
            // Only the upload failed: the run is complete without its files, and says so.
            let withoutFiles = try await tracker.logRun(run: info, summary: summary, resultFiles: [missing], status: .finished)
            let warning = try #require(withoutFiles.artifactWarning, "a missing result file was uploaded")
            #expect(warning.code == .file && warning.runID == withoutFiles.runID)
            #expect(warning.description.contains(missing))
            let run = try await getRun(mlflowURL, withoutFiles.runID)
            #expect(run.info["status"] as? String == "FINISHED")
            #expect(run.tags["llm_client.artifacts"] == "not uploaded")
            #expect(run.metrics["total_requests"] == 3)

            // A deleted experiment is named as such instead of failing obscurely at runs/create.
            let experiment = uniqueExperiment("deleted")
            let deleted = MLflowTracker(settings: try MLflowSettings(trackingURI: mlflowURL, experimentName: experiment))
            let reference = try await deleted.logRun(run: info, summary: summary, resultFiles: [], status: .finished)
            let (status, _) = try await call(
                "\(mlflowURL)/api/2.0/mlflow/experiments/delete", method: "POST", json: ["experiment_id": reference.experimentID])
            #expect(status == 200)
            do throws(MLflowError) {
                try await deleted.logRun(run: info, summary: summary, resultFiles: [], status: .finished)
                Issue.record("a run was logged into a deleted experiment")
            } catch {
                #expect(error.code == .configuration)
                #expect(error.description.contains(experiment) && error.description.contains("deleted"))
            }
        }
    }

    /// A server started with a local `--default-artifact-root` hands out artifact paths only its
    /// Python client can write: the run's parameters and metrics are logged all the same, so it
    /// ends FINISHED with a tag saying the files were not uploaded, and the warning comes back.
    @Test(.requires(.mlflow, .python)) func aServerWithLocalArtifactsFinishesTheRunWithoutItsFiles() async throws {
        try await withMLflow { _ in
            let python = try RealService.python.required()
            let directory = try temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let port = try await freePort(python: python)
            let url = "http://127.0.0.1:\(port)"
            let log = try FileHandle(
                forWritingTo: {
                    let path = directory.appendingPathComponent("server.log")
                    FileManager.default.createFile(atPath: path.path, contents: nil)
                    return path
                }())
            try await withBackgroundProcess(
                URL(fileURLWithPath: python),
                [
                    "-m", "mlflow", "server", "--host", "127.0.0.1", "--port", String(port), "--workers", "1",
                    "--backend-store-uri", "sqlite:///\(directory.path)/mlflow.db",
                    "--default-artifact-root", directory.appendingPathComponent("artifacts").path,
                ],
                stdout: log, stderr: log
            ) { _ in
                try await waitUntilHealthy(url)
                let results = directory.appendingPathComponent("results.json").path
                try Data("{}".utf8).write(to: URL(fileURLWithPath: results))
                let tracker = MLflowTracker(settings: try MLflowSettings(trackingURI: url, experimentName: uniqueExperiment("local artifacts")))
                let reference = try await tracker.logRun(
                    run: MLflowRecordTests.runInfo(), summary: MLflowRecordTests.summary, resultFiles: [results], status: .finished)
                let warning = try #require(reference.artifactWarning, "the upload to a local artifact root should have failed")
                #expect(warning.code == .configuration && warning.runID == reference.runID)
                #expect(warning.description.contains("--serve-artifacts"))
                let run = try await getRun(url, reference.runID)
                #expect(run.info["status"] as? String == "FINISHED")
                #expect(run.tags["llm_client.artifacts"] == "not uploaded")
                #expect(run.tags["llm_client.artifacts_warning"] == warning.description)
                #expect(run.metrics["total_requests"] == 3 && run.params["model"] != nil)
            }
        }
    }

    /// A loopback port nothing listens on now (the OS's choice, asked through Python).
    private func freePort(python: String) async throws -> Int {
        let output = try await runProcess(
            URL(fileURLWithPath: python),
            ["-c", "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"])
        return try #require(Int(output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    /// Waits up to five minutes (a new SQLite store's migrations are slow on a busy machine) for
    /// `/health` of the MLflow server at `url` to answer 200.
    private func waitUntilHealthy(_ url: String) async throws {
        let deadline = ContinuousClock.now + .seconds(300)
        while ContinuousClock.now < deadline {
            if let (status, _) = try? await call("\(url)/health"), status == 200 { return }
            try await Task.sleep(for: .milliseconds(500))
        }
        Issue.record("the MLflow server at \(url) did not become healthy within 300 s")
        throw CancellationError()
    }

    @Test func anUnreachableServerGivesAClearErrorNamingItsURL() async throws {
        try await withRefusingPort { closedPort in
            let url = "http://127.0.0.1:\(closedPort)"
            let tracker = MLflowTracker(settings: try MLflowSettings(trackingURI: url, experimentName: "anything"))
            do throws(MLflowError) {
                try await tracker.logRun(
                    run: MLflowRecordTests.runInfo(), summary: MLflowRecordTests.summary,
                    resultFiles: [], status: .finished)
                Issue.record("logging to a closed port succeeded")
            } catch {
                #expect(error.code == .unreachable)
                #expect(error.runID == nil)
                #expect(
                    error.description == "MLflow tracking at \(url): cannot find experiment 'anything': "
                        + "connection refused: nothing is listening there (is `mlflow server` running?)")
            }
        }
    }

    @Test func aServerThatIsNotMLflowGivesItsHTTPStatus() async throws {
        try await SimulatorServer.withRunning(testSimulatorConfiguration()) { endpoint in
            let tracker = MLflowTracker(settings: try MLflowSettings(trackingURI: endpoint.rootURL, experimentName: "anything"))
            do throws(MLflowError) {
                try await tracker.logRun(
                    run: MLflowRecordTests.runInfo(), summary: MLflowRecordTests.summary,
                    resultFiles: [], status: .finished)
                Issue.record("the simulator passed for MLflow")
            } catch {
                #expect(error.code == .http && error.httpStatus == 404 && error.serverErrorCode == nil)
                #expect(error.description.hasPrefix("MLflow tracking at \(endpoint.rootURL): cannot find experiment 'anything': HTTP 404"))
            }
        }
    }
}
