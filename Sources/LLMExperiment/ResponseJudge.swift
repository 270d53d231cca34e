import Foundation
public import LLMClientKit
public import OpenAIAPI
import Synchronization

/// The language of the judge's instructions.
public enum JudgeLanguage: String, Sendable, CaseIterable {
    /// Korean for prompts with Hangul, English otherwise.
    case auto
    case ko
    case en

    /// The language for `prompt`: the fixed one, or by the prompt's script for `auto`.
    func resolved(for prompt: String) -> JudgeLanguage {
        guard self == .auto else { return self }
        return prompt.unicodeScalars.contains {
            (0xAC00...0xD7A3).contains($0.value) || (0x1100...0x11FF).contains($0.value) || (0x3130...0x318F).contains($0.value)
        } ? .ko : .en
    }
}

/// The judge's verdict on one answer: a score from 1 to 10 and its reason.
public struct JudgeVerdict: Sendable, Hashable {
    public var score: Double
    public var reason: String

    public init(score: Double, reason: String) {
        self.score = score
        self.reason = reason
    }

    /// The verdict in a judge model's reply. Lenient, since small models rarely answer in exactly
    /// the asked form: the first JSON object with a `score` (a number or a numeric string, also as
    /// `점수`) and a `reason` (`이유`), else a `score: 7` or `7/10` in the text, whose reason is the
    /// whole reply. Nil when no score from 1 to 10 is found.
    public static func parse(_ reply: String) -> JudgeVerdict? {
        for object in jsonObjects(in: reply) {
            let score = ["score", "Score", "점수"].lazy.compactMap { object[$0].flatMap(Self.number) }.first
            guard let score, (1...10).contains(score) else { continue }
            let reason = ["reason", "Reason", "이유", "explanation"].lazy.compactMap { object[$0] as? String }.first
            return JudgeVerdict(score: score, reason: reason ?? Self.plain(reply))
        }
        let patterns = [
            #/(?i)(?:score|점수)(?:\W|is|of|는|은){0,6}(\d+(?:\.\d+)?)/#, #/(\d+(?:\.\d+)?)\s*(?:/|out of)\s*10\b/#,
        ]
        for pattern in patterns {
            for match in reply.matches(of: pattern) {
                if let score = Double(match.output.1), (1...10).contains(score) {
                    return JudgeVerdict(score: score, reason: Self.plain(reply))
                }
            }
        }
        return nil
    }

    private static func number(_ value: Any) -> Double? {
        if let number = value as? NSNumber, !(value is Bool) { return number.doubleValue }
        if let text = value as? String { return Double(text.trimmingCharacters(in: .whitespaces)) }
        return nil
    }

    /// The reply on one line, cut to 500 characters.
    private static func plain(_ reply: String) -> String {
        let line = reply.split(whereSeparator: \.isNewline).joined(separator: " ").trimmingCharacters(in: .whitespaces)
        return line.count > 500 ? String(line.prefix(500)) + "…" : line
    }

    /// Every `{...}` span of `text` that parses as a JSON object, in order.
    private static func jsonObjects(in text: String) -> [[String: Any]] {
        let bytes = Array(text.utf8)
        var objects: [[String: Any]] = []
        var start = 0
        while let open = bytes[start...].firstIndex(of: UInt8(ascii: "{")) {
            var depth = 0
            var inString = false
            var escaped = false
            var end: Int?
            for index in open..<bytes.count {
                let byte = bytes[index]
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
                if byte == UInt8(ascii: "\"") { inString = true }
                if byte == UInt8(ascii: "{") { depth += 1 }
                if byte == UInt8(ascii: "}") {
                    depth -= 1
                    if depth == 0 {
                        end = index
                        break
                    }
                }
            }
            guard let end else { break }
            if let object = try? JSONSerialization.jsonObject(with: Data(bytes[open...end])) as? [String: Any] {
                objects.append(object)
                start = end + 1
            } else {
                start = open + 1
            }
        }
        return objects
    }
}

/// LLM-as-judge: asks a model (on the measured server or another) to score an answer from 1 to
/// 10 against a rubric, and reads its verdict.
///
/// The request asks for the verdict's JSON schema with `response_format` (structured output:
/// llama.cpp, vLLM, SGLang and OpenAI constrain the reply to it, which makes even small models
/// answer in form). A server that refuses the member (HTTP 400 or 422) is asked again without it,
/// and not offered it again.
public struct ResponseJudge: Sendable {
    /// The client of the judge's server.
    public let client: LLMClient
    /// The judge model.
    public let model: String
    /// A rubric that replaces the default ones (in any language); nil for the defaults.
    public let rubric: String?
    public let language: JudgeLanguage
    /// Most tokens the judge may write.
    public let maxTokens: Int

    /// Set once the server has refused `response_format`.
    private let schemaRefused = SchemaRefusal()

