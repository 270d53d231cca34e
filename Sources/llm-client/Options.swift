public import ArgumentParser
import Foundation
import LLMClientKit
import LLMExperiment
import LLMReport
import LLMResults
import LLMSupport
import LLMTracking
import OpenAIAPI

/// Where the server is, how to reach it and how long to wait; shared by every command that talks
/// to a server.
struct ServerOptions: ParsableArguments {
    @Option(name: .long, help: "OpenAI-compatible base URL (env OPENAI_BASE_URL; default \(ClientConfiguration.defaultBaseURL)).")
    var baseURL: String?

    @Option(name: .long, help: "API key sent as a bearer token (env OPENAI_API_KEY; --api-key-file keeps it out of the process list).")
    var apiKey: String?

    @Option(name: .long, help: "Read the API key from this file (its first line).")
    var apiKeyFile: String?

    @Option(name: .long, help: "Seconds to wait for a connection.")
    var connectTimeout: Double = 10

    @Option(name: .long, help: "Seconds to wait for the first token of a streamed answer.")
    var firstTokenTimeout: Double = 120

    @Option(name: .long, help: "Seconds a stream may stay silent between tokens.")
    var idleTimeout: Double = 60

    @Option(name: .long, help: "Seconds one request may take in all.")
    var timeout: Double = 600

    @Option(name: .long, help: "Send a failed request again up to N times, only before any answer arrived, with backoff (default: 2; bench: 0).")
    var retries: Int?

    @Flag(name: .long, help: "Do not verify the server's TLS certificate (self-signed test servers only).")
    var insecure = false

    @Option(name: .long, help: "Trust the certificate authorities in this PEM file for TLS.")
    var caCert: String?

    func validate() throws {
        for (name, value) in [
            ("--connect-timeout", connectTimeout), ("--first-token-timeout", firstTokenTimeout), ("--idle-timeout", idleTimeout),
            ("--timeout", timeout),
        ] {
            guard value > 0, value.isFinite else { throw ValidationError("\(name) must be a number of seconds greater than 0, got \(value).") }
        }
        if let retries, retries < 0 { throw ValidationError("--retries must be 0 or more, got \(retries).") }
        if apiKey != nil, apiKeyFile != nil { throw ValidationError("Give --api-key or --api-key-file, not both.") }
        _ = try keyFromFile()
        if let caCert, !FileManager.default.isReadableFile(atPath: caCert) {
            throw ValidationError("--ca-cert: cannot read '\(caCert)'.")
        }
        let url = resolvedBaseURL
        guard let parsed = URL(string: url), let scheme = parsed.scheme, ["http", "https"].contains(scheme), parsed.host != nil else {
            throw ValidationError("--base-url must be an http:// or https:// URL, got '\(url)'.")
        }
    }

    var resolvedBaseURL: String {
        baseURL ?? ProcessInfo.processInfo.environment["OPENAI_BASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ClientConfiguration.defaultBaseURL
    }

    /// The first line of `--api-key-file`, or nil without one.
    private func keyFromFile() throws -> String? {
        guard let apiKeyFile else { return nil }
        guard let data = FileManager.default.contents(atPath: apiKeyFile) else {
            throw ValidationError("--api-key-file: cannot read '\(apiKeyFile)'.")
        }
        let key =
            String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).first
            .map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        guard !key.isEmpty else { throw ValidationError("--api-key-file: '\(apiKeyFile)' is empty.") }
        return key
    }

    /// The client's configuration; warns on standard error when TLS verification is off.
    /// - Parameter defaultRetries: retries when `--retries` is not given.
    func clientConfiguration(maxConnections: Int, defaultRetries: Int = 2) -> ClientConfiguration {
        if insecure {
            printError(
                "warning: --insecure: the server's TLS certificate is not verified; anyone on the network path could read or change the traffic.")
        }
        return ClientConfiguration(
            baseURL: resolvedBaseURL,
            apiKey: (try? keyFromFile()) ?? apiKey ?? ProcessInfo.processInfo.environment["OPENAI_API_KEY"],
            connectTimeout: .seconds(connectTimeout), firstTokenTimeout: .seconds(firstTokenTimeout),
            idleTimeout: .seconds(idleTimeout), requestTimeout: .seconds(timeout), retry: RetryPolicy(maxRetries: retries ?? defaultRetries),
            insecureTLS: insecure,
            caCertificateFile: caCert, maxConnections: maxConnections)
    }

