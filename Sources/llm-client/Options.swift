import ArgumentParser
import Foundation
import LLMClientKit
import OpenAIAPI

/// Where the server is and how to reach it; shared by every command that talks to a server.
struct ServerOptions: ParsableArguments {
    @Option(name: .long, help: "OpenAI-compatible base URL (env OPENAI_BASE_URL; default \(ClientConfiguration.defaultBaseURL)).")
    var baseURL: String?

    @Option(name: .long, help: "API key sent as a bearer token (env OPENAI_API_KEY).")
    var apiKey: String?

    @Option(name: .long, help: "Seconds one request may take in all.")
    var timeout: Double = 300

    @Option(name: .long, help: "Seconds to wait for a connection.")
    var connectTimeout: Double = 10

    func validate() throws {
        guard timeout > 0 else { throw ValidationError("--timeout must be greater than 0, got \(timeout).") }
        guard connectTimeout > 0 else { throw ValidationError("--connect-timeout must be greater than 0.") }
        let url = resolvedBaseURL
        guard let parsed = URL(string: url), let scheme = parsed.scheme, ["http", "https"].contains(scheme), parsed.host != nil else {
            throw ValidationError("--base-url must be an http:// or https:// URL, got '\(url)'.")
        }
    }

    var resolvedBaseURL: String {
        baseURL ?? ProcessInfo.processInfo.environment["OPENAI_BASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ClientConfiguration.defaultBaseURL
    }

    func clientConfiguration(maxConnections: Int) -> ClientConfiguration {
        ClientConfiguration(
            baseURL: resolvedBaseURL,
            apiKey: apiKey ?? ProcessInfo.processInfo.environment["OPENAI_API_KEY"],
            connectTimeout: connectTimeout, requestTimeout: timeout, maxConnections: maxConnections)
    }
}

extension APIKind: ExpressibleByArgument {}

/// What to ask for: endpoint, model and sampling parameters.
struct GenerationOptions: ParsableArguments {
    @Option(name: .long, help: "Model id (default: the first model the server lists).")
    var model: String?

    @Option(name: .long, help: "Endpoint: completions (/v1/completions) or chat (/v1/chat/completions); default completions, chat when interactive.")
    var api: APIKind?

    @Option(name: .long, help: "Sampling temperature (bench: a comma list sweeps them).")
    var temperature: NumberList<Double> = NumberList(values: [0.7])

    @Option(name: .long, help: "Most tokens to generate per request.")
    var maxTokens: Int = 256

    @Option(name: .long, help: "Nucleus sampling probability mass.")
    var topP: Double?

    @Option(name: .long, help: "Sampling seed, for reproducible answers where the server supports it.")
    var seed: Int?

    @Option(name: .long, help: "A stop sequence (repeat the option for several).")
    var stop: [String] = []

    @Option(name: .long, help: "A JSON object merged into every request body, for server-specific options.")
    var extraBody: String?

    @Flag(name: .long, help: "Send plain requests instead of streaming (no time to first token).")
    var noStream = false

    func validate() throws {
        guard maxTokens >= 1 else { throw ValidationError("--max-tokens must be at least 1, got \(maxTokens).") }
        guard temperature.values.allSatisfy({ $0 >= 0 }) else { throw ValidationError("--temperature must not be negative.") }
        if let topP, !(topP > 0 && topP <= 1) { throw ValidationError("--top-p must be in (0, 1], got \(topP).") }
        _ = try parsedExtraBody()
    }

    func parsedExtraBody() throws -> [String: JSONValue]? {
        guard let extraBody else { return nil }
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(extraBody.utf8)), let object = value.objectValue else {
            throw ValidationError("--extra-body must be a JSON object, got '\(extraBody)'.")
        }
        return object
    }

    var parameters: GenerationParameters {
        GenerationParameters(
            model: model, temperature: temperature.values[0], maxTokens: maxTokens, topP: topP,
            stop: stop.isEmpty ? nil : stop, seed: seed, extraBody: try? parsedExtraBody())
    }
}

/// A comma-separated list of numbers, such as `1,2,4,8` or `0.1,0.9`.
struct NumberList<Number: LosslessStringConvertible & Sendable>: ExpressibleByArgument, Sendable {
    var values: [Number]

    init(values: [Number]) {
        self.values = values
    }

    init?(argument: String) {
        let parsed = argument.split(separator: ",").map { Number(String($0).trimmingCharacters(in: .whitespaces)) }
        guard !parsed.isEmpty, parsed.allSatisfy({ $0 != nil }) else { return nil }
        values = parsed.compactMap { $0 }
    }

    var defaultValueDescription: String { values.map(\.description).joined(separator: ",") }
}
