import LLMClientKit
import Testing

@Suite struct StopSignalTests {
    @Test func aSleepEndsAtTheStopNotAtItsDeadline() async throws {
        let stop = StopSignal()
        let started = ContinuousClock.now
        Task {
            try await Task.sleep(for: .milliseconds(50))
            stop.stop()
        }
        let slept = await stop.sleep(until: .now + .seconds(60))
        #expect(!slept)
        #expect(ContinuousClock.now - started < .seconds(30))
        #expect(stop.isStopped)
    }

    @Test func aSleepWithoutAStopLastsItsTime() async {
        let stop = StopSignal()
        let started = ContinuousClock.now
        #expect(await stop.sleep(until: .now + .milliseconds(20)))
        #expect(ContinuousClock.now - started >= .milliseconds(20))
    }

    @Test func everyWaiterWakesAndLaterOnesReturnAtOnce() async {
        let stop = StopSignal()
        await withTaskGroup { group in
            for _ in 0..<5 { group.addTask { await stop.wait() } }
            stop.stop()
        }
        await stop.wait()
        #expect(await stop.sleep(until: .now + .seconds(60)) == false)
    }

    @Test func cancellingAWaiterEndsItsWait() async {
        let stop = StopSignal()
        let waiter = Task { await stop.sleep(until: .now + .seconds(60)) }
        try? await Task.sleep(for: .milliseconds(20))
        waiter.cancel()
        #expect(await waiter.value == false)
        #expect(!stop.isStopped)
    }
}
