import Foundation
public import LLMClientKit
public import OpenAIAPI

/// What the chat sends with each message; slash commands change it.
public struct ChatSettings: Sendable, Equatable {
    /// `.chat` keeps the conversation; `.completions` sends each message on its own.
    public var api: APIKind
    /// Model and sampling; `model` should be resolved (the server's first model) before chatting.
    public var parameters: GenerationParameters
    /// Stream answers (time to first token is only known when streaming).
    public var stream: Bool
    /// The system prompt sent before the conversation (chat API only).
    public var system: String?

    public init(api: APIKind = .chat, parameters: GenerationParameters = .init(), stream: Bool = true, system: String? = nil) {
        self.api = api
        self.parameters = parameters
        self.stream = stream
        self.system = system
    }
}

/// Totals over the answers of a session (completed ones; stopped and failed answers are not counted).
public struct ChatStats: Sendable, Equatable {
    /// Answers received in full.
    public var turns = 0
    public var promptTokens = 0
    public var completionTokens = 0
    /// Seconds spent waiting for the answers, end to end.
    public var generationSeconds = 0.0
    private var ttftSum = 0.0
    private var ttftCount = 0

    public init() {}

    /// Mean time to first token over the streamed answers, or nil before the first one.
    public var meanTTFT: Double? { ttftCount > 0 ? ttftSum / Double(ttftCount) : nil }

    /// Completion tokens per second of waiting, or nil before the first answer.
    public var tokensPerSecond: Double? { generationSeconds > 0 ? Double(completionTokens) / generationSeconds : nil }

    mutating func add(_ result: RequestResult) {
        turns += 1
        promptTokens += result.promptTokens ?? 0
        completionTokens += result.completionTokens ?? 0
        generationSeconds += result.latencyS
        if let ttft = result.ttftS {
            ttftSum += ttft
            ttftCount += 1
        }
    }

    /// The one-line form `/stats` prints.
    public var summary: String {
        var parts = ["\(turns) \(turns == 1 ? "turn" : "turns")", "\(promptTokens) prompt + \(completionTokens) completion tokens"]
        if let meanTTFT { parts.append(String(format: "mean TTFT %.3fs", meanTTFT)) }
        if let tokensPerSecond { parts.append(String(format: "%.1f tok/s", tokensPerSecond)) }
        return parts.joined(separator: " · ")
    }
}

/// The interactive chat without its terminal: conversation, settings, session totals and slash
/// commands. The terminal front end (``ChatTerminal``) reads lines and streams answers; everything
/// it decides is here, so it can be tested without a terminal or a server.
public struct ChatSession: Sendable {
    /// What the next message is sent with.
    public var settings: ChatSettings
    /// The conversation so far, without the system prompt: user and assistant messages in turn.
    public private(set) var conversation: [ChatMessage] = []
    /// Totals over the session's answers; `/reset` keeps them.
    public private(set) var stats = ChatStats()

    public init(settings: ChatSettings) {
        self.settings = settings
    }

    /// What happened to a message, for the terminal to report.
    public enum TurnOutcome: Sendable, Equatable {
        /// The answer arrived in full.
        case answered
        /// The user stopped the answer (Ctrl-C); what arrived of it is kept in the conversation.
        case stopped
        /// The request failed; the message is not kept, so it can be sent again.
        case failed(String)
    }

    /// The request for `message`: with the chat API, the system prompt, the conversation and the
    /// new message; with the completions API, the message alone.
    public func request(for message: String) -> GenerationRequest {
        let prompt: PromptInput
        switch settings.api {
        case .chat:
            let system = settings.system.map { [ChatMessage(role: "system", content: $0)] } ?? []
            prompt = .messages(system + conversation + [ChatMessage(role: "user", content: message)])
        case .completions:
            prompt = .text(message)
        }
        return GenerationRequest(prompt: prompt, parameters: settings.parameters, api: settings.api, stream: settings.stream)
    }

    /// Records the answer to `message`. A complete answer joins the conversation and the totals. A
    /// stopped one (cancelled) joins the conversation as far as it arrived, as the user saw it, but
    /// not the totals. A failed one leaves no trace.
    @discardableResult
    public mutating func record(_ result: RequestResult, for message: String) -> TurnOutcome {
        if result.success {
            conversation += [ChatMessage(role: "user", content: message), ChatMessage(role: "assistant", content: result.output)]
            stats.add(result)
            return .answered
        }
        if result.errorKind == .cancelled {
            conversation.append(ChatMessage(role: "user", content: message))
            if !result.output.isEmpty { conversation.append(ChatMessage(role: "assistant", content: result.output)) }
            return .stopped
        }
        return .failed(result.error ?? "the request failed")
    }

