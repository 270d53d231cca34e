import Foundation
import LLMClientKit
import LLMExperiment
import LLMResults
import OpenAIAPI
import TestSupport
import Testing

@Suite struct PromptFileTests {
    private func parse(_ text: String, _ format: PromptFileFormat) throws(PromptFileError) -> [PromptEntry] {
        try PromptFile.parse(Array(text.utf8), format: format, path: "/tmp/prompts.\(format.rawValue)")
    }

    private func error(_ bytes: [UInt8], _ format: PromptFileFormat) -> String? {
        do {
            _ = try PromptFile.parse(bytes, format: format, path: "/tmp/prompts.\(format.rawValue)")
            return nil
        } catch {
            return error.description
        }
    }

    /// Writes `contents` to a uniquely named temporary file with `name`'s extension, runs `body`
    /// with its path and removes it.
    private func withFile<T>(_ name: String, _ contents: [UInt8], _ body: (String) throws -> T) throws -> T {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(UUID().uuidString)-\(name)")
        try Data(contents).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        return try body(url.path)
    }

    @Test func formatsComeFromTheExtension() {
        #expect(PromptFileFormat(path: "a/b.txt") == .txt)
        #expect(PromptFileFormat(path: "b.JSON") == .json)
        #expect(PromptFileFormat(path: "b.jsonl") == .jsonl)
        #expect(PromptFileFormat(path: "b.ndjson") == .jsonl)
        #expect(PromptFileFormat(path: "b.Csv") == .csv)
        #expect(PromptFileFormat(path: "b.prompts") == .txt)
        #expect(PromptFileFormat(path: "noextension") == .txt)
    }

