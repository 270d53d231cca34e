import Foundation
import OpenAIAPI

/// An error the simulator answers with: an HTTP status and an OpenAI-shaped body.
public struct SimulatorError: Error, Sendable, Hashable {
    public var status: Int
    public var message: String
    public var type: String

    public init(status: Int, message: String, type: String? = nil) {
        self.status = status
        self.message = message
        self.type = type ?? Self.defaultType(for: status)
    }

    static func badRequest(_ message: String) -> SimulatorError {
        SimulatorError(status: 400, message: message)
    }

    private static func defaultType(for status: Int) -> String {
        switch status {
        case 400: "invalid_request_error"
        case 401: "authentication_error"
        case 404: "not_found_error"
        case 429: "rate_limit_error"
        case 503: "service_unavailable_error"
        default: "server_error"
        }
    }

    /// The JSON body: `{"error": {"message", "type", "code"}}` with the status as the code.
    var body: [UInt8] {
        let envelope = APIErrorEnvelope(message: message, type: type, code: .number(Double(status)))
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys  // the same bytes every time
        return Array((try? encoder.encode(envelope)) ?? Data())
    }
}

/// A generation request the simulator accepted, reduced to what it needs.
struct SimulatedRequest: Sendable {
    var api: APIKind
    var model: String
    /// The prompt text (for chat, the conversation flattened to one text).
    var promptText: String
    var stream: Bool
    var includeUsage: Bool
    var maxTokens: Int?
    var temperature: Double
    var seed: Int?
    var stop: [String]
    /// vLLM's and llama.cpp's `ignore_eos`: generate until `max_tokens`.
    var ignoreEOS: Bool
    /// vLLM's `min_tokens`: no end of text before this many tokens.
    var minTokens: Int?
    var faultTrigger: Fault?
}

/// Checks a request body like a real server does, with a clear message for each problem.
enum RequestValidator {
    static func validate(body: [UInt8], api: APIKind, models: [String], faultHeader: String?) throws(SimulatorError) -> SimulatedRequest {
        let json: JSONValue
        do {
            json = try JSONDecoder().decode(JSONValue.self, from: Data(body))
        } catch {
            throw .badRequest("Invalid JSON in request body: \(Self.describe(error))")
        }
        guard let object = json.objectValue else {
            throw .badRequest("The request body must be a JSON object, got \(json.typeName).")
        }

        let model: String
        switch object["model"] {
        case nil, .null?: model = models[0]
        case .string(let name)?:
            guard models.contains(name) else {
                throw SimulatorError(status: 404, message: "The model `\(name)` does not exist. Available: \(models.joined(separator: ", ")).")
            }
            model = name
        case let other?: throw .badRequest("'model' must be a string, got \(other.typeName).")
        }

        let promptText: String
        switch api {
        case .completions: promptText = try completionPrompt(object["prompt"])
        case .chat: promptText = try chatPrompt(object["messages"])
        }

        let stream = try boolean(object["stream"], name: "stream") ?? false
        var includeUsage = false
        if let options = object["stream_options"], options != .null {
            guard let optionsObject = options.objectValue else { throw .badRequest("'stream_options' must be an object.") }
            includeUsage = try boolean(optionsObject["include_usage"], name: "stream_options.include_usage") ?? false
        }

        let maxTokens = try integer(object["max_completion_tokens"] ?? object["max_tokens"], name: "max_tokens")
        if let maxTokens, maxTokens < 1 {
            throw .badRequest("'max_tokens' must be at least 1, got \(maxTokens).")
        }
        let temperature = try number(object["temperature"], name: "temperature") ?? 1.0
        guard (0...2).contains(temperature) else {
            throw .badRequest("'temperature' must be between 0 and 2, got \(temperature).")
        }
        if let topP = try number(object["top_p"], name: "top_p"), !(topP > 0 && topP <= 1) {
            throw .badRequest("'top_p' must be greater than 0 and at most 1, got \(topP).")
        }
        if let n = try integer(object["n"], name: "n"), n != 1 {
            throw .badRequest("'n' must be 1: the simulator generates one choice per request, got \(n).")
        }
        let seed = try integer(object["seed"], name: "seed")
        let stop = try stopSequences(object["stop"])
        let ignoreEOS = try boolean(object["ignore_eos"], name: "ignore_eos") ?? false
        let minTokens = try integer(object["min_tokens"], name: "min_tokens")
        if let minTokens, minTokens < 0 || minTokens > (maxTokens ?? .max) {
            throw .badRequest("'min_tokens' must be at least 0 and at most max_tokens, got \(minTokens).")
        }

        var trigger: Fault?
        if let name = faultHeader ?? object["sim_fault"]?.stringValue {
            guard let fault = Fault(rawValue: name) else {
                throw .badRequest("Unknown simulator fault '\(name)'; known: \(Fault.allCases.map(\.rawValue).joined(separator: ", ")).")
            }
            trigger = fault
        }

        return SimulatedRequest(
            api: api, model: model, promptText: promptText, stream: stream, includeUsage: includeUsage,
            maxTokens: maxTokens, temperature: temperature, seed: seed, stop: stop, ignoreEOS: ignoreEOS, minTokens: minTokens,
            faultTrigger: trigger)
    }

