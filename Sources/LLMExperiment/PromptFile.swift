import Foundation
public import LLMClientKit
import OpenAIAPI

/// One prompt read from a prompt file.
public struct PromptEntry: Sendable, Hashable {
    /// The prompt's `id` from the file, if it had one.
    public var id: String?
    /// A plain prompt, or a conversation when the entry had `messages`.
    public var prompt: PromptInput
    /// Parameters set for this prompt alone; they override the command line.
    public var parameters: GenerationParameters
    /// The line of the file the prompt starts on.
    public var line: Int
    /// What its answers must satisfy (the entry's `expect_*` keys); empty when nothing.
    public var expectations: ResponseExpectations

    public init(id: String?, prompt: PromptInput, parameters: GenerationParameters, line: Int, expectations: ResponseExpectations = .init()) {
        self.id = id
        self.prompt = prompt
        self.parameters = parameters
        self.line = line
        self.expectations = expectations
    }
}

extension PromptEntry {
    /// A fingerprint of `prompts` in order (64-bit FNV-1a of each prompt's text with its
    /// parameters, in hex): equal for the same prompts, different for others with near certainty.
    /// Not cryptographic: it tells workloads apart, it does not protect them.
    public static func fingerprint(of prompts: some Sequence<PromptEntry>) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func add(_ text: String) {
            for byte in text.utf8 {
                hash ^= UInt64(byte)
                hash = hash &* 0x0000_0100_0000_01b3
            }
            hash ^= 0xff
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        for entry in prompts {
            add(entry.prompt.asPrompt)
            add((try? encoder.encode(entry.parameters)).map { String(decoding: $0, as: UTF8.self) } ?? "")
        }
        return String(hash, radix: 16)
    }
}

/// The prompt file formats, chosen by extension.
public enum PromptFileFormat: String, Sendable {
    case txt, json, jsonl, csv

    /// The format for `path`'s extension; anything unknown is read as plain text.
    public init(path: String) {
        switch (path as NSString).pathExtension.lowercased() {
        case "json": self = .json
        case "jsonl", "ndjson": self = .jsonl
        case "csv": self = .csv
        default: self = .txt
        }
    }
}

/// Reads prompt files: TXT (one prompt per line), JSON, JSONL and CSV.
public enum PromptFile {
    /// Loads every prompt of `path`, or throws an error naming the file and line.
    public static func load(path: String) throws(PromptFileError) -> [PromptEntry] {
        let data = try PromptFileError.contents(of: path)
        let entries = try parse(Array(data), format: PromptFileFormat(path: path), path: path)
        guard !entries.isEmpty else { throw PromptFileError(.empty, path: path, line: nil, message: "no prompts in the file") }
        return entries
    }

