import Foundation
import LLMClientKit
import LLMExperiment
import LLMResults
import LLMSimulator
import TestSupport
import Testing

/// A batch as the command runs it: clients, judge, files, endings.
@Suite struct ExperimentSessionTests {
    private let prompts = (0..<3).map { PromptEntry(id: "p\($0)", prompt: .text("질문 \($0)"), parameters: .init(), line: $0 + 1) }

    private func session(
        outputs: [(path: String, format: OutputFormat)] = [], expectations: ResponseExpectations = .init(), judge: JudgeSettings? = nil,
        startAt: Date? = nil
    ) -> ExperimentSession {
        let plan = ExperimentPlan(prompts: prompts, concurrency: 2, outputs: outputs, overwrite: true)
        return ExperimentSession(plan: plan, expectations: expectations, judge: judge, startAt: startAt, toolVersion: "test")
    }

    @Test func aJudgeOnAnotherServerGetsItsOwnAddressAndKey() async throws {
        let judgeServer = {
            var configuration = testSimulatorConfiguration(apiKey: "judge-key", models: ["judge-sim"])
            configuration.reply = #"{"score": 8, "reason": "good"}"#
            return configuration
        }()
        try await SimulatorServer.withRunning(testSimulatorConfiguration(apiKey: "main-key")) { main in
            try await SimulatorServer.withRunning(judgeServer) { judge in
                let settings = JudgeSettings(
                    model: "judge-sim", baseURL: judge.baseURL, apiKey: "judge-key", rubric: nil, language: .auto, maxTokens: 100)
                #expect(!settings.asksMeasuredServer)
                let outcome = try #require(
                    try await session(judge: settings).run(
                        configuration: ClientConfiguration(baseURL: main.baseURL, apiKey: "main-key"), stop: StopSignal()))
                #expect(outcome.results.map(\.judgeScore) == [8, 8, 8])
                #expect(outcome.ending(interrupted: false, failOnAssert: true) == .completed)
            }
        }
    }

    @Test func endingsSayWhatTheExitStatusNeeds() async throws {
        try await SimulatorServer.withRunning(testSimulatorConfiguration()) { endpoint in
            let configuration = ClientConfiguration(baseURL: endpoint.baseURL)
            let outcome = try #require(
                try await session(expectations: ResponseExpectations(equals: "never this")).run(
                    configuration: configuration, stop: StopSignal()))
            #expect(outcome.ending(interrupted: false, failOnAssert: false) == .completed)
            #expect(outcome.ending(interrupted: false, failOnAssert: true) == .expectationsFailed(failed: 3, checked: 3))
            #expect(outcome.ending(interrupted: true, failOnAssert: true) == .interrupted)
        }
        try await SimulatorServer.withRunning(testSimulatorConfiguration(faults: FaultConfiguration(rates: [.error500: 1]))) { endpoint in
            let configuration = ClientConfiguration(baseURL: endpoint.baseURL)
            let outcome = try #require(try await session().run(configuration: configuration, stop: StopSignal()))
            #expect(outcome.ending(interrupted: false, failOnAssert: false) == .requestsFailed)
        }
    }

    @Test func failuresCarryTheirCode() async throws {
        let unreachable = ClientConfiguration(baseURL: "http://127.0.0.1:9/v1")
        let server = await #expect(throws: ExperimentError.self) { _ = try await session().run(configuration: unreachable, stop: StopSignal()) }
        #expect(server?.code == .server)
        try await SimulatorServer.withRunning(testSimulatorConfiguration()) { endpoint in
            // Every write to /dev/full fails with ENOSPC.
            let write = await #expect(throws: ExperimentError.self) {
                _ = try await session(outputs: [("/dev/full", .jsonl)]).run(
                    configuration: ClientConfiguration(baseURL: endpoint.baseURL), stop: StopSignal())
            }
            #expect(write?.code == .write)
            #expect(write?.message.contains("/dev/full") == true)
        }
    }

    @Test func aStopBeforeTheStartTimeSendsNothing() async throws {
        let stop = StopSignal()
        stop.stop()
        // Nothing listens on port 9: a request would fail, but none is sent.
        let outcome = try await session(startAt: Date().addingTimeInterval(600)).run(
            configuration: ClientConfiguration(baseURL: "http://127.0.0.1:9/v1"), stop: stop)
        #expect(outcome == nil)
    }
}
