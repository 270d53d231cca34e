import Foundation
import LLMExperiment
import LLMResults
import LLMSimulator
import TestSupport
import Testing

/// Interruption, resumption, bad input and secrets, through the `llm-client` binary as users run it.
@Suite struct ReliabilityCommandTests {
    /// Answers of 40 tokens at 50 ms each: about 2 s per request.
    private let slow = testSimulatorConfiguration(
        latency: LatencyModel(ttftMean: 0.01, ttftJitter: 0, prefillPerToken: 0, itlMean: 0.05, itlJitter: 0, outputTokensMean: 40))

    /// Answers of 200 tokens at 50 ms each: about 10 s per request, in flight whatever the machine's load.
    private let verySlow = testSimulatorConfiguration(
        latency: LatencyModel(ttftMean: 0.01, ttftJitter: 0, prefillPerToken: 0, itlMean: 0.05, itlJitter: 0, outputTokensMean: 200))

    private func promptFile(in directory: URL, count: Int) throws -> String {
        let path = directory.appendingPathComponent("prompts.txt").path
        try (0..<count).map { "질문 \($0): 중단과 재개를 설명해주세요" }.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Runs the binary with output to files; sends `signals` (in order, 300 ms apart) once
    /// `ready` holds; returns the exit status, stdout and stderr.
    private func runInterrupted(
        _ arguments: [String], in directory: URL, signals: [Int32], ready: @escaping @Sendable () async -> Bool
    ) async throws -> ProcessOutput {
        let stdoutURL = directory.appendingPathComponent("stdout.txt")
        let stderrURL = directory.appendingPathComponent("stderr.txt")
        _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        let status = try await withBackgroundProcess(
            TestEnvironment.cliBinary, arguments, stdout: try FileHandle(forWritingTo: stdoutURL), stderr: try FileHandle(forWritingTo: stderrURL)
        ) { child in
            let deadline = ContinuousClock.now + .seconds(60)
            while await !ready(), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
            for (number, signal) in signals.enumerated() {
                child.send(signal)
                // The next signal goes once this one has been handled, however slow the machine.
                let handled = ContinuousClock.now + .seconds(60)
                while number < signals.count - 1, ContinuousClock.now < handled,
                    (try? String(contentsOf: stderrURL, encoding: .utf8))?.contains("interrupted") != true
                {
                    try await Task.sleep(for: .milliseconds(50))
                }
            }
            return await child.waitForExit()
        }
        return ProcessOutput(
            status: status, stdout: try String(contentsOf: stdoutURL, encoding: .utf8), stderr: try String(contentsOf: stderrURL, encoding: .utf8))
    }

    private static func lines(_ path: String) -> Int {
        (try? String(contentsOfFile: path, encoding: .utf8))?.split(separator: "\n").count ?? 0
    }

    @Test(.timeLimit(.minutes(3)))
    func ctrlCWritesEveryFinishedResultExits130AndResumeCompletesTheRun() async throws {
        let directory = try makeTemporaryDirectory("llm-client-rel")
        defer { try? FileManager.default.removeItem(at: directory) }
        let prompts = try promptFile(in: directory, count: 12)
        let jsonl = directory.appendingPathComponent("run.jsonl").path
        let json = directory.appendingPathComponent("run.json").path
        let csv = directory.appendingPathComponent("run.csv").path
        try await SimulatorServer.withRunning(slow) { endpoint in
            let output = try await runInterrupted(
                [
                    "--base-url", endpoint.baseURL, "--prompt-file", prompts, "--concurrent", "2", "--grace-period", "20",
                    "--output", jsonl, "--output", json, "--output", csv,
                ],
                in: directory, signals: [SIGINT], ready: { Self.lines(jsonl) >= 1 })
            #expect(output.status == 130, "\(output.stderr)")
            #expect(output.stderr.contains("interrupted"))
            #expect(output.stderr.contains("--resume \(jsonl)"))
            #expect(output.stdout.contains("EXPERIMENT SUMMARY"), "the partial summary is printed")
            let document = try JSONDecoder().decode(RunDocument.self, from: Data(contentsOf: URL(fileURLWithPath: json)))
            #expect(document.run.interrupted == true)
            #expect(document.run.requestsPlanned == 12)
            #expect(document.results.count < 12)
            #expect(document.results.allSatisfy { $0.success }, "the grace period let the requests in flight finish")
            #expect(try ResultDocument.results(path: jsonl).count == document.results.count)
            #expect(try ResultWriter.readCSV(path: csv).count == document.results.count)

            let resumed = try await runProcess(
                TestEnvironment.cliBinary,
                ["--base-url", endpoint.baseURL, "--prompt-file", prompts, "--concurrent", "6", "--resume", jsonl, "--quiet"])
            #expect(resumed.status == 0, "\(resumed.stderr)")
            let all = try ResultDocument.results(path: jsonl)
            #expect(all.map(\.index) == Array(0..<12))
            #expect(all.allSatisfy { $0.success })
            #expect(Self.lines(jsonl) == 12, "nothing sent twice")
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aSecondCtrlCCancelsTheRequestsInFlightAtOnce() async throws {
        let directory = try makeTemporaryDirectory("llm-client-rel")
        defer { try? FileManager.default.removeItem(at: directory) }
        let prompts = try promptFile(in: directory, count: 12)
        let json = directory.appendingPathComponent("run.json").path
        try await SimulatorServer.withRunning(verySlow) { endpoint in
            let output = try await runInterrupted(
                ["--base-url", endpoint.baseURL, "--prompt-file", prompts, "--concurrent", "3", "--grace-period", "600", "--output", json],
                in: directory, signals: [SIGINT, SIGINT], ready: { (try? await endpoint.metric("llmsim_requests_running")) ?? 0 >= 1 })
            #expect(output.status == 130, "\(output.stderr)")
            #expect(output.stderr.contains("interrupted again"))
            let document = try JSONDecoder().decode(RunDocument.self, from: Data(contentsOf: URL(fileURLWithPath: json)))
            #expect(!document.results.isEmpty)
            // Requests that finished before the second Ctrl-C stand; those still in flight were cancelled.
            let kinds = document.results.map { $0.errorKind?.rawValue ?? "ok" }
            #expect(kinds.contains("cancelled") && kinds.allSatisfy { $0 == "ok" || $0 == "cancelled" }, "\(kinds)")
            #expect(document.results.count < 12)
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func sigtermStopsABenchWithItsPartialReport() async throws {
        let directory = try makeTemporaryDirectory("llm-client-rel")
        defer { try? FileManager.default.removeItem(at: directory) }
        let prompts = try promptFile(in: directory, count: 4)
        let jsonl = directory.appendingPathComponent("bench.jsonl").path
        let json = directory.appendingPathComponent("bench.json").path
        try await SimulatorServer.withRunning(slow) { endpoint in
            let output = try await runInterrupted(
                [
                    "bench", "--base-url", endpoint.baseURL, "--prompt-file", prompts, "--concurrent", "2", "--num-requests", "40",
                    "--grace-period", "20", "--output", jsonl, "--output", json, "--quiet",
                ],
                in: directory, signals: [SIGTERM], ready: { Self.lines(jsonl) >= 2 })
            #expect(output.status == 130, "\(output.stderr)")
            let document = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any])
            let levels = try #require(document["levels"] as? [[String: Any]])
            let summary = try #require(levels.first?["summary"] as? [String: Any])
            let total = try #require(summary["total_requests"] as? Int)
            #expect(total >= 2 && total < 40)
            #expect(Self.lines(jsonl) == total)
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func ctrlCStopsRetriesToo() async throws {
        let directory = try makeTemporaryDirectory("llm-client-rel")
        defer { try? FileManager.default.removeItem(at: directory) }
        let prompts = try promptFile(in: directory, count: 4)
        let jsonl = directory.appendingPathComponent("run.jsonl").path
        // Every request answered 503 with Retry-After: 30 s (no retry can come before the Ctrl-C,
        // however loaded the machine); up to 5 retries each, well inside the 60 s grace period.
        var failing = testSimulatorConfiguration()
        failing.faults = FaultConfiguration(rates: [.error503: 1], retryAfterSeconds: 30)
        try await SimulatorServer.withRunning(failing) { endpoint in
            let output = try await runInterrupted(
                [
                    "--base-url", endpoint.baseURL, "--prompt-file", prompts, "--concurrent", "2", "--retries", "5", "--grace-period", "60",
                    "--output", jsonl,
                ],
                in: directory, signals: [SIGINT], ready: { (try? await endpoint.metric("llmsim_requests_total")) ?? 0 >= 2 })
            #expect(output.status == 130, "\(output.stderr)")
            // The two first attempts were answered; the requests waiting to retry gave up at the Ctrl-C.
            let received = try await endpoint.metric("llmsim_requests_total")
            #expect(received == 2, "\(received) requests reached the server")
            let results = try ResultDocument.results(path: jsonl)
            #expect(results.count == 2 && results.allSatisfy { $0.errorKind == .httpStatus && $0.httpStatus == 503 && $0.attempts == 1 })
        }
    }

    @Test func aPageInsteadOfAStreamIsAnInvalidResponse() async throws {
        // A web server at the base URL: 200 with an HTML page for every request.
        let script = """
            import http.server
            class Page(http.server.BaseHTTPRequestHandler):
                def do_POST(self):
                    self.rfile.read(int(self.headers["Content-Length"]))
                    body = b"<html><body>hello</body></html>"
                    self.send_response(200); self.send_header("Content-Type", "text/html")
                    self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
                def log_message(self, *args): pass
            server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
            print(server.server_address[1], flush=True)
            server.serve_forever()
            """
        let directory = try makeTemporaryDirectory("llm-client-rel")
        defer { try? FileManager.default.removeItem(at: directory) }
        let json = directory.appendingPathComponent("page.json").path
        try await withBackgroundProcess(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", script]) { server in
            let port = try #require(Int(await server.readLine().trimmingCharacters(in: .whitespaces)), "the server printed no port")
            let output = try await runProcess(
                TestEnvironment.cliBinary, ["--base-url", "http://127.0.0.1:\(port)/v1", "--prompt", "x", "--model", "m", "--output", json])
            #expect(output.status == 1, "\(output.stderr)")
            let result = try #require(try ResultDocument.results(path: json).first)
            #expect(result.errorKind == .invalidResponse, "\(result.error ?? "")")
            #expect(result.error?.contains("Content-Type: text/html") == true && result.error?.contains("<html>") == true, "\(result.error ?? "")")
        }
    }

    private func requestsReceived(_ endpoint: SimulatorServer.Endpoint) async throws -> Int {
        let metrics = try await runProcess(URL(fileURLWithPath: "/usr/bin/curl"), ["-s", endpoint.rootURL + "/metrics"])
        return metrics.stdout.split(separator: "\n").filter { $0.hasPrefix("llmsim_requests_total{") }
            .compactMap { Int(Double($0.split(separator: " ").last ?? "") ?? -1) }.reduce(0, +)
    }

    @Test func badInputGetsOneClearMessageExit2AndNothingIsSent() async throws {
        let directory = try makeTemporaryDirectory("llm-client-rel")
        defer { try? FileManager.default.removeItem(at: directory) }
        func file(_ name: String, _ bytes: [UInt8]) throws -> String {
            let path = directory.appendingPathComponent(name).path
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            return path
        }
        let invalidUTF8 = try file("bad.txt", Array("좋은 줄\n".utf8) + [0xFF, 0xFE, 0x0A])
        let badJSONL = try file("bad.jsonl", Array("{\"prompt\": \"a\"}\n{\"prompt\": \n".utf8))
        let badCSV = try file("bad.csv", Array("prompt\n\"never closed\n".utf8))
        let badJSON = try file("bad.json", Array("[{\"prompt\": \"a\"},\n  {\"prompt\": ]".utf8))
        let empty = try file("empty.txt", Array("\n  \n".utf8))
        let existing = try file("exists.json", Array("{}".utf8))
        let cases: [([String], String)] = [
            (["--prompt-file", directory.appendingPathComponent("missing.txt").path], "missing.txt"),
            (["--prompt-file", invalidUTF8], "bad.txt:2"),
            (["--prompt-file", badJSONL], "bad.jsonl:2"),
            (["--prompt-file", badCSV], "bad.csv:2"),
            (["--prompt-file", badJSON], "bad.json:2"),
            (["--prompt-file", empty], "no prompts"),
            (["--prompt", "x", "--concurrent", "0"], "--concurrent"),
            (["--prompt", "x", "--max-tokens", "0"], "--max-tokens"),
            (["--prompt", "x", "--api", "nope"], "--api"),
            (["--prompt", "x", "--output", existing], "--overwrite"),
            (["--prompt", "x", "--concurrent", "10000000"], "ulimit"),
            (["--prompt", "x", "--retries=-1"], "--retries"),
            (["--prompt", "x", "--idle-timeout", "0"], "--idle-timeout"),
            (["--prompt", "x", "--api-key-file", directory.appendingPathComponent("nokey").path], "--api-key-file"),
            (["--prompt-file", empty, "--resume", directory.appendingPathComponent("none.jsonl").path], "--resume"),
            (["bench", "--concurrent", "0"], "--concurrent"),
            (["bench", "--prompt-file", badJSONL], "bad.jsonl:2"),
        ]
        try await SimulatorServer.withRunning(testSimulatorConfiguration()) { endpoint in
            for (arguments, mentioned) in cases {
                let output = try await runProcess(TestEnvironment.cliBinary, arguments, environment: ["OPENAI_BASE_URL": endpoint.baseURL])
                #expect(output.status == 2, "\(arguments): \(output.stderr)")
                #expect(output.stderr.contains(mentioned), "\(arguments): \(output.stderr)")
                let errorLines = output.stderr.split(separator: "\n").filter { $0.lowercased().hasPrefix("error") }
                #expect(errorLines.count == 1, "\(arguments): one message, got \(output.stderr)")
            }
            #expect(try await requestsReceived(endpoint) == 0, "nothing was sent")
            #expect(try String(contentsOfFile: existing, encoding: .utf8) == "{}", "not clobbered")
        }
    }

    @Test func theAPIKeyFromAFileIsUsedAndNeverWrittenOrPrinted() async throws {
        let directory = try makeTemporaryDirectory("llm-client-rel")
        defer { try? FileManager.default.removeItem(at: directory) }
        let secret = "sk-test-4f3c2b1a0987"
        let keyFile = directory.appendingPathComponent("key").path
        try "\(secret)\n".write(toFile: keyFile, atomically: true, encoding: .utf8)
        let outputs = ["r.json", "r.jsonl", "r.csv"].map { directory.appendingPathComponent($0).path }
        try await SimulatorServer.withRunning(testSimulatorConfiguration(apiKey: secret)) { endpoint in
            let good = try await runProcess(
                TestEnvironment.cliBinary,
                ["--base-url", endpoint.baseURL, "--api-key-file", keyFile, "--prompt", "안녕"] + outputs.flatMap { ["--output", $0] })
            #expect(good.status == 0, "\(good.stderr)")
            let wrong = try await runProcess(
                TestEnvironment.cliBinary, ["--base-url", endpoint.baseURL, "--prompt", "안녕", "--model", "llm-sim", "--retries", "0"],
                environment: ["OPENAI_API_KEY": secret + "-wrong"])
            #expect(wrong.status == 1)
            #expect(wrong.stderr.contains("401") || wrong.stderr.contains("API key"), "\(wrong.stderr)")
            for text in [good.stdout, good.stderr, wrong.stdout, wrong.stderr] + (try outputs.map { try String(contentsOfFile: $0, encoding: .utf8) })
            {
                #expect(!text.contains(secret))
            }
        }
    }

    @Test func insecureIsExplicitAndWarns() async throws {
        try await SimulatorServer.withRunning(testSimulatorConfiguration()) { endpoint in
            let output = try await runProcess(TestEnvironment.cliBinary, ["health", "--base-url", endpoint.baseURL, "--insecure"])
            #expect(output.status == 0)
            #expect(output.stderr.contains("warning: --insecure"))
            let https = endpoint.baseURL.replacingOccurrences(of: "http://", with: "https://")
            let tls = try await runProcess(TestEnvironment.cliBinary, ["--base-url", https, "--prompt", "x", "--model", "m", "--retries", "0"])
            #expect(tls.status == 1)
            #expect(tls.stderr.contains("TLS error") && tls.stderr.contains("use http://"), "\(tls.stderr)")
        }
    }

    @Test(.requires(.openssl)) func certificatesAreVerifiedUnlessTrustedOrInsecure() async throws {
        let openssl = URL(fileURLWithPath: try RealService.openssl.required())
        let directory = try makeTemporaryDirectory("llm-client-rel")
        defer { try? FileManager.default.removeItem(at: directory) }
        let key = directory.appendingPathComponent("key.pem").path
        let certificate = directory.appendingPathComponent("cert.pem").path
        let made = try await runProcess(
            openssl,
            [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate, "-days", "1",
                "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            ])
        #expect(made.status == 0, "\(made.stderr)")
        // A minimal HTTPS server (Python's ssl over http.server) that answers /health; it prints its port.
        let script = """
            import http.server, ssl, sys
            class Health(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    body = b'{"status":"ok"}'
                    self.send_response(200); self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
                def log_message(self, *args): pass
            server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Health)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); context.load_cert_chain(sys.argv[1], sys.argv[2])
            server.socket = context.wrap_socket(server.socket, server_side=True)
            print(server.server_address[1], flush=True)
            server.serve_forever()
            """
        try await withBackgroundProcess(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", script, certificate, key]) { server in
            let port = try #require(Int(await server.readLine().trimmingCharacters(in: .whitespaces)), "the HTTPS server printed no port")
            try await checkCertificates(port: port, certificate: certificate)
        }
    }

    private func checkCertificates(port: Int, certificate: String) async throws {
        let url = "https://127.0.0.1:\(port)/v1"
        let verified = try await runProcess(TestEnvironment.cliBinary, ["health", "--base-url", url])
        #expect(verified.status == 1)
        #expect(verified.stdout.contains("CERTIFICATE_VERIFY_FAILED"), "\(verified.stdout)")
        let trusted = try await runProcess(TestEnvironment.cliBinary, ["health", "--base-url", url, "--ca-cert", certificate])
        #expect(trusted.status == 0, "\(trusted.stdout)")
        #expect(!trusted.stderr.contains("warning"))
        let insecure = try await runProcess(TestEnvironment.cliBinary, ["health", "--base-url", url, "--insecure"])
        #expect(insecure.status == 0, "\(insecure.stdout)")
        #expect(insecure.stderr.contains("warning: --insecure"))
    }
}
