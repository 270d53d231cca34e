import Foundation
import LLMReport
import LLMSimulator
import TestSupport
import Testing

/// Reports of real runs against the simulator (through the `llm-client` binary: run, bench,
/// report), loaded in headless Chromium: the page must load without console errors, hold its
/// sections and charts, and render to a PNG. Skipped when Chromium is not installed, unless the
/// real tools are required (`LLM_CLIENT_REQUIRE_REAL_SERVERS=1` or CI), where that fails.
@Suite(.serialized, .requires(.chromium)) struct BrowserTests {
    @Test func reportsOfRealRunsLoadInHeadlessChromium() async throws {
        let chromium = URL(fileURLWithPath: try RealService.chromium.required())
        let folder = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("llm-report-browser-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let latency = LatencyModel(ttftMean: 0.03, ttftJitter: 0.01, prefillPerToken: 0, itlMean: 0.004, itlJitter: 0.002, outputTokensMean: 12)
        let faults = FaultConfiguration(rates: [.error500: 0.15, .drop: 0.1])
        let promptFile = TestEnvironment.packageRoot.appendingPathComponent("examples/prompts.txt").path
        let run = folder.appendingPathComponent("run.json").path
        let bench = folder.appendingPathComponent("bench.json").path

        try await SimulatorServer.withRunning(testSimulatorConfiguration(latency: latency, faults: faults, maxConcurrency: 2)) { endpoint in
            let runOutput = try await runProcess(
                TestEnvironment.cliBinary,
                [
                    "--base-url", endpoint.baseURL, "--prompt-file", promptFile, "--concurrent", "3", "--repeat", "2",
                    "--retries", "0", "--quiet", "--output", run,
                ])
            #expect([0, 1].contains(runOutput.status), "\(runOutput.stderr)")
            let benchOutput = try await runProcess(
                TestEnvironment.cliBinary,
                [
                    "bench", "--base-url", endpoint.baseURL, "--prompt-file", promptFile, "--concurrent", "1,2,4",
                    "--num-requests", "12", "--quiet", "--output", bench,
                ])
            #expect([0, 1].contains(benchOutput.status), "\(benchOutput.stderr)")
        }

        let comparison = folder.appendingPathComponent("comparison.html").path
        for arguments in [[run], [bench], [run, bench, "-o", comparison]] {
            let output = try await runProcess(TestEnvironment.cliBinary, ["report"] + arguments)
            try #require(output.status == 0, "report \(arguments): \(output.stderr)")
        }
        let again = try await runProcess(TestEnvironment.cliBinary, ["report", run])
        #expect(again.status == 2 && again.stderr.contains("already exists"), "an existing report is not overwritten")

        let expectations: [(html: String, sections: [String], charts: Int)] = [
            (folder.appendingPathComponent("run.html").path, ["configuration", "summary", "latency", "over-time", "requests"], 10),
            (folder.appendingPathComponent("bench.html").path, ["configuration", "summary", "latency", "over-time", "sweep"], 15),
            (comparison, ["configuration", "summary", "latency", "over-time", "sweep", "requests"], 15),
        ]
        for (html, sections, charts) in expectations {
            let profile = folder.appendingPathComponent("profile-\(UUID().uuidString)").path
            let dump = try await runProcess(
                chromium,
                [
                    "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(profile)", "--dump-dom",
                    "--enable-logging=stderr", "--v=0", URL(fileURLWithPath: html).absoluteString,
                ], timeout: 120)
            try #require(dump.status == 0, "chromium failed on \(html): \(dump.stderr)")
            for marker in ["Uncaught", "ERROR:CONSOLE", "Failed to load resource"] {
                #expect(!dump.stderr.contains(marker), "\(html): \(dump.stderr)")
            }
            for section in sections { #expect(dump.stdout.contains("<section id=\"\(section)\">"), "\(html) lacks \(section)") }
            #expect(dump.stdout.components(separatedBy: "<svg ").count - 1 == charts, "\(html)")
            #expect(dump.stdout.contains("class=\"tick\""))
            if sections.contains("requests") { #expect(dump.stdout.contains("인공지능이란 무엇인지 쉽게 설명해주세요.")) }

            let png = html.replacingOccurrences(of: ".html", with: ".png")
            let shot = try await runProcess(
                chromium,
                [
                    "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--user-data-dir=\(profile)",
                    "--window-size=412,2000", "--screenshot=\(png)", URL(fileURLWithPath: html).absoluteString,
                ], timeout: 120)
            #expect(shot.status == 0, "\(shot.stderr)")
            let image = try Data(contentsOf: URL(fileURLWithPath: png))
            #expect(image.starts(with: [0x89, 0x50, 0x4E, 0x47]) && image.count > 10_000, "\(png): \(image.count) bytes")
        }
    }

    @Test func renderScriptWritesAPNG() async throws {
        _ = try RealService.chromium.required()
        let html = try writeTemporary(HTMLReport.render(ReportInput(run: sampleRunDocument(), name: "sample.json")), "sample.html")
        let png = html.replacingOccurrences(of: ".html", with: "-dark.png")
        let script = TestEnvironment.packageRoot.appendingPathComponent("scripts/render-report.sh")
        let output = try await runProcess(script, [html, png, "400", "1500"], environment: ["COLOR_SCHEME": "dark"])
        #expect(output.status == 0, "\(output.stderr)")
        let image = try Data(contentsOf: URL(fileURLWithPath: png))
        #expect(image.starts(with: [0x89, 0x50, 0x4E, 0x47]) && image.count > 10_000)
        let usage = try await runProcess(script, [])
        #expect(usage.status == 2 && usage.stderr.contains("usage"))
    }
}
