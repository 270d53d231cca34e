import Foundation
import LLMClientKit
import LLMExperiment
import LLMResults
import Testing

@testable import LLMTracking

/// What a run becomes in MLflow, without a server: keys, flattening, parameters, settings.
@Suite struct MLflowRecordTests {
    static func runInfo(baseURL: String = "http://127.0.0.1:8000/v1", promptFile: String? = "/data/prompts/korean.txt") -> RunInfo {
        RunInfo(
            baseURL: baseURL, api: "chat", model: "SmolLM2-135M-Instruct", stream: true, temperature: 0.7, maxTokens: 64,
            topP: nil, seed: 7, concurrency: 3, repeat: 2, promptFile: promptFile, promptCount: 5,
            startedAt: Timestamp(parsing: "2026-11-25T06:00:00.000Z")!, finishedAt: Timestamp(parsing: "2026-11-25T06:00:07.500Z")!,
            toolVersion: "0.6.0")
    }

    static func result(index: Int, success: Bool, latency: Double, ttft: Double?, kind: ErrorKind? = nil) -> RequestResult {
        var result = RequestResult(
            request: GenerationRequest(index: index, prompt: .text("안녕 \(index)")), model: "m",
            startedAt: Timestamp(parsing: "2026-11-25T06:00:00.000Z")!)
        result.success = success
        result.latencyS = latency
        result.ttftS = ttft
        result.itlS = success ? [0.01, 0.02] : []
        result.completionTokens = success ? 10 : nil
        result.promptTokens = success ? 4 : nil
        result.errorKind = kind
        return result
    }

    static var summary: ResultSummary {
        ResultSummary(
            results: [
                result(index: 0, success: true, latency: 1.0, ttft: 0.1), result(index: 1, success: true, latency: 2.0, ttft: 0.2),
                result(index: 2, success: false, latency: 0.5, ttft: nil, kind: .requestTimeout),
            ], durationSeconds: 4)
    }

    @Test func keysKeepWhatMLflowAcceptsAndReplaceTheRest() {
        #expect(MLflowRunRecord.sanitizedKey("latency_s.p99.9") == "latency_s.p99.9")
        #expect(MLflowRunRecord.sanitizedKey("server.vllm:num_requests_running") == "server.vllm_num_requests_running")
        #expect(MLflowRunRecord.sanitizedKey("quality/judge score-mean") == "quality/judge score-mean")
        #expect(MLflowRunRecord.sanitizedKey("품질{a=\"b\"}") == "___a__b__")
        #expect(MLflowRunRecord.sanitizedKey("") == "_")
        #expect(MLflowRunRecord.sanitizedKey(String(repeating: "k", count: 300)).count == 250)
    }

    @Test func theSummaryFlattensToEveryNumberByItsJSONPath() throws {
        let fields = Dictionary(uniqueKeysWithValues: MLflowRunRecord.numericFields(of: Self.summary).map { ($0.key, $0.value) })
        #expect(fields["total_requests"] == 3)
        #expect(fields["successful"] == 2)
        #expect(fields["failed"] == 1)
        #expect(fields["errors_by_kind.request_timeout"] == 1)
        #expect(fields["latency_s.mean"] == 1.5)
        #expect(fields["latency_s.p50"] == 1.5)
        #expect(fields["latency_s.count"] == 2)
        #expect(fields["ttft_s.max"] == 0.2)
        #expect(fields["itl_s.count"] == 4)
        #expect(fields["requests_per_second"] == 0.5)
        #expect(fields["output_tokens_per_second"] == 5)
        #expect(fields["tokens_estimated"] == 0)  // booleans are 0 or 1
        #expect(fields["tpot_s.mean"] == nil)  // no TPOT: nothing, not zero
        #expect(fields.keys.allSatisfy { MLflowRunRecord.sanitizedKey($0) == $0 })
    }