    public init(client: LLMClient, model: String, rubric: String? = nil, language: JudgeLanguage = .auto, maxTokens: Int = 400) {
        self.client = client
        self.model = model
        self.rubric = rubric
        self.language = language
        self.maxTokens = maxTokens
    }

    /// The verdict's JSON schema as an OpenAI `response_format`.
    static let verdictFormat: JSONValue = [
        "type": "json_schema",
        "json_schema": [
            "name": "verdict",
            "strict": true,
            "schema": [
                "type": "object",
                "properties": ["score": ["type": "integer", "minimum": 1, "maximum": 10], "reason": ["type": "string"]],
                "required": ["score", "reason"],
                "additionalProperties": false,
            ],
        ],
    ]

    /// The default rubric in each language.
    public static func defaultRubric(_ language: JudgeLanguage) -> String {
        switch language {
        case .ko:
            """
            사용자의 질문에 대한 답변을 정확성, 관련성, 완결성, 명확성을 기준으로 1점에서 10점 사이로 평가하세요.
            1점: 틀렸거나 질문과 관련이 없음. 4점: 일부만 맞거나 중요한 내용이 빠짐. 7점: 대체로 정확하고 유용하지만 부족한 점이 있음. 10점: 정확하고 완결되며 명확함.
            질문과 다른 언어로 답했거나, 답이 중간에 끊겼다면 감점하세요.
            """
        case .en, .auto:
            """
            Rate the answer to the user's question from 1 to 10 for correctness, relevance, completeness and clarity.
            1: wrong or off-topic. 4: partly right or missing important points. 7: mostly correct and useful, with gaps. 10: correct, complete and clear.
            Take points off when the answer is in another language than the question or is cut off.
            """
        }
    }

    /// The chat messages that ask the judge about `answer` to `question`.
    public func messages(question: String, answer: String) -> [ChatMessage] {
        let language = language.resolved(for: question)
        let rubric = rubric ?? Self.defaultRubric(language)
        let system: String
        let user: String
        switch language {
        case .ko:
            system = """
                당신은 엄격하고 공정한 평가자입니다.
                \(rubric)
                다른 설명 없이 다음 JSON 한 줄로만 답하세요: {"score": <1-10 정수>, "reason": "<한두 문장의 이유>"}
                """
            user = "[질문]\n\(question)\n\n[답변]\n\(answer)\n\n[평가 JSON]"
        case .en, .auto:
            system = """
                You are a strict, fair evaluator.
                \(rubric)
                Reply with one line of JSON and nothing else: {"score": <integer 1-10>, "reason": "<one or two sentences>"}
                """
            user = "[Question]\n\(question)\n\n[Answer]\n\(answer)\n\n[Verdict JSON]"
        }
        return [ChatMessage(role: "system", content: system), ChatMessage(role: "user", content: user)]
    }

    /// What the answer answers: the prompt, or for a conversation every turn (`role: content`), so
    /// the judge sees the context of its last question.
    public static func question(of result: RequestResult) -> String {
        guard let messages = result.messages, messages.count > 1 else { return result.prompt }
        return messages.map { "\($0.role): \($0.content)" }.joined(separator: "\n")
    }

    /// Asks the judge about `result`'s answer and returns the result with `judgeScore` and
    /// `judgeReason`, or `judgeError` when the judge's request failed or its reply held no score.
    /// A failed request is returned as it is.
    public func judge(_ result: RequestResult) async -> RequestResult {
        guard result.success else { return result }
        var judged = result
        func request(structured: Bool) -> GenerationRequest {
            GenerationRequest(
                prompt: .messages(messages(question: Self.question(of: result), answer: result.output)),
                parameters: GenerationParameters(
                    model: model, temperature: 0, maxTokens: maxTokens, extraBody: structured ? ["response_format": Self.verdictFormat] : nil),
                api: .chat, stream: false)
        }
        let structured = !schemaRefused.flag.load(ordering: .relaxed)
        var reply = await client.generate(request(structured: structured))
        if structured, !reply.success, let status = reply.httpStatus, status == 400 || status == 422 {
            schemaRefused.flag.store(true, ordering: .relaxed)
            reply = await client.generate(request(structured: false))
        }
        guard reply.success else {
            judged.judgeError = "the judge's request failed: \(reply.error ?? "unknown error")"
            return judged
        }
        guard let verdict = JudgeVerdict.parse(reply.output) else {
            let text = reply.output.trimmingCharacters(in: .whitespacesAndNewlines)
            judged.judgeError = "no score from 1 to 10 in the judge's reply: \"\(text.count > 200 ? String(text.prefix(200)) + "…" : text)\""
            return judged
        }
        judged.judgeScore = verdict.score
        judged.judgeReason = verdict.reason
        return judged
    }
}

/// Whether a judge's server has refused structured output; shared by the copies of a judge.
private final class SchemaRefusal: Sendable {
    let flag = Atomic<Bool>(false)
}
