import ArgumentParser
import LLMChat
import LLMClientKit

/// `llm-client chat` (also `llm-client --interactive`): a streaming chat in the terminal.
struct ChatCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat", abstract: "Chat interactively, streaming each answer.",
        discussion:
            "Type /help in the chat for its commands. History: $XDG_STATE_HOME/llm-client/chat_history (default ~/.local/state/llm-client/chat_history)."
    )

    @OptionGroup(title: "Server") var server: ServerOptions
    @OptionGroup(title: "Generation") var generation: GenerationOptions
    @Option(name: .long, help: "System prompt.") var system: String?

    func run() async throws {
        try await ChatLoop(server: server, generation: generation, system: system).run()
    }
}

/// The chat with the command line's options (`LLMChat.ChatTerminal` does the work).
struct ChatLoop {
    let server: ServerOptions
    let generation: GenerationOptions
    let system: String?

    func run() async throws {
        let settings = ChatSettings(
            api: generation.api ?? .chat, parameters: generation.parameters, stream: !generation.noStream, system: system)
        try await LLMClient.withClient(server.clientConfiguration(maxConnections: 1)) { client in
            do {
                try await ChatTerminal(client: client, settings: settings).run()
            } catch {
                throw CommandFailure(.failed, error: error)
            }
        }
    }
}
