import Foundation
import LLMExperiment
import LLMResults
import LLMSimulator
import TestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Quality evaluation from the command line against the simulator: expectations and
/// `--fail-on-assert`, consistency across repeats, and a judge (a second simulator answering with a
/// fixed verdict, on its own port with its own API key).
@Suite struct QualityCommandTests {
    private func run(_ arguments: [String], environment: [String: String] = [:], timeout: Double = 120) async throws -> ProcessOutput {
        try await runProcess(TestEnvironment.cliBinary, arguments, environment: environment, timeout: timeout)
    }

    private func document(_ path: String) throws -> RunDocument {
        try JSONDecoder().decode(RunDocument.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// The simulator answering every request with `reply`.
    private func replying(_ reply: String, apiKey: String? = nil, model: String = "llm-sim") -> SimulatorConfiguration {
        var configuration = testSimulatorConfiguration(apiKey: apiKey, models: [model])
        configuration.reply = reply
        return configuration
    }

    @Test func expectationsFromThePromptFileAndTheCommandLine() async throws {
        let directory = try makeTemporaryDirectory("llm-client-quality")
        defer { try? FileManager.default.removeItem(at: directory) }
        let prompts = directory.appendingPathComponent("prompts.jsonl")
        try """
        {"id": "capital", "prompt": "한국의 수도는? JSON으로 답하세요.", "expect_contains": "서울", "expect_json": true}
        {"id": "exact", "prompt": "Answer with the city only.", "expect_equals": "부산"}
        {"id": "free", "prompt": "Anything."}
        """.write(to: prompts, atomically: true, encoding: .utf8)
        let json = directory.appendingPathComponent("run.json").path
        let csv = directory.appendingPathComponent("run.csv").path
        try await SimulatorServer.withRunning(replying(#"{"answer": "서울", "confidence": 0.9}"#)) { endpoint in
            let base = [
                "--base-url", endpoint.baseURL, "--prompt-file", prompts.path, "--repeat", "2", "--concurrent", "3", "--expect-regex", "answer",
            ]
            let output = try await run(base + ["--output", json, "--output", csv])
            #expect(output.status == 0, "failed expectations alone do not fail the run: \(output.stderr)")
            #expect(output.stdout.contains("Assertions:        4/6 passed (66.7%)"), "\(output.stdout)")
            #expect(output.stdout.contains("#1 [exact]: is not equal to \"부산\""), "\(output.stdout)")

            let saved = try document(json)
            #expect(saved.run.expectations == ["matches /answer/"] && saved.run.judgeModel == nil)
            #expect(saved.results.map(\.assertionsPassed) == [true, false, true, true, false, true])
            #expect(saved.results[1].assertionFailures == ["is not equal to \"부산\""])
            #expect(saved.results[2].assertionFailures == [], "the --expect-regex applies to every prompt")
            #expect(saved.summary.quality?.assertionPassRate == 4.0 / 6)
            let rows = try ResultWriter.readCSV(path: csv).sorted { Int($0["index"] ?? "") ?? 0 < Int($1["index"] ?? "") ?? 0 }
            #expect(rows.map { $0["assertions_passed"] } == ["true", "false", "true", "true", "false", "true"])
            #expect(rows[1]["assertion_failures"] == "is not equal to \"부산\"")

            // --fail-on-assert: exit status 4, every result still saved.
            let strict = directory.appendingPathComponent("strict.jsonl").path
            let failing = try await run(base + ["--fail-on-assert", "--quiet", "--output", strict])
            #expect(failing.status == 4, "\(failing.stderr)")
            #expect(failing.stderr.contains("2 of 6 answers failed their expectations"), "\(failing.stderr)")
            #expect(try ResultDocument.results(path: strict).count == 6)
            let passing = try await run(["--base-url", endpoint.baseURL, "--prompt", "x", "--expect-json", "--fail-on-assert", "--quiet"])
            #expect(passing.status == 0, "\(passing.stderr)")
        }
    }

    @Test func consistencyAcrossRepeatsFallsWithTheTemperature() async throws {
        let directory = try makeTemporaryDirectory("llm-client-quality")
        defer { try? FileManager.default.removeItem(at: directory) }
        let json = directory.appendingPathComponent("run.json").path
        let prompts = TestEnvironment.packageRoot.appendingPathComponent("examples/prompts.txt").path
        try await SimulatorServer.withRunning(testSimulatorConfiguration()) { endpoint in
            let output = try await run([
                "--base-url", endpoint.baseURL, "--prompt-file", prompts, "--repeat", "5", "--concurrent", "4",
                "--temperature", "0,1.5", "--output", json,
            ])
            #expect(output.status == 0, "\(output.stderr)")
            #expect(output.stdout.contains("CONSISTENCY ACROSS REPEATS") && output.stdout.contains("identical"))
            let saved = try document(json)
            let cold = try #require(saved.settings?.first { $0.setting == "temperature=0.0" }?.summary.quality?.consistency)
            let hot = try #require(saved.settings?.first { $0.setting == "temperature=1.5" }?.summary.quality?.consistency)
            #expect(cold.prompts == 10 && cold.identicalShare == 1 && cold.distinctOutputs == 1 && cold.meanSimilarity == 1)
            #expect(hot.prompts == 10 && hot.identicalShare < 1 && hot.distinctOutputs > 1 && hot.meanSimilarity < cold.meanSimilarity)
            let overall = try #require(saved.summary.quality?.consistency)
            #expect(overall.perPrompt.count == 20, "each setting's prompts on their own")
            #expect(overall.perPrompt.allSatisfy { $0.answers == 5 })
        }
    }

    @Test func aJudgeOnAnotherServerScoresEveryAnswerWithItsOwnKey() async throws {
        let directory = try makeTemporaryDirectory("llm-client-quality")
        defer { try? FileManager.default.removeItem(at: directory) }
        let json = directory.appendingPathComponent("judged.json").path
        let verdict = #"{"score": 8, "reason": "정확하고 완결된 답변"}"#
        try await SimulatorServer.withRunning(testSimulatorConfiguration(apiKey: "main-key")) { main in
            try await SimulatorServer.withRunning(replying(verdict, apiKey: "judge-key", model: "judge-sim")) { judge in
                let jsonl = directory.appendingPathComponent("judged.jsonl").path
                let arguments = [
                    "--base-url", main.baseURL, "--prompt-file", TestEnvironment.packageRoot.appendingPathComponent("examples/prompts.txt").path,
                    "--concurrent", "4", "--judge-model", "judge-sim", "--judge-base-url", judge.baseURL, "--output", json, "--output", jsonl,
                ]
                let output = try await run(arguments, environment: ["OPENAI_API_KEY": "main-key", "LLM_CLIENT_JUDGE_API_KEY": "judge-key"])
                #expect(output.status == 0, "\(output.stderr)")
                #expect(output.stdout.contains("Judge (1-10):      8.00 mean of 10 (min 8, max 8)"), "\(output.stdout)")
                let saved = try document(json)
                #expect(saved.results.allSatisfy { $0.judgeScore == 8 && $0.judgeReason == "정확하고 완결된 답변" && $0.judgeError == nil })
                #expect(saved.run.judgeModel == "judge-sim" && saved.run.judgeBaseURL == judge.baseURL && saved.run.judgeLanguage == "auto")
                #expect(saved.summary.quality?.judgeMeanScore == 8)
                #expect(!output.stderr.contains("note: the judge asks the server being measured"))
                // Each result reaches the JSONL file as its request finishes, and again once judged.
                let lines = try String(contentsOfFile: jsonl, encoding: .utf8).split(separator: "\n")
                #expect(lines.count == 20 && lines.filter { $0.contains("\"judge_score\"") }.count == 10)

                // The measured server's key never goes to the judge's server: without the judge's
                // own key, the judge refuses and every answer says why it has no score.
                let unkeyed = directory.appendingPathComponent("unkeyed.json").path
                let refused = try await run(
                    [
                        "--base-url", main.baseURL, "--prompt", "광합성이란?", "--judge-model", "judge-sim", "--judge-base-url", judge.baseURL,
                        "--retries", "0", "--output", unkeyed, "--quiet",
                    ],
                    environment: ["OPENAI_API_KEY": "main-key"])
                #expect(refused.status == 0, "a judge failure does not fail the run: \(refused.stderr)")
                let result = try #require(try document(unkeyed).results.first)
                #expect(result.success && result.judgeScore == nil)
                #expect(result.judgeError?.contains("401") == true, "\(result.judgeError ?? "nil")")
                #expect(refused.stdout.contains("1 without a score"), "\(refused.stdout)")
                #expect(
                    refused.stderr.contains("warning: 1 answer without the judge's score; the first: the judge's request failed: HTTP 401"),
                    "\(refused.stderr)")
            }
        }
    }

    @Test func aJudgeOnTheMeasuredServerAndAReplyWithoutAScore() async throws {
        let directory = try makeTemporaryDirectory("llm-client-quality")
        defer { try? FileManager.default.removeItem(at: directory) }
        let rubric = directory.appendingPathComponent("rubric.txt")
        try "Only factual accuracy counts.".write(to: rubric, atomically: true, encoding: .utf8)
        // One server answers both the prompts and the judge: "I'd say 7/10." is a readable verdict.
        try await SimulatorServer.withRunning(replying("I'd say 7/10.")) { endpoint in
            let json = directory.appendingPathComponent("same.json").path
            let jsonl = directory.appendingPathComponent("same.jsonl").path
            let output = try await run([
                "--base-url", endpoint.baseURL, "--prompt", "What is 2+2?", "--repeat", "3", "--judge-model", "llm-sim",
                "--judge-rubric", rubric.path, "--judge-language", "en", "--output", json, "--output", jsonl,
            ])
            #expect(output.status == 0, "\(output.stderr)")
            #expect(output.stderr.contains("note: the judge asks the server being measured"), "\(output.stderr)")
            let saved = try document(json)
            #expect(saved.results.map(\.judgeScore) == [7, 7, 7])
            #expect(saved.summary.quality?.consistency?.identicalShare == 1)
            // The JSONL file has each result as its request finished, then again once judged.
            let lines = try String(contentsOfFile: jsonl, encoding: .utf8).split(separator: "\n")
            #expect(lines.count == 6 && lines.prefix(3).allSatisfy { !$0.contains("judge_score") })
            #expect(try ResultDocument.results(path: jsonl).map(\.judgeScore) == [7, 7, 7])
        }
        // The same server under another spelling of its address is still the measured server.
        try await SimulatorServer.withRunning(replying("I'd say 7/10.")) { endpoint in
            let localhost = endpoint.baseURL.replacingOccurrences(of: "127.0.0.1", with: "localhost") + "/"
            let output = try await run(["--base-url", endpoint.baseURL, "--prompt", "x", "--judge-model", "llm-sim", "--judge-base-url", localhost])
            #expect(output.status == 0 && output.stderr.contains("note: the judge asks the server being measured"), "\(output.stderr)")
        }
        try await SimulatorServer.withRunning(replying("I cannot judge this.")) { endpoint in
            let json = directory.appendingPathComponent("unscored.json").path
            let output = try await run(["--base-url", endpoint.baseURL, "--prompt", "x", "--judge-model", "llm-sim", "--output", json, "--quiet"])
            #expect(output.status == 0, "\(output.stderr)")
            let result = try #require(try document(json).results.first)
            #expect(result.judgeError == "no score from 1 to 10 in the judge's reply: \"I cannot judge this.\"")
            #expect(try document(json).summary.quality?.judgeErrors == 1)
        }
    }

    @Test func aJudgeServerThatRefusesStructuredOutputIsAskedWithoutIt() async throws {
        // A judge server without `response_format` support, as some OpenAI-compatible servers are:
        // 400 for a request that has it, a verdict otherwise; GET /counts tells what it received.
        let script = """
            import http.server, json
            counts = {"with_schema": 0, "without_schema": 0}
            class Judge(http.server.BaseHTTPRequestHandler):
                def reply(self, status, payload):
                    body = json.dumps(payload).encode()
                    self.send_response(status); self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
                def do_GET(self):
                    self.reply(200, counts)
                def do_POST(self):
                    request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                    if "response_format" in request:
                        counts["with_schema"] += 1
                        return self.reply(400, {"error": {"message": "response_format is not supported", "type": "invalid_request_error"}})
                    counts["without_schema"] += 1
                    self.reply(200, {"id": "j", "object": "chat.completion", "created": 0, "model": request["model"],
                        "choices": [{"index": 0, "message": {"role": "assistant", "content": "Score: 6. Mostly right."}, "finish_reason": "stop"}],
                        "usage": {"prompt_tokens": 10, "completion_tokens": 6, "total_tokens": 16}})
                def log_message(self, *args): pass
            server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Judge)
            print(server.server_address[1], flush=True)
            server.serve_forever()
            """
        let directory = try makeTemporaryDirectory("llm-client-quality")
        defer { try? FileManager.default.removeItem(at: directory) }
        let json = directory.appendingPathComponent("judged.json").path
        try await SimulatorServer.withRunning(testSimulatorConfiguration()) { main in
            try await withBackgroundProcess(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", script]) { judge in
                let port = try #require(Int(await judge.readLine().trimmingCharacters(in: .whitespaces)), "the judge server printed no port")
                let output = try await run([
                    "--base-url", main.baseURL, "--prompt", "광합성이란?", "--repeat", "3", "--judge-model", "judge",
                    "--judge-base-url", "http://127.0.0.1:\(port)/v1", "--output", json, "--quiet",
                ])
                #expect(output.status == 0, "\(output.stderr)")
                #expect(try document(json).results.map(\.judgeScore) == [6, 6, 6])
                let (data, _) = try await URLSession.shared.data(from: try #require(URL(string: "http://127.0.0.1:\(port)/counts")))
                let counts = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Int])
                #expect(counts == ["with_schema": 1, "without_schema": 3], "asked with the schema once, then never again")
            }
        }
    }

    @Test(.requires(.llamaServer)) func theRealModelServerJudgesItsOwnAnswers() async throws {
        let baseURL = try RealService.llamaServer.required()
        let directory = try makeTemporaryDirectory("llm-client-quality")
        defer { try? FileManager.default.removeItem(at: directory) }
        let prompts = directory.appendingPathComponent("prompts.txt")
        try "한국의 수도는 어디인가요?\nWhat is the capital of France?\n".write(to: prompts, atomically: true, encoding: .utf8)
        let json = directory.appendingPathComponent("judged.json").path
        let output = try await run(
            [
                "--base-url", baseURL, "--prompt-file", prompts.path, "--api", "chat", "--repeat", "2", "--temperature", "0",
                "--max-tokens", "24", "--concurrent", "2", "--expect-regex", "\\S", "--judge-model", "SmolLM2-135M-Instruct",
                "--judge-max-tokens", "48", "--output", json,
            ], timeout: 600)
        #expect(output.status == 0, "\(output.stderr)")
        let saved = try document(json)
        #expect(saved.results.count == 4 && saved.results.allSatisfy(\.success), "\(failureReport(saved.results))")
        for result in saved.results {
            // A 135M model does not always give a readable verdict; each answer has a score or says why not.
            if let score = result.judgeScore {
                #expect((1...10).contains(score) && result.judgeReason != nil && result.judgeError == nil)
            } else {
                #expect(result.judgeError?.isEmpty == false)
            }
        }
        let quality = try #require(saved.summary.quality)
        #expect(quality.assertionsChecked == 4 && (quality.judged ?? 0) + (quality.judgeErrors ?? 0) == 4)
        #expect(quality.consistency?.prompts == 2 && quality.consistency?.perPrompt.allSatisfy { $0.answers == 2 } == true)
    }

    @Test func aResumedRunJudgesTheAnswersThatHaveNoScore() async throws {
        let directory = try makeTemporaryDirectory("llm-client-quality")
        defer { try? FileManager.default.removeItem(at: directory) }
        let prompts = directory.appendingPathComponent("prompts.txt")
        try "첫 번째 질문\n두 번째 질문\n세 번째 질문\n".write(to: prompts, atomically: true, encoding: .utf8)
        let jsonl = directory.appendingPathComponent("run.jsonl").path
        try await SimulatorServer.withRunning(replying("I'd say 7/10.")) { endpoint in
            // The judge's server is down in the first run: every answer is saved without a score.
            try await withRefusingPort { port in
                let first = try await run([
                    "--base-url", endpoint.baseURL, "--prompt-file", prompts.path, "--judge-model", "llm-sim",
                    "--judge-base-url", "http://127.0.0.1:\(port)/v1", "--retries", "0", "--expect-contains", "nothing", "--output", jsonl, "--quiet",
                ])
                #expect(first.status == 0, "\(first.stderr)")
            }
            #expect(
                try ResultDocument.results(path: jsonl).allSatisfy { $0.judgeScore == nil && $0.judgeError != nil && $0.assertionsPassed == false })
            // Resumed with the judge on the measured server and other expectations: the kept answers
            // are judged and checked again, nothing is sent again.
            let resumed = try await run([
                "--base-url", endpoint.baseURL, "--prompt-file", prompts.path, "--judge-model", "llm-sim", "--expect-contains", "7/10",
                "--resume", jsonl, "--quiet",
            ])
            #expect(resumed.status == 0, "\(resumed.stderr)")
            #expect(resumed.stdout.contains("7.00 mean of 3") && resumed.stdout.contains("3/3 passed"), "\(resumed.stdout)")
            let results = try ResultDocument.results(path: jsonl)
            #expect(results.map(\.judgeScore) == [7, 7, 7] && results.allSatisfy { $0.judgeError == nil && $0.assertionsPassed == true })
            #expect(try await endpoint.metric("llmsim_requests_total") == 3 + 3, "three answers, then three verdicts")
        }
    }