    /// The base URL without credentials, for the run's record.
    var redactedBaseURL: String {
        ClientConfiguration(baseURL: resolvedBaseURL).redactedBaseURL
    }
}

/// Where results go and what may be replaced; shared by run and bench.
struct OutputOptions: ParsableArguments {
    @Option(name: .long, help: "Save every result: .json, .jsonl or .csv (or --format); repeat for several files.")
    var output: [String] = []

    @Flag(name: .long, help: "Replace existing output files (otherwise an existing file stops the run before it starts).")
    var overwrite = false

    /// Fails when an output file is named twice, or exists and may not be replaced (`except` is a
    /// file that is meant to exist, the one being resumed).
    func checkNoClobber(except: String? = nil) throws {
        var seen: Set<String> = []
        for path in output where !seen.insert(URL(fileURLWithPath: path).standardizedFileURL.path).inserted {
            throw ValidationError("--output '\(path)' is given twice.")
        }
        guard !overwrite else { return }
        for path in output where path != except && FileManager.default.fileExists(atPath: path) {
            throw ValidationError("--output '\(path)' already exists; give --overwrite to replace it, or another name.")
        }
    }

    /// Creates the missing directories of the output files, before anything is sent.
    func createDirectories() throws {
        for path in output {
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
            do {
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            } catch {
                throw ValidationError("Cannot create the directory of --output '\(path)': \(error.localizedDescription)")
            }
        }
    }
}

/// Whether the process may open enough files for `connections` sockets (after raising its soft
/// limit to the hard one); fails with the limit and what to do otherwise.
func checkFileLimit(connections: Int) throws {
    let limit = SystemLimits.raiseOpenFileLimit()
    guard connections + 64 <= limit else {
        throw ValidationError(
            "\(connections) connections need more open files than this process may have (\(limit)); raise the limit with `ulimit -n` or lower the concurrency."
        )
    }
}

extension APIKind: ExpressibleByArgument {}

/// What to ask for: endpoint, model and sampling parameters.
struct GenerationOptions: ParsableArguments {
    @Option(name: .long, help: "Model id (default: the first model the server lists); a comma list runs each model on the same prompts.")
    var model: String?

    /// The models of a comma list in `--model`; one or none otherwise.
    var models: [String] {
        (model ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    @Option(name: .long, help: "Endpoint: completions (/v1/completions) or chat (/v1/chat/completions); default completions, chat when interactive.")
    var api: APIKind?

    // Unconditional: "-1" is the (invalid) value, not an unknown option.
    @Option(
        name: .long, parsing: .unconditional, help: "Sampling temperature; a comma list (0.1,0.9) runs each on the same prompts (bench: sweeps them)."
    )
    var temperature: NumberList<Double> = NumberList(values: [0.7])

    @Option(name: .long, parsing: .unconditional, help: "Most tokens to generate per request.")
    var maxTokens: Int = 256

    @Option(name: .long, help: "Nucleus sampling probability mass.")
    var topP: Double?

    @Option(name: .long, help: "Sampling seed, for reproducible answers where the server supports it.")
    var seed: Int?

    @Option(name: .long, help: "A stop sequence (repeat the option for several).")
    var stop: [String] = []

    @Option(name: .long, help: "A JSON object merged into every request body, for server-specific options.")
    var extraBody: String?

    @Flag(name: .long, help: "Send plain requests instead of streaming (no time to first token).")
    var noStream = false

    func validate() throws {
        guard maxTokens >= 1 else { throw ValidationError("--max-tokens must be at least 1, got \(maxTokens).") }
        guard temperature.values.allSatisfy({ $0 >= 0 }) else { throw ValidationError("--temperature must not be negative.") }
        if let topP, !(topP > 0 && topP <= 1) { throw ValidationError("--top-p must be in (0, 1], got \(topP).") }
        _ = try parsedExtraBody()
    }

    func parsedExtraBody() throws -> [String: JSONValue]? {
        guard let extraBody else { return nil }
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(extraBody.utf8)), let object = value.objectValue else {
            throw ValidationError("--extra-body must be a JSON object, got '\(extraBody)'.")
        }
        return object
    }

    var parameters: GenerationParameters {
        GenerationParameters(
            model: models.count == 1 ? models[0] : nil, temperature: temperature.values[0], maxTokens: maxTokens, topP: topP,
            stop: stop.isEmpty ? nil : stop, seed: seed, extraBody: try? parsedExtraBody())
    }
}

/// A comma-separated list of numbers, such as `1,2,4,8` or `0.1,0.9`.
struct NumberList<Number: LosslessStringConvertible & Sendable>: ExpressibleByArgument, Sendable {
    var values: [Number]

