public import LLMClientKit
import OpenAIAPI

/// The quality of a run's answers: assertion pass rate, the judge's scores and consistency across
/// repeats of the same prompt. Each part is nil when the run has nothing to say about it.
public struct QualitySummary: Codable, Sendable, Hashable {
    /// Successful requests whose output was checked against expectations.
    public var assertionsChecked: Int?
    /// Of those, the outputs that met every expectation.
    public var assertionsPassed: Int?
    /// `assertionsPassed / assertionsChecked`.
    public var assertionPassRate: Double?
    /// Answers the judge scored.
    public var judged: Int?
    /// Mean of the judge's scores (1 to 10).
    public var judgeMeanScore: Double?
    /// Lowest and highest score.
    public var judgeMinScore: Double?
    public var judgeMaxScore: Double?
    /// Answers the judge was asked about but gave no score for.
    public var judgeErrors: Int?
    /// Agreement among the answers to each prompt sent more than once.
    public var consistency: ConsistencySummary?

    /// The quality of `results` (failed requests are left out); nil when there is nothing to
    /// report: no expectations, no judge and no prompt with two successful answers.
    public init?(results: [RequestResult]) {
        let succeeded = results.filter(\.success)
        let checked = succeeded.compactMap(\.assertionsPassed)
        if !checked.isEmpty {
            assertionsChecked = checked.count
            assertionsPassed = checked.filter { $0 }.count
            assertionPassRate = Double(checked.filter { $0 }.count) / Double(checked.count)
        }
        let scores = succeeded.compactMap(\.judgeScore)
        let judgeFailures = succeeded.filter { $0.judgeScore == nil && $0.judgeError != nil }.count
        if !scores.isEmpty || judgeFailures > 0 {
            judged = scores.count
            judgeErrors = judgeFailures
            if !scores.isEmpty {
                judgeMeanScore = scores.reduce(0, +) / Double(scores.count)
                judgeMinScore = scores.min()
                judgeMaxScore = scores.max()
            }
        }
        consistency = ConsistencySummary(results: succeeded)
        if assertionsChecked == nil, judged == nil, consistency == nil { return nil }
    }

    enum CodingKeys: String, CodingKey {
        case judged, consistency
        case assertionsChecked = "assertions_checked"
        case assertionsPassed = "assertions_passed"
        case assertionPassRate = "assertion_pass_rate"
        case judgeMeanScore = "judge_mean_score"
        case judgeMinScore = "judge_min_score"
        case judgeMaxScore = "judge_max_score"
        case judgeErrors = "judge_errors"
    }
}

/// How alike the answers to the same prompt are, over every prompt with two or more successful
/// answers (the same prompt with other parameters, such as one setting of a comparison run,
/// counting as a prompt of its own).
public struct ConsistencySummary: Codable, Sendable, Hashable {
    /// Prompts with two or more answers.
    public var prompts: Int
    /// Mean over the prompts of the share of answers equal to the prompt's most common answer.
    public var identicalShare: Double
    /// Mean number of distinct answers per prompt.
    public var distinctOutputs: Double
    /// Mean over the prompts of the mean pairwise similarity of their answers (``TextSimilarity``).
    public var meanSimilarity: Double
    /// Each prompt's figures, in the order the prompts first appear.
    public var perPrompt: [PromptConsistency]

    /// The consistency of `results` (all taken as successful); nil when no prompt has two answers.
    public init?(results: [RequestResult]) {
        var order: [PromptKey] = []
        var outputs: [PromptKey: [String]] = [:]
        for result in results {
            let key = PromptKey(
                setting: result.setting, promptID: result.promptID, prompt: result.prompt, messages: result.messages, model: result.model,
                temperature: result.temperature, maxTokens: result.maxTokens, topP: result.topP, seed: result.seed)
            if outputs[key] == nil { order.append(key) }
            outputs[key, default: []].append(result.output)
        }
        let perPrompt = order.compactMap { key -> PromptConsistency? in
            guard let answers = outputs[key], answers.count >= 2 else { return nil }
            return PromptConsistency(setting: key.setting, promptID: key.promptID, prompt: key.prompt, outputs: answers)
        }
        guard !perPrompt.isEmpty else { return nil }
        self.perPrompt = perPrompt
        prompts = perPrompt.count
        func mean(_ value: (PromptConsistency) -> Double) -> Double {
            perPrompt.map(value).reduce(0, +) / Double(perPrompt.count)
        }
        identicalShare = mean(\.identicalShare)
        distinctOutputs = mean { Double($0.distinctOutputs) }
        meanSimilarity = mean(\.meanSimilarity)
    }

