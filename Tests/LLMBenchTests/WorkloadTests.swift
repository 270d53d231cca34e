import Foundation
import LLMBench
import LLMClientKit
import LLMExperiment
import LLMResults
import LLMSimulator
import LLMSupport
import Testing

@Suite struct WorkloadTests {
    @Test func shareGPTTakesTheFirstHumanTurnAndTheReplyLength() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sharegpt-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: url) }
        let conversations = """
            [
              {"id": "a", "conversations": [{"from": "human", "value": "인공지능이 뭐예요?"}, {"from": "gpt", "value": "\(String(repeating: "x", count: 400))"}]},
              {"id": "b", "conversations": [{"from": "gpt", "value": "hello"}]},
              {"id": "c", "conversations": [{"from": "system", "value": "be brief"}, {"from": "human", "value": "Why?"}]}
            ]
            """
        try Data(conversations.utf8).write(to: url)
        let workload = try Workload.shareGPT(url.path)
        #expect(workload.prompts.map(\.id) == ["a", "c"])
        #expect(workload.prompts[0].prompt == .text("인공지능이 뭐예요?"))
        #expect(workload.prompts[0].parameters.maxTokens == 100)  // 400 characters ≈ 100 tokens
        #expect(workload.prompts[1].parameters.maxTokens == nil)
        #expect(try Workload.shareGPT(url.path, limit: 1).prompts.count == 1)
        // As sessions: every conversation's human turns, in order.
        let sessions = try Workload.shareGPTSessions(url.path)
        #expect(sessions.conversations == [.init(id: "a", turns: ["인공지능이 뭐예요?"]), .init(id: "c", turns: ["Why?"])])
        #expect(sessions.count == 2 && sessions.name == "sharegpt-sessions:" + url.lastPathComponent)
    }

    @Test func conversationFilesAreCheckedLineByLine() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("conversations-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data(#"{"id": "a", "turns": ["하나", "둘"], "think_time_s": 1.5}"#.utf8).write(to: url)
        let workload = try Workload.conversations(url.path)
        #expect(workload.conversations == [.init(id: "a", turns: ["하나", "둘"], thinkTimeS: 1.5)])
        try Data("{\"id\": \"a\", \"turns\": [\"x\"]}\n{\"id\": \"b\", \"turns\": []}\n".utf8).write(to: url)
        #expect(throws: PromptFileError.self) { try Workload.conversations(url.path) }
        do {
            _ = try Workload.conversations(url.path)
        } catch {
            #expect(error.line == 2, "\(error)")
        }
    }

    @Test func syntheticPromptsAreReproducibleAndSized() {
        let a = Workload.synthetic(count: 50, inputTokens: 100, inputSpread: 20, outputTokens: 64, outputSpread: 8, korean: true, seed: 5)
        let b = Workload.synthetic(count: 50, inputTokens: 100, inputSpread: 20, outputTokens: 64, outputSpread: 8, korean: true, seed: 5)
        #expect(Array(a.prompts) == Array(b.prompts))
        // Generated for each request, in any order, and never repeated: past one pass too.
        #expect(a.entry(at: 7) == a.prompts[7] && a.entry(at: 57) != a.entry(at: 7))
        #expect(Set((0..<500).map { a.entry(at: $0).prompt.displayText }).count == 500)
        for entry in a.prompts {
            let tokens = TextGenerator.estimateTokens(entry.prompt.displayText)
            #expect((80...120).contains(tokens), "\(tokens)")
            #expect((56...72).contains(entry.parameters.maxTokens ?? 0))
            #expect(TextGenerator.isKorean(entry.prompt.displayText))
        }
        // A million requests' prompts are not made (nor held) up front: about 1 KB each, that would
        // be a gigabyte, and it grew a 100,000-request benchmark's peak memory from 40 MB to 122 MB.
        func residentMegabytes() -> Double {
            let statm = (try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8)) ?? "0 0"
            return (Double(statm.split(separator: " ")[1]) ?? 0) * 4096 / 1_048_576
        }
        let before = residentMegabytes()
        let large = Workload.synthetic(count: 1_000_000, inputTokens: 128, outputTokens: 64, korean: true, seed: 5)
        #expect(residentMegabytes() - before < 200, "the workload holds no prompts")
        #expect(large.count == 1_000_000 && large.entry(at: 999_999).id == "synthetic-999999")
        // The levels and warm-ups of a sweep (streams) get prompts of their own, and so does each seed:
        // another seed's prompts are not this one's shifted by a request.
        #expect(a.entry(at: 3, stream: 1) != a.entry(at: 3) && a.entry(at: 3, stream: 1) == b.entry(at: 3, stream: 1))
        let seed6 = Workload.synthetic(count: 50, inputTokens: 100, inputSpread: 20, outputTokens: 64, outputSpread: 8, korean: true, seed: 6)
        let texts = Set((0..<50).map { a.entry(at: $0).prompt.displayText })
        #expect((0..<50).allSatisfy { !texts.contains(seed6.entry(at: $0).prompt.displayText) })
        #expect(a.fingerprint == b.fingerprint && a.fingerprint != seed6.fingerprint)
        let english = Workload.synthetic(count: 3, inputTokens: 10, outputTokens: 5, korean: false, seed: 5)
        #expect(english.prompts.allSatisfy { $0.prompt.displayText.split(separator: " ").count == 10 })
    }
}