    init(values: [Number]) {
        self.values = values
    }

    init?(argument: String) {
        let parsed = argument.split(separator: ",").map { Number(String($0).trimmingCharacters(in: .whitespaces)) }
        guard !parsed.isEmpty, parsed.allSatisfy({ $0 != nil }) else { return nil }
        values = parsed.compactMap { $0 }
    }

    var defaultValueDescription: String { values.map(\.description).joined(separator: ",") }
}

/// Where else a run is recorded: an HTML report and an MLflow tracking server.
struct RecordOptions: ParsableArguments {
    @Option(name: .long, help: "Also write a self-contained HTML report (charts and tables) to this file.")
    var report: String?

    @Option(
        name: .customLong("mlflow-uri"), help: "Log the run to this MLflow tracking server, e.g. http://127.0.0.1:5000 (env MLFLOW_TRACKING_URI).")
    var mlflowURI: String?

    @Option(name: .long, help: "MLflow experiment, created when missing (env MLFLOW_EXPERIMENT_NAME; default llm-client).")
    var mlflowExperiment: String?

    @Option(name: .long, help: "MLflow run name (env MLFLOW_RUN_NAME; default: MLflow's).")
    var mlflowRunName: String?

    func validate() throws {
        _ = try mlflowSettings()
    }

    /// The MLflow settings of the options and the environment; nil when tracking is off.
    func mlflowSettings() throws -> MLflowSettings? {
        do {
            return try MLflowSettings.fromEnvironment(trackingURI: mlflowURI, experimentName: mlflowExperiment, runName: mlflowRunName)
        } catch {
            throw ValidationError("--mlflow-uri: \(error)")
        }
    }

    /// Fails when the report file exists and may not be replaced.
    func checkNoClobber(overwrite: Bool) throws {
        if let report, !overwrite, FileManager.default.fileExists(atPath: report) {
            throw ValidationError("--report '\(report)' already exists; give --overwrite to replace it, or another name.")
        }
    }

    /// Writes the report of `input` when one was asked for; a failure is a warning (the results are
    /// already saved). Returns the report's path when it was written.
    func writeReport(_ input: ReportInput, overwrite: Bool) -> String? {
        guard let report else { return nil }
        do {
            try HTMLReport.write(input, to: report, overwrite: overwrite)
            print("Report written to \(report)")
            return report
        } catch {
            printError("warning: no report: \(error)")
            return nil
        }
    }

    /// Logs to MLflow when tracking is on; a failure is a warning and never touches the local results.
    func track(_ log: @Sendable (MLflowTracker) async throws(MLflowError) -> MLflowRunReference) async {
        guard let settings = try? mlflowSettings() else { return }
        do {
            let reference = try await log(MLflowTracker(settings: settings))
            print("MLflow run: \(reference.webURL)")
            if let warning = reference.artifactWarning {
                printError("warning: the result files are not in the MLflow run (its parameters and metrics are): \(warning)")
            }
        } catch {
            printError("warning: not logged to MLflow (the local results are complete): \(error)")
        }
    }
}

/// Running as one of several identical workers that share a workload (Kubernetes Indexed Jobs,
/// Slurm job arrays), and starting together.
struct ShardOptions: ParsableArguments {
    @Option(
        name: .long,
        help:
            "Be worker K of N (K from 0): send the requests numbered i % N == K, 1/N of the concurrency or rate; merge the results with `llm-client merge` (default: JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID with LLM_CLIENT_SHARDS when set)."
    )
    var shard: String?

