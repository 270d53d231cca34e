public import LLMClientKit
public import LLMSimulator

extension SimulatorServer.Endpoint {
    /// The sum of a Prometheus metric's samples (all label sets) on this simulator's `/metrics`,
    /// e.g. `llmsim_requests_total` (requests answered) or `llmsim_requests_running` (in flight).
    public func metric(_ name: String) async throws -> Double {
        let text = try await LLMClient.withClient(ClientConfiguration(baseURL: baseURL)) { await $0.serverMetrics() } ?? ""
        return text.split(separator: "\n")
            .filter { $0.hasPrefix(name + "{") || $0.hasPrefix(name + " ") }
            .compactMap { Double($0.split(separator: " ").last ?? "") }
            .reduce(0, +)
    }
}
