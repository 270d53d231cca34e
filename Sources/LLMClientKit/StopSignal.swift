import Synchronization

/// Tells a running batch or benchmark to send no more requests (the first Ctrl-C). Requests in
/// flight go on; cancelling the task that runs the batch ends them too.
///
/// Code that waits (for a start time, a retry's backoff, an open loop's next arrival) waits on the
/// signal itself with ``sleep(until:)``, so it wakes the moment the signal comes, without polling.
public final class StopSignal: Sendable {
    private struct State {
        var stopped = false
        var nextWaiter: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    /// Asks the run to stop sending, and wakes everything waiting on the signal.
    public func stop() {
        let waiters = state.withLock { state in
            state.stopped = true
            defer { state.waiters = [:] }
            return state.waiters.values
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Whether ``stop()`` was called.
    public var isStopped: Bool {
        state.withLock { $0.stopped }
    }

    /// Returns once ``stop()`` is called, or at once when it was; also when the task is cancelled.
    public func wait() async {
        let id = state.withLock { state -> UInt64? in
            guard !state.stopped else { return nil }
            state.nextWaiter += 1
            return state.nextWaiter
        }
        guard let id else { return }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let waiting = state.withLock { state -> Bool in
                    // Stopped or cancelled meanwhile (a cancellation handler that ran first found no waiter).
                    guard !state.stopped, !Task.isCancelled else { return false }
                    state.waiters[id] = continuation
                    return true
                }
                if !waiting { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }

    /// Sleeps until `deadline` unless the signal comes (or the task is cancelled) first.
    /// - Returns: true when the whole time passed; false when stopped or cancelled.
    public func sleep(until deadline: ContinuousClock.Instant) async -> Bool {
        guard !isStopped else { return false }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(until: deadline, clock: .continuous) }
            group.addTask { await self.wait() }
            await group.next()
            group.cancelAll()
        }
        return !isStopped && !Task.isCancelled
    }
}