    /// The reply to a slash command.
    public struct CommandReply: Sendable, Equatable {
        /// What to print.
        public var text: String
        /// The command was refused or failed (print it as an error).
        public var isError: Bool
        /// The chat should end.
        public var exits: Bool

        public init(_ text: String, isError: Bool = false, exits: Bool = false) {
            self.text = text
            self.isError = isError
            self.exits = exits
        }
    }

    /// Carries out `command`. `listModels` asks the server for its model ids (`/models` only).
    public mutating func execute(
        _ command: SlashCommand, listModels: @Sendable () async throws -> [String]
    ) async -> CommandReply {
        switch command {
        case .help:
            return CommandReply(SlashCommand.helpText)
        case .temperature(let argument):
            if let argument {
                guard let value = Double(argument), value >= 0, value <= 2 else {
                    return CommandReply("/temperature needs a number from 0 to 2, got '\(argument)'", isError: true)
                }
                settings.parameters.temperature = value
            }
            return CommandReply("temperature = \(settings.parameters.temperature.map { String($0) } ?? "server default")")
        case .maxTokens(let argument):
            if let argument {
                guard let value = Int(argument), value >= 1 else {
                    return CommandReply("/max-tokens needs a whole number of at least 1, got '\(argument)'", isError: true)
                }
                settings.parameters.maxTokens = value
            }
            return CommandReply("max tokens = \(settings.parameters.maxTokens.map { String($0) } ?? "server default")")
        case .model(let argument):
            if let argument { settings.parameters.model = argument }
            return CommandReply("model = \(settings.parameters.model ?? "server default")")
        case .models:
            do {
                let models = try await listModels()
                guard !models.isEmpty else { return CommandReply("the server lists no models") }
                return CommandReply(models.map { ($0 == settings.parameters.model ? "* " : "  ") + $0 }.joined(separator: "\n"))
            } catch {
                return CommandReply("cannot list the models: \(error)", isError: true)
            }
        case .system(let argument):
            settings.system = argument
            return CommandReply(argument == nil ? "(system prompt removed)" : "(system prompt set)")
        case .reset:
            conversation.removeAll()
            return CommandReply("(conversation cleared)")
        case .save(let argument):
            guard let argument else { return CommandReply("/save needs a file name", isError: true) }
            do {
                let path = try save(to: argument)
                return CommandReply("saved \(conversation.count) messages to \(path)")
            } catch {
                return CommandReply("\(error)", isError: true)
            }
        case .stats:
            return CommandReply(stats.summary)
        case .exit:
            return CommandReply("", exits: true)
        case .unknown(let word):
            return CommandReply("unknown command \(word); /help lists the commands", isError: true)
        }
    }

    /// Why `/save` did not write its file.
    public struct SaveError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Writes the conversation as JSON to `path` (`~` expanded) and returns the path written. The
    /// file is created, never replaced: an existing file is an error. `messages` includes the system
    /// prompt, so the file also works as a `messages` prompt for `llm-client --prompt-file`.
    public func save(to path: String) throws -> String {
        let expanded = NSString(string: path).expandingTildeInPath
        guard !FileManager.default.fileExists(atPath: expanded) else {
            throw SaveError(description: "\(expanded) already exists; /save never replaces a file, give another name")
        }
        let system = settings.system.map { [ChatMessage(role: "system", content: $0)] } ?? []
        let document = SavedConversation(
            savedAt: Timestamp(), api: settings.api, model: settings.parameters.model,
            parameters: settings.parameters, messages: system + conversation)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            try encoder.encode(document).write(to: URL(fileURLWithPath: expanded), options: .withoutOverwriting)
        } catch {
            throw SaveError(description: "cannot write \(expanded): \(error.localizedDescription)")
        }
        return expanded
    }
}

/// The JSON that `/save` writes.
struct SavedConversation: Codable {
    var savedAt: Timestamp
    var api: APIKind
    var model: String?
    var parameters: GenerationParameters
    var messages: [ChatMessage]

    enum CodingKeys: String, CodingKey {
        case api, model, parameters, messages
        case savedAt = "saved_at"
    }
}
