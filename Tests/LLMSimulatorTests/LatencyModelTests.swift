import LLMSupport
import Testing

@testable import LLMSimulator

@Suite struct LatencyModelTests {
    @Test func instantModelHasNoDelay() {
        var random = SeededRandom(seed: 1)
        let model = LatencyModel.instant(outputTokens: 10)
        #expect(model.timeToFirstToken(promptTokens: 500, using: &random) == 0)
        #expect(model.interTokenLatency(using: &random) == 0)
        #expect(model.outputTokens(using: &random) == 10)
    }

    @Test func prefillCostGrowsWithThePrompt() {
        var random = SeededRandom(seed: 1)
        let model = LatencyModel(ttftMean: 0.1, ttftJitter: 0, prefillPerToken: 0.001, itlMean: 0.02, itlJitter: 0)
        #expect(abs(model.timeToFirstToken(promptTokens: 0, using: &random) - 0.1) < 1e-12)
        #expect(abs(model.timeToFirstToken(promptTokens: 50, using: &random) - 0.15) < 1e-12)
        #expect(model.interTokenLatency(using: &random) == 0.02)
    }

    @Test func jitterKeepsTheMeanAndNeverGoesNegative() {
        var random = SeededRandom(seed: 7)
        let model = LatencyModel(ttftMean: 0.05, ttftJitter: 0.01, prefillPerToken: 0, itlMean: 0.001, itlJitter: 0.002)
        let ttfts = (0..<20_000).map { _ in model.timeToFirstToken(promptTokens: 0, using: &random) }
        let mean = ttfts.reduce(0, +) / Double(ttfts.count)
        let variance = ttfts.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(ttfts.count)
        #expect(abs(mean - 0.05) < 0.0005)
        #expect(abs(variance.squareRoot() - 0.01) < 0.0005)
        let itls = (0..<20_000).map { _ in model.interTokenLatency(using: &random) }
        #expect(itls.allSatisfy { $0 >= 0 })
        #expect(itls.contains { $0 == 0 })  // clipped at zero, not redrawn
    }

    @Test func outputLengthFollowsTheDistribution() {
        var random = SeededRandom(seed: 3)
        let fixed = LatencyModel(outputTokensMean: 40, outputTokensStddev: 0)
        #expect((0..<100).allSatisfy { _ in fixed.outputTokens(using: &random) == 40 })
        let spread = LatencyModel(outputTokensMean: 100, outputTokensStddev: 20)
        let lengths = (0..<10_000).map { _ in spread.outputTokens(using: &random) }
        let mean = Double(lengths.reduce(0, +)) / Double(lengths.count)
        #expect(abs(mean - 100) < 1)
        #expect(Set(lengths).count > 50)
        #expect(lengths.allSatisfy { $0 >= 1 })
    }

    @Test func maxTokensCapsTheLength() {
        let generator = TextGenerator(seed: 0)
        let model = LatencyModel(outputTokensMean: 64)
        #expect(generator.outputLength(prompt: "hi", temperature: 0, requestSeed: nil, model: model, maxTokens: 5) == 5)
        #expect(generator.outputLength(prompt: "hi", temperature: 0, requestSeed: nil, model: model, maxTokens: 500) == 64)
    }

    @Test func faultsAreDrawnAtTheirRates() {
        var random = SeededRandom(seed: 11)
        let faults = FaultConfiguration(rates: [.error500: 0.1, .drop: 0.2])
        var counts: [Fault: Int] = [:]
        for _ in 0..<20_000 {
            if let fault = faults.choose(trigger: nil, using: &random) { counts[fault, default: 0] += 1 }
        }
        #expect(abs(Double(counts[.error500] ?? 0) / 20_000 - 0.1) < 0.01)
        // drop is tried after 500, on the remaining 90 %: 0.9 * 0.2 = 0.18
        #expect(abs(Double(counts[.drop] ?? 0) / 20_000 - 0.18) < 0.01)
        #expect(faults.choose(trigger: .stall, using: &random) == .stall)
        #expect(FaultConfiguration().choose(trigger: nil, using: &random) == nil)
    }
}
