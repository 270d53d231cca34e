public import Foundation
public import LLMClientKit

/// A result document of any command, read from its file: `llm-client run`'s
/// (`{"run", "summary", "results"}`) or `llm-client bench`'s (`{"run", "bench", "levels"}`). A
/// merged file (`llm-client merge`) is one or the other.
public enum ResultDocument: Sendable {
    case run(RunDocument)
    case bench(BenchDocument)

    /// How the run or benchmark was configured.
    public var run: RunInfo {
        switch self {
        case .run(let document): document.run
        case .bench(let document): document.run
        }
    }

    /// The document in the JSON file at `path`, told apart by decoding (a bench document has `levels`).
    /// - Throws: ``ResultsError`` naming the file that is missing, unreadable or neither document.
    public static func load(path: String) throws(ResultsError) -> ResultDocument {
        try decode(try contents(of: path), path: path)
    }

    /// The bytes of the file at `path`.
    /// - Throws: ``ResultsError`` `no such file` or `cannot be read`, naming the file.
    public static func contents(of path: String) throws(ResultsError) -> Data {
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            if FileManager.default.fileExists(atPath: path) { throw ResultsError(.unreadable, path: path, reason: "cannot be read") }
            throw ResultsError(.noSuchFile, path: path, reason: "no such file")
        }
    }

    /// Decodes a bench document when the object has `levels`, else a run document; `path` names
    /// the file in errors.
    public static func decode(_ data: Data, path: String) throws(ResultsError) -> ResultDocument {
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw ResultsError(
                .notJSONObject, path: path, reason: "not a JSON object (give the .json document of llm-client run or bench, not .jsonl or .csv)")
        }
        let decoder = ResultJSON.decoder
        do {
            if object["levels"] != nil { return .bench(try decoder.decode(BenchDocument.self, from: data)) }
            return .run(try decoder.decode(RunDocument.self, from: data))
        } catch {
            throw ResultsError(.notResults, path: path, reason: "neither a run nor a bench result document (\(describe(error)))")
        }
    }

    /// The results of a JSON result file (by its `.json` extension) or of a JSONL one (any other).
    /// In a JSONL file a request may appear more than once (a resumed run sends failed requests
    /// again): the last line of each index wins, within each setting (a benchmark sweep numbers
    /// each level's requests from 0). A last line cut off by a kill is skipped.
    public static func results(path: String) throws(ResultsError) -> [RequestResult] {
        let data = try contents(of: path)
        let decoder = ResultJSON.decoder
        if (path as NSString).pathExtension.lowercased() == "json" {
            guard case .run(let document) = try decode(data, path: path) else {
                throw ResultsError(.notResults, path: path, reason: "a benchmark document holds no per-request results")
            }
            return document.results
        }
        let lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true)
        struct Key: Hashable {
            var setting: String?
            var index: Int
        }
        var byKey: [Key: RequestResult] = [:]
        var settingOrder: [String?: Int] = [:]
        for (number, line) in lines.enumerated() {
            do {
                let result = try decoder.decode(RequestResult.self, from: Data(line))
                byKey[Key(setting: result.setting, index: result.index)] = result
                if settingOrder[result.setting] == nil { settingOrder[result.setting] = settingOrder.count }
            } catch  where number == lines.count - 1 && data.last != UInt8(ascii: "\n") {
                break  // the line being written when the run was killed
            } catch {
                throw ResultsError(.notResults, path: path, reason: "line \(number + 1) is not a result: \(error)")
            }
        }
        return byKey.values.sorted { ($0.index, settingOrder[$0.setting] ?? 0) < ($1.index, settingOrder[$1.setting] ?? 0) }
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
