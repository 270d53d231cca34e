import Foundation
import LLMBench
import LLMClientKit
import LLMResults
import TestSupport
import Testing

/// `llm-client bench --find-max` and the early stops, against a simulator process whose capacity
/// is known: 4 sequence slots, each request served in exactly 100 ms to the first token and 10 ms
/// for each of its 9 further tokens (no jitter), so 0.19 s a request. Beyond 4 in flight requests
/// queue, so the capacity is 4 in flight, or 4 / 0.19 s = 21.05 requests per second.
@Suite struct CapacitySearchCommandTests {
    private static let simulator = [
        "--max-concurrency", "4", "--ttft-ms", "100", "--ttft-jitter-ms", "0", "--itl-ms", "10", "--itl-jitter-ms", "0",
        "--output-tokens", "10", "--prefill-ms-per-token", "0",
    ]
    private static let workload = ["--synthetic-input-tokens", "16", "--synthetic-output-tokens", "10", "--quiet"]

    /// Runs `llm-client bench` with `arguments` against a fresh simulator; its output and document.
    private func bench(_ arguments: [String], simulator: [String] = simulator) async throws -> (ProcessOutput, BenchDocument?) {
        let directory = try makeTemporaryDirectory("llm-client-capacity")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("bench.json").path
        return try await withSimulatorProcess(simulator) { baseURL in
            let output = try await runProcess(
                TestEnvironment.cliBinary, ["bench", "--base-url", baseURL] + Self.workload + arguments + ["--output", path], timeout: 300)
            let document = try? JSONDecoder().decode(BenchDocument.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
            return (output, document)
        }
    }

    @Test func theConcurrencyCapacityIsFound() async throws {
        let (output, document) = try await bench([
            "--find-max", "concurrency", "--slo", "ttft=0.15", "--probe-duration", "3", "--warmup", "0",
        ])
        #expect(output.status == 0, "\(output.stderr)")
        let capacity = try #require(document?.capacity, "\(output.stdout)")
        // 4 in flight never wait (TTFT 0.1 s); at 5, one request at a time waits for a slot.
        #expect(capacity.value == 4 && capacity.firstFailing == 5 && capacity.status == .found, "\(capacity.probes)")
        #expect(capacity.dimension == "concurrency" && capacity.slo == ["ttft": 0.15] && capacity.requiredPercent == 95)
        #expect((capacity.attainment ?? 0) >= 95 && (capacity.goodput ?? 0) > 15, "\(capacity)")
        // Every probe is a level of the document, in the order of load.
        let levels = document?.levels.map(\.label) ?? []
        #expect(levels == capacity.probes.sorted { $0.value < $1.value }.map(\.level), "\(levels) vs \(capacity.probes)")
        #expect(Array(levels.prefix(3)) == ["c=1", "c=2", "c=4"] && levels.contains("c=5"), "\(levels)")
        #expect(output.stdout.contains("◀ capacity") && output.stdout.contains("Capacity: 4 in flight, 5 missed it"), "\(output.stdout)")
    }

    @Test func theRequestRateCapacityIsFoundWithinThePrecision() async throws {
        let (output, document) = try await bench([
            "--find-max", "request-rate", "--arrivals", "constant", "--slo", "ttft=0.15", "--slo-percent", "95", "--precision", "5%",
            "--start-load", "4", "--probe-duration", "5", "--warmup", "0",
        ])
        #expect(output.status == 0, "\(output.stderr)")
        let capacity = try #require(document?.capacity, "\(output.stdout)")
        // 4 / 0.19 s = 21.05 req/s by the configuration; by the service time measured at the
        // lowest probe (a little longer: the simulator's sleeps end late, the client reads late), a
        // little less.
        let serviceTime = try #require(document?.levels.first?.summary.latencyS?.p50)
        let known = 4 / serviceTime
        #expect(serviceTime >= 0.19 && serviceTime < 0.2, "\(serviceTime) s a request")
        let value = capacity.value ?? 0
        let failing = capacity.firstFailing ?? 0
        #expect(capacity.status == .found && capacity.dimension == "request_rate", "\(capacity.probes)")
        // Within the stated precision of the known capacity, and the bracket no wider than it.
        #expect(abs(value - known) <= 0.05 * known, "found \(value) req/s, known \(known): \(capacity.probes)")
        #expect(failing > value && failing - value <= 0.05 * value + 0.01, "\(capacity.probes)")
        #expect(capacity.probes.map(\.value).prefix(3) == [4, 8, 16], "\(capacity.probes)")
    }

    @Test func aCapacityBelowTheLowestProbeExitsWithStatus3() async throws {
        let (output, document) = try await bench([
            "--find-max", "concurrency", "--slo", "ttft=0.05", "--start-load", "2", "--probe-duration", "2", "--warmup", "0",
        ])
        #expect(output.status == 3, "\(output.stderr)")
        #expect(output.stderr.contains("SLO missed at c=2"), "\(output.stderr)")
        let capacity = try #require(document?.capacity)
        #expect(capacity.status == .belowLowest && capacity.value == nil && capacity.probes.count == 1, "\(capacity)")
        #expect(output.stdout.contains("Capacity: below 2 in flight: even the lowest probe missed the SLO"), "\(output.stdout)")
    }

    @Test func anOverSaturatedOpenLoopIsStoppedEarly() async throws {
        // Three times the capacity for up to 60 s: the queue and TTFT grow from the start.
        let (output, document) = try await bench(["--request-rate", "60", "--duration", "60"])
        #expect(output.status == 0, "\(output.stderr)")
        let level = try #require(document?.levels.first)
        let stop = try #require(level.stoppedEarly, "\(output.stdout)")
        #expect(stop.reason == "saturated" && stop.requestsLeftOut > 50, "\(stop)")
        #expect(level.summary.durationS < 30 && level.summary.failed == 0, "\(level.summary.durationS) s, \(level.summary.errorsByKind)")
        #expect(output.stdout.contains("r=60/s stopped early (saturated): requests in flight rose from"), "\(output.stdout)")
        // At 87 % of the capacity with Poisson arrivals, bursts pile up requests for a while and
        // the server works them off: nothing stops.
        let (steady, steadyDocument) = try await bench(["--request-rate", "18", "--duration", "25"])
        #expect(steady.status == 0 && steadyDocument?.levels.first?.stoppedEarly == nil, "\(steady.stdout)")
    }

    @Test func tooManyFailuresStopTheRunWithStatus1() async throws {
        let (output, document) = try await bench(
            ["--concurrent", "4,8", "--num-requests", "400", "--max-error-rate", "20"],
            simulator: ["--error-500-rate", "0.5", "--ttft-ms", "5", "--itl-ms", "1", "--output-tokens", "4"])
        #expect(output.status == 1, "\(output.stderr)")
        #expect(output.stderr.contains("error: c=4 was stopped:") && output.stderr.contains("more than --max-error-rate 20 %"), "\(output.stderr)")
        // The level stopped within a few dozen requests, and the next level did not run.
        let levels = document?.levels ?? []
        let stop = try #require(levels.first?.stoppedEarly)
        #expect(levels.map(\.label) == ["c=4"] && stop.reason == "error_rate", "\(levels.map(\.label))")
        // The level holds exactly the requests up to the one that tripped the rule; the four in
        // flight then are left out.
        let total = levels.first?.summary.totalRequests ?? 0
        #expect(stop.detail.contains("of the last \(total) requests failed") && total < 100, "\(total) requests: \(stop)")
    }

    /// A search against a real server, bounded (two probes of four requests each): an objective
    /// any CPU server meets, so the search reaches its limit; every probe is a level, with exact
    /// lengths and no failure.
    static func expectSearchRuns(against baseURL: String) async throws {
        let (document, results) = try await ExactWorkloadTests.bench(
            [
                "--base-url", baseURL, "--find-max", "concurrency", "--slo", "e2e=120", "--start-load", "1", "--max-load", "2",
                "--probe-requests", "4", "--warmup", "0", "--synthetic-input-tokens", "16", "--synthetic-output-tokens", "4", "--quiet",
            ], timeout: 900)
        let capacity = try #require(document.capacity)
        #expect(capacity.status == .atLimit && capacity.value == 2 && capacity.probes.map(\.value) == [1, 2], "\(capacity)")
        #expect(document.levels.map(\.label) == ["c=1", "c=2"], "\(document.levels.map(\.label))")
        #expect(results.count == 8 && results.allSatisfy(\.success), "\(failureReport(results))")
        #expect(results.allSatisfy { $0.promptTokens == 16 && $0.completionTokens == 4 }, "\(results.map { ($0.promptTokens, $0.completionTokens) })")
        #expect(capacity.attainment == 100 && (capacity.goodput ?? 0) > 0, "\(capacity)")
    }

    @Test(.requires(.llamaServer)) func aCapacitySearchRunsAgainstLlamaServer() async throws {
        try await Self.expectSearchRuns(against: try RealService.llamaServer.required())
    }
}