    @Test func aRunDocumentGivesItsConfigurationAsParametersAndItsSummaryAsMetrics() throws {
        var info = Self.runInfo(baseURL: "http://user:pa55word@127.0.0.1:8000/v1")
        info.interrupted = true
        info.judgeModel = "judge"
        info.judgeBaseURL = "http://127.0.0.1:9000/v1"
        info.expectations = ["contains \"서울\"", "is JSON"]
        let record = MLflowRunRecord(run: info, summary: Self.summary)
        let params = Dictionary(uniqueKeysWithValues: record.params.map { ($0.key, $0.value) })
        #expect(params["base_url"] == "http://127.0.0.1:8000/v1")
        #expect(params["judge_model"] == "judge" && params["judge_base_url"] == "http://127.0.0.1:9000/v1")
        #expect(params["expectations"] == "contains \"서울\"; is JSON")
        #expect(params["model"] == "SmolLM2-135M-Instruct")
        #expect(params["api"] == "chat")
        #expect(params["temperature"] == "0.7")
        #expect(params["max_tokens"] == "64")
        #expect(params["concurrency"] == "3")
        #expect(params["repeat"] == "2")
        #expect(params["seed"] == "7")
        #expect(params["stream"] == "true")
        #expect(params["prompt_file"] == "korean.txt")
        #expect(params["tool_version"] == "0.6.0")
        #expect(params["top_p"] == nil)
        #expect(params["started_at"] == nil && params["finished_at"] == nil)
        #expect(record.promptFilePath == "/data/prompts/korean.txt")
        let tags = Dictionary(uniqueKeysWithValues: record.tags.map { ($0.key, $0.value) })
        #expect(tags["mlflow.source.name"] == "llm-client")
        #expect(record.runName == "run SmolLM2-135M-Instruct 2026-11-25T06:00:00.000Z")
        #expect(tags["llm_client.kind"] == "run")
        #expect(tags["llm_client.interrupted"] == "true")
        let metrics = Dictionary(uniqueKeysWithValues: record.metrics.map { ($0.key, $0) })
        #expect(metrics["success_rate"]?.value == 2.0 / 3.0)
        #expect(metrics["latency_s.p99"]?.step == 0)
        #expect(record.startTime == Date(timeIntervalSince1970: 1_795_586_400))
        #expect(record.endTime == Date(timeIntervalSince1970: 1_795_586_407.5))
        for text in record.params.map(\.value) + record.tags.map(\.value) { #expect(!text.contains("pa55word")) }
    }

    @Test func longValuesAreCutAndRepeatedKeysKeptOnce() {
        var record = MLflowRunRecord(run: Self.runInfo(), summary: Self.summary)
        record.add(param: "note", String(repeating: "가", count: 7000))
        record.add(param: "model", "another")
        record.add(metric: "latency_s.p50", 99, step: 0)
        record.add(metric: "bad", .nan, step: 0)
        let note = record.params.first { $0.key == "note" }?.value ?? ""
        #expect(note.unicodeScalars.count == 6000)
        #expect(note.hasSuffix("…"))
        #expect(record.params.first { $0.key == "model" }?.value == "SmolLM2-135M-Instruct")
        #expect(record.metrics.first { $0.key == "latency_s.p50" }?.value == 1.5)
        #expect(!record.metrics.contains { $0.key == "bad" })
    }

    static let benchJSON = """
        {"run": {"base_url": "http://127.0.0.1:9/v1", "api": "completions", "model": "llm-sim", "stream": true,
                 "concurrency": 4, "repeat": 1, "prompt_count": 3, "started_at": "2026-11-25T06:00:00.000Z",
                 "finished_at": "2026-11-25T06:01:00.000Z", "tool_version": "0.6.0"},
         "bench": {"workload": "prompts.txt", "load": "concurrency 1,4"},
         "levels": [
           {"label": "concurrency 1", "temperature": 0.1, "time_series": [], "histograms": {},
            "summary": {"total_requests": 10, "successful": 10, "failed": 0, "errors_by_kind": {}, "duration_s": 10,
                        "request_throughput": 1.0, "output_token_throughput": 16, "total_token_throughput": 20,
                        "input_tokens": 40, "output_tokens": 160, "max_in_flight": 1,
                        "e2e_s": {"count": 10, "mean": 1, "min": 0.9, "max": 1.1, "p50": 1, "p90": 1.1, "p95": 1.1, "p99": 1.1, "p99.9": 1.1}}},
           {"label": "concurrency 4", "temperature": 0.9, "time_series": [], "histograms": {},
            "summary": {"total_requests": 10, "successful": 8, "failed": 2, "errors_by_kind": {"http_status": 2}, "duration_s": 5,
                        "request_throughput": 1.6, "output_token_throughput": 25.6, "total_token_throughput": 32,
                        "input_tokens": 32, "output_tokens": 128, "max_in_flight": 4,
                        "e2e_s": {"count": 8, "mean": 2, "min": 1.5, "max": 2.5, "p50": 2, "p90": 2.4, "p95": 2.5, "p99": 2.5, "p99.9": 2.5}}}
         ],
         "saturation_level": "concurrency 1",
         "server_metric_changes": {"vllm:num_requests_running": 0, "vllm:prompt_tokens_total": 72}}
        """

    @Test func aBenchSweepLogsEachLevelAtItsOwnStep() throws {
        let document = try JSONDecoder().decode(BenchDocument.self, from: Data(Self.benchJSON.utf8))
        let record = MLflowRunRecord(document: document)
        #expect(record.kind == "bench")
        let params = Dictionary(uniqueKeysWithValues: record.params.map { ($0.key, $0.value) })
        #expect(params["bench.workload"] == "prompts.txt")
        #expect(params["level.0"] == "concurrency 1")
        #expect(params["level.1"] == "concurrency 4")
        #expect(params["saturation_level"] == "concurrency 1")
        #expect(params["concurrency"] == "4")
        func values(_ key: String) -> [Int: Double] {
            Dictionary(uniqueKeysWithValues: record.metrics.filter { $0.key == key }.map { ($0.step, $0.value) })
        }
        #expect(values("request_throughput") == [0: 1.0, 1: 1.6])
        #expect(values("e2e_s.p99.9") == [0: 1.1, 1: 2.5])
        #expect(values("success_rate") == [0: 1.0, 1: 0.8])
        #expect(values("errors_by_kind.http_status") == [1: 2])
        #expect(values("level.temperature") == [0: 0.1, 1: 0.9])
        #expect(values("server.vllm_prompt_tokens_total") == [0: 72])
    }

    @Test func theStatusFollowsHowTheRunEnded() {
        #expect(MLflowRunStatus(interrupted: false, completed: true) == .finished)
        #expect(MLflowRunStatus(interrupted: false, completed: false) == .failed)
        #expect(MLflowRunStatus(interrupted: true, completed: false) == .killed)
        #expect(MLflowRunStatus(interrupted: true, completed: true) == .killed)
        #expect(MLflowRunStatus.allCases.map(\.rawValue) == ["FINISHED", "FAILED", "KILLED"])
    }

    @Test func settingsComeFromTheFlagsOrMLflowsEnvironment() throws {
        #expect(try MLflowSettings.fromEnvironment(environment: [:]) == nil)
        let fromEnvironment = try #require(
            try MLflowSettings.fromEnvironment(environment: [
                "MLFLOW_TRACKING_URI": "http://mlflow.internal:5000/", "MLFLOW_EXPERIMENT_NAME": "nightly", "MLFLOW_TRACKING_TOKEN": "tok",
            ]))
        #expect(fromEnvironment.trackingURI == "http://mlflow.internal:5000")
        #expect(fromEnvironment.experimentName == "nightly")
        #expect(fromEnvironment.authorization == "Bearer tok")
        #expect(fromEnvironment.connectTimeout == .seconds(5) && fromEnvironment.requestTimeout == .seconds(30))
        let fromFlags = try #require(
            try MLflowSettings.fromEnvironment(
                trackingURI: "https://alice:s%40cret@mlflow.example/prefix", experimentName: "temps", runName: "t0.1",
                environment: ["MLFLOW_TRACKING_URI": "http://ignored:1", "MLFLOW_EXPERIMENT_NAME": "ignored"]))
        #expect(fromFlags.trackingURI == "https://mlflow.example/prefix")
        #expect(fromFlags.experimentName == "temps")
        #expect(fromFlags.runName == "t0.1")
        #expect(fromFlags.authorization == "Basic " + Data("alice:s@cret".utf8).base64EncodedString())
        #expect(try MLflowSettings(trackingURI: "http://h:1").experimentName == "llm-client")
        for bad in ["mlruns", "file:///tmp/mlruns", "databricks", "http://"] {
            #expect(throws: MLflowError.self) { try MLflowSettings(trackingURI: bad) }
        }
        do throws(MLflowError) {
            _ = try MLflowSettings(trackingURI: "./mlruns")
        } catch {
            #expect(error.code == .configuration)
            #expect(error.description.contains("./mlruns") && error.description.contains("http://"))
        }
    }

    @Test func artifactURIsMapToTheProxysPaths() {
        #expect(MLflowTracker.proxyPath(ofArtifactURI: "mlflow-artifacts:/1/abc/artifacts") == "1/abc/artifacts")
        #expect(MLflowTracker.proxyPath(ofArtifactURI: "mlflow-artifacts://127.0.0.1:5000/7/def/artifacts/") == "7/def/artifacts")
        #expect(MLflowTracker.proxyPath(ofArtifactURI: "file:///tmp/mlruns/1/abc/artifacts") == nil)
        #expect(MLflowTracker.proxyPath(ofArtifactURI: "s3://bucket/1/abc/artifacts") == nil)
    }

    @Test func sha256MatchesTheStandardVectors() {
        #expect(SHA256.hexDigest([UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hexDigest(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            SHA256.hexDigest(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(
            SHA256.hexDigest([UInt8](repeating: 0x61, count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }
}
