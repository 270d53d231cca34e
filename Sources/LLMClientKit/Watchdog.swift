import Synchronization

/// Watches one attempt's time limits: time to first token (streaming), idle time between pieces of
/// the stream after the first text, and the whole request. ``watch()`` returns when a limit runs
/// out (``firedTimeout`` then says which) or when it is cancelled because the request ended first.
final class Watchdog: Sendable {
    /// When the attempt was sent.
    let started: ContinuousClock.Instant
    /// When the whole attempt must be over.
    let requestDeadline: ContinuousClock.Instant
    private let firstTokenDeadline: ContinuousClock.Instant?
    private let idleLimit: Duration
    private let limits: (firstToken: Double, idle: Double, request: Double)

    private struct State {
        var sawContent = false
        var lastActivity: ContinuousClock.Instant
        var fired: (ErrorKind, String)?
    }
    private let state: Mutex<State>

    init(started: ContinuousClock.Instant, configuration: ClientConfiguration, streaming: Bool) {
        self.started = started
        requestDeadline = started + .nanoseconds(Int64(configuration.requestTimeout * 1e9))
        firstTokenDeadline = streaming ? started + .nanoseconds(Int64(configuration.firstTokenTimeout * 1e9)) : nil
        idleLimit = .nanoseconds(Int64(configuration.idleTimeout * 1e9))
        limits = (configuration.firstTokenTimeout, configuration.idleTimeout, configuration.requestTimeout)
        state = Mutex(State(lastActivity: started))
    }

    /// Records bytes of the stream arriving at `time`; `content` when they carried text.
    func noteActivity(at time: ContinuousClock.Instant, content: Bool) {
        state.withLock { state in
            state.lastActivity = time
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
            var (deadline, _) = state.withLock { nextLimit($0) }
            if firstTokenDeadline != nil, !state.withLock({ $0.sawContent }) {
                deadline = min(deadline, .now + idleLimit)
            }
            deadline = min(deadline, .now + Self.longestSleep)
            do {
                try await Task.sleep(until: deadline, clock: .continuous)
            } catch {
                return
            }
            let fired = state.withLock { state -> Bool in
                let (deadline, kind) = nextLimit(state)
                guard ContinuousClock.now >= deadline else { return false }
                state.fired = (kind, message(for: kind))
                return true
            }
            if fired { return }
        }
    }

    private func nextLimit(_ state: State) -> (ContinuousClock.Instant, ErrorKind) {
        var nearest = (requestDeadline, ErrorKind.requestTimeout)
        if let firstTokenDeadline, !state.sawContent, firstTokenDeadline < nearest.0 {
            nearest = (firstTokenDeadline, .firstTokenTimeout)
        }
        if firstTokenDeadline != nil, state.sawContent, state.lastActivity + idleLimit < nearest.0 {
            nearest = (state.lastActivity + idleLimit, .idleTimeout)
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

    private static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
    }
}
