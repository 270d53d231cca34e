import Foundation
public import OpenAIAPI

/// What a request asks the model: a plain prompt (completions) or a conversation (chat).
public enum PromptInput: Sendable, Hashable {
    case text(String)
    case messages([ChatMessage])

    /// A one-line text form: the prompt itself, or the last user message of a conversation.
    public var displayText: String {
        switch self {
        case .text(let text): return text
        case .messages(let messages):
            return messages.last(where: { $0.role == "user" })?.content ?? messages.last?.content ?? ""
        }
    }

    /// The conversation to send to `/v1/chat/completions`: a plain prompt becomes one user message.
    public var asMessages: [ChatMessage] {
        switch self {
        case .text(let text): return [ChatMessage(role: "user", content: text)]
        case .messages(let messages): return messages
        }
    }

    /// The prompt to send to `/v1/completions`: a conversation is flattened to `role: content` lines.
    public var asPrompt: String {
        switch self {
        case .text(let text): return text
        case .messages(let messages):
            return messages.map { "\($0.role): \($0.content)" }.joined(separator: "\n")
        }
    }
}

/// Sampling and routing parameters of a request. `nil` means "leave it to the server".
public struct GenerationParameters: Sendable, Hashable, Codable {
    public var model: String?
    public var temperature: Double?
    public var maxTokens: Int?
    public var topP: Double?
    public var stop: [String]?
    public var seed: Int?
    /// Extra members merged into the request body (server-specific options such as `top_k`).
    public var extraBody: [String: JSONValue]?

    public init(
        model: String? = nil, temperature: Double? = nil, maxTokens: Int? = nil, topP: Double? = nil,
        stop: [String]? = nil, seed: Int? = nil, extraBody: [String: JSONValue]? = nil
    ) {
        self.model = model
        self.temperature = temperature
        self.maxTokens = maxTokens
        self.topP = topP
        self.stop = stop
        self.seed = seed
        self.extraBody = extraBody
    }

    /// These parameters with every value that `overrides` sets taken from it.
    public func overridden(by overrides: GenerationParameters) -> GenerationParameters {
        var merged = self
        merged.model = overrides.model ?? model
        merged.temperature = overrides.temperature ?? temperature
        merged.maxTokens = overrides.maxTokens ?? maxTokens
        merged.topP = overrides.topP ?? topP
        merged.stop = overrides.stop ?? stop
        merged.seed = overrides.seed ?? seed
        if let extra = overrides.extraBody {
            merged.extraBody = (extraBody ?? [:]).merging(extra, uniquingKeysWith: { _, new in new })
        }
        return merged
    }

    enum CodingKeys: String, CodingKey {
        case model, temperature, stop, seed
        case maxTokens = "max_tokens"
        case topP = "top_p"
        case extraBody = "extra_body"
    }
}

/// One request to run: what to ask, how, and where it sits in a batch.
public struct GenerationRequest: Sendable {
    /// Position in the batch; results carry it so they can be put back in input order.
    public var index: Int
    /// Which repeat of its prompt this is (0-based).
    public var repeatIndex: Int
    /// The prompt's id from the prompt file, if it had one.
    public var promptID: String?
    public var prompt: PromptInput
    public var parameters: GenerationParameters
    public var api: APIKind
    public var stream: Bool
    /// The setting of a comparison run this request belongs to, e.g. `temperature=0.9`.
    public var setting: String?
    /// Sent as `X-Request-Id`, so the request can be found in the server's logs (vLLM and
    /// llama.cpp log it; vLLM also uses it as the request's id).
    public var requestID: String?

    public init(
        index: Int = 0, repeatIndex: Int = 0, promptID: String? = nil, prompt: PromptInput,
        parameters: GenerationParameters = .init(), api: APIKind = .completions, stream: Bool = true, setting: String? = nil
    ) {
        self.setting = setting
        self.index = index
        self.repeatIndex = repeatIndex
        self.promptID = promptID
        self.prompt = prompt
        self.parameters = parameters
        self.api = api
        self.stream = stream
    }

    /// A new run's id for request ids (`llmc-` and 8 random hex digits): a run's requests are
    /// `<run id>-<number>`, so they can be found in the server's logs.
    public static func newRunID() -> String {
        String(format: "llmc-%08x", UInt32.random(in: .min ... .max))
    }

    /// The JSON body sent to the server. `extraBody` members are merged last, so they win.
    public func body(model: String) -> [String: JSONValue] {
        var body: [String: JSONValue] = ["model": .string(model), "stream": .bool(stream)]
        switch api {
        case .completions: body["prompt"] = .string(prompt.asPrompt)
        case .chat:
            body["messages"] = .array(
                prompt.asMessages.map {
                    .object(["role": .string($0.role), "content": .string($0.content)])
                })
        }
        if stream { body["stream_options"] = ["include_usage": true] }
        if let value = parameters.temperature { body["temperature"] = .number(value) }
        if let value = parameters.maxTokens { body["max_tokens"] = .number(Double(value)) }
        if let value = parameters.topP { body["top_p"] = .number(value) }
        if let value = parameters.seed { body["seed"] = .number(Double(value)) }
        if let stop = parameters.stop, !stop.isEmpty { body["stop"] = .array(stop.map { .string($0) }) }
        for (key, value) in parameters.extraBody ?? [:] { body[key] = value }
        return body
    }
}
