import Foundation
import LLMResults
import Testing

/// Result files written by llm-client before the result types moved into LLMResults (Fixtures:
/// a run's JSON and JSONL, a two-level bench sweep, two bench shards and their merge, two run
/// shards and their merge) still load, and are written back with exactly the same keys and values.
struct ResultFileCompatibilityTests {
    private func fixture(_ name: String) throws -> String {
        try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil)).path
    }

    /// Every key path of a JSON value (`summary.latency_s.p50`, `results[].ttft_s`), arrays' elements pooled.
    private func keyPaths(_ value: Any, _ prefix: String = "") -> Set<String> {
        switch value {
        case let object as [String: Any]:
            return object.reduce(into: Set<String>()) { paths, member in
                let path = prefix.isEmpty ? member.key : "\(prefix).\(member.key)"
                paths.insert(path)
                paths.formUnion(keyPaths(member.value, path))
            }
        case let array as [Any]:
            return array.reduce(into: Set<String>()) { $0.formUnion(keyPaths($1, prefix + "[]")) }
        default:
            return []
        }
    }

    /// Loads `name` through the loader, re-encodes it, and compares it with the file.
    private func roundTrip(_ name: String) throws -> ResultDocument {
        let path = try fixture(name)
        let document = try ResultDocument.load(path: path)
        let written: Data
        switch document {
        case .run(let run): written = try ResultJSON.document(run)
        case .bench(let bench): written = try ResultJSON.document(bench)
        }
        let original = try Data(contentsOf: URL(fileURLWithPath: path))
        let before = try JSONSerialization.jsonObject(with: original)
        let after = try JSONSerialization.jsonObject(with: written)
        #expect(keyPaths(after) == keyPaths(before), "\(name): keys differ")
        #expect((after as? NSDictionary) == (before as? NSDictionary), "\(name): values differ")
        #expect(written == original, "\(name): not written byte for byte as the release did")
        return document
    }

    @Test func aRunDocumentLoadsAndIsWrittenBackWithItsKeys() throws {
        guard case .run(let run) = try roundTrip("run.json") else {
            Issue.record("run.json is not a run")
            return
        }
        #expect(run.summary.keys == .run)
        #expect(run.summary.totalRequests == run.results.count && run.summary.totalRequests > 0)
        #expect(run.summary.latencyS != nil && run.summary.requestsPerSecond > 0)
        #expect(run.run.finishedAt != nil)
    }

    @Test func aBenchSweepLoadsAndIsWrittenBackWithItsKeys() throws {
        guard case .bench(let bench) = try roundTrip("bench-sweep.json") else {
            Issue.record("bench-sweep.json is not a bench")
            return
        }
        #expect(bench.levels.count == 2)
        for level in bench.levels {
            #expect(level.summary.keys == .bench)
            #expect(level.summary.latencyS?.count == level.summary.successful)
            #expect(level.summary.maxInFlight != nil)
            #expect(level.histogram(.e2e).map { $0[1] }.reduce(0, +) == UInt64(level.summary.successful))
        }
    }

    @Test func shardsAndTheirMergesLoadAndAreWrittenBackWithTheirKeys() throws {
        for name in ["bench-shard-0.json", "bench-shard-1.json", "bench-merged.json"] {
            guard case .bench = try roundTrip(name) else {
                Issue.record("\(name) is not a bench")
                continue
            }
        }
        for name in ["run-shard-0.json", "run-shard-1.json", "run-merged.json"] {
            guard case .run = try roundTrip(name) else {
                Issue.record("\(name) is not a run")
                continue
            }
        }
    }

    @Test func jsonlResultsReadAsTheRunDocumentsResults() throws {
        let lines = try ResultDocument.results(path: try fixture("run.jsonl"))
        guard case .run(let run) = try ResultDocument.load(path: try fixture("run.json")) else {
            Issue.record("run.json is not a run")
            return
        }
        #expect(lines.count == run.results.count)
        let written = try lines.map { try ResultJSON.lineEncoder.encode($0) }
        let original = try Data(contentsOf: URL(fileURLWithPath: try fixture("run.jsonl")))
        #expect(Data(written.map { $0 + Data("\n".utf8) }.joined()) == original)
    }

    @Test func aFileThatIsNoDocumentIsRefusedWithItsName() throws {
        let jsonl = try fixture("run.jsonl")
        #expect(throws: ResultsError.self) { try ResultDocument.load(path: jsonl) }
        do {
            _ = try ResultDocument.load(path: jsonl)
        } catch {
            #expect(error.code == .notJSONObject && error.message.hasPrefix("\(jsonl): not a JSON object"))
        }
        do {
            _ = try ResultDocument.load(path: "/nonexistent/r.json")
        } catch {
            #expect(error.code == .noSuchFile && error.message == "/nonexistent/r.json: no such file")
        }
    }
}
