import ArgumentParser
import Foundation
import LLMClientKit
import OpenAIAPI

/// `llm-client chat` (also `llm-client --interactive`): a streaming chat in the terminal.
struct ChatCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "chat", abstract: "Chat interactively, streaming each answer.")

    @OptionGroup(title: "Server") var server: ServerOptions
    @OptionGroup(title: "Generation") var generation: GenerationOptions
    @Option(name: .long, help: "System prompt.") var system: String?

    func run() async throws {
        try await ChatLoop(server: server, generation: generation, system: system).run()
    }
}

/// The interactive loop: reads lines, keeps the conversation, streams answers, handles /commands.
struct ChatLoop {
    let server: ServerOptions
    let generation: GenerationOptions
    let system: String?

    func run() async throws {
        let api = generation.api ?? .chat
        var parameters = generation.parameters
        var systemPrompt = system
        var history: [ChatMessage] = []
        try await LLMClient.withClient(server.clientConfiguration(maxConnections: 1)) { client in
            do {
                parameters.model = try await client.resolveModel(parameters.model)
            } catch {
                printError("error: \(error)")
                throw ExitCode(1)
            }
            print("llm-client chat · \(parameters.model ?? "") at \(client.configuration.redactedBaseURL) · \(api.rawValue) API")
            print("Type a message; /help lists commands; /exit or Ctrl-D quits.")
            let lines = StandardInputLines.stream()
            var iterator = lines.makeAsyncIterator()
            while true {
                FileHandle.standardOutput.write(Data("\n> ".utf8))
                guard let line = await iterator.next() else { print(""); return }
                let input = line.trimmingCharacters(in: .whitespaces)
                if input.isEmpty { continue }
                if input.hasPrefix("/") {
                    let parts = input.split(separator: " ", maxSplits: 1).map(String.init)
                    let argument = parts.count > 1 ? parts[1] : nil
                    switch parts[0] {
                    case "/exit", "/quit": return
                    case "/reset":
                        history.removeAll()
                        print("(conversation cleared)")
                    case "/temperature":
                        if let value = argument.flatMap(Double.init), value >= 0 { parameters.temperature = value }
                        print("temperature = \(parameters.temperature.map { String($0) } ?? "server default")")
                    case "/max-tokens":
                        if let value = argument.flatMap(Int.init), value >= 1 { parameters.maxTokens = value }
                        print("max tokens = \(parameters.maxTokens.map { String($0) } ?? "server default")")
                    case "/model":
                        if let argument { parameters.model = argument }
                        print("model = \(parameters.model ?? "")")
                    case "/system":
                        systemPrompt = argument
                        print(argument == nil ? "(system prompt removed)" : "(system prompt set)")
                    default:
                        print("Commands: /temperature X, /max-tokens N, /model NAME, /system TEXT, /reset, /exit")
                    }
                    continue
                }
                var messages = systemPrompt.map { [ChatMessage(role: "system", content: $0)] } ?? []
                let prompt: PromptInput
                if api == .chat {
                    messages += history + [ChatMessage(role: "user", content: input)]
                    prompt = .messages(messages)
                } else {
                    prompt = .text(input)
                }
                let request = GenerationRequest(prompt: prompt, parameters: parameters, api: api, stream: !generation.noStream)
                let result = await client.generate(request) { text in FileHandle.standardOutput.write(Data(text.utf8)) }
                if !request.stream { print(result.output, terminator: "") }
                print("")
                if result.success {
                    history += [ChatMessage(role: "user", content: input), ChatMessage(role: "assistant", content: result.output)]
                    let ttft = result.ttftS.map { String(format: "ttft %.2fs · ", $0) } ?? ""
                    let tokens = result.completionTokens ?? 0
                    let speed = result.tokensPerSecond.map { String(format: " · %.1f tok/s", $0) } ?? ""
                    printError("(\(ttft)\(tokens) tokens · \(String(format: "%.2fs", result.latencyS))\(speed))")
                } else {
                    printError("error: \(result.error ?? "request failed")")
                }
            }
        }
    }
}

/// Lines of standard input, read on a thread of their own so the cooperative pool never blocks.
enum StandardInputLines {
    static func stream() -> AsyncStream<String> {
        AsyncStream { continuation in
            let thread = Thread {
                while let line = readLine(strippingNewline: true) { continuation.yield(line) }
                continuation.finish()
            }
            thread.start()
        }
    }
}
