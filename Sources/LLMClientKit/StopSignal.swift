import Synchronization

/// Tells a running batch or benchmark to send no more requests (the first Ctrl-C). Requests in
/// flight go on; cancelling the task that runs the batch ends them too.
public final class StopSignal: Sendable {
    private let stopped = Atomic<Bool>(false)

    public init() {}

    /// Asks the run to stop sending.
    public func stop() {
        stopped.store(true, ordering: .releasing)
    }

    /// Whether ``stop()`` was called.
    public var isStopped: Bool {
        stopped.load(ordering: .acquiring)
    }
}