    @Option(name: .long, help: "Start at this time (ISO 8601 like 2026-11-25T10:00:00Z, or Unix seconds), so that all workers begin together.")
    var startAt: String?

    func validate() throws {
        _ = try resolvedShard()
        _ = try startDate()
    }

    /// Fails when a concurrency cannot be shared among this run's workers.
    func check(concurrency values: [Int], option: String) throws {
        guard let shard = try resolvedShard() else { return }
        do {
            for value in values { try shard.check(concurrency: value, option: option) }
        } catch {
            throw ValidationError("--shard \(shard): \(error)")
        }
    }

    /// The shard of `--shard`, else of the environment; nil for a whole run.
    func resolvedShard() throws -> Shard? {
        do {
            if let shard { return try Shard(parsing: shard) }
            return try Shard.fromEnvironment()
        } catch {
            throw ValidationError("--shard: \(error)")
        }
    }

    private func startDate() throws -> Date? {
        guard let startAt else { return nil }
        if let seconds = Double(startAt) { return Date(timeIntervalSince1970: seconds) }
        if let timestamp = Timestamp(parsing: startAt) { return timestamp.date }
        throw ValidationError("--start-at takes an ISO 8601 time (2026-11-25T10:00:00Z) or Unix seconds, got '\(startAt)'.")
    }

    /// The time of `--start-at` for the run to wait for, with a note on standard error: how long
    /// the run waits, or that the time has passed (nil then: the run starts at once).
    func announcedStart(quiet: Bool) throws -> Date? {
        guard let start = try startDate() else { return nil }
        let wait = start.timeIntervalSinceNow
        guard wait > 0 else {
            if wait < -1 { printError("note: --start-at \(startAt ?? "") has passed \(Int(-wait)) s ago; starting now") }
            return nil
        }
        if !quiet { printError("waiting \(String(format: "%.1f", wait)) s for --start-at \(startAt ?? "")") }
        return start
    }

    /// What the command says when a Ctrl-C or SIGTERM came before `--start-at`.
    static let interruptedBeforeStart = CommandFailure(.interrupted, "interrupted before --start-at: nothing was sent")
}

extension JudgeLanguage: ExpressibleByArgument {}

/// What every answer must satisfy, and the judge that scores the answers.
struct QualityOptions: ParsableArguments {
    @Option(name: .long, help: "Every answer must contain this text (repeat for several; adds to a prompt file's expect_contains).")
    var expectContains: [String] = []

    @Option(name: .long, help: "Every answer must match this regular expression somewhere, (?i) for any case (repeat for several).")
    var expectRegex: [String] = []

    @Option(name: .long, help: "Every answer must equal this text, ignoring white space around it (a prompt's own expect_equals wins).")
    var expectEquals: String?

    @Flag(name: .long, help: "Every answer must be valid JSON (alone, or as its one ``` fenced block).")
    var expectJson = false

    @Flag(name: .long, help: "Exit with status 4 when an answer fails an expectation (after saving every result).")
    var failOnAssert = false

    @Option(name: .long, help: "Score every answer from 1 to 10 with this judge model (LLM-as-judge).")
    var judgeModel: String?

    @Option(
        name: .long,
        help:
            "The judge's server (default: the measured --base-url; the judge then waits for the batch to end, so as not to load the server while it is measured). Its API key: env LLM_CLIENT_JUDGE_API_KEY."
    )
    var judgeBaseUrl: String?

    @Option(name: .long, help: "A file with the judge's rubric, replacing the default one (any language).")
    var judgeRubric: String?

    @Option(name: .long, help: "Language of the judge's instructions: auto (Korean for prompts with Hangul), ko or en (default auto).")
    var judgeLanguage: JudgeLanguage?

    @Option(name: .long, help: "Most tokens the judge may write per verdict (default 400).")
    var judgeMaxTokens: Int?

