import Synchronization

/// A clock that moves only when the test moves it: ``advance(by:)`` resumes the sleepers whose
/// deadline has passed. Injected as a client's clock, it lets timeout and retry tests run in
/// milliseconds of real time, the same on a loaded machine as on an idle one.
final class ManualClock: Clock, Sendable {
    struct Instant: InstantProtocol {
        /// The time since the clock was made.
        var offset: Duration

        func advanced(by duration: Duration) -> Instant {
            Instant(offset: offset + duration)
        }

        func duration(to other: Instant) -> Duration {
            other.offset - offset
        }

        static func < (lhs: Instant, rhs: Instant) -> Bool {
            lhs.offset < rhs.offset
        }
    }

    private struct Sleeper {
        var deadline: Instant
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now = Instant(offset: .zero)
        var nextID = 0
        var sleepers: [Int: Sleeper] = [:]
        /// Sleeps cancelled before they could be registered.
        var cancelledEarly: Set<Int> = []
        var requestedSleeps: [Duration] = []
    }

    private let state = Mutex(State())

    var now: Instant {
        state.withLock { $0.now }
    }

    var minimumResolution: Duration {
        .zero
    }

    /// How long each sleep asked of the clock was meant to last, in the order they were asked.
    var requestedSleeps: [Duration] {
        state.withLock { $0.requestedSleeps }
    }

    func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        let id = state.withLock { state in
            state.requestedSleeps.append(state.now.duration(to: deadline))
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome: Result<Void, any Error>? = state.withLock { state in
                    if state.cancelledEarly.remove(id) != nil { return .failure(CancellationError()) }
                    if deadline <= state.now { return .success(()) }
                    state.sleepers[id] = Sleeper(deadline: deadline, continuation: continuation)
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            let sleeper = state.withLock { state in
                let sleeper = state.sleepers.removeValue(forKey: id)
                if sleeper == nil { state.cancelledEarly.insert(id) }
                return sleeper
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves the clock forward by `duration` and resumes every sleeper whose deadline has passed.
    func advance(by duration: Duration) {
        let due = state.withLock { state in
            state.now = state.now.advanced(by: duration)
            let due = state.sleepers.filter { $0.value.deadline <= state.now }
            for id in due.keys { state.sleepers[id] = nil }
            return due.values.map(\.continuation)
        }
        for continuation in due { continuation.resume() }
    }

    /// Moves the clock to the nearest deadline of those sleeping, if anything sleeps.
    func advanceToNextDeadline() {
        let step = state.withLock { state in
            state.sleepers.values.map(\.deadline).min().map { state.now.duration(to: $0) }
        }
        if let step { advance(by: step) }
    }

    /// Runs `body` while moving the clock, every `pause` of real time, to the nearest deadline of
    /// those sleeping on it. The pause leaves the network time to deliver what it has: a request in
    /// flight sees the clock run ahead of real time, by the watchdog's second at most per pause.
    func advancing<T: Sendable>(
        every pause: Duration = .milliseconds(5), while body: @escaping @Sendable () async -> T
    ) async -> T {
        await withTaskGroup(of: T?.self) { group in
            group.addTask { await body() }
            group.addTask {
                while !Task.isCancelled {
                    self.advanceToNextDeadline()
                    try? await Task.sleep(for: pause)
                }
                return nil
            }
            let value = await group.next()  // the body's: the other task runs until cancelled
            group.cancelAll()
            return value!!
        }
    }
}

/// Counts the pieces of text a request streamed, so that a test can wait (in real time) for the
/// server to have sent them before moving a ``ManualClock``.
final class TextCounter: Sendable {
    private let count = Atomic(0)

    /// Counts one piece; pass as a request's `onText`.
    func add(_ text: String) {
        count.add(1, ordering: .relaxed)
    }

    /// Returns once at least `pieces` pieces arrived.
    func wait(forAtLeast pieces: Int) async {
        while count.load(ordering: .relaxed) < pieces {
            try? await Task.sleep(for: .milliseconds(1))
        }
    }
}