    /// The prompt of a `/tokenize` body in vLLM's form (`prompt`, or `messages` flattened as a
    /// chat request's are), counted as a generation request's `usage` counts it.
    static func tokenizePrompt(body: [UInt8], models: [String]) throws(SimulatorError) -> String {
        guard let json = try? JSONDecoder().decode(JSONValue.self, from: Data(body)), let object = json.objectValue else {
            throw .badRequest("The request body must be a JSON object.")
        }
        if let name = object["model"]?.stringValue, !models.contains(name) {
            throw SimulatorError(status: 404, message: "The model `\(name)` does not exist. Available: \(models.joined(separator: ", ")).")
        }
        if let messages = object["messages"] { return try chatPrompt(messages) }
        return try completionPrompt(object["prompt"])
    }

    private static func completionPrompt(_ value: JSONValue?) throws(SimulatorError) -> String {
        switch value {
        case nil, .null?: throw .badRequest("'prompt' is required.")
        case .string(let text)?: return text
        case .array(let items)?:
            guard items.count == 1, let text = items[0].stringValue else {
                throw .badRequest("'prompt' must be a string or an array of one string; the simulator does not batch prompts.")
            }
            return text
        case let other?: throw .badRequest("'prompt' must be a string, got \(other.typeName).")
        }
    }

    private static func chatPrompt(_ value: JSONValue?) throws(SimulatorError) -> String {
        guard let value, value != .null else { throw .badRequest("'messages' is required.") }
        guard let messages = value.arrayValue else { throw .badRequest("'messages' must be an array, got \(value.typeName).") }
        guard !messages.isEmpty else { throw .badRequest("'messages' must contain at least one message.") }
        var lines: [String] = []
        for (position, message) in messages.enumerated() {
            guard let role = message["role"]?.stringValue else {
                throw .badRequest("'messages[\(position)].role' is required and must be a string.")
            }
            guard ["system", "user", "assistant", "tool", "developer"].contains(role) else {
                throw .badRequest("'messages[\(position)].role' must be system, user, assistant, tool or developer, got '\(role)'.")
            }
            switch message["content"] {
            case .string(let text)?: lines.append(text)
            case .array(let parts)?:
                lines.append(parts.compactMap { $0["text"]?.stringValue }.joined())
            case .null?, nil:
                // Only an assistant turn (one that made tool calls) may come without content.
                guard role == "assistant" else {
                    throw .badRequest("'messages[\(position)].content' is required for role '\(role)'.")
                }
            default: throw .badRequest("'messages[\(position)].content' must be a string or an array of text parts.")
            }
        }
        return lines.joined(separator: "\n")
    }

    private static func boolean(_ value: JSONValue?, name: String) throws(SimulatorError) -> Bool? {
        switch value {
        case nil, .null?: return nil
        case .bool(let flag)?: return flag
        case let other?: throw .badRequest("'\(name)' must be a boolean, got \(other.typeName).")
        }
    }

    private static func number(_ value: JSONValue?, name: String) throws(SimulatorError) -> Double? {
        switch value {
        case nil, .null?: return nil
        case .number(let number)?: return number
        case let other?: throw .badRequest("'\(name)' must be a number, got \(other.typeName).")
        }
    }

    private static func integer(_ value: JSONValue?, name: String) throws(SimulatorError) -> Int? {
        guard let number = try number(value, name: name) else { return nil }
        guard number.rounded() == number, abs(number) < 1e15 else {
            throw .badRequest("'\(name)' must be an integer, got \(number).")
        }
        return Int(number)
    }

    private static func stopSequences(_ value: JSONValue?) throws(SimulatorError) -> [String] {
        switch value {
        case nil, .null?: return []
        case .string(let text)?: return [text]
        case .array(let items)?:
            let texts = items.compactMap(\.stringValue)
            guard texts.count == items.count else { throw .badRequest("'stop' must be a string or an array of strings.") }
            return texts
        case let other?: throw .badRequest("'stop' must be a string or an array of strings, got \(other.typeName).")
        }
    }

    private static func describe(_ error: any Error) -> String {
        if case DecodingError.dataCorrupted(let context) = error {
            return context.underlyingError.map { "\($0.localizedDescription)" } ?? context.debugDescription
        }
        return "\(error)"
    }
}
