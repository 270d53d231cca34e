import Foundation
import LLMClientKit
import Testing

@testable import LLMBench

/// The early-stop rules: over-saturation from per-second samples, and the error rate.
@Suite struct LevelGuardTests {
    /// Per-second samples: requests in flight, and one finished request's TTFT per second.
    private func saturation(inFlight: [Int], ttft: [Double], rate: Double = 30) -> String? {
        LevelGuard.saturation(inFlight: inFlight, ttftSums: ttft, ttftCounts: ttft.map { _ in 1 }, rate: rate)
    }

    @Test func aGrowingQueueWithGrowingTTFTIsSaturation() {
        let seconds = 20
        let queue = (0..<seconds).map { 20 + 15 * $0 }
        let ttft = (0..<seconds).map { 0.2 + 0.4 * Double($0) }
        let detail = saturation(inFlight: queue, ttft: ttft)
        // Judged over the last 15 s: from second 5 (95 in flight, 2.2 s) to second 19 (305, 7.8 s).
        #expect(
            detail?.contains("requests in flight rose from 95 to 305 and TTFT from 2.20 to 7.80 s over the last 15 s") == true,
            "\(detail ?? "nil")")
    }

    @Test func aSteadyLoadIsNot() {
        // Noisy but level: a server that keeps up.
        let queue = (0..<30).map { 20 + ($0 * 7919) % 9 }
        let ttft = (0..<30).map { 0.2 + 0.05 * Double(($0 * 104_729) % 5) }
        #expect(saturation(inFlight: queue, ttft: ttft) == nil)
        // Too early to judge, however steep.
        #expect(saturation(inFlight: (0..<14).map { 10 * $0 }, ttft: (0..<14).map { Double($0) }) == nil)
        // The queue grows, TTFT does not (e.g. a slow client-side cap): not the server.
        #expect(saturation(inFlight: (0..<20).map { 10 + 10 * $0 }, ttft: Array(repeating: 0.2, count: 20)) == nil)
        // TTFT grows, the queue does not (a closed-loop-like load): not an open loop piling up.
        #expect(saturation(inFlight: Array(repeating: 16, count: 20), ttft: (0..<20).map { 0.1 * Double($0 + 1) }) == nil)
    }

    @Test func aBurstWithinTheArrivalsNoiseIsNot() {
        // 17 more in flight over 15 s, TTFT rising with them: at 18 req/s a Poisson burst does that
        // on a server that keeps up (2·√(18·15) = 33); at 1 req/s it is a queue that grows.
        let queue = (0..<15).map { 2 + (12 * $0) / 10 }
        let ttft = (0..<15).map { 0.1 + 0.05 * Double($0) }
        #expect(saturation(inFlight: queue, ttft: ttft, rate: 18) == nil)
        #expect(saturation(inFlight: queue, ttft: ttft, rate: 1) != nil)
    }

    @Test func theErrorRateIsJudgedOverTheLastHundredRequests() {
        let failure = benchResult(success: false, latency: 1, ttft: nil, itl: [], completion: 0)
        let success = benchResult(latency: 1, ttft: 0.1, itl: [], completion: 4)
        // 19 failures: too few requests to judge yet; the 20th decides.
        let early = LevelGuard(rules: EarlyStopRules(maxErrorRatePercent: 10), start: .now, rate: nil)
        for _ in 0..<19 { #expect(early.note(failure)) }
        #expect(early.stopped == nil)
        #expect(early.note(success), "the request that trips the rule is counted")
        // Those that finish afterwards are left out of the level, and counted apart.
        #expect(!early.note(success) && !early.note(failure))
        #expect(early.stopped?.requestsLeftOut == 2)
        #expect(early.stopped?.detail.hasPrefix("19 of the last 20 requests failed") == true, "\(String(describing: early.stopped))")
        // 95 successes, then 10 failures: 10 of the last 100 is not more than 10 %; one more is.
        let levelGuard = LevelGuard(rules: EarlyStopRules(maxErrorRatePercent: 10), start: .now, rate: nil)
        for _ in 0..<95 { _ = levelGuard.note(success) }
        for _ in 0..<10 { _ = levelGuard.note(failure) }
        #expect(levelGuard.stopped == nil)
        _ = levelGuard.note(failure)
        let stopped = levelGuard.stopped
        #expect(
            stopped?.reason == "error_rate" && stopped?.detail.hasPrefix("11 of the last 100 requests failed (11.0 %") == true,
            "\(String(describing: stopped))")
    }
}