    @Test func badQualityOptionsExitWithTwo() async throws {
        for (arguments, message) in [
            (["--expect-regex", "("], "--expect-regex: \"(\" is not a valid regular expression"),
            (
                ["--judge-base-url", "http://127.0.0.1:9/v1"],
                "--judge-base-url, --judge-rubric, --judge-language and --judge-max-tokens need --judge-model"
            ),
            (["--expect-contains", ""], "--expect-contains is empty"),
            (["--judge-model", "j", "--judge-rubric", "/nonexistent/rubric.txt"], "--judge-rubric: cannot read '/nonexistent/rubric.txt'"),
            (["--judge-model", "j", "--judge-base-url", "ftp://x"], "--judge-base-url must be an http:// or https:// URL"),
            (["--judge-model", "j", "--judge-language", "fr"], "--judge-language"),
        ] {
            let output = try await run(["--base-url", "http://127.0.0.1:9/v1", "--prompt", "x"] + arguments)
            #expect(output.status == 2, "\(arguments): \(output.stderr)")
            #expect(output.stderr.contains(message), "\(output.stderr)")
        }
        let chat = try await run(["--base-url", "http://127.0.0.1:9/v1", "--interactive", "--expect-json"])
        #expect(chat.status == 2 && chat.stderr.contains("not to the interactive chat"), "\(chat.stderr)")
    }
}
