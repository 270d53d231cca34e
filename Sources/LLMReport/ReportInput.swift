import Foundation
import LLMClientKit
public import LLMResults

/// What a report shows: one or more result documents, each with the name it goes by in legends
/// and tables (its file name). Several documents make a comparison, overlaid on the same axes.
public struct ReportInput: Sendable {
    /// One result document and its name.
    public struct Document: Sendable {
        public var name: String
        public var content: ResultDocument

        public init(name: String, content: ResultDocument) {
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
        self.init(
            documents: comparison.runs.map { run in
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
            promptCount: Set(results.map { $0.promptID ?? $0.prompt }).count, startedAt: results.map(\.startedAt).min() ?? Timestamp(.distantPast),
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

    /// Reads JSON result files of `llm-client run` or `llm-client bench` (``ResultDocument/load(path:)``).
    /// Each document is named by its file name.
    /// - Throws: ``ResultsError`` naming the file that is missing, unreadable or neither document.
    public init(resultFiles: [String]) throws(ResultsError) {
        guard !resultFiles.isEmpty else { throw ResultsError(.nothingToUse, path: "", reason: "no result file given") }
        var documents: [Document] = []
        for path in resultFiles {
            documents.append(Document(name: (path as NSString).lastPathComponent, content: try ResultDocument.load(path: path)))
        }
        self.init(documents: documents)
    }
}
