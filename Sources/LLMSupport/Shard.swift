public import Foundation

/// Worker `index` of `count` identical workers (a Kubernetes Indexed Job, a Slurm job array) that
/// share one workload: the worker takes the requests whose number `i` has `i % count == index`, so
/// the workers' shares are disjoint and together are the whole workload.
public struct Shard: Sendable, Hashable, Codable, CustomStringConvertible {
    /// This worker's index, `0..<count`.
    public let index: Int
    /// How many workers share the workload.
    public let count: Int

    public init(index: Int, count: Int) throws(ShardError) {
        guard count >= 1 else { throw ShardError(.invalidSpecification, "the number of shards must be at least 1, got \(count)") }
        guard (0..<count).contains(index) else {
            throw ShardError(.invalidSpecification, "shard index \(index) is not in 0..<\(count) (indexes start at 0)")
        }
        self.index = index
        self.count = count
    }

    /// Parses `K/N`, e.g. `0/4` for the first of four workers.
    public init(parsing text: String) throws(ShardError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0].trimmingCharacters(in: .whitespaces)),
            let count = Int(parts[1].trimmingCharacters(in: .whitespaces))
        else { throw ShardError(.invalidSpecification, "a shard is K/N (worker K of N, K from 0), got '\(text)'") }
        try self.init(index: index, count: count)
    }

    /// The shard from the environment of a job array: the index from `JOB_COMPLETION_INDEX`
    /// (Kubernetes Indexed Jobs) or `SLURM_ARRAY_TASK_ID`, the count from `LLM_CLIENT_SHARDS`;
    /// nil unless both are present.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws(ShardError) -> Shard? {
        guard let indexText = environment["JOB_COMPLETION_INDEX"] ?? environment["SLURM_ARRAY_TASK_ID"],
            let countText = environment["LLM_CLIENT_SHARDS"]
        else { return nil }
        guard let index = Int(indexText), let count = Int(countText) else {
            throw ShardError(
                .invalidSpecification,
                "JOB_COMPLETION_INDEX/SLURM_ARRAY_TASK_ID '\(indexText)' and LLM_CLIENT_SHARDS '\(countText)' must be whole numbers")
        }
        return try Shard(index: index, count: count)
    }

    /// `K/N`.
    public var description: String { "\(index)/\(count)" }

    /// Whether request number `number` of the whole workload is this worker's.
    public func owns(_ number: Int) -> Bool { number % count == index }

    /// The number in the whole workload of this worker's `local`-th request (from 0).
    public func globalNumber(_ local: Int) -> Int { index + local * count }

    /// How many of the whole workload's first `total` requests are this worker's.
    public func share(of total: Int) -> Int { total / count + (index < total % count ? 1 : 0) }

    /// This worker's part of a load of `total` requests in flight (at least 1): the workers' parts
    /// add up to `total` when it is at least the number of workers (see ``check(concurrency:)``).
    public func share(ofConcurrency total: Int) -> Int { max(1, share(of: total)) }

    /// Fails when `concurrency` requests in flight cannot be shared among the workers (fewer than
    /// there are workers: each would still send one, more than asked in all).
    public func check(concurrency: Int, option: String) throws(ShardError) {
        guard concurrency >= count else {
            throw ShardError(
                .concurrencyTooLow,
                "\(option) \(concurrency) cannot be shared among \(count) workers (each sends at least one request at a time); give at least \(count)"
            )
        }
    }
}

/// A shard specification that does not hold.
public struct ShardError: Error, Hashable, CustomStringConvertible, Sendable {
    /// What kind of problem this is; stable, for `catch let e as ShardError where e.code == .invalidSpecification`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        /// The shard is not K/N with 0 ≤ K < N (from the option or the environment).
        public static let invalidSpecification = Code(name: "invalid_specification")
        /// The concurrency is too low to give every worker at least one request at a time.
        public static let concurrencyTooLow = Code(name: "concurrency_too_low")
        public var description: String { name }
    }

    public let code: Code
    public let description: String

    public init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }
}
