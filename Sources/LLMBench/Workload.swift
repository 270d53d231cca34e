import Foundation
import LLMClientKit
public import LLMExperiment
import LLMSupport
import OpenAIAPI

/// The prompts a benchmark sends, cycled in order.
public struct Workload: Sendable {
    /// A short description for the result file (`prompts.txt`, `sharegpt:data.json`, `synthetic:ko,in=128,out=64`).
    public var name: String
    public var prompts: [PromptEntry]

    public init(name: String, prompts: [PromptEntry]) {
        precondition(!prompts.isEmpty, "a workload needs prompts")
        self.name = name
        self.prompts = prompts
    }

    /// The prompts of a prompt file (TXT, JSON, JSONL, CSV), as the main command reads them.
    public static func promptFile(_ path: String) throws(PromptFileError) -> Workload {
        Workload(name: (path as NSString).lastPathComponent, prompts: try PromptFile.load(path: path))
    }

    /// A ShareGPT-format file (`[{"conversations": [{"from": "human", "value": …}, {"from": "gpt", "value": …}]}]`):
    /// each conversation's first human turn is a prompt, and the length of the reply that followed
    /// it (estimated at four characters per token) becomes its `max_tokens`, as vLLM's benchmark does.
    public static func shareGPT(_ path: String, limit: Int? = nil) throws(PromptFileError) -> Workload {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw PromptFileError(path: path, line: nil, message: "cannot read the file")
        }
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: data), let items = value.arrayValue else {
            throw PromptFileError(path: path, line: nil, message: "expected a JSON array of ShareGPT conversations")
        }
        var prompts: [PromptEntry] = []
        for (position, item) in items.enumerated() {
            guard let turns = item["conversations"]?.arrayValue else { continue }
            guard let human = turns.firstIndex(where: { ["human", "user"].contains($0["from"]?.stringValue ?? "") }),
                let text = turns[human]["value"]?.stringValue, !text.isEmpty
            else { continue }
            var parameters = GenerationParameters()
            if human + 1 < turns.count, let reply = turns[human + 1]["value"]?.stringValue {
                parameters.maxTokens = max(4, reply.count / 4)
            }
            let id = item["id"]?.stringValue ?? String(position)
            prompts.append(PromptEntry(id: id, prompt: .text(text), parameters: parameters, line: position + 1))
            if let limit, prompts.count >= limit { break }
        }
        guard !prompts.isEmpty else { throw PromptFileError(path: path, line: nil, message: "no conversations with a human turn") }
        return Workload(name: "sharegpt:" + (path as NSString).lastPathComponent, prompts: prompts)
    }

    /// Generated prompts of about `inputTokens` tokens (± `inputSpread`, uniform) asking for
    /// `outputTokens` (± `outputSpread`) tokens, in Korean or English, reproducible from `seed`.
    /// Each Korean syllable and each English word counts as about one token.
    public static func synthetic(
        count: Int, inputTokens: Int, inputSpread: Int = 0, outputTokens: Int, outputSpread: Int = 0,
        korean: Bool, seed: UInt64
    ) -> Workload {
        var random = SeededRandom(seed: seed)
        func around(_ mean: Int, _ spread: Int) -> Int {
            guard spread > 0 else { return max(1, mean) }
            return max(1, mean - spread + Int(random.next() % UInt64(2 * spread + 1)))
        }
        let english = "the model answers questions about science history art music sport travel food health energy climate space"
            .split(separator: " ").map(String.init)
        let hangul = Array("가나다라마바사아자차카타파하인공지능모델데이터학습에너지우주기후양자윤리신경망광합성")
        var prompts: [PromptEntry] = []
        for index in 0..<max(1, count) {
            let length = around(inputTokens, inputSpread)
            var text = ""
            for position in 0..<length {
                if korean {
                    if position > 0, position % 4 == 0 { text += " " }
                    text.append(hangul[Int(random.next() % UInt64(hangul.count))])
                } else {
                    if position > 0 { text += " " }
                    text += english[Int(random.next() % UInt64(english.count))]
                }
            }
            let parameters = GenerationParameters(maxTokens: around(outputTokens, outputSpread))
            prompts.append(PromptEntry(id: "synthetic-\(index)", prompt: .text(text), parameters: parameters, line: index + 1))
        }
        let language = korean ? "ko" : "en"
        return Workload(name: "synthetic:\(language),in=\(inputTokens)±\(inputSpread),out=\(outputTokens)±\(outputSpread),seed=\(seed)", prompts: prompts)
    }
}
