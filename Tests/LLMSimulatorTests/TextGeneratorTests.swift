import Testing

@testable import LLMSimulator

@Suite struct TextGeneratorTests {
    let generator = TextGenerator(seed: 42)

    private func similarity(_ a: [String], _ b: [String]) -> Double {
        Double(zip(a, b).filter { $0 == $1 }.count) / Double(max(a.count, b.count))
    }

    @Test func temperatureZeroAlwaysGivesTheSameText() {
        let first = generator.tokens(prompt: "Explain AI", temperature: 0, requestSeed: nil, count: 50)
        for _ in 0..<5 {
            #expect(generator.tokens(prompt: "Explain AI", temperature: 0, requestSeed: nil, count: 50) == first)
        }
        #expect(generator.tokens(prompt: "Explain AI", temperature: 0, requestSeed: 123, count: 50) == first)
        #expect(generator.tokens(prompt: "Explain ML", temperature: 0, requestSeed: nil, count: 50) != first)
        #expect(TextGenerator(seed: 43).tokens(prompt: "Explain AI", temperature: 0, requestSeed: nil, count: 50) != first)
    }

    @Test func aRequestSeedMakesSampledTextReproducible() {
        let a = generator.tokens(prompt: "Explain AI", temperature: 1, requestSeed: 9, count: 50)
        let b = generator.tokens(prompt: "Explain AI", temperature: 1, requestSeed: 9, count: 50)
        let c = generator.tokens(prompt: "Explain AI", temperature: 1, requestSeed: 10, count: 50)
        #expect(a == b)
        #expect(a != c)
    }

    @Test func higherTemperatureVariesMore() {
        func meanSimilarity(_ temperature: Double) -> Double {
            var total = 0.0
            for seed in 0..<40 {
                let a = generator.tokens(prompt: "prompt \(seed)", temperature: temperature, requestSeed: seed, count: 64)
                let b = generator.tokens(prompt: "prompt \(seed)", temperature: temperature, requestSeed: seed + 1000, count: 64)
                total += similarity(a, b)
            }
            return total / 40
        }
        let low = meanSimilarity(0.2)
        let high = meanSimilarity(1.5)
        #expect(low > 0.7)
        #expect(high < 0.5)
        #expect(low > high)
    }

    @Test func koreanPromptsGetHangulAndOthersEnglish() {
        let korean = generator.tokens(prompt: "인공지능을 설명해주세요", temperature: 0.7, requestSeed: nil, count: 30).joined()
        #expect(TextGenerator.isKorean(korean))
        let english = generator.tokens(prompt: "Explain AI", temperature: 0.7, requestSeed: nil, count: 30).joined()
        #expect(!TextGenerator.isKorean(english))
        #expect(english.unicodeScalars.allSatisfy { $0.isASCII })
    }

    @Test func promptTokenEstimate() {
        #expect(TextGenerator.estimateTokens("") == 1)
        #expect(TextGenerator.estimateTokens("hello") == 2)  // 5 letters: ceil(5 / 4)
        #expect(TextGenerator.estimateTokens("hi, you") == 3)  // hi , you
        #expect(TextGenerator.estimateTokens("한국어 모델") == 5)  // one per syllable
    }
}
