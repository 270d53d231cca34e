import Synchronization

/// A counting semaphore for async code whose waiters are served first in, first out: at most
/// `limit` holders at once (the simulator's sequence slots, the benchmark's concurrency cap).
public final class FIFOSemaphore: Sendable {
    private struct State {
        var running = 0
        var waiters: [CheckedContinuation<Void, Never>] = []
        var head = 0

        var waiting: Int { waiters.count - head }
    }

    private let limit: Int
    private let state = Mutex(State())

    /// - Parameter limit: slots available; 0 means unlimited.
    public init(limit: Int) {
        self.limit = limit
    }

    /// Current holders.
    public var running: Int { state.withLock { $0.running } }
    /// Tasks waiting for a slot.
    public var waiting: Int { state.withLock { $0.waiting } }

    /// Waits for a free slot, in arrival order.
    public func acquire() async {
        let admitted = state.withLock { state -> Bool in
            if limit == 0 || (state.running < limit && state.waiting == 0) {
                state.running += 1
                return true
            }
            return false
        }
        if admitted { return }
        await withCheckedContinuation { continuation in
            let admittedNow = state.withLock { state -> Bool in
                if state.running < limit && state.waiting == 0 {
                    state.running += 1
                    return true
                }
                state.waiters.append(continuation)
                return false
            }
            if admittedNow { continuation.resume() }
        }
    }

    /// Frees a slot, handing it to the longest-waiting task if there is one.
    public func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.waiting > 0 {
                let continuation = state.waiters[state.head]
                state.head += 1
                if state.head > 1024, state.head * 2 > state.waiters.count {
                    state.waiters.removeFirst(state.head)
                    state.head = 0
                }
                return continuation  // the slot passes to the waiter: `running` stays the same
            }
            state.running -= 1
            return nil
        }
        next?.resume()
    }
}
