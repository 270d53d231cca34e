public import Foundation
public import LLMClientKit
public import LLMSupport

/// One run of a comparison: a result file, or one setting of a comparison run's file
/// (`--temperature 0.1,0.9` writes every setting into one file; each becomes a run of its own).
public struct ComparedRun: Sendable {
    /// The name in tables and legends: the file name, plus the setting when the file was split.
    public var label: String
    /// The result file, as given.
    public var file: String
    /// The setting of a split file (`temperature=0.9`); nil for a whole file.
    public var setting: String?
    /// The run's configuration (with the temperature and model of its setting when split); nil
    /// for a JSONL file, which does not record it.
    public var info: RunInfo?
    public var summary: ResultSummary
    /// Every result of the run, sorted by index.
    public var results: [RequestResult]

    public init(label: String, file: String, setting: String?, info: RunInfo?, summary: ResultSummary, results: [RequestResult]) {
        self.label = label
        self.file = file
        self.setting = setting
        self.info = info
        self.summary = summary
        self.results = results
    }

    /// The runs of a JSON result document read from `file`: one, or one per setting when its
    /// results carry several settings (the document's per-setting summaries are used).
    public static func runs(of document: RunDocument, file: String) -> [ComparedRun] {
        runs(file: file, info: document.run, summary: document.summary, settingSummaries: document.settings ?? [], results: document.results)
    }

    /// The runs of results read from a JSONL file: one, or one per setting when they carry several.
    /// Summaries are computed from the results, over the span from the first send to the last end.
    public static func runs(ofResults results: [RequestResult], file: String) -> [ComparedRun] {
        runs(file: file, info: nil, summary: nil, settingSummaries: [], results: results)
    }

    /// The runs of the result file at `path`: a JSON document of `llm-client run` (by its `.json`
    /// extension; see ``runs(of:file:)``) or of `llm-client bench` (see ``BenchDocument/comparedRuns(file:)``),
    /// or a JSONL result file (any other extension but `.csv`).
    /// - Throws: ``ResultsError`` naming the file when it is missing, unreadable, not results, or empty.
    public static func load(path: String) throws(ResultsError) -> [ComparedRun] {
        let runs: [ComparedRun]
        var fromBench = false
        do throws(ResultsError) {
            switch (path as NSString).pathExtension.lowercased() {
            case "csv":
                throw ResultsError(
                    .notResults, path: path, reason: "CSV results lack the per-request timings; give the .json or .jsonl results of llm-client run")
            case "json":
                switch try ResultDocument.load(path: path) {
                case .run(let document): runs = Self.runs(of: document, file: path)
                case .bench(let document):
                    runs = document.comparedRuns(file: path)
                    fromBench = true
                }
            default:
                runs = Self.runs(ofResults: try ResultDocument.results(path: path), file: path)
            }
        } catch  where error.code == .notJSONObject {
            throw .cannotUse(
                error.code, path: path, reason: "not a JSON object (give the .json results of llm-client run or bench, or the .jsonl results of run)")
        } catch {
            throw .cannotUse(error.code, path: path, reason: error.reason)
        }
        // A benchmark's levels have summaries but no per-request results.
        guard fromBench ? !runs.isEmpty : runs.contains(where: { !$0.results.isEmpty }) else {
            throw .cannotUse(.nothingToUse, path: path, reason: "it holds no results")
        }
        return runs
    }

    private static func runs(
        file: String, info: RunInfo?, summary: ResultSummary?, settingSummaries: [SettingSummary], results: [RequestResult]
    ) -> [ComparedRun] {
        let name = (file as NSString).lastPathComponent
        let groups = SettingSummary.groups(of: results)
        guard groups.count > 1 else {
            let summary = summary ?? ResultSummary(results: results, durationSeconds: RunDocument.span(of: results))
            return [ComparedRun(label: name, file: file, setting: groups.first?.setting, info: info, summary: summary, results: results)]
        }
        return groups.map { group in
            let summary =
                settingSummaries.first { $0.setting == group.setting }?.summary
                ?? ResultSummary(results: group.results, durationSeconds: RunDocument.span(of: group.results))
            var settingInfo = info
            if var specialised = info, let first = group.results.first {
                specialised.temperature = first.temperature
                specialised.model = first.model ?? specialised.model
                specialised.settings = nil
                settingInfo = specialised
            }
            return ComparedRun(
                label: "\(name) \(group.setting)", file: file, setting: group.setting, info: settingInfo, summary: summary,
                results: group.results)
        }
    }
}

extension ComparedRun: Encodable {
    enum CodingKeys: String, CodingKey {
        case label, file, setting, run, summary
    }

    /// The label, file, setting, configuration and summary; the results are left out (the
    /// comparison's per-prompt rows carry the outputs).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(label, forKey: .label)
        try container.encode(file, forKey: .file)
        try container.encode(setting, forKey: .setting)
        try container.encode(info, forKey: .run)
        try container.encode(summary, forKey: .summary)
    }
}

/// A figure of a run's summary compared between runs: counts, timings and rates, and the answers'
