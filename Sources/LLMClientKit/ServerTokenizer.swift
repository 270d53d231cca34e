import Foundation
public import OpenAIAPI

/// The server's own tokenizer, reached through its tokenize endpoint, so that a benchmark can
/// count prompt tokens exactly as the server's `usage` will.
///
/// Two dialects exist: vLLM's (also SGLang's and the simulator's), `POST /tokenize` with `model`
/// and `prompt` (or `messages`, with the chat template applied) answering `count`; and llama.cpp's,
/// `POST /tokenize` with `content` answering `tokens`, where a chat prompt is first rendered by
/// `POST /apply-template`. Find the one a server speaks with ``LLMClient/findTokenizer(model:)``.
public struct ServerTokenizer: Sendable {
    /// Which tokenize endpoint the server has.
    public enum Dialect: String, Sendable, Codable {
        /// vLLM, SGLang, the simulator: `{"model", "prompt" | "messages"}` → `{"count", "tokens"}`.
        case vllm
        /// llama.cpp's server: `{"content", "add_special"}` → `{"tokens"}`.
        case llamaCpp = "llama.cpp"
    }

    public let dialect: Dialect
    /// The model whose tokenizer is asked.
    public let model: String
    private let client: LLMClient

    init(dialect: Dialect, model: String, client: LLMClient) {
        self.dialect = dialect
        self.model = model
        self.client = client
    }

    /// The tokens the server counts for `prompt` sent to the completions API (with the special
    /// tokens it adds itself, such as a BOS token).
    public func count(_ prompt: String) async throws(LLMClientError) -> Int {
        switch dialect {
        case .vllm: return try await countVLLM(["model": .string(model), "prompt": .string(prompt)])
        case .llamaCpp: return try await countLlamaCpp(prompt)
        }
    }

    /// The tokens the server counts for `messages` sent to the chat API: the chat template with
    /// the generation prompt applied, as the server's `usage` counts them.
    public func count(messages: [ChatMessage]) async throws(LLMClientError) -> Int {
        let list = JSONValue.array(messages.map { .object(["role": .string($0.role), "content": .string($0.content)]) })
        switch dialect {
        case .vllm:
            return try await countVLLM(["model": .string(model), "messages": list, "add_generation_prompt": true])
        case .llamaCpp:
            let body = try await client.expectJSON(client.configuration.rootURL + "/apply-template", ["messages": list])
            guard let prompt = body["prompt"]?.stringValue else {
                throw LLMClientError(code: .invalidResponse, message: "llama.cpp's /apply-template answered without a prompt")
            }
            return try await countLlamaCpp(prompt)
        }
    }

    /// The tokens the server counts for `input` sent to `api`.
    public func count(_ input: PromptInput, api: APIKind) async throws(LLMClientError) -> Int {
        switch api {
        case .completions: try await count(input.asPrompt)
        case .chat: try await count(messages: input.asMessages)
        }
    }

    private func countVLLM(_ body: [String: JSONValue]) async throws(LLMClientError) -> Int {
        let answer = try await client.expectJSON(client.configuration.rootURL + "/tokenize", body)
        guard let count = answer["count"]?.intValue else {
            throw LLMClientError(code: .invalidResponse, message: "the server's /tokenize answered without a count")
        }
        return count
    }

    private func countLlamaCpp(_ content: String) async throws(LLMClientError) -> Int {
        // llama.cpp's completions add the model's special tokens (BOS) and parse special tokens in
        // the text (a rendered chat template): the same here.
        let answer = try await client.expectJSON(
            client.configuration.rootURL + "/tokenize",
            ["content": .string(content), "add_special": true, "parse_special": true])
        guard let tokens = answer["tokens"]?.arrayValue else {
            throw LLMClientError(code: .invalidResponse, message: "llama.cpp's /tokenize answered without tokens")
        }
        return tokens.count
    }
}

extension LLMClient {
    /// The server's tokenizer for `model`, if the server has a tokenize endpoint (vLLM, SGLang,
    /// llama.cpp, the simulator); nil otherwise (OpenAI, Ollama, TGI), when token counts can only
    /// be estimated before the answers' `usage` tells them.
    public func findTokenizer(model: String) async -> ServerTokenizer? {
        let url = configuration.rootURL + "/tokenize"
        // llama.cpp answers vLLM's form with an empty token list, so the count decides.
        if let answer = try? await expectJSON(url, ["model": .string(model), "prompt": "hello"]), answer["count"]?.intValue != nil {
            return ServerTokenizer(dialect: .vllm, model: model, client: self)
        }
        if let answer = try? await expectJSON(url, ["content": "hello"]), let tokens = answer["tokens"]?.arrayValue, !tokens.isEmpty {
            return ServerTokenizer(dialect: .llamaCpp, model: model, client: self)
        }
        return nil
    }

    /// POSTs `body` to `url` and decodes a JSON object from a 200 answer.
    func expectJSON(_ url: String, _ body: [String: JSONValue]) async throws(LLMClientError) -> JSONValue {
        let (status, bytes) = try await postJSON(url, body)
        guard status == 200 else {
            throw LLMClientError(code: .httpStatus, message: "HTTP \(status) from \(configuration.redacting(url)): " + Self.errorMessage(in: bytes))
        }
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(bytes)), value.objectValue != nil else {
            throw LLMClientError(code: .invalidResponse, message: "\(configuration.redacting(url)) did not answer a JSON object")
        }
        return value
    }
}
