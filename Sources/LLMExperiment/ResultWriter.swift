import Foundation
public import LLMClientKit
public import LLMResults
import Synchronization

/// The result file formats.
public enum OutputFormat: String, Sendable, CaseIterable {
    case json, jsonl, csv

    /// The format for `path`'s extension, or nil when the extension is not one of them.
    public init?(path: String) {
        self.init(rawValue: (path as NSString).pathExtension.lowercased())
    }
}

/// Writes results to a file as they arrive. JSONL lines and CSV rows are written and flushed at
/// once, so an interrupted run keeps every finished request; JSON is written whole at the end.
public final class ResultWriter: Sendable {
    /// The file being written.
    public let path: String
    /// Its format, which decides when results reach the disk.
    public let format: OutputFormat
    private struct State {
        var handle: FileHandle?
        var buffered: [RequestResult] = []
    }
    private let state: Mutex<State>

    /// The CSV columns, in order.
    public static let csvColumns = [
        "index", "repeat", "setting", "prompt_id", "prompt", "output", "success", "error", "error_kind", "http_status", "finish_reason",
        "prompt_tokens", "completion_tokens", "tokens_estimated", "content_chunks", "latency_s", "ttft_s", "itl_mean_s", "tpot_s",
        "tokens_per_second", "model", "temperature", "max_tokens", "top_p", "seed", "started_at",
        "reasoning", "reasoning_tokens", "ttfo_s", "stream_end_s", "request_id", "response_id", "turn", "send_s",
        // The quality columns stay last.
        "assertions_passed", "assertion_failures", "judge_score", "judge_reason", "judge_error",
    ]

    /// Creates the file at `path` (and its folder). An existing file is an error unless
    /// `overwrite` is true: results are never clobbered by accident.
    public init(path: String, format: OutputFormat, overwrite: Bool = false) throws {
        self.path = path
        self.format = format
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let flags = O_WRONLY | O_CREAT | O_CLOEXEC | (overwrite ? O_TRUNC : O_EXCL)
        let descriptor = open(path, flags, 0o644)
        guard descriptor >= 0 else {
            if errno == EEXIST { throw ResultsError.cannotUse(.exists, path: path, reason: "it already exists (give --overwrite to replace it)") }
            throw ResultsError.cannotUse(.unwritable, path: path, reason: String(cString: strerror(errno)))
        }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        if format == .csv {
            try handle.write(contentsOf: [0xEF, 0xBB, 0xBF] + Array(CSV.row(Self.csvColumns).utf8))
        }
        state = Mutex(State(handle: handle))
    }

    /// Opens an existing JSONL result file to add results at its end (`--resume`).
    public init(appendingTo path: String) throws {
        self.path = path
        format = .jsonl
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard descriptor >= 0 else { throw ResultsError.cannotUse(.unwritable, path: path, reason: String(cString: strerror(errno))) }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        // A run killed mid-line leaves a partial last line: drop it (its request is sent again).
        let contents = try Data(contentsOf: URL(fileURLWithPath: path))
        if let last = contents.last, last != UInt8(ascii: "\n") {
            let keep = contents.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
            try handle.truncate(atOffset: UInt64(keep))
        }
        state = Mutex(State(handle: handle))
    }

    /// Saves one result (at once for JSONL and CSV). Results appended after ``finish(run:summary:)``
    /// are not saved.
    public func append(_ result: RequestResult) throws {
        try state.withLock { state in
            switch format {
            case .json: state.buffered.append(result)
            case .jsonl: try state.handle?.write(contentsOf: ResultJSON.lineEncoder.encode(result) + Data("\n".utf8))
            case .csv: try state.handle?.write(contentsOf: Data(CSV.row(Self.csvFields(result)).utf8))
            }
        }
    }

    /// Ends the file: for JSON writes `{"run", "summary", "results"}`; then closes it.
    public func finish(run: RunInfo, summary: ResultSummary) throws {
        try state.withLock { state in
            if format == .json {
                let document = RunDocument(run: run, summary: summary, results: state.buffered.sorted { $0.index < $1.index })
                try state.handle?.write(contentsOf: ResultJSON.document(document))
            }
            try state.handle?.close()
            state.handle = nil
        }
    }

    private static func csvFields(_ result: RequestResult) -> [String] {
        func text(_ value: Double?) -> String { value.map { String($0) } ?? "" }
        func text(_ value: Int?) -> String { value.map { String($0) } ?? "" }
        let itlMean = result.itlS.isEmpty ? nil : result.itlS.reduce(0, +) / Double(result.itlS.count)
        return [
            String(result.index), String(result.repeat), result.setting ?? "", result.promptID ?? "", result.prompt, result.output,
            String(result.success), result.error ?? "", result.errorKind?.rawValue ?? "", text(result.httpStatus),
            result.finishReason ?? "", text(result.promptTokens), text(result.completionTokens), String(result.tokensEstimated),
            String(result.contentChunks), String(result.latencyS), text(result.ttftS), text(itlMean), text(result.tpotS),
            text(result.tokensPerSecond), result.model ?? "", text(result.temperature), text(result.maxTokens), text(result.topP),
            text(result.seed), result.startedAt.description,
            result.reasoning ?? "", text(result.reasoningTokens), text(result.ttfoS), text(result.streamEndS), result.requestID ?? "",
            result.responseID ?? "", text(result.turn), text(result.sendS),
            result.assertionsPassed.map { String($0) } ?? "", result.assertionFailures?.joined(separator: "; ") ?? "",
            text(result.judgeScore), result.judgeReason ?? "", result.judgeError ?? "",
        ]
    }

    /// The rows of a CSV file (a UTF-8 BOM is skipped), keyed by the header's column names. A row
    /// shorter than the header lacks the missing columns; of repeated column names the first wins.
    public static func readCSV(path: String) throws -> [[String: String]] {
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        let records = try CSV.parse(String(decoding: bytes, as: UTF8.self))
        guard let header = records.first?.fields else { return [] }
        return records.dropFirst().map { record in
            Dictionary(zip(header, record.fields), uniquingKeysWith: { first, _ in first })
        }
    }
}
