import Foundation
import LLMSimulator
import TestSupport
import Testing

/// The official OpenAI Python SDK against the simulator: every response and error must parse.
@Suite struct OpenAISDKTests {
    @Test(.requires(.python)) func theSDKParsesEveryResponseAndError() async throws {
        let python = try RealService.python.required()
        let script = TestEnvironment.packageRoot.appendingPathComponent("Tests/sdk/openai_sdk_check.py").path
        try await SimulatorServer.withRunning(testSimulatorConfiguration(apiKey: "sdk-key")) { endpoint in
            let output = try await runProcess(URL(fileURLWithPath: python), [script, endpoint.baseURL, "sdk-key"], timeout: 120)
            #expect(output.status == 0, "\(output.stdout)\n\(output.stderr)")
            #expect(output.stdout.contains("0 failed"))
            #expect(!output.stdout.contains("FAIL"), "\(output.stdout)")
        }
    }
}
