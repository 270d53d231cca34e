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

    init(name: String, count: Int, generator: @escaping @Sendable (Int, Int) -> PromptEntry) {
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
        case .generated:
            PromptEntry.fingerprint(of: [PromptEntry(id: name, prompt: .text(name + (contents ?? "")), parameters: .init(), line: 1)])
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

    /// What makes a synthetic workload's prompts: lengths in tokens, language and seed.
    public struct SyntheticSpec: Sendable, Hashable {
        public var inputTokens: Int
        /// Spread (±, uniform) of the prompt length.
        public var inputSpread: Int
        public var outputTokens: Int
        /// Spread (±, uniform) of the answer length.
        public var outputSpread: Int
        public var korean: Bool
        public var seed: UInt64
        /// Tokens at the start of every prompt shared by the prompts of its group (0: none).
        public var sharedPrefixTokens: Int
        /// Groups of prompts with a shared prefix each; request `i` is in group `i % groups`.
        public var prefixGroups: Int

        public init(
            inputTokens: Int, inputSpread: Int = 0, outputTokens: Int, outputSpread: Int = 0, korean: Bool, seed: UInt64,
            sharedPrefixTokens: Int = 0, prefixGroups: Int = 1
        ) {
            self.inputTokens = inputTokens
            self.inputSpread = inputSpread
            self.outputTokens = outputTokens
            self.outputSpread = outputSpread
            self.korean = korean
            self.seed = seed
            self.sharedPrefixTokens = sharedPrefixTokens
            self.prefixGroups = max(1, prefixGroups)
        }

        /// The shortest, the mean and the longest prompt length asked for.
        public var inputLengths: [Int] {
            [max(1, inputTokens - inputSpread), inputTokens, inputTokens + inputSpread]
        }
    }

    /// How a synthetic workload was made, or nil for prompts from a file.
    public internal(set) var synthetic: SyntheticSpec?
    /// Whether the synthetic answers are asked for at their exact length (`ignore_eos` and
    /// `min_tokens` besides `max_tokens`).
    public internal(set) var exactOutput = false
    /// Where the prompt lengths come from: the server's tokenizer (exact) or an estimate.
    public internal(set) var vocabulary: PromptVocabulary?
    /// When each request is sent, in seconds from the start (a replayed trace); nil: the load
    /// level decides.
    public internal(set) var arrivalOffsets: [Double]?
    /// The prompt and answer lengths asked for, on average (synthetic workloads and traces).
    public internal(set) var requestedLengths: (input: Int, output: Int)?
    /// Prompt lengths to check a calibration with (the shortest, the mean, the longest).
    public internal(set) var checkLengths: [Int] = []
    /// Whether the prompts are Korean (synthetic and trace workloads).
    public internal(set) var korean = false
    /// Multi-turn sessions, each sent turn by turn with the answers in its history; nil: one
    /// request per prompt.
    public internal(set) var conversations: [Conversation]?
    /// What a generated workload's prompts are made from, beyond its name (a trace's entries, the
    /// conversations' turns), for ``fingerprint``.
    var contents: String?
    /// The same workload built from another vocabulary (synthetic and trace workloads).
    var rebuild: (@Sendable (PromptVocabulary, Bool) -> Workload)?

    /// Generated prompts of `inputTokens` tokens (± `inputSpread`, uniform) asking for
    /// `outputTokens` (± `outputSpread`) tokens, in Korean or English, reproducible from `seed`.
    /// Lengths are estimates (a word or a Hangul syllable a token) until ``calibrated(_:exactOutput:)``
    /// gives the server's own counts.
    public static func synthetic(
        count: Int, inputTokens: Int, inputSpread: Int = 0, outputTokens: Int, outputSpread: Int = 0,
        korean: Bool, seed: UInt64
    ) -> Workload {
        let spec = SyntheticSpec(
            inputTokens: inputTokens, inputSpread: inputSpread, outputTokens: outputTokens, outputSpread: outputSpread, korean: korean,
            seed: seed)
        return synthetic(count: count, spec: spec)
    }

    /// Generated prompts as `spec` says (lengths, language, seed, shared prefixes), with estimated
    /// lengths until ``calibrated(_:exactOutput:)``.
    public static func synthetic(count: Int, spec: SyntheticSpec) -> Workload {
        synthetic(count: count, spec: spec, vocabulary: .estimated(korean: spec.korean), exactOutput: false)
    }

    /// This synthetic workload with prompts built from `vocabulary` (measured with the server's
    /// tokenizer) and, with `exactOutput`, answers of exactly the asked length. A workload from a
    /// file is returned as it is: its texts are kept, and `usage` tells their lengths.
    public func calibrated(_ vocabulary: PromptVocabulary, exactOutput: Bool) -> Workload {
        rebuild?(vocabulary, exactOutput) ?? self
    }

    /// Whether prompt lengths are made by the client (synthetic prompts, traces) and so can be
    /// made exact with the server's tokenizer.
    public var isSized: Bool { rebuild != nil }

    private static func synthetic(count: Int, spec: SyntheticSpec, vocabulary: PromptVocabulary, exactOutput: Bool) -> Workload {
        let language = spec.korean ? "ko" : "en"
        var name =
            "synthetic:\(language),in=\(spec.inputTokens)±\(spec.inputSpread),out=\(spec.outputTokens)±\(spec.outputSpread),seed=\(spec.seed)"
        if spec.sharedPrefixTokens > 0 { name += ",prefix=\(spec.sharedPrefixTokens)x\(spec.prefixGroups)" }
        // Each group's prefix, the same in every level and warm-up: the server may cache it.
        let prefixes = (0..<(spec.sharedPrefixTokens > 0 ? spec.prefixGroups : 0)).map { group in
            // Mixed, not stepped: seeds a step of the generator apart would give shifted copies.
            var random = SeededRandom(seed: mixSeed(spec.seed, 0x50_5245_4649_58, UInt64(group)))
            return vocabulary.words(tokens: spec.sharedPrefixTokens, using: &random)
        }
        var workload = Workload(name: name, count: count) { index, stream in
            // Each request's own random numbers, whatever order the requests are sent in (shards),
            // from the seed, the stream and the number all mixed, so that no two overlap.
            var mixer = SeededRandom(seed: spec.seed ^ (UInt64(bitPattern: Int64(stream)) &* 0xD1B5_4A32_D192_ED03))
            var request = SeededRandom(seed: mixer.next() &+ UInt64(index) &* 0xD1B5_4A32_D192_ED03)
            var random = SeededRandom(seed: request.next())
            func around(_ mean: Int, _ spread: Int) -> Int {
                guard spread > 0 else { return max(1, mean) }
                return max(1, mean - spread + Int(random.next() % UInt64(2 * spread + 1)))
            }
            let length = around(spec.inputTokens, spec.inputSpread)
            let text =
                prefixes.isEmpty
                ? vocabulary.text(tokens: length, using: &random)
                : prefixes[index % prefixes.count]
                    + vocabulary.words(tokens: max(1, length - vocabulary.overhead - spec.sharedPrefixTokens), using: &random)
            let output = around(spec.outputTokens, spec.outputSpread)
            let parameters = Self.parameters(outputTokens: output, exact: exactOutput)
            return PromptEntry(id: "synthetic-\(index)", prompt: .text(text), parameters: parameters, line: index + 1)
        }
        workload.synthetic = spec
        workload.exactOutput = exactOutput
        workload.vocabulary = vocabulary
        workload.requestedLengths = (spec.inputTokens, spec.outputTokens)
        workload.checkLengths = spec.inputLengths
        workload.korean = spec.korean
        workload.rebuild = { synthetic(count: count, spec: spec, vocabulary: $0, exactOutput: $1) }
        return workload
    }

    /// A request's parameters for an answer of `outputTokens` tokens: at most that many, and with
    /// `exact`, exactly that many (`ignore_eos` and `min_tokens`, which vLLM, SGLang, llama.cpp and
    /// the simulator accept).
    static func parameters(outputTokens: Int, exact: Bool) -> GenerationParameters {
        var parameters = GenerationParameters(maxTokens: outputTokens)
        if exact { parameters.extraBody = ["ignore_eos": true, "min_tokens": .number(Double(outputTokens))] }
        return parameters
    }

    /// The objects of a JSON Lines file, each checked by `isValid`; a line that does not decode or
    /// is not valid is an error naming it, with `expected` telling what a line should be.
    static func jsonLines<Entry: Decodable>(
        _ path: String, of type: Entry.Type, expected: String, isValid: (Entry) -> Bool
    ) throws(PromptFileError) -> [Entry] {
        let data = try PromptFileError.contents(of: path)
        var entries: [Entry] = []
        for (number, line) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let text = line.trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty else { continue }
            guard let entry = try? JSONDecoder().decode(Entry.self, from: Data(text.utf8)), isValid(entry) else {
                throw PromptFileError(.invalidEntry, path: path, line: number + 1, message: "expected " + expected)
            }
            entries.append(entry)
        }
        return entries
    }
}
