/// The OpenAI-compatible wire format, as vLLM, llama.cpp, SGLang, TGI and Ollama speak it.
///
/// These types are decoded by the client and encoded by the simulator. Every field a server may
/// leave out is optional, so responses from any of those servers decode.

/// The two generation endpoints.
public enum APIKind: String, Sendable, Codable, CaseIterable {
    /// `POST /v1/completions`: a prompt string in, text out.
    case completions
    /// `POST /v1/chat/completions`: a list of messages in, an assistant message out.
    case chat

    /// The endpoint's path below the `/v1` base.
    public var path: String {
        switch self {
        case .completions: "/completions"
        case .chat: "/chat/completions"
        }
    }
}

/// One chat message.
public struct ChatMessage: Sendable, Hashable, Codable {
    public var role: String
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// Token counts reported by the server.
public struct Usage: Sendable, Hashable, Codable {
    public var promptTokens: Int
    public var completionTokens: Int
    public var totalTokens: Int
    /// Of the completion tokens, those a reasoning model spent thinking
    /// (`completion_tokens_details.reasoning_tokens`), when the server says.
    public var reasoningTokens: Int?

    public init(promptTokens: Int, completionTokens: Int) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.totalTokens = Self.sum(promptTokens, completionTokens)
    }

    /// The two counts added, held at `Int.max` rather than trapping on a server's absurd counts.
    private static func sum(_ first: Int, _ second: Int) -> Int {
        let (sum, overflow) = first.addingReportingOverflow(second)
        return overflow ? (first < 0 ? Int.min : Int.max) : sum
    }

    enum CodingKeys: String, CodingKey {
        case promptTokens = "prompt_tokens"
        case completionTokens = "completion_tokens"
        case totalTokens = "total_tokens"
        case completionTokensDetails = "completion_tokens_details"
    }

    private struct CompletionDetails: Codable {
        var reasoningTokens: Int?

        enum CodingKeys: String, CodingKey {
            case reasoningTokens = "reasoning_tokens"
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        promptTokens = try container.decodeIfPresent(Int.self, forKey: .promptTokens) ?? 0
        completionTokens = try container.decodeIfPresent(Int.self, forKey: .completionTokens) ?? 0
        totalTokens = try container.decodeIfPresent(Int.self, forKey: .totalTokens) ?? Self.sum(promptTokens, completionTokens)
        // vLLM sends `null` here without a reasoning parser.
        reasoningTokens = (try? container.decodeIfPresent(CompletionDetails.self, forKey: .completionTokensDetails))??.reasoningTokens
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(promptTokens, forKey: .promptTokens)
        try container.encode(completionTokens, forKey: .completionTokens)
        try container.encode(totalTokens, forKey: .totalTokens)
        if let reasoningTokens {
            try container.encode(CompletionDetails(reasoningTokens: reasoningTokens), forKey: .completionTokensDetails)
        }
    }
}

/// The body of an OpenAI-shaped error: `{"error": {"message", "type", "code"}}`.
public struct APIErrorEnvelope: Sendable, Hashable, Codable {
    public struct Body: Sendable, Hashable, Codable {
        public var message: String
        public var type: String?
        /// Servers send a number (llama.cpp), a string (OpenAI) or null.
        public var code: JSONValue?

        public init(message: String, type: String?, code: JSONValue?) {
            self.message = message
            self.type = type
            self.code = code
        }
    }

    public var error: Body

    public init(message: String, type: String, code: JSONValue?) {
        self.error = Body(message: message, type: type, code: code)
    }
}

/// `GET /v1/models`.
public struct ModelList: Sendable, Hashable, Codable {
    public struct Model: Sendable, Hashable, Codable {
        public var id: String
        public var object: String?
        public var created: Int?
        public var ownedBy: String?

        public init(id: String, created: Int, ownedBy: String) {
            self.id = id
            self.object = "model"
            self.created = created
            self.ownedBy = ownedBy
        }

        enum CodingKeys: String, CodingKey {
            case id, object, created
            case ownedBy = "owned_by"
        }
    }

    public var object: String?
    public var data: [Model]

    public init(data: [Model]) {
        self.object = "list"
        self.data = data
    }
}

/// A non-streamed response of either endpoint. Completions fill `text`, chat fills `message`.
public struct GenerationResponse: Sendable, Codable {
    public struct Choice: Sendable, Codable {
        public var index: Int?
        public var text: String?
        public var message: ChatMessage?
        public var finishReason: String?
        /// A reasoning model's thoughts, from the message's `reasoning` (vLLM) or
        /// `reasoning_content` (older vLLM, llama.cpp); not part of `message.content`.
        public var reasoning: String?

