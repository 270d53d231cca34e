import Foundation
import LLMBench
import LLMClientKit
import LLMResults
import Testing

/// The capacity search's choice of probes, against servers whose SLO attainment is a known
/// function of the load.
@Suite struct CapacitySearchTests {
    /// A level summary where `attainment` percent of 200 requests met a 1 s TTFT objective.
    private func summary(attainment: Double) -> ResultSummary {
        let metrics = BenchMetrics(start: .now, slo: ServiceLevelObjective(ttft: 1))
        let good = Int((attainment * 2).rounded())
        for index in 0..<200 {
            metrics.requestStarted(lag: nil)
            metrics.requestFinished(benchResult(latency: 2, ttft: index < good ? 0.1 : 3, itl: [], completion: 4), counted: true)
        }
        return metrics.summary(durationSeconds: 10)
    }

    /// Runs a search to its end against `attainment(load)`; the probes' loads and the result.
    private func search(
        _ settings: CapacitySearch.Settings, secondsPerProbe: Double = 10, attainment: (Double) -> Double
    ) -> (loads: [Double], capacity: BenchCapacity) {
        var search = CapacitySearch(settings)
        var loads: [Double] = []
        var elapsed = 0.0
        while let load = search.nextLoad(elapsed: elapsed), loads.count < 50 {
            loads.append(load)
            search.record(
                load: load, level: "l=\(load)", summary: summary(attainment: attainment(load)), stoppedEarly: false, seconds: secondsPerProbe)
            elapsed += secondsPerProbe
        }
        return (loads, search.result(slo: ["ttft": 1], interrupted: false))
    }

    /// Full attainment up to `capacity`, then falling steeply.
    private func server(capacity: Double) -> (Double) -> Double {
        { load in load <= capacity ? 100 : max(0, 100 - 300 * (load - capacity) / capacity) }
    }

    @Test(arguments: [0.0123, 0.15, 3.7, 21.05, 47.0, 130.0])
    func aRateCapacityIsFoundWithinThePrecision(capacity: Double) {
        let settings = CapacitySearch.Settings(
            dimension: .requestRate, start: capacity < 1 ? 0.01 : 1, limit: 500, precision: 0.05, requiredPercent: 95, timeBudget: nil)
        let (loads, result) = search(settings, attainment: server(capacity: capacity))
        // Where this server's attainment falls below 95 %.
        let crossing = capacity * (1 + 5.0 / 300)
        let value = result.value ?? 0
        let failing = result.firstFailing ?? 0
        #expect(result.status == .found, "\(result.status) after \(loads)")
        // The highest passing load and the lowest failing one bracket the crossing, within 5 %.
        #expect(value <= crossing && crossing < failing, "\(loads) → \(value)–\(failing), crossing at \(crossing)")
        #expect(failing - value <= 0.05 * value, "\(loads)")
        #expect(loads.count <= 14 && Set(loads).count == loads.count, "\(loads.count) probes: \(loads)")
        #expect(result.dimension == "request_rate" && result.probes.count == loads.count && (result.attainment ?? 0) >= 95)
    }

    @Test(arguments: [1, 4, 6, 13, 100])
    func aConcurrencyCapacityIsFoundExactly(capacity: Int) {
        let settings = CapacitySearch.Settings(
            dimension: .concurrency, start: 1, limit: 256, precision: 0.05, requiredPercent: 95, timeBudget: nil)
        let (loads, result) = search(settings, attainment: server(capacity: Double(capacity)))
        #expect(loads.allSatisfy { $0 == $0.rounded() }, "\(loads)")
        // Below 20 the precision is finer than one request in flight: exact; above, within 5 %.
        if capacity < 20 {
            #expect(result.value == Double(capacity) && result.firstFailing == Double(capacity + 1), "\(loads)")
        } else {
            #expect(Double(capacity) - (result.value ?? 0) <= 0.05 * Double(capacity), "\(loads)")
        }
        #expect(Set(loads).count == loads.count, "a load probed twice: \(loads)")
    }

    @Test func theEndsOfTheRange() {
        let settings = CapacitySearch.Settings(
            dimension: .requestRate, start: 2, limit: 10, precision: 0.05, requiredPercent: 95, timeBudget: nil)
        let below = search(settings, attainment: server(capacity: 1)).capacity
        #expect(below.status == .belowLowest && below.value == nil && below.probes.count == 1)
        let (loads, above) = search(settings, attainment: server(capacity: 1000))
        #expect(above.status == .atLimit && above.value == 10 && loads == [2, 4, 8, 10], "\(loads)")
        // A concurrency limit that is not whole is not passed.
        let concurrency = CapacitySearch.Settings(
            dimension: .concurrency, start: 1, limit: 10.5, precision: 0.05, requiredPercent: 95, timeBudget: nil)
        let (probed, _) = search(concurrency, attainment: server(capacity: 1000))
        #expect(probed == [1, 2, 4, 8, 10], "\(probed)")
    }

    @Test func anUnfinishableBracketEndsTheSearch() {
        // 1 % of 0.15 req/s is finer than rates are probed at (three digits): the search ends
        // rather than probe a load twice.
        let settings = CapacitySearch.Settings(
            dimension: .requestRate, start: 0.1, limit: 10, precision: 0.001, requiredPercent: 95, timeBudget: nil)
        let (loads, result) = search(settings, attainment: server(capacity: 0.15))
        #expect(Set(loads).count == loads.count && loads.count < 20, "\(loads)")
        #expect(result.status == .found && (result.value ?? 0) <= 0.1525 && (result.firstFailing ?? 1) > 0.1525, "\(loads)")
    }

    @Test func theTimeBudgetEndsTheSearchWithTheBestSoFar() {
        let settings = CapacitySearch.Settings(
            dimension: .requestRate, start: 1, limit: 500, precision: 0.01, requiredPercent: 95, timeBudget: 45)
        let (loads, result) = search(settings, secondsPerProbe: 10, attainment: server(capacity: 21))
        // Four probes fit 45 s; a fifth would likely end after it.
        #expect(loads == [1, 2, 4, 8], "\(loads)")
        #expect(result.status == .budgetSpent && result.value == 8)
    }

    @Test func aProbeStoppedEarlyFails() {
        var search = CapacitySearch(
            .init(dimension: .requestRate, start: 4, limit: 100, precision: 0.05, requiredPercent: 95, timeBudget: nil))
        #expect(search.nextLoad(elapsed: 0) == 4)
        search.record(load: 4, level: "r=4/s", summary: summary(attainment: 100), stoppedEarly: true, seconds: 10)
        #expect(search.nextLoad(elapsed: 10) == nil)
        #expect(search.result(slo: [:], interrupted: false).status == .belowLowest)
    }
}
