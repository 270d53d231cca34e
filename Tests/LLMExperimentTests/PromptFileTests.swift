import Foundation
import LLMClientKit
import LLMExperiment
import OpenAIAPI
import Testing

@Suite struct PromptFileTests {
    private func parse(_ text: String, _ format: PromptFileFormat) throws(PromptFileError) -> [PromptEntry] {
        try PromptFile.parse(Array(text.utf8), format: format, path: "/tmp/prompts.\(format.rawValue)")
    }

    private func error(_ text: String, _ format: PromptFileFormat) -> String? {
        do {
            _ = try parse(text, format)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func textFilesSkipBlankLinesAndHandleBOMAndCRLF() throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("인공지능을 설명해주세요\r\n\r\n  \r\nWhat is AI?  \n\n광합성".utf8)
        let entries = try PromptFile.parse(bytes, format: .txt, path: "p.txt")
        #expect(entries.map(\.prompt) == [.text("인공지능을 설명해주세요"), .text("What is AI?"), .text("광합성")])
        #expect(entries.map(\.line) == [1, 4, 6])
    }

    @Test func jsonArraysOfStringsAndObjects() throws {
        let text = """
            [
              "첫 번째",
              {"id": 7, "prompt": "두 번째", "temperature": 0.2, "max_tokens": 50, "stop": "\\n", "seed": 3},
              {"id": "chat", "messages": [{"role": "system", "content": "짧게"}, {"role": "user", "content": "안녕"}],
               "extra_body": {"top_k": 5}, "model": "m"}
            ]
            """
        let entries = try parse(text, .json)
        #expect(entries.count == 3)
        #expect(entries[0].prompt == .text("첫 번째"))
        #expect(entries[1].id == "7")
        #expect(entries[1].parameters == GenerationParameters(temperature: 0.2, maxTokens: 50, stop: ["\n"], seed: 3))
        #expect(entries[2].prompt == .messages([.init(role: "system", content: "짧게"), .init(role: "user", content: "안녕")]))
        #expect(entries[2].parameters.extraBody == ["top_k": 5])
        #expect(entries[2].parameters.model == "m")
        #expect(entries.map(\.line) == [2, 3, 4])
    }

    @Test func jsonLines() throws {
        let entries = try parse("{\"prompt\": \"하나\"}\n\n\"둘\"\n{\"prompt\": \"셋\", \"top_p\": 0.9}\n", .jsonl)
        #expect(entries.map(\.prompt.displayText) == ["하나", "둘", "셋"])
        #expect(entries.map(\.line) == [1, 3, 4])
        #expect(entries[2].parameters.topP == 0.9)
    }

    @Test func csvWithQuotedFields() throws {
        let text = "id,Prompt,temperature,max_tokens\r\n1,\"쉼표, 그리고 \"\"따옴표\"\"\",0.5,\r\n2,\"여러\n줄\",,20\r\n"
        let entries = try parse(text, .csv)
        #expect(entries.map(\.prompt) == [.text("쉼표, 그리고 \"따옴표\""), .text("여러\n줄")])
        #expect(entries[0].parameters.temperature == 0.5 && entries[0].parameters.maxTokens == nil)
        #expect(entries[1].parameters.maxTokens == 20)
        #expect(entries.map(\.id) == ["1", "2"])
        #expect(entries.map(\.line) == [2, 3])
    }

    @Test(arguments: [
        ("{\"prompt\": \"ok\"}\n{\"prompt\": \n", PromptFileFormat.jsonl, "prompts.jsonl:2: invalid JSON"),
        ("{\"promt\": \"typo\"}\n", .jsonl, "prompts.jsonl:1: unknown key \"promt\""),
        ("{\"prompt\": 5}\n", .jsonl, "prompts.jsonl:1: \"prompt\" must be a string"),
        ("{\"prompt\": \"x\", \"temperature\": \"hot\"}\n", .jsonl, "\"temperature\" must be a number"),
        ("{\"prompt\": \"x\", \"max_tokens\": 1.5}\n", .jsonl, "\"max_tokens\" must be an integer"),
        ("{\"messages\": [{\"role\": \"user\"}]}\n", .jsonl, "\"messages\"[0] needs"),
        ("{\"prompt\": \"a\", \"messages\": []}\n", .jsonl, "both"),
        ("[\n  \"ok\",\n  {\"id\": 1}\n]", .json, "prompts.json:3: needs \"prompt\" or \"messages\""),
        ("{\"prompt\": \"x\"}", .json, "expected a JSON array"),
        ("[1,", .json, "invalid JSON"),
        ("text,id\nhello,1\n", .csv, "no \"prompt\" column"),
        ("prompt,temperature\nhi,warm\n", .csv, "prompts.csv:2: column \"temperature\": \"warm\" is not a number"),
        ("prompt\n\"never closed\n", .csv, "prompts.csv:2: invalid CSV: a quoted field is never closed"),
        ("prompt\nab\"c\n", .csv, "prompts.csv:2: invalid CSV"),
    ])
    func badFilesNameTheLine(text: String, format: PromptFileFormat, expected: String) throws {
        let message = try #require(error(text, format))
        #expect(message.contains(expected), "\(message)")
    }

    @Test func invalidUTF8NamesItsLine() throws {
        let bytes = Array("fine\nalso fine\n".utf8) + [0xED, 0xA0, 0x80] + Array("\n".utf8)
        do {
            _ = try PromptFile.parse(bytes, format: .txt, path: "x.txt")
            Issue.record("invalid UTF-8 must be rejected")
        } catch {
            #expect(error.description == "x.txt:3: the file is not valid UTF-8")
        }
    }

    @Test func emptyAndMissingFiles() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("empty-\(UUID().uuidString).txt")
        try Data("\n  \n".utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        do {
            _ = try PromptFile.load(path: url.path)
            Issue.record("an empty file must be rejected")
        } catch {
            #expect(error.description.contains("no prompts"))
        }
        do {
            _ = try PromptFile.load(path: "/nonexistent/p.txt")
            Issue.record("a missing file must be rejected")
        } catch {
            #expect(error.description == "p.txt: no such file")
        }
    }

    @Test func randomBytesNeverCrashAnyReader() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("{}[]\",:\n\r\\ promptmessages가0.5".utf8) + [0xEA, 0xB0, 0x80, 0xFF]
        for _ in 0..<300 {
            let bytes = (0..<Int.random(in: 0..<300, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }
            for format in [PromptFileFormat.txt, .json, .jsonl, .csv] {
                _ = try? PromptFile.parse(bytes, format: format, path: "fuzz")
            }
        }
    }
}
