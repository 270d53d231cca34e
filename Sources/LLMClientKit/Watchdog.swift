import Synchronization

/// Watches one attempt's time limits: time to first token (streaming), idle time between pieces of
/// the stream after the first text, and the whole request. ``watch()`` returns when a limit runs
/// out (``firedTimeout`` then says which) or when it is cancelled because the request ended first.
/// The limits run on the configuration's clock, counted from when the watchdog was made.
final class Watchdog: Sendable {
    private let stopwatch: Stopwatch
    private let limits: (firstToken: Duration, idle: Duration, request: Duration)
    /// Whether the first-token and idle limits apply (only a streamed answer arrives in pieces).
    private let streaming: Bool

    private struct State {
        var sawContent = false
        /// When bytes of the stream last arrived, on the stopwatch.
        var lastActivity = Duration.zero
        var fired: (ErrorKind, String)?
    }
    private let state = Mutex(State())

    init(configuration: ClientConfiguration, streaming: Bool) {
        stopwatch = Stopwatch(configuration.clock)
        limits = (configuration.firstTokenTimeout, configuration.idleTimeout, configuration.requestTimeout)
        self.streaming = streaming
    }

    /// The time left before the whole-request limit.
    var remaining: Duration {
        limits.request - stopwatch.elapsed()
    }

    /// Records bytes of the stream arriving at `time` (read for measurement); `content` when they
    /// carried text.
    func noteActivity(at time: ContinuousClock.Instant, content: Bool) {
        let now = stopwatch.elapsed(at: time)
        state.withLock { state in
            state.lastActivity = now
            if content { state.sawContent = true }
        }
    }

    /// The timeout that fired, with its message, or nil.
    var firedTimeout: (ErrorKind, String)? {
        state.withLock { $0.fired }
    }

    /// Longest single sleep. A cancelled `Task.sleep` keeps its timer, and with it the sleeping
    /// task's memory, until the deadline it was given (measured on Linux: a 100,000-request run
    /// with the 600 s request timeout peaked at 114 MB, against 65 MB with a 3 s one). Waking at
    /// least once a second bounds what ended requests leave behind to about a second's worth.
    static let longestSleep = Duration.seconds(1)

    /// Sleeps until the nearest limit and checks it again (activity may have moved it); returns
    /// when one has run out or when cancelled. Before the first text it also wakes every idle
    /// limit, to start timing idle gaps from the text that arrived meanwhile.
    func watch() async {
        while true {
            let now = stopwatch.elapsed()
            var (deadline, _) = state.withLock { nextLimit($0) }
            if streaming, !state.withLock({ $0.sawContent }) {
                deadline = min(deadline, now + limits.idle)
            }
            deadline = min(deadline, now + Self.longestSleep)
            do {
                try await stopwatch.sleep(until: deadline)
            } catch {
                return
            }
            let fired = state.withLock { state -> Bool in
                let (deadline, kind) = nextLimit(state)
                guard stopwatch.elapsed() >= deadline else { return false }
                state.fired = (kind, message(for: kind))
                return true
            }
            if fired { return }
        }
    }

    private func nextLimit(_ state: State) -> (Duration, ErrorKind) {
        var nearest = (limits.request, ErrorKind.requestTimeout)
        if streaming, !state.sawContent, limits.firstToken < nearest.0 {
            nearest = (limits.firstToken, .firstTokenTimeout)
        }
        if streaming, state.sawContent, state.lastActivity + limits.idle < nearest.0 {
            nearest = (state.lastActivity + limits.idle, .idleTimeout)
        }
        return nearest
    }

    private func message(for kind: ErrorKind) -> String {
        switch kind {
        case .firstTokenTimeout: "first-token timeout: no text within \(Self.format(limits.firstToken)) s (--first-token-timeout)"
        case .idleTimeout: "idle timeout: the stream was silent for \(Self.format(limits.idle)) s (--idle-timeout)"
        default: "request timeout: the answer took longer than \(Self.format(limits.request)) s (--timeout)"
        }
    }

    /// `duration` in seconds as a user writes them (`120`, `0.5`), to the microsecond.
    private static func format(_ duration: Duration) -> String {
        let seconds = (duration / .microseconds(1)).rounded() / 1e6
        return seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
    }
}

/// Readings of and sleeps on one clock, counted from the moment the stopwatch was made, whatever
/// the clock's own instants are.
struct Stopwatch: Sendable {
    private let read: @Sendable () -> Duration
    private let sleepUntil: @Sendable (Duration) async throws -> Void
    /// The start when the clock is `ContinuousClock`: then a reading taken for measurement is a
    /// reading of the stopwatch too, and the stream's hot path reads the time once, not twice.
    private let continuousStart: ContinuousClock.Instant?

    init<C: Clock<Duration>>(_ clock: C) {
        let start = clock.now
        read = { start.duration(to: clock.now) }
        sleepUntil = { try await clock.sleep(until: start.advanced(by: $0), tolerance: nil) }
        continuousStart = C.self == ContinuousClock.self ? start as? ContinuousClock.Instant : nil
    }

    /// The time since the start.
    func elapsed() -> Duration {
        read()
    }

    /// The time since the start at `time`, a reading of `ContinuousClock`; on another clock, the
    /// time since the start now.
    func elapsed(at time: ContinuousClock.Instant) -> Duration {
        guard let continuousStart else { return read() }
        return continuousStart.duration(to: time)
    }

    /// Sleeps until ``elapsed()`` reaches `time`; throws when the task is cancelled.
    func sleep(until time: Duration) async throws {
        try await sleepUntil(time)
    }
}
