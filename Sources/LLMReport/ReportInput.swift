import Foundation
public import LLMBench
import LLMClientKit
public import LLMExperiment

/// What a report shows: one or more result documents, each with the name it goes by in legends
/// and tables (its file name). Several documents make a comparison, overlaid on the same axes.
public struct ReportInput: Sendable {
    /// A result document of `llm-client run` or `llm-client bench`.
    public enum Content: Sendable {
        case run(RunDocument)
        case bench(BenchDocument)
    }

    /// One result document and its name.
    public struct Document: Sendable {
        public var name: String
        public var content: Content

        public init(name: String, content: Content) {
            self.name = name
            self.content = content
        }
    }

    public var documents: [Document]
    /// The comparison the documents come from (`llm-client compare`): the report adds its
    /// differences from the baseline and its prompts side by side.
    public var comparison: RunComparison?

    public init(documents: [Document]) {
        self.documents = documents
    }

    /// A report of compared runs: each run overlaid on the same axes, named by its label, with the
    /// differences from the baseline (percentage changes, p-values, confidence intervals) and
    /// every prompt's answers side by side.
    public init(comparison: RunComparison) {
        self.init(documents: comparison.runs.map { run in
            let info = run.info ?? Self.recordedInfo(of: run.results)
            return Document(name: run.label, content: .run(RunDocument(run: info, summary: run.summary, results: run.results)))
        })
        self.comparison = comparison
    }

    /// What the results of a JSONL file (which has no run record) tell of their run: the request
    /// parameters of the first, the prompts and repeats, and the most requests in flight as the
    /// concurrency.
    private static func recordedInfo(of results: [RequestResult]) -> RunInfo {
        let first = results.first
        let notRecorded = "(not recorded)"
        return RunInfo(
            baseURL: notRecorded, api: first?.api.rawValue ?? notRecorded, model: first?.model ?? notRecorded, stream: first?.stream ?? true,
            temperature: first?.temperature, maxTokens: first?.maxTokens, topP: first?.topP, seed: first?.seed,
            concurrency: ReportSource.secondCounts(results).map(\.maxInFlight).max() ?? 1,
            repeat: (results.map(\.repeat).max() ?? 0) + 1, promptFile: nil,
            promptCount: Set(results.map { $0.promptID ?? $0.prompt }).count, startedAt: results.map(\.startedAt).min() ?? "",
            finishedAt: nil, toolVersion: notRecorded)
    }

    /// A report of one run.
    public init(run: RunDocument, name: String) {
        self.init(documents: [Document(name: name, content: .run(run))])
    }

    /// A report of one benchmark (a single level or a sweep).
    public init(bench: BenchDocument, name: String) {
        self.init(documents: [Document(name: name, content: .bench(bench))])
    }

    /// Reads JSON result files of `llm-client run` (`{"run", "summary", "results"}`) or
    /// `llm-client bench` (`{"run", "bench", "levels"}`), telling them apart by decoding. Each
    /// document is named by its file name.
    /// - Throws: ``ReportError`` naming the file that is missing, unreadable or neither document.
    public init(resultFiles: [String]) throws(ReportError) {
        guard !resultFiles.isEmpty else { throw ReportError(path: "", reason: "no result file given") }
        var documents: [Document] = []
        for path in resultFiles {
            let data: Data
            do {
                data = try Data(contentsOf: URL(fileURLWithPath: path))
            } catch {
                let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read" : "no such file"
                throw ReportError(path: path, reason: reason)
            }
            documents.append(Document(name: (path as NSString).lastPathComponent, content: try Self.decode(data, path: path)))
        }
        self.init(documents: documents)
    }

    /// Decodes a bench document when the object has `levels`, else a run document.
    private static func decode(_ data: Data, path: String) throws(ReportError) -> Content {
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw ReportError(path: path, reason: "not a JSON object (give the .json document of llm-client run or bench, not .jsonl or .csv)")
        }
        let decoder = JSONDecoder()
        do {
            if object["levels"] != nil { return .bench(try decoder.decode(BenchDocument.self, from: data)) }
            return .run(try decoder.decode(RunDocument.self, from: data))
        } catch {
            throw ReportError(path: path, reason: "neither a run nor a bench result document (\(describe(error)))")
        }
    }

    private static func describe(_ error: any Error) -> String {
        switch error as? DecodingError {
        case .keyNotFound(let key, let context):
            return "missing \(Self.codingPath(context.codingPath + [key]))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return "\(Self.codingPath(context.codingPath)): \(context.debugDescription)"
        default:
            return String(describing: error)
        }
    }

    private static func codingPath(_ path: [any CodingKey]) -> String {
        path.isEmpty ? "the top level" : path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }
}

/// A result file that cannot be reported on.
public struct ReportError: Error, CustomStringConvertible, Sendable {
    /// The file, as given.
    public var path: String
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { path.isEmpty ? reason : "\(path): \(reason)" }
}
