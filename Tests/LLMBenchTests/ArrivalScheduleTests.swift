import LLMBench
import LLMResults
import Testing

@Suite struct ArrivalScheduleTests {
    private func gaps(_ process: ArrivalProcess, rate: Double, burstiness: Double = 1, count: Int = 50_000) -> (mean: Double, variance: Double) {
        var schedule = ArrivalSchedule(rate: rate, process: process, burstiness: burstiness, seed: 7)
        let values = (0..<count).map { _ in schedule.nextGap() }
        let mean = values.reduce(0, +) / Double(count)
        let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(count)
        return (mean, variance)
    }

    @Test func poissonGapsHaveTheExponentialMeanAndVariance() {
        let (mean, variance) = gaps(.poisson, rate: 20)
        #expect(abs(mean - 0.05) / 0.05 < 0.02)
        #expect(abs(variance - 0.0025) / 0.0025 < 0.05)  // exponential: variance = 1 / rate²
    }

    @Test func burstinessIsTheGammaShape() {
        // Gamma of shape k, scale 1 / (rate k): mean 1 / rate, variance 1 / (rate² k).
        for k in [0.5, 4.0] {
            let (mean, variance) = gaps(.poisson, rate: 10, burstiness: k)
            #expect(abs(mean - 0.1) / 0.1 < 0.02)
            #expect(abs(variance - 0.01 / k) / (0.01 / k) < 0.06)
        }
    }

    @Test func constantArrivalsAreEvenlySpaced() {
        var schedule = ArrivalSchedule(rate: 8, process: .constant, seed: 1)
        #expect((0..<100).allSatisfy { _ in schedule.nextGap() == 0.125 })
    }

    @Test func theSameSeedGivesTheSameSchedule() {
        var a = ArrivalSchedule(rate: 5, process: .poisson, seed: 3)
        var b = ArrivalSchedule(rate: 5, process: .poisson, seed: 3)
        #expect((0..<100).map { _ in a.nextGap() } == (0..<100).map { _ in b.nextGap() })
    }
}
