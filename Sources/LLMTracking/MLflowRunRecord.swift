public import Foundation
public import LLMResults
import OpenAIAPI

/// What one llm-client run becomes in MLflow: its name, times, tags, parameters and metrics.
///
/// - A main run (``init(run:summary:)``, or ``init(document:)`` with a `RunDocument`): the `run` object's fields are the
///   parameters (`base_url`, `model`, `api`, `temperature`, `max_tokens`, `concurrency`, `repeat`,
///   `tool_version`, ...; `prompt_file` is the file's name; its start and end are the run's times),
///   and every number of the summary is a metric under its JSON path (`latency_s.p50`,
///   `ttft_s.p99`, `errors_by_kind.timeout`, `output_tokens_per_second`, quality scores when the
///   summary has them, ...), plus `success_rate` (0...1). Booleans are 1 or 0; lists are left out.
/// - A benchmark (``init(document:)`` with a `BenchDocument`): the same parameters plus `bench.*`
///   (load, workload, SLO, ...) and `level.<i>` = each level's label; every level's summary is
///   logged under the same metric keys with `step` = the level's index (0 for a single level), so
///   MLflow's charts draw a sweep against its levels; `level.temperature` carries a temperature
///   sweep's value per step and `server.<name>` the changes of the server's Prometheus metrics.
///
/// Keys are made safe for MLflow (characters other than letters, digits, `_ - . /` and space
/// become `_`; at most 250 characters) and parameter values are cut at 6000 characters.
public struct MLflowRunRecord: Sendable, Hashable {
    /// One metric value at one step.
    public struct Metric: Sendable, Hashable {
        public var key: String
        public var value: Double
        public var step: Int

        public init(key: String, value: Double, step: Int = 0) {
            self.key = key
            self.value = value
            self.step = step
        }
    }

    /// One parameter or tag.
    public struct Entry: Sendable, Hashable {
        public var key: String
        public var value: String

        public init(key: String, value: String) {
            self.key = key
            self.value = value
        }
    }

    /// `run` for the main command, `bench` for a benchmark.
    public var kind: String
    /// The run's name in MLflow (which also sets the `mlflow.runName` tag from it).
    public var runName: String
    public var startTime: Date
    public var endTime: Date?
    /// Parameters in order, keys unique.
    public private(set) var params: [Entry] = []
    /// Tags in order, keys unique.
    public private(set) var tags: [Entry] = []
    /// Metrics in order, each (key, step) once.
    public private(set) var metrics: [Metric] = []
    /// The prompt file as the run recorded it (a path), whose SHA-256 the tracker adds as
    /// `prompt_file_sha256` when it can read it.
    public var promptFilePath: String?

    /// Longest parameter value MLflow accepts.
    static let maxParamValueLength = 6000
    /// Longest key MLflow accepts.
    static let maxKeyLength = 250

    /// The record of a main run (`llm-client run`) from its configuration and summary (an
    /// `ExperimentOutcome`'s `run` and `summary`): see the type's description.
    public init(run info: RunInfo, summary: ResultSummary) {
        self.init(kind: "run", info: info)
        addMetrics(of: summary, step: 0)
    }

    /// The record of a main run from its JSON result file's document: see ``init(run:summary:)``.
    /// A comparison run (a list of temperatures or models) also gets `setting.<i>` = each setting's
    /// label and each setting's summary under `setting.<metric>` with `step` = the setting's index,
    /// so MLflow's charts draw the metrics against the settings.
    public init(document: RunDocument) {
        self.init(run: document.run, summary: document.summary)
        for (index, entry) in (document.settings ?? []).enumerated() {
            add(param: "setting.\(index)", entry.setting)
            addMetrics(of: entry.summary, step: index, prefix: "setting.")
        }
    }

    /// The record of a benchmark (`llm-client bench`): see the type's description.
    public init(document: BenchDocument) {
        self.init(kind: "bench", info: document.run)
        for (key, value) in document.bench.sorted(by: { $0.key < $1.key }) { add(param: "bench.\(key)", value) }
        for (index, level) in document.levels.enumerated() {
            add(param: "level.\(index)", level.label)
            addMetrics(of: level.summary, step: index)
            if let temperature = level.temperature { add(metric: "level.temperature", temperature, step: index) }
        }
        if let saturation = document.saturationLevel {
            add(param: "saturation_level", saturation)
            add(tag: "llm_client.saturation_level", saturation)
        }
        for (name, change) in (document.serverMetricChanges ?? [:]).sorted(by: { $0.key < $1.key }) {
            add(metric: "server.\(name)", change, step: 0)
        }
        if let capacity = document.capacity {
            add(tag: "llm_client.capacity_status", capacity.status.rawValue)
            if let value = capacity.value { add(metric: "capacity.\(capacity.dimension)", value, step: 0) }
            if let goodput = capacity.goodput { add(metric: "capacity.goodput", goodput, step: 0) }
            if let attainment = capacity.attainment { add(metric: "capacity.slo_attainment_percent", attainment, step: 0) }
        }
    }

    /// Adds a parameter unless its (sanitised) key is already there; the value is cut to MLflow's limit.
    public mutating func add(param key: String, _ value: String) {
        let key = Self.sanitizedKey(key)
        guard !params.contains(where: { $0.key == key }) else { return }
        params.append(Entry(key: key, value: Self.truncated(value)))
    }

