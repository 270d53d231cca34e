import LLMClientKit
import LLMSimulator
import TestSupport
import Testing

/// The README's library example, as written there (with the simulator's address), must compile and run.
@Suite struct ReadmeExampleTests {
    @Test func theLibraryExampleRuns() async throws {
        try await SimulatorServer.withRunning(testSimulatorConfiguration()) { endpoint in
            try await LLMClient.withClient(ClientConfiguration(baseURL: endpoint.baseURL, maxConnections: 4)) { client in
                let result = await client.generate(GenerationRequest(prompt: .text("안녕하세요"), parameters: .init(maxTokens: 64)))
                print(result.output, result.ttftS ?? 0, result.completionTokens ?? 0)

                let requests = (0..<8).map { GenerationRequest(index: $0, prompt: .text("질문 \($0)"), api: .chat) }
                let results = await client.generateBatch(requests, concurrency: 4)  // in input order; failures recorded, not thrown

                var pieces = 0
                for await event in client.stream(GenerationRequest(prompt: .text("Hi"))) {
                    if case .text = event { pieces += 1 }
                }
                let health = await client.health()
                let models = try await client.listModels()

                #expect(result.success && results.count == 8 && results.allSatisfy { $0.success }, "\(failureReport([result] + results))")
                #expect(pieces == 16 && health.healthy && models.count == 1)
            }
        }
    }
}