    /// True when any of these options was given.
    var isGiven: Bool {
        !expectations.isEmpty || failOnAssert || judgeModel != nil || judgeBaseUrl != nil || judgeRubric != nil
            || judgeLanguage != nil || judgeMaxTokens != nil
    }

    func validate() throws {
        for pattern in expectRegex {
            if let problem = ResponseExpectations.problem(withPattern: pattern) { throw ValidationError("--expect-regex: \(problem)") }
        }
        for (name, text) in [
            ("--expect-contains", expectContains), ("--expect-regex", expectRegex), ("--expect-equals", expectEquals.map { [$0] } ?? []),
        ]
        where text.contains(where: \.isEmpty) {
            throw ValidationError("\(name) is empty.")
        }
        if let judgeMaxTokens, judgeMaxTokens < 1 { throw ValidationError("--judge-max-tokens must be at least 1, got \(judgeMaxTokens).") }
        if judgeModel == nil, judgeBaseUrl != nil || judgeRubric != nil || judgeLanguage != nil || judgeMaxTokens != nil {
            throw ValidationError("--judge-base-url, --judge-rubric, --judge-language and --judge-max-tokens need --judge-model.")
        }
        if let judgeModel, judgeModel.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--judge-model is empty.") }
        _ = try rubric()
        if let judgeBaseUrl {
            guard let url = URL(string: judgeBaseUrl), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
                throw ValidationError("--judge-base-url must be an http:// or https:// URL, got '\(judgeBaseUrl)'.")
            }
        }
    }

    /// The expectations given for every prompt.
    var expectations: ResponseExpectations {
        ResponseExpectations(contains: expectContains, regexes: expectRegex, equals: expectEquals, json: expectJson)
    }

    /// The rubric of `--judge-rubric`, or nil for the default ones.
    private func rubric() throws -> String? {
        guard let judgeRubric else { return nil }
        guard let data = FileManager.default.contents(atPath: judgeRubric), let text = String(data: data, encoding: .utf8) else {
            throw ValidationError("--judge-rubric: cannot read '\(judgeRubric)' as UTF-8 text.")
        }
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw ValidationError("--judge-rubric: '\(judgeRubric)' is empty.")
        }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// True when the judge asks the server being measured, so it must wait for the batch to end.
    /// URLs are compared as addresses: `localhost` and `127.0.0.1` are one host, a default port
    /// and a trailing slash change nothing.
    func judgesMeasuredServer(_ server: ServerOptions) -> Bool {
        guard judgeModel != nil else { return false }
        guard let judgeBaseUrl else { return true }
        return Self.address(judgeBaseUrl) == Self.address(server.resolvedBaseURL)
    }

    /// Scheme, host (loopback names as one), port and path without a trailing slash of `url`.
    private static func address(_ url: String) -> String {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(), var host = components.host?.lowercased()
        else {
            return url
        }
        if ["localhost", "127.0.0.1", "::1", "[::1]"].contains(host) { host = "loopback" }
        let port = components.port ?? (scheme == "https" ? 443 : 80)
        var path = components.path
        while path.hasSuffix("/") { path.removeLast() }
        return "\(scheme)://\(host):\(port)\(path)"
    }

    /// The judge of `--judge-model`, or nil without one. A judge on the measured server shares its
    /// client configuration and API key; another server gets LLM_CLIENT_JUDGE_API_KEY, so a key
    /// never travels to a host it was not meant for.
    func judgeSettings(server: ServerOptions) throws -> JudgeSettings? {
        guard let judgeModel else { return nil }
        let otherServer = judgesMeasuredServer(server) ? nil : judgeBaseUrl
        return JudgeSettings(
            model: judgeModel, baseURL: otherServer,
            apiKey: otherServer == nil ? nil : ProcessInfo.processInfo.environment["LLM_CLIENT_JUDGE_API_KEY"].flatMap { $0.isEmpty ? nil : $0 },
            rubric: try rubric(), language: judgeLanguage ?? .auto, maxTokens: judgeMaxTokens ?? 400)
    }
}