    /// What makes requests repeats of one another: the same prompt (a whole conversation, not
    /// only its last turn) asked with the same parameters.
    private struct PromptKey: Hashable {
        var setting: String?
        var promptID: String?
        var prompt: String
        var messages: [ChatMessage]?
        var model: String?
        var temperature: Double?
        var maxTokens: Int?
        var topP: Double?
        var seed: Int?
    }

    enum CodingKeys: String, CodingKey {
        case prompts
        case identicalShare = "identical_share"
        case distinctOutputs = "distinct_outputs"
        case meanSimilarity = "mean_similarity"
        case perPrompt = "per_prompt"
    }
}

/// The agreement among the answers to one prompt.
public struct PromptConsistency: Codable, Sendable, Hashable {
    /// The setting of a comparison run the answers belong to.
    public var setting: String?
    public var promptID: String?
    public var prompt: String
    /// Number of answers.
    public var answers: Int
    /// Number of different answers (compared exactly).
    public var distinctOutputs: Int
    /// Share of the answers equal to the most common one (1 when all agree).
    public var identicalShare: Double
    /// Mean similarity over all pairs of answers, 0 to 1 (1 when all agree).
    public var meanSimilarity: Double

    /// At most this many distinct answers (the most frequent) are compared pairwise, so that a
    /// prompt sent thousands of times costs a bounded time.
    static let maxComparedOutputs = 64

    /// The figures of `outputs`, the answers to one prompt (two or more).
    public init(setting: String?, promptID: String?, prompt: String, outputs: [String]) {
        self.setting = setting
        self.promptID = promptID
        self.prompt = prompt
        answers = outputs.count
        var counts: [String: Int] = [:]
        for output in outputs { counts[output, default: 0] += 1 }
        distinctOutputs = counts.count
        // Most frequent first; ties in first-seen order, so the figures do not depend on hashing.
        var firstSeen: [String: Int] = [:]
        for (position, output) in outputs.enumerated() where firstSeen[output] == nil { firstSeen[output] = position }
        let distinct = counts.sorted { ($0.value, -firstSeen[$0.key, default: 0]) > ($1.value, -firstSeen[$1.key, default: 0]) }
        identicalShare = Double(distinct.first?.value ?? 0) / Double(max(1, outputs.count))
        meanSimilarity = Self.meanPairwiseSimilarity(Array(distinct.prefix(Self.maxComparedOutputs)))
    }

    /// Mean similarity over all pairs of answers, given as distinct texts with their counts: a pair
    /// of equal answers counts 1, a pair of different ones their ``TextSimilarity``.
    private static func meanPairwiseSimilarity(_ distinct: [(key: String, value: Int)]) -> Double {
        let total = distinct.reduce(0) { $0 + $1.value }
        guard total >= 2 else { return 1 }
        let grams = distinct.map { TextSimilarity.characterTrigrams($0.key) }
        var sum = 0.0
        for i in distinct.indices {
            let count = Double(distinct[i].value)
            sum += count * (count - 1) / 2
            for j in distinct.indices where j > i {
                sum += count * Double(distinct[j].value) * TextSimilarity.jaccard(grams[i], grams[j])
            }
        }
        let pairs = Double(total) * Double(total - 1) / 2
        return sum / pairs
    }

    enum CodingKeys: String, CodingKey {
        case setting, prompt, answers
        case promptID = "prompt_id"
        case distinctOutputs = "distinct_outputs"
        case identicalShare = "identical_share"
        case meanSimilarity = "mean_similarity"
    }
}

/// Text similarity that needs no tokenizer and works for Korean as well as English: the Jaccard
/// index of the sets of character trigrams (Unicode grapheme clusters, so a Hangul syllable is
/// one character), after white space is collapsed to single spaces.
public enum TextSimilarity {
    /// |A ∩ B| / |A ∪ B| of the two texts' trigram sets: 1 for equal texts, 0 for texts without a
    /// trigram in common.
    public static func similarity(_ first: String, _ second: String) -> Double {
        jaccard(characterTrigrams(first), characterTrigrams(second))
    }

    /// The set of three-character sequences of `text` with white space collapsed; a text shorter
    /// than three characters is its own single "trigram" (an empty text has none).
    static func characterTrigrams(_ text: String) -> Set<String> {
        let characters = Array(text.split(whereSeparator: \.isWhitespace).joined(separator: " "))
        guard characters.count >= 3 else { return characters.isEmpty ? [] : [String(characters)] }
        var grams = Set<String>(minimumCapacity: characters.count)
        for start in 0...(characters.count - 3) {
            grams.insert(String(characters[start..<start + 3]))
        }
        return grams
    }

    static func jaccard(_ first: Set<String>, _ second: Set<String>) -> Double {
        if first.isEmpty && second.isEmpty { return 1 }
        let common = first.intersection(second).count
        return Double(common) / Double(first.count + second.count - common)
    }
}