        public init(index: Int, text: String?, message: ChatMessage?, finishReason: String?, reasoning: String? = nil) {
            self.index = index
            self.text = text
            self.message = message
            self.finishReason = finishReason
            self.reasoning = reasoning
        }

        enum CodingKeys: String, CodingKey {
            case index, text, message
            case finishReason = "finish_reason"
        }

        /// A message as servers send it: content may be null (an answer of thoughts only).
        private struct WireMessage: Codable {
            var role: String?
            var content: String?
            var reasoning: String?
            var reasoningContent: String?

            enum CodingKeys: String, CodingKey {
                case role, content, reasoning
                case reasoningContent = "reasoning_content"
            }
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            index = try container.decodeIfPresent(Int.self, forKey: .index)
            text = try container.decodeIfPresent(String.self, forKey: .text)
            finishReason = try container.decodeIfPresent(String.self, forKey: .finishReason)
            if let wire = try container.decodeIfPresent(WireMessage.self, forKey: .message) {
                message = ChatMessage(role: wire.role ?? "assistant", content: wire.content ?? "")
                reasoning = wire.reasoning ?? wire.reasoningContent
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encodeIfPresent(index, forKey: .index)
            try container.encodeIfPresent(text, forKey: .text)
            if let message {
                try container.encode(
                    WireMessage(role: message.role, content: message.content, reasoning: reasoning, reasoningContent: nil), forKey: .message)
            }
            try container.encode(finishReason, forKey: .finishReason)
        }
    }

    public var id: String?
    public var object: String?
    public var created: Int?
    public var model: String?
    public var choices: [Choice]
    public var usage: Usage?
    /// llama.cpp's server-side timings (prompt and generation speed), kept as sent.
    public var timings: JSONValue?

    public init(id: String, object: String, created: Int, model: String, choices: [Choice], usage: Usage?) {
        self.id = id
        self.object = object
        self.created = created
        self.model = model
        self.choices = choices
        self.usage = usage
        self.timings = nil
    }

    /// The generated text of the first choice, from whichever endpoint.
    public var firstText: String {
        guard let choice = choices.first else { return "" }
        return choice.text ?? choice.message?.content ?? ""
    }
}

/// One `data:` event of a streamed response. Only the fields a client needs are decoded.
public struct StreamChunk: Sendable, Decodable {
    public struct Choice: Sendable, Decodable {
        public struct Delta: Sendable, Decodable {
            public var content: String?
            /// Reasoning models' thoughts: vLLM's current field.
            public var reasoning: String?
            /// Reasoning models' thoughts: older vLLM's and llama.cpp's field.
            public var reasoningContent: String?

            enum CodingKeys: String, CodingKey {
                case content, reasoning
                case reasoningContent = "reasoning_content"
            }
        }

        public var text: String?
        public var delta: Delta?
        public var finishReason: String?

        enum CodingKeys: String, CodingKey {
            case text, delta
            case finishReason = "finish_reason"
        }
    }

    /// The response id, the same in every chunk (`cmpl-…`, `chatcmpl-…`).
    public var id: String?
    public var choices: [Choice]?
    public var usage: Usage?
    public var model: String?
    /// An error reported inside the stream (vLLM and others send `data: {"error": {...}}`).
    public var error: APIErrorEnvelope.Body?
    public var timings: JSONValue?

    /// The text this chunk adds to the answer (completion text or chat delta content).
    public var text: String {
        guard let choice = choices?.first else { return "" }
        return choice.text ?? choice.delta?.content ?? ""
    }

    /// The thoughts this chunk adds (a reasoning model's `reasoning` or `reasoning_content`).
    public var reasoningText: String {
        guard let delta = choices?.first?.delta else { return "" }
        return delta.reasoning ?? delta.reasoningContent ?? ""
    }

    /// Whether this chunk carries a choice (a token, an empty held-back piece, a finish reason),
    /// as opposed to the usage chunk's empty list: the chunks vLLM's benchmark times.
    public var carriesChoice: Bool {
        !(choices?.isEmpty ?? true)
    }

    /// The finish reason of the first choice, if this chunk ends the generation.
    public var finishReason: String? {
        choices?.first?.finishReason
    }
}