    /// Adds a tag unless its key is already there.
    public mutating func add(tag key: String, _ value: String) {
        guard !tags.contains(where: { $0.key == key }) else { return }
        tags.append(Entry(key: key, value: Self.truncated(value)))
    }

    /// Adds a metric unless its (sanitised) key already has a value at `step`; non-finite values are left out.
    public mutating func add(metric key: String, _ value: Double, step: Int) {
        let key = Self.sanitizedKey(key)
        guard value.isFinite, !metrics.contains(where: { $0.key == key && $0.step == step }) else { return }
        metrics.append(Metric(key: key, value: value, step: step))
    }

    // MARK: Mapping

    /// A record of `kind` named, timed and parametrised from the run's configuration.
    private init(kind: String, info: RunInfo) {
        self.kind = kind
        runName = "\(kind) \(info.model) \(info.startedAt)"
        startTime = info.startedAt.date
        endTime = info.finishedAt?.date
        promptFilePath = info.promptFile
        for (key, value) in Self.scalarFields(of: info) {
            switch key {
            case "started_at", "finished_at": continue  // the run's own start and end times
            case "prompt_file": add(param: key, (value as NSString).lastPathComponent)
            case "base_url": add(param: key, Self.withoutCredentials(value))
            default: add(param: key, value)
            }
        }
        if let expectations = info.expectations { add(param: "expectations", expectations.joined(separator: "; ")) }
        add(tag: "mlflow.source.name", "llm-client")
        add(tag: "mlflow.source.type", "LOCAL")
        add(tag: "llm_client.kind", kind)
        add(tag: "llm_client.tool_version", info.toolVersion)
        add(tag: "llm_client.model", info.model)
        if info.interrupted == true { add(tag: "llm_client.interrupted", "true") }
    }

    /// Every number of the summary under its JSON key (`prefix` first), and `success_rate`.
    private mutating func addMetrics(of summary: ResultSummary, step: Int, prefix: String = "") {
        for (key, value) in Self.numericFields(of: summary) { add(metric: prefix + key, value, step: step) }
        if summary.totalRequests > 0 {
            add(metric: prefix + "success_rate", Double(summary.successful) / Double(summary.totalRequests), step: step)
        }
    }

    // MARK: Flattening and keys

    /// Every number (and boolean, as 1 or 0) of `value`'s JSON form, keyed by its dotted path
    /// (`latency_s.p50`), in key order. Strings, nulls and lists are left out.
    static func numericFields(of value: some Encodable) -> [(key: String, value: Double)] {
        leaves(of: value).compactMap { key, leaf in
            switch leaf {
            case .number(let number): (key, number)
            case .bool(let flag): (key, flag ? 1 : 0)
            default: nil
            }
        }
    }

    /// Every number, boolean and string of `value`'s JSON form as text, keyed by its dotted path,
    /// in key order. Integral numbers are written without a fraction (`256`, `1`), others in
    /// their shortest form (`0.7`). Nulls and lists are left out.
    static func scalarFields(of value: some Encodable) -> [(key: String, value: String)] {
        leaves(of: value).compactMap { key, leaf in
            switch leaf {
            case .number(let number):
                (key, number.rounded() == number && abs(number) < 1e15 ? String(Int64(number)) : String(number))
            case .bool(let flag): (key, String(flag))
            case .string(let text): (key, text)
            default: nil
            }
        }
    }

    /// `key` with every character MLflow does not accept in a metric or parameter key (anything
    /// but letters, digits, `_`, `-`, `.`, space and `/`) replaced by `_`, cut to 250 characters.
    static func sanitizedKey(_ key: String) -> String {
        let safe = String(
            key.unicodeScalars.map { scalar -> Character in
                switch scalar {
                case "a"..."z", "A"..."Z", "0"..."9", "_", "-", ".", " ", "/": Character(scalar)
                default: "_"
                }
            }.prefix(maxKeyLength))
        return safe.isEmpty ? "_" : safe
    }

    /// `value` cut to MLflow's parameter limit (counted in Unicode scalars, as MLflow does).
    static func truncated(_ value: String) -> String {
        guard value.unicodeScalars.count > maxParamValueLength else { return value }
        var scalars = String.UnicodeScalarView()
        scalars.append(contentsOf: value.unicodeScalars.prefix(maxParamValueLength - 1))
        scalars.append("…")
        return String(scalars)
    }

    /// A URL with any `user:password@` removed (the run document already stores it so; this
    /// keeps a hand-built document from leaking credentials all the same).
    static func withoutCredentials(_ url: String) -> String {
        guard let scheme = url.range(of: "://"), let at = url[scheme.upperBound...].firstIndex(of: "@"),
            !url[scheme.upperBound..<at].contains("/")
        else { return url }
        return String(url[..<scheme.upperBound]) + url[url.index(after: at)...]
    }

    private static func leaves(of value: some Encodable) -> [(String, JSONValue)] {
        guard let data = try? ResultJSON.lineEncoder.encode(value), let tree = try? ResultJSON.decoder.decode(JSONValue.self, from: data) else {
            return []
        }
        var leaves: [(String, JSONValue)] = []
        func visit(_ node: JSONValue, _ path: String) {
            switch node {
            case .object(let members):
                for (key, child) in members.sorted(by: { $0.key < $1.key }) { visit(child, path.isEmpty ? key : "\(path).\(key)") }
            case .array, .null: break
            default: leaves.append((path, node))
            }
        }
        visit(tree, "")
        return leaves
    }
}
