import LLMExperiment
import LLMResults
import LLMSupport
import Testing

/// Reference values from scipy 1.17: `mannwhitneyu(a, b, alternative="two-sided", method="asymptotic")`.
@Suite struct SignificanceTests {
    @Test(arguments: [
        ([1.0, 2, 3, 4, 5], [6.0, 7, 8, 9, 10], 0.0, 0.012185780355344813),
        ([1.1, 2.2, 2.2, 3.5, 4.0, 5.5], [2.2, 3.0, 4.0, 4.0, 6.1, 7.2, 8.0], 10.0, 0.12932721455310425),
        ([0.8, 0.9, 1.0, 1.1, 1.2], [0.85, 0.95, 1.05, 1.15, 1.25], 10.0, 0.6761033140231469),
        ([10.0, 20, 30, 40, 50, 60, 70, 80], [15.0, 25, 35, 45], 22.0, 0.35023758481899403),
    ])
    func mannWhitneyMatchesScipy(first: [Double], second: [Double], u: Double, pValue: Double) throws {
        let test = try #require(MannWhitneyTest(first, second))
        #expect(test.u == u)
        #expect(abs(test.pValue - pValue) < 1e-12, "p = \(test.pValue), scipy \(pValue)")
    }

    @Test func identicalSamplesAreNotDifferent() throws {
        let values = [0.5, 0.7, 0.7, 0.9, 1.3, 2.0]
        #expect(try #require(MannWhitneyTest(values, values)).pValue == 1)
        // Every value the same: no variance at all.
        let constant = try #require(MannWhitneyTest([3, 3, 3], [3, 3, 3]))
        #expect(constant.pValue == 1 && constant.u == 4.5)
    }

    @Test func clearlyShiftedSamplesAreSignificantInBothOrders() throws {
        var random = SeededRandom(seed: 7)
        let fast = (0..<30).map { _ in random.normal(mean: 0.1, standardDeviation: 0.01) }
        let slow = (0..<30).map { _ in random.normal(mean: 1.0, standardDeviation: 0.1) }
        let forward = try #require(MannWhitneyTest(fast, slow))
        let backward = try #require(MannWhitneyTest(slow, fast))
        #expect(forward.pValue < 0.001 && backward.pValue < 0.001)
        #expect(forward.u == 0 && backward.u == 900)
        #expect(abs(forward.pValue - backward.pValue) < 1e-15)
    }

    @Test func emptySamplesHaveNoTest() {
        #expect(MannWhitneyTest([], [1, 2]) == nil)
        #expect(MannWhitneyTest([1, 2], [.nan]) == nil)
        #expect(Significance.bootstrapMedianDifference([1], []) == nil)
    }

    @Test func mediansOfOddAndEvenCounts() {
        #expect(Significance.median([3, 1, 2]) == 2)
        #expect(Significance.median([4, 1, 3, 2]) == 2.5)
        #expect(Significance.median([]) == nil)
    }

    @Test func bootstrapIntervalContainsTheTrueShiftAndIsReproducible() throws {
        var random = SeededRandom(seed: 11)
        let baseline = (0..<60).map { _ in random.normal(mean: 2.0, standardDeviation: 0.3) }
        let shifted = (0..<60).map { _ in random.normal(mean: 2.5, standardDeviation: 0.3) }
        let interval = try #require(Significance.bootstrapMedianDifference(baseline, shifted, seed: 1))
        #expect(interval.level == 0.95)
        #expect(interval.lower < 0.5 && 0.5 < interval.upper, "\(interval)")
        #expect(interval.excludesZero)
        #expect(Significance.bootstrapMedianDifference(baseline, shifted, seed: 1) == interval)
        #expect(Significance.bootstrapMedianDifference(baseline, shifted, seed: 2) != interval)
        // The same values: an interval around zero.
        let same = try #require(Significance.bootstrapMedianDifference(baseline, baseline, seed: 1))
        #expect(same.lower <= 0 && 0 <= same.upper && !same.excludesZero)
    }
}
