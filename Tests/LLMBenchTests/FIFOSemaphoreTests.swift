import LLMSupport
import Synchronization
import Testing

@Suite struct FIFOSemaphoreTests {
    /// Waits (up to 10 s) until `semaphore` has `count` waiters.
    private func waitForWaiters(_ semaphore: FIFOSemaphore, count: Int) async throws {
        let end = ContinuousClock.now + .seconds(10)
        while semaphore.waiting != count, ContinuousClock.now < end { try await Task.sleep(for: .milliseconds(5)) }
        try #require(semaphore.waiting == count)
    }

    @Test func waitersAreServedInArrivalOrder() async throws {
        let semaphore = FIFOSemaphore(limit: 1)
        try await semaphore.acquire()
        let order = Order()
        var waiters: [Task<Void, any Error>] = []
        for number in 0..<3 {
            waiters.append(
                Task {
                    try await semaphore.acquire()
                    order.append(number)
                    semaphore.release()
                })
            try await waitForWaiters(semaphore, count: number + 1)
        }
        semaphore.release()
        for waiter in waiters { try await waiter.value }
        #expect(order.numbers == [0, 1, 2])
        #expect(semaphore.running == 0)
    }

    @Test func aCancelledWaiterLeavesTheQueueAndThrows() async throws {
        let semaphore = FIFOSemaphore(limit: 1)
        try await semaphore.acquire()
        let first = Task { try await semaphore.acquire() }
        try await waitForWaiters(semaphore, count: 1)
        let cancelled = Task { try await semaphore.acquire() }
        try await waitForWaiters(semaphore, count: 2)
        let last = Task { try await semaphore.acquire() }
        try await waitForWaiters(semaphore, count: 3)

        cancelled.cancel()
        await #expect(throws: CancellationError.self) { try await cancelled.value }
        #expect(semaphore.waiting == 2)

        semaphore.release()  // to the first waiter
        try await first.value
        semaphore.release()  // to the last one: the cancelled waiter holds no place
        try await last.value
        #expect(semaphore.waiting == 0)
        #expect(semaphore.running == 1)
        semaphore.release()
        #expect(semaphore.running == 0)
    }

    @Test func anAlreadyCancelledTaskGetsNoSlot() async throws {
        let semaphore = FIFOSemaphore(limit: 1)
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await semaphore.acquire()
        }
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(semaphore.running == 0)
    }
}

/// The order in which tasks got their slot.
private final class Order: Sendable {
    private let state = Mutex<[Int]>([])

    func append(_ number: Int) { state.withLock { $0.append(number) } }

    var numbers: [Int] { state.withLock { $0 } }
}
