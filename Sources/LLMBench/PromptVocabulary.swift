public import LLMClientKit
public import LLMSupport
public import OpenAIAPI

/// Words whose token counts are known, from which synthetic prompts of a given length are built.
///
/// Calibrated against the server's own tokenizer (``calibrated(with:korean:api:checkLengths:)``),
/// prompts come out at exactly the requested number of prompt tokens as the server's `usage`
/// counts them: each word is counted alone, the tokens the server adds to every prompt (a BOS
/// token, the chat template) are measured once as ``overhead``, and sample prompts are counted
/// whole to check that words do not merge across their spaces. Without a tokenize endpoint the
/// ``estimated(korean:)`` vocabulary counts a word or a Hangul syllable as one token.
public struct PromptVocabulary: Sendable {
    /// A word with the space before it, and the tokens it makes.
    public struct Word: Sendable, Hashable {
        public var text: String
        public var tokens: Int
    }

    /// The words of the prompts' language.
    let words: [Word]
    /// One-token words that finish a prompt at its exact length.
    let fillers: [Word]
    /// Tokens the server adds to every prompt of the API (special tokens, the chat template);
    /// a prompt asked to have N tokens gets N − overhead tokens of words.
    public let overhead: Int
    /// Whether lengths are the server's own counts, checked on sample prompts; false for estimates.
    public let exact: Bool
    /// Which tokenizer the lengths come from: `vllm` or `llama.cpp` (its tokenize endpoint's
    /// dialect), or `estimate`.
    public let source: String

    /// What every sample prompt of the check measured against its target, when not exact.
    public let mismatch: String?

    static let englishWords = [
        "the", "model", "answers", "questions", "about", "science", "history", "art", "music", "sport", "travel", "food",
        "health", "energy", "climate", "space", "and", "with", "for", "new", "old", "city", "river", "light", "time",
        "world", "people", "water", "night", "story",
    ]
    static let koreanWords = [
        "인공지능", "모델", "데이터", "학습", "에너지", "우주", "기후", "양자", "윤리", "신경망", "광합성", "역사", "과학", "음악",
        "여행", "음식", "건강", "문화", "경제", "기술", "사회", "교육", "언어", "자연", "환경", "도시", "미래", "시간", "사람", "세계",
    ]
    /// Candidates for one-token fillers: punctuation and digits first (they suit any language).
    static let fillerCandidates = [".", ",", "!", "?", "-", "1", "2", "3"] + englishWords

    /// Every word counted as one token (English words, Korean words as their syllables): lengths
    /// are approximate, as no tokenizer was asked.
    public static func estimated(korean: Bool) -> PromptVocabulary {
        let words =
            korean
            ? koreanWords.map { Word(text: " " + $0, tokens: $0.count) } : englishWords.map { Word(text: " " + $0, tokens: 1) }
        return PromptVocabulary(
            words: words, fillers: englishWords.map { Word(text: " " + $0, tokens: 1) }, overhead: 0, exact: false,
            source: "estimate", mismatch: nil)
    }

    init(words: [Word], fillers: [Word], overhead: Int, exact: Bool, source: String, mismatch: String?) {
        self.words = words
        self.fillers = fillers
        self.overhead = overhead
        self.exact = exact
        self.source = source
        self.mismatch = mismatch
    }

    /// A prompt of `tokens` tokens as the server counts them (at least one word, when the
    /// overhead alone reaches `tokens`).
    public func text(tokens: Int, using random: inout SeededRandom) -> String {
        words(tokens: max(1, tokens - overhead), using: &random)
    }

    /// Words making exactly `tokens` tokens, without the server's overhead: a part of a prompt
    /// (a shared prefix, a block of a trace).
    public func words(tokens: Int, using random: inout SeededRandom) -> String {
        var remaining = tokens
        var text = ""
        // Every word fits until the last few tokens: only then is the pool filtered (a prompt is
        // made as each request is sent).
        let longest = words.map(\.tokens).max() ?? 0
        while remaining > 0 {
            let fitting = remaining >= longest ? words : words.filter { $0.tokens <= remaining }
            let pool = fitting.isEmpty ? fillers : fitting
            let word = pool[Int(random.next() % UInt64(pool.count))]
            text += word.text
            remaining -= word.tokens
        }
        return text
    }

