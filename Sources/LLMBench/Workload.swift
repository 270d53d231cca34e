import Foundation
import LLMClientKit
public import LLMExperiment
import LLMSupport
import OpenAIAPI

/// The prompts a benchmark sends. Prompts from a file are cycled in order; synthetic ones are
/// generated for each request as it is sent, so every request of a run has its own prompt (no
/// server-side prefix-cache hits from repeats, across warm-up and levels too) and memory does not
/// grow with the number of requests.
public struct Workload: Sendable {
    /// A short description for the result file (`prompts.txt`, `sharegpt:data.json`, `synthetic:ko,in=128,out=64`).
    public var name: String
    /// Prompts in one pass: a file's prompts, or the synthetic prompts of the requested count.
    public let count: Int
    private let source: Source

    private enum Source: Sendable {
        case stored([PromptEntry])
        /// Request number and stream to prompt.
        case generated(@Sendable (Int, Int) -> PromptEntry)
    }

    public init(name: String, prompts: [PromptEntry]) {
        precondition(!prompts.isEmpty, "a workload needs prompts")
        self.name = name
        count = prompts.count
        source = .stored(prompts)
    }

    private init(name: String, count: Int, generator: @escaping @Sendable (Int, Int) -> PromptEntry) {
        self.name = name
        self.count = max(1, count)
        source = .generated(generator)
    }

    /// The prompt of request number `index` (from 0). `stream` keeps apart the requests of one run
    /// that share numbers (a sweep's levels, a warm-up): synthetic prompts differ between streams;
    /// a file's prompts are the same in each.
    public func entry(at index: Int, stream: Int = 0) -> PromptEntry {
        switch source {
        case .stored(let prompts): prompts[index % prompts.count]
        case .generated(let generator): generator(index, stream)
        }
    }

    /// The prompts of one pass, produced as they are read.
    public var prompts: LazyMapCollection<Range<Int>, PromptEntry> {
        (0..<count).lazy.map { entry(at: $0) }
    }

    /// A fingerprint of the prompts, to tell workloads apart (``PromptEntry/fingerprint(of:)``).
    /// A synthetic workload's name says everything that makes its prompts, so that is what is
    /// hashed, rather than making every prompt again.
    public var fingerprint: String {
        switch source {
        case .stored(let prompts): PromptEntry.fingerprint(of: prompts)
        case .generated: PromptEntry.fingerprint(of: [PromptEntry(id: name, prompt: .text(name), parameters: .init(), line: 1)])
        }
    }

    /// The prompts of a prompt file (TXT, JSON, JSONL, CSV), as the main command reads them.
    public static func promptFile(_ path: String) throws(PromptFileError) -> Workload {
        Workload(name: (path as NSString).lastPathComponent, prompts: try PromptFile.load(path: path))
    }

    /// A ShareGPT-format file (`[{"conversations": [{"from": "human", "value": …}, {"from": "gpt", "value": …}]}]`):
    /// each conversation's first human turn is a prompt, and the length of the reply that followed
    /// it (estimated at four characters per token) becomes its `max_tokens`, as vLLM's benchmark does.
    public static func shareGPT(_ path: String, limit: Int? = nil) throws(PromptFileError) -> Workload {
        let data = try PromptFileError.contents(of: path)
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: data), let items = value.arrayValue else {
            throw PromptFileError(.invalidEntry, path: path, line: nil, message: "expected a JSON array of ShareGPT conversations")
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
        guard !prompts.isEmpty else { throw PromptFileError(.empty, path: path, line: nil, message: "no conversations with a human turn") }
        return Workload(name: "sharegpt:" + (path as NSString).lastPathComponent, prompts: prompts)
    }

    /// Generated prompts of about `inputTokens` tokens (± `inputSpread`, uniform) asking for
    /// `outputTokens` (± `outputSpread`) tokens, in Korean or English, reproducible from `seed`.
    /// Each Korean syllable and each English word counts as about one token.
    public static func synthetic(
        count: Int, inputTokens: Int, inputSpread: Int = 0, outputTokens: Int, outputSpread: Int = 0,
        korean: Bool, seed: UInt64
    ) -> Workload {
        let english = "the model answers questions about science history art music sport travel food health energy climate space"
            .split(separator: " ").map(String.init)
        let hangul = Array("가나다라마바사아자차카타파하인공지능모델데이터학습에너지우주기후양자윤리신경망광합성")
        let language = korean ? "ko" : "en"
        let name = "synthetic:\(language),in=\(inputTokens)±\(inputSpread),out=\(outputTokens)±\(outputSpread),seed=\(seed)"
        return Workload(name: name, count: count) { index, stream in
            // Each request's own random numbers, whatever order the requests are sent in (shards),
            // from the seed, the stream and the number all mixed, so that no two overlap.
            var mixer = SeededRandom(seed: seed ^ (UInt64(bitPattern: Int64(stream)) &* 0xD1B5_4A32_D192_ED03))
            var request = SeededRandom(seed: mixer.next() &+ UInt64(index) &* 0xD1B5_4A32_D192_ED03)
            var random = SeededRandom(seed: request.next())
            func around(_ mean: Int, _ spread: Int) -> Int {
                guard spread > 0 else { return max(1, mean) }
                return max(1, mean - spread + Int(random.next() % UInt64(2 * spread + 1)))
            }
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
            return PromptEntry(id: "synthetic-\(index)", prompt: .text(text), parameters: parameters, line: index + 1)
        }
    }
}
