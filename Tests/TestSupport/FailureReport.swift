public import LLMClientKit
public import Synchronization

/// What went wrong in a set of results, for the message of a count assertion: the failures by
/// error kind, each with its first message ("2 × connection: connection reset by peer ...").
public func failureReport(_ results: [RequestResult]) -> String {
    let failures = results.filter { !$0.success }
    guard !failures.isEmpty else { return "no failed requests" }
    var order: [String] = []
    var byKind: [String: (count: Int, first: String)] = [:]
    for failure in failures {
        let kind = failure.errorKind?.rawValue ?? "unknown"
        if let seen = byKind[kind] {
            byKind[kind] = (seen.count + 1, seen.first)
        } else {
            order.append(kind)
            byKind[kind] = (1, failure.error ?? "no message")
        }
    }
    let kinds = order.map { kind in "\(byKind[kind]!.count) × \(kind): \(byKind[kind]!.first)" }
    return "\(failures.count) of \(results.count) failed: " + kinds.joined(separator: "; ")
}

/// Collects results as a run hands them over (an `onResult` callback), for ``failureReport(_:)``.
public final class ResultCollector: Sendable {
    private let collected = Mutex<[RequestResult]>([])

    public init() {}

    /// Keeps `result`.
    public func append(_ result: RequestResult) {
        collected.withLock { $0.append(result) }
    }

    /// Every result so far, in the order they were handed over.
    public var results: [RequestResult] { collected.withLock { $0 } }

    /// ``failureReport(_:)`` of the results so far.
    public var failures: String { failureReport(results) }
}