    /// The vocabulary measured with the server's `tokenizer` for prompts sent to `api`, checked on
    /// two sample prompts of each length in `checkLengths`.
    public static func calibrated(
        with tokenizer: ServerTokenizer, korean: Bool, api: APIKind, checkLengths: [Int]
    ) async throws(LLMClientError) -> PromptVocabulary {
        func count(_ text: String) async throws(LLMClientError) -> Int {
            try await tokenizer.count(.text(text), api: api)
        }
        // The overhead: a word's prompt and the same word twice differ by the word alone.
        let probe = " the"
        let once = try await count(probe)
        let twice = try await count(probe + probe)
        let probeTokens = twice - once
        var overhead = once - probeTokens
        // Each word alone, in the completions form: what it adds to a prompt.
        let completionsOverhead = api == .completions ? overhead : try await tokenizer.count(probe) - probeTokens
        var measured: [String: Int] = [:]
        for word in Set((korean ? koreanWords : englishWords) + fillerCandidates) {
            measured[word] = try await tokenizer.count(" " + word) - completionsOverhead
        }
        let words = (korean ? koreanWords : englishWords).compactMap { word in
            measured[word].flatMap { $0 >= 1 ? Word(text: " " + word, tokens: $0) : nil }
        }
        // Korean prompts are finished with punctuation and digits where they are one token, not English words.
        var fillers = fillerCandidates.compactMap { word in measured[word] == 1 ? Word(text: " " + word, tokens: 1) : nil }
        if korean, fillers.contains(where: { !englishWords.contains(String($0.text.dropFirst())) }) {
            fillers.removeAll { englishWords.contains(String($0.text.dropFirst())) }
        }
        guard !words.isEmpty || !fillers.isEmpty else {
            let estimate = estimated(korean: korean)
            return PromptVocabulary(
                words: estimate.words, fillers: estimate.fillers, overhead: 0, exact: false, source: "estimate",
                mismatch: "the server's tokenizer counted no word as a token or more")
        }
        let source = tokenizer.dialect.rawValue
        var vocabulary = PromptVocabulary(
            words: words, fillers: fillers.isEmpty ? words : fillers, overhead: overhead, exact: false, source: source, mismatch: nil)
        // The check: sample prompts counted whole. A constant difference (a first word that
        // tokenizes otherwise at the start) joins the overhead; any other means words merge.
        var random = SeededRandom(seed: 0x5EED)
        for attempt in 0..<2 {
            var differences: [Int] = []
            for length in Set(checkLengths) where length > overhead {
                for _ in 0..<2 {
                    let text = vocabulary.text(tokens: length, using: &random)
                    differences.append(try await count(text) - length)
                }
            }
            let distinct = Set(differences)
            // (No sample checked, when every length is within the overhead: not exact.)
            if distinct == [0] {
                return PromptVocabulary(
                    words: vocabulary.words, fillers: vocabulary.fillers, overhead: overhead, exact: true, source: source, mismatch: nil)
            }
            if distinct.isEmpty {
                return PromptVocabulary(
                    words: words, fillers: vocabulary.fillers, overhead: overhead, exact: false, source: source,
                    mismatch: "no prompt length asked for is longer than the \(overhead) tokens the server adds")
            }
            if attempt == 0, distinct.count == 1, let difference = distinct.first {
                overhead += difference
                vocabulary = PromptVocabulary(
                    words: words, fillers: vocabulary.fillers, overhead: overhead, exact: false, source: source, mismatch: nil)
                continue
            }
            let described = differences.map { $0 > 0 ? "+\($0)" : String($0) }.joined(separator: ", ")
            return PromptVocabulary(
                words: words, fillers: vocabulary.fillers, overhead: overhead, exact: false, source: source,
                mismatch: "sample prompts were off by \(described) tokens")
        }
        return vocabulary
    }
}
