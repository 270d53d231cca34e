import Synchronization

/// A counting semaphore for async code whose waiters are served first in, first out: at most
/// `limit` holders at once (the simulator's sequence slots, the benchmark's concurrency cap).
/// A waiter whose task is cancelled leaves the queue and throws `CancellationError`.
public final class FIFOSemaphore: Sendable {
    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var running = 0
        var waiters: [Waiter] = []
        var head = 0
        var nextID: UInt64 = 0
        /// Waiters about to queue (between deciding to wait and queuing).
        var arriving: Set<UInt64> = []
        /// Arriving waiters whose task was cancelled meanwhile: they do not queue.
        var cancelledOnArrival: Set<UInt64> = []

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
    /// - Throws: `CancellationError` when the task is cancelled before it got a slot; it then holds none.
    public func acquire() async throws {
        try Task.checkCancellation()
        let id = state.withLock { state -> UInt64? in
            if limit == 0 || (state.running < limit && state.waiting == 0) {
                state.running += 1
                return nil
            }
            state.nextID += 1
            state.arriving.insert(state.nextID)
            return state.nextID
        }
        guard let id else { return }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                enum Arrival { case admitted, queued, cancelled }
                let arrival = state.withLock { state -> Arrival in
                    state.arriving.remove(id)
                    if state.cancelledOnArrival.remove(id) != nil { return .cancelled }
                    if state.running < limit && state.waiting == 0 {  // a slot was freed meanwhile
                        state.running += 1
                        return .admitted
                    }
                    state.waiters.append(Waiter(id: id, continuation: continuation))
                    return .queued
                }
                switch arrival {
                case .admitted: continuation.resume()
                case .cancelled: continuation.resume(throwing: CancellationError())
                case .queued: break
                }
            }
        } onCancel: {
            let waiter = state.withLock { state -> Waiter? in
                if let position = state.waiters[state.head...].firstIndex(where: { $0.id == id }) {
                    return state.waiters.remove(at: position)
                }
                if state.arriving.contains(id) { state.cancelledOnArrival.insert(id) }
                return nil  // already holding its slot
            }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Frees a slot, handing it to the longest-waiting task if there is one.
    public func release() {
        let next = state.withLock { state -> Waiter? in
            if state.waiting > 0 {
                let waiter = state.waiters[state.head]
                state.head += 1
                if state.head > 1024, state.head * 2 > state.waiters.count {
                    state.waiters.removeFirst(state.head)
                    state.head = 0
                }
                return waiter  // the slot passes to the waiter: `running` stays the same
            }
            state.running -= 1
            return nil
        }
        next?.continuation.resume()
    }
}
