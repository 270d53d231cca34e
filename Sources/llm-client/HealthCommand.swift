import ArgumentParser
import LLMClientKit

/// `llm-client health`: is the server up?
struct HealthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health", abstract: "Check that the server answers (GET /health, else /v1/models).")

    @OptionGroup var server: ServerOptions

    func run() async throws {
        let status = try await LLMClient.withClient(server.clientConfiguration(maxConnections: 1)) { await $0.health() }
        let mark = status.healthy ? "✅ healthy" : "❌ unhealthy"
        print("\(mark): \(status.endpoint) (\(status.message), \(String(format: "%.3f", status.latencyS))s)")
        if !status.healthy { throw CommandFailure(.failed, nil) }
    }
}

/// `llm-client models`: the server's model ids.
struct ModelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "models", abstract: "List the models the server serves.")

    @OptionGroup var server: ServerOptions

    func run() async throws {
        let models = try await LLMClient.withClient(server.clientConfiguration(maxConnections: 1)) { client in
            do {
                return try await client.listModels()
            } catch {
                throw CommandFailure(.failed, error: error)
            }
        }
        for model in models { print(model.id) }
    }
}
