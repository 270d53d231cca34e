import Foundation
import LLMClientKit
import Testing

@testable import LLMBench

/// The early-stop rules: over-saturation from per-second samples, and the error rate.
@Suite struct LevelGuardTests {
    /// Per-second samples: requests in flight, and one finished request's TTFT per second.
    private func saturation(inFlight: [Int], ttft: [Double]) -> String? {
        LevelGuard.saturation(inFlight: inFlight, ttftSums: ttft, ttftCounts: ttft.map { _ in 1 })
    }

    @Test func aGrowingQueueWithGrowingTTFTIsSaturation() {
        let seconds = 12
        let queue = (0..<seconds).map { 20 + 15 * $0 }
        let ttft = (0..<seconds).map { 0.2 + 0.4 * Double($0) }
        let detail = saturation(inFlight: queue, ttft: ttft)
        // Judged over the last 10 s: from second 2 (50 in flight, 1.0 s) to second 11 (185, 4.6 s).
        #expect(
            detail?.contains("requests in flight rose from 50 to 185 and TTFT from 1.00 to 4.60 s over the last 10 s") == true, "\(detail ?? "nil")")
    }

    @Test func aSteadyLoadIsNot() {
        // Noisy but level: a server that keeps up.
        let queue = (0..<30).map { 20 + ($0 * 7919) % 9 }
        let ttft = (0..<30).map { 0.2 + 0.05 * Double(($0 * 104_729) % 5) }
        #expect(saturation(inFlight: queue, ttft: ttft) == nil)
        // Too early to judge, however steep.
        #expect(saturation(inFlight: (0..<9).map { 10 * $0 }, ttft: (0..<9).map { Double($0) }) == nil)
        // The queue grows, TTFT does not (e.g. a slow client-side cap): not the server.
        #expect(saturation(inFlight: (0..<12).map { 10 + 10 * $0 }, ttft: Array(repeating: 0.2, count: 12)) == nil)
        // TTFT grows, the queue does not (a closed-loop-like load): not an open loop piling up.
        #expect(saturation(inFlight: Array(repeating: 16, count: 12), ttft: (0..<12).map { 0.1 * Double($0 + 1) }) == nil)
    }

    @Test func theErrorRateIsJudgedOverTheLastHundredRequests() {
        let failure = benchResult(success: false, latency: 1, ttft: nil, itl: [], completion: 0)
        let success = benchResult(latency: 1, ttft: 0.1, itl: [], completion: 4)
        // 19 failures: too few requests to judge yet; the 20th decides.
        let early = LevelGuard(rules: EarlyStopRules(maxErrorRatePercent: 10), start: .now, openLoop: false)
        for _ in 0..<19 { early.note(failure) }
        #expect(early.stopped == nil)
        early.note(success)
        #expect(early.stopped?.detail.hasPrefix("19 of the last 20 requests failed") == true, "\(String(describing: early.stopped))")
        // 95 successes, then 10 failures: 10 of the last 100 is not more than 10 %; one more is.
        let levelGuard = LevelGuard(rules: EarlyStopRules(maxErrorRatePercent: 10), start: .now, openLoop: false)
        for _ in 0..<95 { levelGuard.note(success) }
        for _ in 0..<10 { levelGuard.note(failure) }
        #expect(levelGuard.stopped == nil)
        levelGuard.note(failure)
        let stopped = levelGuard.stopped
        #expect(
            stopped?.reason == "error_rate" && stopped?.detail.hasPrefix("11 of the last 100 requests failed (11.0 %") == true,
            "\(String(describing: stopped))")
    }
}
