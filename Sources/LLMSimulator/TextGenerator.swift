import LLMSupport

/// Generates the simulator's answers: word-like tokens, deterministic from the server seed, the
/// prompt, the temperature and the request's seed.
///
/// Each answer is drawn from a "base" sequence fixed by the prompt. At temperature 0 every answer to
/// the same prompt is that base sequence. At temperature `t` each token is replaced by a random one
/// with probability `min(1, t / 2)`, so answers drift further from each other as `t` rises: that is
/// what makes consistency experiments against the simulator meaningful. The replacements come from
/// the request's `seed` when given (reproducible) and from a fresh random value otherwise.
public struct TextGenerator: Sendable {
    /// The server-wide seed (`--seed`).
    public var seed: UInt64

    public init(seed: UInt64) {
        self.seed = seed
    }

    /// Whether a prompt is written in Korean (has any Hangul), so the answer should be too.
    public static func isKorean(_ text: String) -> Bool {
        text.unicodeScalars.contains { scalar in
            let value = scalar.value
            return (0xAC00...0xD7A3).contains(value) || (0x1100...0x11FF).contains(value)
                || (0x3130...0x318F).contains(value)
        }
    }

    /// An estimate of a prompt's token count, standing in for a tokenizer: a run of ASCII letters or
    /// digits counts one token per four characters (rounded up), every other non-space character
    /// (punctuation, each Hangul syllable) one token.
    public static func estimateTokens(_ text: String) -> Int {
        var count = 0
        var asciiRun = 0
        for scalar in text.unicodeScalars {
            if scalar.isASCII, scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) {
                asciiRun += 1
                continue
            }
            count += (asciiRun + 3) / 4
            asciiRun = 0
            if !scalar.properties.isWhitespace { count += 1 }
        }
        return max(1, count + (asciiRun + 3) / 4)
    }

    /// Splits a fixed reply (``SimulatorConfiguration/reply``) into tokens roughly as a tokenizer
    /// would, never inside a character: letters and digits in pieces of up to four, Hangul two
    /// syllables at a time, punctuation and other symbols up to four at a time, each whitespace run in
    /// front of the token that follows it (on its own only at the end). Joined, the tokens give back
    /// `text` exactly; an empty text has no tokens.
    static func replyTokens(_ text: String) -> [String] {
        var tokens: [String] = []
        var token = ""
        var bodyKind: ReplyCharacterKind?  // nil while `token` holds only whitespace
        var bodyLength = 0
        for character in text {
            let kind = ReplyCharacterKind(character)
            if let current = bodyKind, kind == .space || current != kind || bodyLength == kind.maxTokenLength {
                tokens.append(token)
                token = ""
                bodyKind = nil
                bodyLength = 0
            }
            token.append(character)
            if kind != .space {
                bodyKind = kind
                bodyLength += 1
            }
        }
        if !token.isEmpty { tokens.append(token) }
        return tokens
    }

    /// The tokens of one answer.
    /// - Parameters:
    ///   - prompt: the prompt text (for chat, the conversation flattened).
    ///   - temperature: the request's temperature, 0...2.
    ///   - requestSeed: the request's `seed`, or nil for a fresh random variation.
    ///   - count: how many tokens to produce.
    public func tokens(prompt: String, temperature: Double, requestSeed: Int?, count: Int) -> [String] {
        let vocabulary = Self.isKorean(prompt) ? Vocabulary.korean : Vocabulary.english
        var base = SeededRandom(seed: stableHash(prompt, seed: seed))
        let variationSeed = requestSeed.map { UInt64(bitPattern: Int64($0)) } ?? UInt64.random(in: .min ... .max)
        var variation = SeededRandom(seed: mixSeed(seed, stableHash(prompt, seed: 1), variationSeed))
        let replaceProbability = min(1, max(0, temperature) / 2)
        var result: [String] = []
        result.reserveCapacity(count)
        for position in 0..<count {
            let baseIndex = Int(base.next() % UInt64(vocabulary.words.count))
            var index = baseIndex
            if replaceProbability > 0, variation.unit() < replaceProbability {
                index = Int(variation.next() % UInt64(vocabulary.words.count))
            }
            var word = vocabulary.words[index]
            if position == 0, word.hasPrefix(vocabulary.punctuationMarker) { word = vocabulary.words[0] }  // no answer starts with punctuation
            if word.hasPrefix(vocabulary.punctuationMarker) {
                result.append(String(word.dropFirst()))
            } else {
                result.append(position == 0 ? word : " " + word)
            }
        }
        return result
    }

    /// How long an answer is: drawn from the latency model's output-length distribution, from the
    /// prompt's own random stream at temperature 0 (so it repeats) and a fresh one otherwise.
    func outputLength(prompt: String, temperature: Double, requestSeed: Int?, model: LatencyModel, maxTokens: Int?) -> Int {
        var random: SeededRandom
        if temperature == 0 {
            random = SeededRandom(seed: stableHash(prompt, seed: seed &+ 7))
        } else {
            random = SeededRandom(
                seed: requestSeed.map { mixSeed(seed, UInt64(bitPattern: Int64($0)), stableHash(prompt, seed: 3)) }
                    ?? UInt64.random(in: .min ... .max))
        }
        let length = model.outputTokens(using: &random)
        if let maxTokens { return min(length, maxTokens) }
        return length
    }
}

