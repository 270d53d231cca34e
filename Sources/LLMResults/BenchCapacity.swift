import Foundation

/// What a capacity search (`llm-client bench --find-max`) found: the highest load whose probe met
/// the SLO, and every probe on the way.
public struct BenchCapacity: Codable, Sendable, Hashable {
    /// How the search ended.
    public enum Status: String, Codable, Sendable, Hashable {
        /// Bracketed and narrowed to the precision asked for.
        case found
        /// Even the lowest probe missed the SLO: the capacity is below it.
        case belowLowest = "below_lowest"
        /// The highest load allowed still met the SLO: the capacity is at least that.
        case atLimit = "at_limit"
        /// The time budget ran out before the precision was reached: the value is the highest passing load found.
        case budgetSpent = "budget_spent"
        /// Stopped by the user.
        case interrupted
    }

    /// One probe of the search: a level of the document.
    public struct Probe: Codable, Sendable, Hashable {
        /// The level's label (`r=12.5/s`, `c=6`).
        public var level: String
        /// The load probed (requests per second, or requests in flight).
        public var value: Double
        /// Percent of the probe's requests that met the SLO.
        public var attainment: Double
        /// Requests per second that met the SLO.
        public var goodput: Double
        /// Successful requests per second.
        public var requestsPerSecond: Double
        public var outputTokensPerSecond: Double
        /// Whether the probe met the SLO for the required share of requests (and was not stopped early).
        public var passed: Bool
        /// Measured requests of the probe (one of them is 100 / requests percent of its attainment).
        public var requests: Int

        public init(
            level: String, value: Double, attainment: Double, goodput: Double, requestsPerSecond: Double, outputTokensPerSecond: Double,
            passed: Bool, requests: Int
        ) {
            self.level = level
            self.value = value
            self.attainment = attainment
            self.goodput = goodput
            self.requestsPerSecond = requestsPerSecond
            self.outputTokensPerSecond = outputTokensPerSecond
            self.passed = passed
            self.requests = requests
        }

        enum CodingKeys: String, CodingKey {
            case level, value, attainment, goodput, passed, requests
            case requestsPerSecond = "requests_per_second"
            case outputTokensPerSecond = "output_tokens_per_second"
        }
    }

    /// `request_rate` or `concurrency`.
    public var dimension: String
    /// The capacity: the highest load that met the SLO (nil when even the lowest probe missed it).
    public var value: Double?
    /// The objective, in seconds by metric (`ttft`, `itl`, `e2e`).
    public var slo: [String: Double]
    /// The share of requests that had to meet the SLO, in percent.
    public var requiredPercent: Double
    /// Attainment (percent) and goodput (requests per second meeting the SLO) at the capacity.
    public var attainment: Double?
    public var goodput: Double?
    /// The lowest load that missed the SLO, when one did: the capacity lies between ``value`` and it.
    public var firstFailing: Double?
    /// The relative precision asked for (0.05: within 5 %).
    public var precision: Double
    public var status: Status
    /// The probes in the order they ran.
    public var probes: [Probe]

    public init(
        dimension: String, value: Double?, slo: [String: Double], requiredPercent: Double, attainment: Double?, goodput: Double?,
        firstFailing: Double?, precision: Double, status: Status, probes: [Probe]
    ) {
        self.dimension = dimension
        self.value = value
        self.slo = slo
        self.requiredPercent = requiredPercent
        self.attainment = attainment
        self.goodput = goodput
        self.firstFailing = firstFailing
        self.precision = precision
        self.status = status
        self.probes = probes
    }

    enum CodingKeys: String, CodingKey {
        case dimension, value, slo, attainment, goodput, precision, status, probes
        case requiredPercent = "required_percent"
        case firstFailing = "first_failing"
    }

    /// Every key written, those without a value as null (`"value": null` when even the lowest probe failed).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(dimension, forKey: .dimension)
        try container.encode(value, forKey: .value)
        try container.encode(slo, forKey: .slo)
        try container.encode(requiredPercent, forKey: .requiredPercent)
        try container.encode(attainment, forKey: .attainment)
        try container.encode(goodput, forKey: .goodput)
        try container.encode(firstFailing, forKey: .firstFailing)
        try container.encode(precision, forKey: .precision)
        try container.encode(status, forKey: .status)
        try container.encode(probes, forKey: .probes)
    }

    /// The unit of ``dimension``'s values: `req/s` or `in flight`.
    public var unit: String { dimension == "concurrency" ? "in flight" : "req/s" }

    /// A load as the report shows it: whole requests in flight, or a rate to two decimals.
    public func formatted(_ load: Double) -> String {
        dimension == "concurrency" ? String(Int(load)) : load.formatted(.number.precision(.fractionLength(0...2)))
    }

    /// The verdict in one sentence: the capacity (or what bounds it), the load that missed the
    /// SLO, and attainment and goodput at the capacity.
    public var sentence: String {
        switch status {
        case .belowLowest:
            return "below \(formatted(probes.map(\.value).min() ?? 0)) \(unit): even the lowest probe missed the SLO"
        case .atLimit:
            return "at least \(formatted(value ?? 0)) \(unit): the highest load allowed (--max-load) met the SLO"
        case .found, .budgetSpent, .interrupted:
            let bracket = firstFailing.map { ", \(formatted($0)) missed it" } ?? ""
            let why =
                switch status {
                case .budgetSpent: " (time budget spent before the precision was reached)"
                case .interrupted: " (interrupted)"
                default: ""
                }
            return "\(formatted(value ?? 0)) \(unit)\(bracket)\(why); there "
                + String(format: "%.1f %% met the SLO, goodput %.2f req/s", attainment ?? 0, goodput ?? 0)
        }
    }
}
