import Foundation
import LLMClientKit
import LLMExperiment
import LLMResults
import LLMSimulator
import Synchronization
import TestSupport
import Testing

/// Output files are never clobbered, results survive interruption, and `--resume` completes a run.
@Suite struct ResumeAndOutputTests {
    private func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("llm-client-resume-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    private let prompts = (0..<6).map { PromptEntry(id: "p\($0)", prompt: .text("질문 \($0)"), parameters: .init(), line: $0 + 1) }

    @Test func anExistingOutputIsNotReplacedWithoutOverwrite() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("r.jsonl").path
        try Data("keep me\n".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: ResultsError.self) { try ResultWriter(path: path, format: .jsonl) }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "keep me\n")
        let writer = try ResultWriter(path: path, format: .jsonl, overwrite: true)
        try writer.finish(run: Self.run, summary: ResultSummary(results: [], durationSeconds: 0))
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "")
    }

    @Test func aLineCutByAKillIsSkippedAndAppendingStartsOnANewLine() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("r.jsonl").path
        let first = Self.result(index: 0, success: true)
        let complete = String(decoding: try JSONEncoder().encode(first), as: UTF8.self)
        try Data((complete + "\n" + complete.prefix(40)).utf8).write(to: URL(fileURLWithPath: path))
        #expect(try ResultDocument.results(path: path).map(\.index) == [0])
        let writer = try ResultWriter(appendingTo: path)
        try writer.append(Self.result(index: 1, success: false))
        try writer.append(Self.result(index: 1, success: true))  // a resumed request: the last line wins
        try writer.finish(run: Self.run, summary: ResultSummary(results: [], durationSeconds: 0))
        let read = try ResultDocument.results(path: path)
        #expect(read.map(\.index) == [0, 1])
        #expect(read.allSatisfy { $0.success })
    }

    @Test func aResumedRunSendsOnlyWhatIsMissingOrFailed() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let jsonl = directory.appendingPathComponent("run.jsonl").path
        // An interrupted run: requests 0 and 2 succeeded, 3 failed, the rest were never sent.
        let earlier = try ResultWriter(path: jsonl, format: .jsonl)
        for (index, success) in [(0, true), (2, true), (3, false)] {
            var result = Self.result(index: index, success: success)
            result.prompt = "질문 \(index % 6)"
            try earlier.append(result)
        }
        try earlier.finish(run: Self.run, summary: ResultSummary(results: [], durationSeconds: 0))

        try await SimulatorServer.withRunning(testSimulatorConfiguration()) { endpoint in
            let csv = directory.appendingPathComponent("run.csv").path
            let plan = ExperimentPlan(
                prompts: prompts, repeatCount: 2, concurrency: 3, outputs: [(jsonl, .jsonl), (csv, .csv)], resumeFile: jsonl)
            let sent = SentIndexes()
            let outcome = try await LLMClient.withClient(ClientConfiguration(baseURL: endpoint.baseURL)) { client in
                try await ExperimentRunner.run(plan, client: client, toolVersion: "test", onResult: { result, _ in sent.add(result.index) })
            }
            #expect(sent.sorted == [1, 3] + Array(4..<12))
            #expect(outcome.results.map(\.index) == Array(0..<12))
            #expect(outcome.summary.successful == 12, "\(outcome.summary.errorsByKind)")
            #expect(outcome.run.resumedFrom == jsonl)
            #expect(outcome.run.interrupted == nil)
            #expect(try ResultDocument.results(path: jsonl).map(\.index) == Array(0..<12))
            #expect(try ResultWriter.readCSV(path: csv).count == 12, "the new CSV holds the kept results too")
        }
    }

    @Test func aResumeFileOfAnotherRunIsRefusedBeforeAnythingIsSent() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let jsonl = directory.appendingPathComponent("other.jsonl").path
        let writer = try ResultWriter(path: jsonl, format: .jsonl)
        var foreign = Self.result(index: 1, success: true)
        foreign.prompt = "a different prompt"
        try writer.append(foreign)
        try writer.finish(run: Self.run, summary: ResultSummary(results: [], durationSeconds: 0))
        let plan = ExperimentPlan(prompts: prompts, resumeFile: jsonl)
        #expect(throws: ExperimentError.self) { try plan.resumedResults() }
    }

    static let run = RunInfo(
        baseURL: "http://localhost:8000/v1", api: "completions", model: "m", stream: true, temperature: nil, maxTokens: nil,
        topP: nil, seed: nil, concurrency: 1, repeat: 1, promptFile: nil, promptCount: 6, startedAt: Timestamp(parsing: "2026-11-25T00:00:00.000Z")!,
        finishedAt: nil, toolVersion: "test")

    static func result(index: Int, success: Bool) -> RequestResult {
        var result = RequestResult(
            request: GenerationRequest(index: index, prompt: .text("질문 \(index)")), model: "m",
            startedAt: Timestamp(parsing: "2026-11-25T00:00:00.000Z")!)
        result.success = success
        result.output = success ? "답변" : ""
        if !success {
            result.error = "HTTP 500: boom"
            result.errorKind = .httpStatus
        }
        return result
    }
}

/// Collects request indexes from concurrent callbacks.
final class SentIndexes: Sendable {
    private let indexes = Mutex<[Int]>([])
    func add(_ index: Int) { indexes.withLock { $0.append(index) } }
    var sorted: [Int] { indexes.withLock { $0.sorted() } }
}
