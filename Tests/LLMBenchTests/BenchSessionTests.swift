import Foundation
import LLMBench
import LLMClientKit
import LLMExperiment
import LLMResults
import LLMSimulator
import TestSupport
import Testing

/// A whole benchmark against the simulator: files, endings.
@Suite struct BenchSessionTests {
    private func plan(
        levels: [LoadMode] = [.concurrency(2)], numRequests: Int = 6, slo: ServiceLevelObjective? = nil, sloPercent: Double? = nil,
        outputs: [(path: String, format: OutputFormat)] = []
    ) -> BenchPlan {
        BenchPlan(
            workload: .synthetic(count: 6, inputTokens: 16, outputTokens: 4, korean: false, seed: 1),
            levels: levels.map { BenchPlan.Level(mode: $0, temperature: 0.7) }, numRequests: numRequests, duration: nil,
            warmupRequests: 0, warmupSeconds: 0, api: .completions, stream: true, parameters: .init(), seed: 0, slo: slo,
            sloPercent: sloPercent, shard: nil, scrapeMetrics: false, startAt: nil, outputs: outputs, overwrite: true,
            settings: ["load": levels.map(\.label).joined(separator: ",")], promptFile: nil, recordedConcurrency: 2,
            toolVersion: "test")
    }

    private func run(_ plan: BenchPlan, baseURL: String) async throws -> (BenchSession, BenchOutcome) {
        let session = try BenchSession(plan)
        let measurement = try #require(try await session.measure(configuration: ClientConfiguration(baseURL: baseURL), stop: StopSignal()))
        return (session, try session.outcome(of: measurement, interrupted: false, baseURL: baseURL))
    }

    @Test func aSweepSavesItsRowsAndDocumentAndCompletes() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bench-session-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        let jsonl = directory.appendingPathComponent("rows.jsonl").path
        let json = directory.appendingPathComponent("bench.json").path
        try await SimulatorServer.withRunning(testSimulatorConfiguration(latency: .instant(outputTokens: 4))) { endpoint in
            let (session, outcome) = try await run(
                plan(levels: [.concurrency(1), .concurrency(2)], outputs: [(jsonl, .jsonl), (json, .json)]), baseURL: endpoint.baseURL)
            try session.save(outcome)
            #expect(outcome.ending == .completed)
            #expect(outcome.document.levels.map(\.label) == ["c=1", "c=2"])
            #expect(outcome.savedFiles == [jsonl, json])
            let rows = try String(contentsOfFile: jsonl, encoding: .utf8).split(separator: "\n")
            #expect(rows.count == 12)
            let document = try JSONDecoder().decode(BenchDocument.self, from: Data(contentsOf: URL(fileURLWithPath: json)))
            #expect(document.levels.count == 2)
        }
    }

    @Test func aRowThatCannotBeWrittenFailsTheRun() async throws {
        try await SimulatorServer.withRunning(testSimulatorConfiguration(latency: .instant(outputTokens: 4))) { endpoint in
            // Every write to /dev/full fails with ENOSPC: the rows are lost, and the run must say so.
            let (session, outcome) = try await run(plan(outputs: [("/dev/full", .jsonl)]), baseURL: endpoint.baseURL)
            let error = try #require(throws: BenchError.self) { try session.save(outcome) }
            #expect(error.code == .output)
            #expect(error.message.contains("/dev/full"))
        }
    }

    @Test func endingsSayWhatTheExitStatusNeeds() async throws {
        try await SimulatorServer.withRunning(testSimulatorConfiguration(latency: .instant(outputTokens: 4))) { endpoint in
            let impossible = ServiceLevelObjective(e2e: 0.000_001)
            let (_, missed) = try await run(plan(slo: impossible, sloPercent: 50), baseURL: endpoint.baseURL)
            #expect(missed.ending == .sloMissed(level: "c=2", attainmentPercent: 0, requiredPercent: 50))
        }
        // Nothing listens on port 9 of the loopback: the model cannot be resolved.
        let session = try BenchSession(plan())
        let error = await #expect(throws: BenchError.self) {
            _ = try await session.measure(configuration: ClientConfiguration(baseURL: "http://127.0.0.1:9/v1"), stop: StopSignal())
        }
        #expect(error?.code == .server)
    }

    @Test func aStopBeforeTheStartTimeSendsNothing() async throws {
        var plan = plan()
        plan.startAt = Date().addingTimeInterval(600)
        let session = try BenchSession(plan)
        let stop = StopSignal()
        Task {
            try await Task.sleep(for: .milliseconds(50))
            stop.stop()
        }
        // The model is resolved, then the session waits for a start ten minutes away: the stop ends the wait.
        try await SimulatorServer.withRunning(testSimulatorConfiguration()) { endpoint in
            let measurement = try await session.measure(configuration: ClientConfiguration(baseURL: endpoint.baseURL), stop: stop)
            #expect(measurement == nil)
        }
    }
}