    @Test func textFilesSkipBlankLinesAndHandleBOMAndCRLF() throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("인공지능을 설명해주세요\r\n\r\n  \r\nWhat is AI?  \t\n\n광합성".utf8)
        let entries = try PromptFile.parse(bytes, format: .txt, path: "p.txt")
        #expect(entries.map(\.prompt) == [.text("인공지능을 설명해주세요"), .text("What is AI?"), .text("광합성")])
        #expect(entries.map(\.line) == [1, 4, 6])
        #expect(entries.allSatisfy { $0.id == nil && $0.parameters == GenerationParameters() })
    }

    @Test func oldMacLineEndingsCountAsLines() throws {
        let text = try parse("하나\r\r둘\r셋", .txt)
        #expect(text.map(\.prompt.displayText) == ["하나", "둘", "셋"])
        #expect(text.map(\.line) == [1, 3, 4])
        let jsonl = try parse("\"하나\"\r\r{\"prompt\": \"둘\"}\r", .jsonl)
        #expect(jsonl.map(\.line) == [1, 3])
        let json = try parse("[\r\"하나\",\r\r\"둘\"\r]", .json)
        #expect(json.map(\.line) == [2, 4])
    }

    @Test func jsonArraysOfStringsAndObjects() throws {
        let text = """
            [
              "첫 번째",
              {"id": 7, "prompt": "두 번째", "temperature": 0.2, "max_tokens": 50, "stop": "\\n", "seed": 3},
              {"id": "chat", "messages": [{"role": "system", "content": "짧게"}, {"role": "user", "content": "안녕"}],
               "extra_body": {"top_k": 5}, "model": "m"},
              {"prompt": "[\\"괄호\\", {중괄호}]", "stop": ["끝", "END"], "top_p": 0.9, "id": null}
            ]
            """
        let entries = try parse(text, .json)
        #expect(entries.count == 4)
        #expect(entries[0].prompt == .text("첫 번째"))
        #expect(entries[1].id == "7")
        #expect(entries[1].parameters == GenerationParameters(temperature: 0.2, maxTokens: 50, stop: ["\n"], seed: 3))
        #expect(entries[2].prompt == .messages([.init(role: "system", content: "짧게"), .init(role: "user", content: "안녕")]))
        #expect(entries[2].parameters.extraBody == ["top_k": 5])
        #expect(entries[2].parameters.model == "m")
        #expect(entries[3].prompt == .text("[\"괄호\", {중괄호}]"))
        #expect(entries[3].parameters == GenerationParameters(topP: 0.9, stop: ["끝", "END"]))
        #expect(entries[3].id == nil)
        #expect(entries.map(\.line) == [2, 3, 4, 6])
    }

    @Test func numericIDsBecomeStrings() throws {
        let entries = try parse(
            "[{\"id\": 3, \"prompt\": \"a\"}, {\"id\": 2.5, \"prompt\": \"b\"}, {\"id\": 12345678901234567890, \"prompt\": \"c\"}]", .json)
        #expect(entries.map(\.id) == ["3", "2.5", "1.2345678901234567e+19"])
    }

    @Test func jsonLines() throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("{\"prompt\": \"하나\"}\r\n\r\n\"둘\"\r\n{\"prompt\": \"셋\", \"top_p\": 0.9}\r\n".utf8)
        let entries = try PromptFile.parse(bytes, format: .jsonl, path: "p.jsonl")
        #expect(entries.map(\.prompt.displayText) == ["하나", "둘", "셋"])
        #expect(entries.map(\.line) == [1, 3, 4])
        #expect(entries[2].parameters.topP == 0.9)
    }

    @Test func csvWithQuotedFields() throws {
        let text =
            "id,Prompt,temperature,max_tokens,top_p,seed,model,stop,notes\r\n"
            + "1,\"쉼표, 그리고 \"\"따옴표\"\"\",0.5,,,,,,메모\r\n"
            + "2,\"여러\r\n줄\",,20,0.95,7,m,\"\n\",\r\n"
            + ",,,,,,,,\r\n"
            + "3,마지막\r\n"
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array(text.utf8)
        let entries = try PromptFile.parse(bytes, format: .csv, path: "p.csv")
        #expect(entries.map(\.prompt) == [.text("쉼표, 그리고 \"따옴표\""), .text("여러\r\n줄"), .text("마지막")])
        #expect(entries[0].parameters == GenerationParameters(temperature: 0.5))
        #expect(entries[1].parameters == GenerationParameters(model: "m", maxTokens: 20, topP: 0.95, stop: ["\n"], seed: 7))
        #expect(entries[2].parameters == GenerationParameters())
        #expect(entries.map(\.id) == ["1", "2", "3"])
        #expect(entries.map(\.line) == [2, 3, 7])
    }

    @Test(arguments: [
        ("{\"prompt\": \"ok\"}\n{\"prompt\": \n", PromptFileFormat.jsonl, "prompts.jsonl:2: invalid JSON: "),
        ("\"ok\"\n\n{\"prompt\": \"x\",, }\n", .jsonl, "prompts.jsonl:3: invalid JSON: "),
        ("{\"promt\": \"typo\"}\n", .jsonl, "prompts.jsonl:1: unknown key \"promt\""),
        ("\"ok\"\n{\"prompt\": 5}\n", .jsonl, "prompts.jsonl:2: \"prompt\" must be a string, found number"),
        ("{\"prompt\": \"  \"}\n", .jsonl, "prompts.jsonl:1: \"prompt\" is empty"),
        ("\"\"\n", .jsonl, "prompts.jsonl:1: the prompt is empty"),
        ("[1]\n", .jsonl, "prompts.jsonl:1: expected a prompt string or an object"),
        ("{\"prompt\": \"x\", \"temperature\": \"hot\"}\n", .jsonl, "prompts.jsonl:1: \"temperature\" must be a number, found string"),
        ("{\"prompt\": \"x\", \"max_tokens\": 1.5}\n", .jsonl, "prompts.jsonl:1: \"max_tokens\" must be an integer"),
        ("{\"prompt\": \"x\", \"seed\": 1e300}\n", .jsonl, "prompts.jsonl:1: \"seed\" must be an integer"),
        ("{\"prompt\": \"x\", \"model\": 3}\n", .jsonl, "prompts.jsonl:1: \"model\" must be a string, found number"),
        ("{\"prompt\": \"x\", \"stop\": [\"a\", 1]}\n", .jsonl, "prompts.jsonl:1: \"stop\" must be a string or an array of strings"),
        ("{\"prompt\": \"x\", \"extra_body\": \"top_k=5\"}\n", .jsonl, "prompts.jsonl:1: \"extra_body\" must be an object, found string"),
        ("{\"prompt\": \"x\", \"id\": true}\n", .jsonl, "prompts.jsonl:1: \"id\" must be a string or a number, found boolean"),
        ("{\"messages\": [{\"role\": \"user\"}]}\n", .jsonl, "prompts.jsonl:1: \"messages\"[0] needs a string \"role\" and a string \"content\""),
        ("{\"messages\": []}\n", .jsonl, "prompts.jsonl:1: \"messages\" is empty"),
        ("{\"messages\": \"hi\"}\n", .jsonl, "prompts.jsonl:1: \"messages\" must be an array, found string"),
        ("{\"prompt\": \"a\", \"messages\": []}\n", .jsonl, "prompts.jsonl:1: has both"),
        ("[\n  \"ok\",\n  {\"id\": 1}\n]", .json, "prompts.json:3: element 2: needs \"prompt\" or \"messages\""),
        (
            "[\r\n\"a\",\r\n\"b\",\r\n{\"prompt\": \"x\", \"seed\": \"s\"}]", .json,
            "prompts.json:4: element 3: \"seed\" must be a number, found string"
        ),
        ("[\r\"a\",\r7]", .json, "prompts.json:3: element 2: expected a prompt string or an object"),
        ("{\"prompt\": \"x\"}", .json, "prompts.json:1: expected a JSON array of prompts, found object"),
        ("[\n  \"a\",\n  {\"x\": }\n]", .json, "prompts.json:3: invalid JSON: Invalid value at column 9"),
        ("[\"가나\" x]", .json, "prompts.json:1: invalid JSON: Invalid value at column 7"),
        ("[\n\"a\",\n\"b\",\n\n", .json, "prompts.json:3: invalid JSON: Unexpected end of file"),
        ("text,id\nhello,1\n", .csv, "prompts.csv:1: the header has no \"prompt\" column (found: text, id)"),
        ("prompt,temperature\nhi,warm\n", .csv, "prompts.csv:2: column \"temperature\": \"warm\" is not a number"),
        ("prompt,max_tokens\nhi,1\nho,1.5\n", .csv, "prompts.csv:3: column \"max_tokens\": 1.5 is not an integer"),
        ("prompt,seed\nhi,inf\n", .csv, "prompts.csv:2: column \"seed\": \"inf\" is not a number"),
        ("prompt,top_p\nhi,nan\n", .csv, "prompts.csv:2: column \"top_p\": \"nan\" is not a number"),
        ("prompt,id\n,5\n", .csv, "prompts.csv:2: the prompt is empty"),
        ("prompt,temperature\n\"a\nb\",0.1\nc,x\n", .csv, "prompts.csv:4: column \"temperature\": \"x\" is not a number"),
        ("prompt,temperature\r\"a\rb\",0.1\rc,x\r", .csv, "prompts.csv:4: column \"temperature\": \"x\" is not a number"),
        ("prompt\nok\n\"never closed\n", .csv, "prompts.csv:3: invalid CSV: a quoted field is never closed"),
        ("prompt\nab\"c\n", .csv, "prompts.csv:2: invalid CSV: a quote inside an unquoted field"),
        ("prompt\n\"a\"b\n", .csv, "prompts.csv:2: invalid CSV: text after a closing quote"),
    ])
    func badFilesNameTheLine(text: String, format: PromptFileFormat, expected: String) throws {
        let message = try #require(error(Array(text.utf8), format))
        #expect(message.hasPrefix(expected), "\(message)")
    }

    @Test func invalidUTF8NamesItsLine() {
        let badSequence: [UInt8] = [0xED, 0xA0, 0x80]  // an encoded surrogate
        #expect(error(Array("fine\nalso fine\n".utf8) + badSequence + Array("\n".utf8), .txt) == "prompts.txt:3: the file is not valid UTF-8")
        #expect(error(Array("한국어\r\n\r\n".utf8) + [0x41, 0xFF], .jsonl) == "prompts.jsonl:3: the file is not valid UTF-8")
        #expect(error(Array("a\rb\r".utf8) + badSequence, .csv) == "prompts.csv:3: the file is not valid UTF-8")
        #expect(error([0xEF, 0xBB, 0xBF, 0xC0, 0x80], .json) == "prompts.json:1: the file is not valid UTF-8")
        // "가" cut after its second byte
        #expect(error(Array("[\"ok\",\n\"".utf8) + [0xEA, 0xB0] + Array("\"]".utf8), .json) == "prompts.json:2: the file is not valid UTF-8")
    }

    @Test func loadReadsEveryFormatByExtension() throws {
        let files: [(String, String)] = [
            ("p.txt", "안녕하세요\n"),
            ("p.json", "[\"안녕하세요\"]"),
            ("p.jsonl", "{\"prompt\": \"안녕하세요\"}\n"),
            ("p.csv", "prompt\n안녕하세요\n"),
            ("p.prompts", "안녕하세요"),
        ]
        for (name, contents) in files {
            let entries = try withFile(name, Array(contents.utf8)) { try PromptFile.load(path: $0) }
            let line = name == "p.csv" ? 2 : 1
            #expect(entries == [PromptEntry(id: nil, prompt: .text("안녕하세요"), parameters: .init(), line: line)], "\(name)")
        }
    }

    @Test(arguments: [
        ("empty.txt", ""), ("blank.txt", "\n  \r\n"), ("bom.txt", "\u{FEFF}"), ("empty.json", "[]"), ("blank.jsonl", "\n\n"),
        ("header.csv", "prompt\r\n"), ("empty.csv", ""),
    ])
    func filesWithoutPromptsAreRejected(name: String, contents: String) throws {
        let message = try withFile(name, Array(contents.utf8)) { path -> String? in
            do {
                _ = try PromptFile.load(path: path)
                return nil
            } catch {
                return "\(error)"
            }
        }
        #expect(message?.hasSuffix("\(name): no prompts in the file") == true, "\(message ?? "accepted")")
    }

    @Test func missingAndUnreadableFiles() throws {
        do {
            _ = try PromptFile.load(path: "/nonexistent/p.txt")
            Issue.record("a missing file must be rejected")
        } catch {
            #expect(error.description == "p.txt: no such file")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("prompts-\(UUID().uuidString).txt")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        do {
            _ = try PromptFile.load(path: directory.path)
            Issue.record("a directory must be rejected")
        } catch {
            #expect(error.description == "\(directory.lastPathComponent): cannot read the file")
        }
    }

    @Test func aConversationWithNothingToAnswerIsRefused() {
        let line = #"{"messages": [{"role": "system", "content": "짧게"}, {"role": "user", "content": " "}]}"#
        #expect(error(Array(line.utf8), .jsonl) == "prompts.jsonl:1: \"messages\" has nothing to answer: its last user message is empty")
    }

    @Test func mutatedValidFilesNeverCrashAnyReader() {
        let valid: [(PromptFileFormat, String)] = [
            (.txt, "인공지능을 설명해주세요\nWhat is AI?\r\n\n세 번째\r"),
            (
                .json,
                #"[{"id": 1, "prompt": "안녕", "temperature": 0.5}, {"messages": [{"role": "user", "content": "질문"}], "max_tokens": 9}, "그냥 문자열"]"#
            ),
            (
                .jsonl,
                "{\"id\": \"a\", \"prompt\": \"첫째\"}\n{\"messages\": [{\"role\": \"system\", \"content\": \"짧게\"}, {\"role\": \"user\", \"content\": \"둘째\"}]}\n"
            ),
            (.csv, "id,prompt,temperature\n1,\"쉼표, 그리고 \"\"따옴표\"\"\",0.2\n2,\"줄\n바꿈\",\n"),
        ]
        var random = SystemRandomNumberGenerator()
        let seed = UInt64.random(in: 0...UInt64.max, using: &random)
        var generator = ByteMutator(seed: seed, interesting: "{}[]\",:\n\r\\ 0.e-")
        for (format, text) in valid {
            #expect((try? PromptFile.parse(Array(text.utf8), format: format, path: "valid")) != nil, "\(format) sample is valid")
            for _ in 0..<500 {
                let mutated = generator.mutate(Array(text.utf8))
                do {
                    let entries = try PromptFile.parse(mutated, format: format, path: "fuzz")
                    #expect(entries.allSatisfy { !$0.prompt.displayText.isEmpty }, "no empty prompt gets through (seed \(seed))")
                } catch {
                    #expect(error.description.hasPrefix("fuzz"), "errors name the file (seed \(seed)): \(error)")
                }
            }
        }
    }

    @Test func randomBytesNeverCrashAnyReader() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("{}[]\",:\n\r\\ promptmessagesid가0.5e9".utf8) + [0xEA, 0xB0, 0x80, 0xFF]
        for _ in 0..<300 {
            let bytes = (0..<Int.random(in: 0..<300, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }
            for format in [PromptFileFormat.txt, .json, .jsonl, .csv] {
                _ = try? PromptFile.parse(bytes, format: format, path: "fuzz")
            }
        }
    }
}