    /// Parses the bytes of a prompt file of the given format (`path` names it in errors).
    /// A UTF-8 byte order mark is skipped; lines may end in LF, CRLF or CR.
    public static func parse(_ bytes: [UInt8], format: PromptFileFormat, path: String) throws(PromptFileError) -> [PromptEntry] {
        var body = bytes[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        guard let text = String(validating: body, as: UTF8.self) else {
            throw PromptFileError(.notUTF8, path: path, line: firstInvalidUTF8Line(body), message: "the file is not valid UTF-8")
        }
        switch format {
        case .txt: return parseText(text)
        case .jsonl: return try parseJSONLines(text, path: path)
        case .json: return try parseJSON(Array(body), path: path)
        case .csv: return try parseCSV(text, path: path)
        }
    }

    private static func lines(_ text: String) -> [(Int, Substring)] {
        var result: [(Int, Substring)] = []
        var number = 0
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }) {
            number += 1
            result.append((number, line))
        }
        return result
    }

    private static func parseText(_ text: String) -> [PromptEntry] {
        lines(text).compactMap { number, line in
            let prompt = line.trimmingCharacters(in: .whitespaces)
            return prompt.isEmpty ? nil : PromptEntry(id: nil, prompt: .text(prompt), parameters: .init(), line: number)
        }
    }

    private static func parseJSONLines(_ text: String, path: String) throws(PromptFileError) -> [PromptEntry] {
        var entries: [PromptEntry] = []
        for (number, line) in lines(text) where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let bytes = Array(line.utf8)
            let value: JSONValue
            do {
                value = try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
            } catch {
                throw PromptFileError(.syntax, path: path, line: number, message: "invalid JSON: \(syntaxProblem(bytes, error).message)")
            }
            entries.append(try entry(value, line: number, element: nil, path: path))
        }
        return entries
    }

    private static func parseJSON(_ bytes: [UInt8], path: String) throws(PromptFileError) -> [PromptEntry] {
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
        } catch {
            let problem = syntaxProblem(bytes, error)
            throw PromptFileError(.syntax, path: path, line: problem.line, message: "invalid JSON: \(problem.message)")
        }
        guard let items = value.arrayValue else {
            throw PromptFileError(.invalidEntry, path: path, line: 1, message: "expected a JSON array of prompts, found \(value.typeName)")
        }
        let starts = topLevelElementLines(bytes)
        var entries: [PromptEntry] = []
        for (position, item) in items.enumerated() {
            let line = position < starts.count ? starts[position] : 1
            entries.append(try entry(item, line: line, element: position + 1, path: path))
        }
        return entries
    }

    /// The line where each element of a top-level JSON array starts, found by a small scanner.
    private static func topLevelElementLines(_ bytes: [UInt8]) -> [Int] {
        var starts: [Int] = []
        var counter = LineCounter()
        var depth = 0
        var inString = false
        var escaped = false
        var expectingElement = false
        for byte in bytes {
            defer { counter.advance(over: byte) }
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            if expectingElement, !isJSONSpace(byte), byte != UInt8(ascii: "]") {
                starts.append(counter.line)
                expectingElement = false
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                if depth == 1 { expectingElement = true }
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
            case UInt8(ascii: ","): if depth == 1 { expectingElement = true }
            default: break
            }
        }
        return starts
    }

    /// Why `bytes` are not valid JSON and on which line, as Foundation's JSON parser explains it
    /// (JSONDecoder's own error says neither). Its byte offset is turned into a line and column.
    private static func syntaxProblem(_ bytes: [UInt8], _ decodingError: any Error) -> (line: Int?, message: String) {
        var detail: String
        do {
            _ = try JSONSerialization.jsonObject(with: Data(bytes), options: .fragmentsAllowed)
            return (nil, describe(decodingError))
        } catch {
            detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
        }
        // Linux's Foundation gives a byte offset; Apple's gives the line and column.
        if let match = detail.firstMatch(of: /around character (\d+)/), let offset = Int(match.1) {
            let position = position(ofByte: offset, in: bytes)
            detail.replaceSubrange(match.range, with: "at column \(position.column)")
            return (position.line, detail)
        }
        if let match = detail.firstMatch(of: /line (\d+), column \d+/) {
            return (Int(match.1), detail)
        }
        if detail.hasPrefix("Unexpected end of file") {
            let last = bytes.lastIndex(where: { !isJSONSpace($0) }) ?? 0
            return (position(ofByte: last, in: bytes).line, detail)
        }
        return (nil, detail)
    }

    /// The 1-based line and column (in characters) of byte `offset` of UTF-8 text.
    private static func position(ofByte offset: Int, in bytes: [UInt8]) -> (line: Int, column: Int) {
        let end = min(max(offset, 0), bytes.count)
        var counter = LineCounter()
        var lineStart = 0
        for index in 0..<end {
            counter.advance(over: bytes[index])
            if LineCounter.isLineBreak(bytes[index]) { lineStart = index + 1 }
        }
        return (counter.line, String(decoding: bytes[lineStart..<end], as: UTF8.self).count + 1)
    }

    private static func isJSONSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    private static let knownKeys: Set<String> = [
        "id", "prompt", "messages", "model", "temperature", "max_tokens", "top_p", "stop", "seed", "extra_body",
        "expect_contains", "expect_regex", "expect_equals", "expect_json",
    ]

    /// One prompt from a JSON value: a string, or an object with `prompt` or `messages`.
    /// `element` is the 1-based position in a JSON array, named in errors.
    private static func entry(_ value: JSONValue, line: Int, element: Int?, path: String) throws(PromptFileError) -> PromptEntry {
        func fail(_ message: String) -> PromptFileError {
            PromptFileError(.invalidEntry, path: path, line: line, message: (element.map { "element \($0): " } ?? "") + message)
        }
        if let text = value.stringValue {
            guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw fail("the prompt is empty") }
            return PromptEntry(id: nil, prompt: .text(text), parameters: .init(), line: line)
        }
        guard let object = value.objectValue else {
            throw fail("expected a prompt string or an object with \"prompt\" or \"messages\", found \(value.typeName)")
        }
        if let unknown = object.keys.sorted().first(where: { !knownKeys.contains($0) }) {
            throw fail("unknown key \"\(unknown)\" (known: \(knownKeys.sorted().joined(separator: ", ")))")
        }
        let prompt: PromptInput
        switch (object["prompt"], object["messages"]) {
        case (.string(let text)?, nil):
            guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw fail("\"prompt\" is empty") }
            prompt = .text(text)
        case (nil, .array(let items)?):
            var messages: [ChatMessage] = []
            for (position, item) in items.enumerated() {
                guard let role = item["role"]?.stringValue, let content = item["content"]?.stringValue else {
                    throw fail("\"messages\"[\(position)] needs a string \"role\" and a string \"content\"")
                }
                messages.append(ChatMessage(role: role, content: content))
            }
            guard !messages.isEmpty else { throw fail("\"messages\" is empty") }
            prompt = .messages(messages)
            guard !prompt.displayText.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw fail("\"messages\" has nothing to answer: its last user message is empty")
            }
        case (nil, nil): throw fail("needs \"prompt\" or \"messages\"")
        case (.some, .some): throw fail("has both \"prompt\" and \"messages\"; give one")
        case (.some(let other), nil): throw fail("\"prompt\" must be a string, found \(other.typeName)")
        case (nil, .some(let other)): throw fail("\"messages\" must be an array, found \(other.typeName)")
        }

        var id: String?
        switch object["id"] {
        case nil, .null?: id = nil
        case .string(let text)?: id = text
        case .number(let number)? where number.rounded() == number && abs(number) < 1e15: id = String(Int(number))
        case .number(let number)?: id = String(number)
        case let other?: throw fail("\"id\" must be a string or a number, found \(other.typeName)")
        }

        func number(_ key: String) throws(PromptFileError) -> Double? {
            switch object[key] {
            case nil, .null?: return nil
            case .number(let value)?: return value
            case let other?: throw fail("\"\(key)\" must be a number, found \(other.typeName)")
            }
        }
        func integer(_ key: String) throws(PromptFileError) -> Int? {
            guard let value = try number(key) else { return nil }
            guard value.rounded() == value, abs(value) < 1e15 else { throw fail("\"\(key)\" must be an integer, found \(value)") }
            return Int(value)
        }
        var parameters = GenerationParameters()
        switch object["model"] {
        case nil, .null?: break
        case .string(let model)?: parameters.model = model
        case let other?: throw fail("\"model\" must be a string, found \(other.typeName)")
        }
        parameters.temperature = try number("temperature")
        parameters.maxTokens = try integer("max_tokens")
        parameters.topP = try number("top_p")
        parameters.seed = try integer("seed")
        switch object["stop"] {
        case nil, .null?: break
        case .string(let stop)?: parameters.stop = [stop]
        case .array(let items)?:
            let stops = items.compactMap(\.stringValue)
            guard stops.count == items.count else { throw fail("\"stop\" must be a string or an array of strings") }
            parameters.stop = stops
        case let other?: throw fail("\"stop\" must be a string or an array of strings, found \(other.typeName)")
        }
        switch object["extra_body"] {
        case nil, .null?: break
        case .object(let extra)?: parameters.extraBody = extra
        case let other?: throw fail("\"extra_body\" must be an object, found \(other.typeName)")
        }
        func texts(_ key: String) throws(PromptFileError) -> [String] {
            let texts: [String]
            switch object[key] {
            case nil, .null?: return []
            case .string(let text)?: texts = [text]
            case .array(let items)?:
                if let position = items.firstIndex(where: { $0.stringValue == nil }) {
                    throw fail("\"\(key)\" must be a string or an array of strings; element \(position + 1) is \(items[position].typeName)")
                }
                texts = items.compactMap(\.stringValue)
            case let other?: throw fail("\"\(key)\" must be a string or an array of strings, found \(other.typeName)")
            }
            guard !texts.contains(where: \.isEmpty) else { throw fail("\"\(key)\" has an empty text") }
            return texts
        }
        var expectations = ResponseExpectations(contains: try texts("expect_contains"), regexes: try texts("expect_regex"))
        switch object["expect_equals"] {
        case nil, .null?: break
        case .string(let text)?:
            guard !text.isEmpty else { throw fail("\"expect_equals\" is empty") }
            expectations.equals = text
        case let other?: throw fail("\"expect_equals\" must be a string, found \(other.typeName)")
        }
        switch object["expect_json"] {
        case nil, .null?: break
        case .bool(let flag)?: expectations.json = flag
        case let other?: throw fail("\"expect_json\" must be true or false, found \(other.typeName)")
        }
        if let problem = expectations.regexes.lazy.compactMap(ResponseExpectations.problem(withPattern:)).first {
            throw fail("\"expect_regex\": \(problem)")
        }
        return PromptEntry(id: id, prompt: prompt, parameters: parameters, line: line, expectations: expectations)
    }

    /// Prompts of a CSV file. Rows whose cells are all empty (spreadsheets export them) are skipped.
    private static func parseCSV(_ text: String, path: String) throws(PromptFileError) -> [PromptEntry] {
        let records: [(line: Int, fields: [String])]
        do {
            records = try CSV.parse(text)
        } catch {
            throw PromptFileError(.syntax, path: path, line: error.line, message: "invalid CSV: \(error.message)")
        }
        guard let header = records.first else { return [] }
        let columns = header.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard let promptColumn = columns.firstIndex(of: "prompt") else {
            throw PromptFileError(
                .invalidEntry, path: path, line: header.line,
                message: "the header has no \"prompt\" column (found: \(columns.joined(separator: ", ")))")
        }
        try checkCSVHeader(columns, line: header.line, path: path)
        func column(_ name: String) -> Int? { columns.firstIndex(of: name) }
        var entries: [PromptEntry] = []
        for record in records.dropFirst() where record.fields.contains(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }) {
            func cell(_ index: Int?) -> String? {
                guard let index, index < record.fields.count else { return nil }
                let value = record.fields[index]
                return value.isEmpty ? nil : value
            }
            func number(_ name: String) throws(PromptFileError) -> Double? {
                guard let text = cell(column(name)) else { return nil }
                guard let value = Double(text.trimmingCharacters(in: .whitespaces)), value.isFinite else {
                    throw PromptFileError(.invalidEntry, path: path, line: record.line, message: "column \"\(name)\": \"\(text)\" is not a number")
                }
                return value
            }
            func integer(_ name: String) throws(PromptFileError) -> Int? {
                guard let value = try number(name) else { return nil }
                guard value.rounded() == value, abs(value) < 1e15 else {
                    throw PromptFileError(.invalidEntry, path: path, line: record.line, message: "column \"\(name)\": \(value) is not an integer")
                }
                return Int(value)
            }
            guard let prompt = cell(promptColumn), !prompt.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw PromptFileError(.invalidEntry, path: path, line: record.line, message: "the prompt is empty")
            }
            var parameters = GenerationParameters()
            parameters.model = cell(column("model"))
            parameters.temperature = try number("temperature")
            parameters.maxTokens = try integer("max_tokens")
            parameters.topP = try number("top_p")
            parameters.seed = try integer("seed")
            parameters.stop = cell(column("stop")).map { [$0] }
            var expectations = ResponseExpectations(
                contains: cell(column("expect_contains")).map { [$0] } ?? [], regexes: cell(column("expect_regex")).map { [$0] } ?? [],
                equals: cell(column("expect_equals")))
            if let pattern = expectations.regexes.first, let problem = ResponseExpectations.problem(withPattern: pattern) {
                throw PromptFileError(.invalidEntry, path: path, line: record.line, message: "column \"expect_regex\": \(problem)")
            }
            if let flag = cell(column("expect_json")) {
                switch flag.trimmingCharacters(in: .whitespaces).lowercased() {
                case "true", "yes", "1": expectations.json = true
                case "false", "no", "0": expectations.json = false
                default:
                    throw PromptFileError(
                        .invalidEntry, path: path, line: record.line, message: "column \"expect_json\": \"\(flag)\" is not true or false")
                }
            }
            entries.append(
                PromptEntry(
                    id: cell(column("id")), prompt: .text(prompt), parameters: parameters, line: record.line, expectations: expectations))
        }
        return entries
    }

    /// The columns a CSV prompt file may have; others (a dataset's `category`, notes) are ignored.
    static let csvColumns = [
        "id", "prompt", "model", "temperature", "max_tokens", "top_p", "seed", "stop",
        "expect_contains", "expect_regex", "expect_equals", "expect_json",
    ]

    /// Fails on a known column given twice, and on an unknown one that looks like a misspelt known
    /// one (`expect_contain`, `temprature`: one or two letters off, or any `expect…`), which would
    /// otherwise be ignored without a word.
    private static func checkCSVHeader(_ columns: [String], line: Int, path: String) throws(PromptFileError) {
        var seen: Set<String> = []
        for column in columns where !column.isEmpty {
            if csvColumns.contains(column) {
                guard seen.insert(column).inserted else {
                    throw PromptFileError(.invalidEntry, path: path, line: line, message: "the column \"\(column)\" appears twice")
                }
                continue
            }
            // Short names are left alone (`mode`, `top` are a dataset's own columns more often than typos).
            let near = column.count < 5 ? nil : csvColumns.first { editDistance(column, $0) <= (column.count >= 8 ? 2 : 1) }
            if let near = near ?? (column.hasPrefix("expect") ? "expect_contains" : nil) {
                throw PromptFileError(
                    .invalidEntry, path: path, line: line,
                    message: "unknown column \"\(column)\" (did you mean \"\(near)\"? known: \(csvColumns.joined(separator: ", ")))")
            }
        }
    }

    /// The Levenshtein distance between two texts.
    private static func editDistance(_ first: String, _ second: String) -> Int {
        let a = Array(first)
        let b = Array(second)
        guard !a.isEmpty else { return b.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in stride(from: 1, through: b.count, by: 1) {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }

    /// The line of the first byte sequence that is not UTF-8. Line breaks are ASCII, which never
    /// occurs inside a multi-byte sequence, so each line can be checked on its own.
    private static func firstInvalidUTF8Line(_ bytes: ArraySlice<UInt8>) -> Int {
        var counter = LineCounter()
        var lineStart = bytes.startIndex
        for index in bytes.indices {
            if LineCounter.isLineBreak(bytes[index]) {
                if String(validating: bytes[lineStart..<index], as: UTF8.self) == nil { break }
                lineStart = index + 1
            }
            counter.advance(over: bytes[index])
        }
        return counter.line
    }

    private static func describe(_ error: any Error) -> String {
        if case DecodingError.dataCorrupted(let context) = error { return context.debugDescription }
        return "\(error)"
    }
}

/// Counts lines in UTF-8 bytes the way the text readers split them: LF, CRLF and a lone CR each
/// end a line.
private struct LineCounter {
    /// The 1-based line of the next byte.
    private(set) var line = 1
    private var afterCR = false

    mutating func advance(over byte: UInt8) {
        if byte == 0x0D || (byte == 0x0A && !afterCR) { line += 1 }
        afterCR = byte == 0x0D
    }

    static func isLineBreak(_ byte: UInt8) -> Bool {
        byte == 0x0A || byte == 0x0D
    }
}