/// What a character of a fixed reply is, for ``TextGenerator/replyTokens(_:)``.
private enum ReplyCharacterKind {
    case space, word, hangul, symbol

    init(_ character: Character) {
        if character.isWhitespace {
            self = .space
        } else if TextGenerator.isKorean(String(character)) {
            self = .hangul
        } else if character.isLetter || character.isNumber {
            self = .word
        } else {
            self = .symbol
        }
    }

    /// The most characters of this kind in one token.
    var maxTokenLength: Int { self == .hangul ? 2 : 4 }
}

/// Word lists the simulator draws its answers from. Entries starting with the marker are
/// punctuation, written without a leading space.
enum Vocabulary {
    struct Words: Sendable {
        let words: [String]
        let punctuationMarker = "\u{1}"
    }

    static let english = Words(
        words: """
            the model learns from data and predicts the next token in a sequence while attention layers \
            weigh every earlier word so that meaning emerges gradually across many training steps with \
            gradients flowing backwards through networks of neurons energy from the sun becomes chemical \
            energy in plants during photosynthesis renewable sources such as wind solar and water reduce \
            emissions climate change affects oceans forests cities farms and people everywhere space \
            exploration will bring new missions to the moon and mars quantum computers use qubits that \
            hold superposition and entanglement ethics matters because systems make decisions about \
            fairness privacy safety and trust robots may one day describe feelings of curiosity joy and \
            wonder
            """.split(separator: " ").map(String.init) + ["\u{1}.", "\u{1},", "\u{1}.", "\u{1},"])

    static let korean = Words(
        words: """
            인공지능은 데이터를 통해 학습하고 다음 단어를 예측합니다 모델은 문맥을 이해하며 \
            주의 메커니즘이 모든 단어의 관계를 계산합니다 신경망은 가중치를 조정하면서 점점 더 \
            정확해집니다 재생 에너지는 태양광 풍력 수력처럼 지속 가능한 자원에서 얻습니다 \
            광합성은 빛 에너지를 화학 에너지로 바꾸는 과정입니다 기후 변화는 바다와 숲 그리고 \
            도시에 영향을 줍니다 우주 탐사는 달과 화성으로 새로운 임무를 보냅니다 양자 컴퓨터는 \
            큐비트의 중첩과 얽힘을 이용합니다 윤리는 공정성 개인정보 안전 신뢰와 관련됩니다 \
            로봇은 호기심과 기쁨 그리고 감정을 느낄 수 있을까요 머신러닝은 경험으로부터 \
            스스로 개선되는 방법입니다 한국어 문장은 자연스럽고 분명하게 생성됩니다
            """.split(separator: " ").map(String.init) + ["\u{1}.", "\u{1},", "\u{1}.", "\u{1}?"])
}
