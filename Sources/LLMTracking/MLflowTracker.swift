import Foundation
public import LLMResults

/// How a run ended, as MLflow records it.
public enum MLflowRunStatus: String, Sendable, Hashable, CaseIterable {
    /// The run completed, whether or not some requests failed.
    case finished = "FINISHED"
    /// The run could not complete (no server, unreadable input, results that could not be written),
    /// or its parameters and metrics could not be logged.
    case failed = "FAILED"
    /// Ctrl-C or SIGTERM stopped the run before it had sent everything.
    case killed = "KILLED"

    /// The status for a run that was `interrupted` (→ KILLED) or otherwise did or did not
    /// `complete` (→ FINISHED or FAILED). Failed requests of a completed run do not make it FAILED.
    public init(interrupted: Bool, completed: Bool) {
        self = interrupted ? .killed : completed ? .finished : .failed
    }
}

/// The MLflow run a call recorded.
public struct MLflowRunReference: Sendable, Hashable {
    public var experimentID: String
    public var runID: String
    /// Where the run's artifacts live (`mlflow-artifacts:/<experiment>/<run>/artifacts`).
    public var artifactURI: String
    /// The run's page in MLflow's web UI.
    public var webURL: String
    /// Why the result files are not among the run's artifacts, when they could not be uploaded
    /// (the run's parameters and metrics are logged all the same, and it ended with its status);
    /// nil when they were.
    public var artifactWarning: MLflowError?
}

/// Records llm-client runs in an MLflow tracking server over its REST API: finds or creates the
/// experiment, creates a run with tags, logs parameters and metrics in batches within MLflow's
/// limits, uploads the result files through the server's artifact proxy, and ends the run with its
/// status. The LLM server's API key is never part of what is sent: the documents do not hold it.
///
/// Errors are ``MLflowError``s meant to be printed as warnings: tracking never touches the local
/// result files. Each call uses its own connection pool, closed before it returns.
public struct MLflowTracker: Sendable {
    public let settings: MLflowSettings

    public init(settings: MLflowSettings) {
        self.settings = settings
    }

    /// Records a main run: its configuration and summary (see ``MLflowRunRecord/init(run:summary:)``),
    /// the `resultFiles` (JSON, CSV, JSONL, HTML report...) as artifacts, and `status`.
    @discardableResult
    public func logRun(run: RunInfo, summary: ResultSummary, resultFiles: [String], status: MLflowRunStatus) async throws(MLflowError)
        -> MLflowRunReference
    {
        try await log(MLflowRunRecord(run: run, summary: summary), resultFiles: resultFiles, status: status)
    }

    /// Records a main run from its JSON result file's `RunDocument`; see ``logRun(run:summary:resultFiles:status:)``.
    @discardableResult
    public func logRun(document: RunDocument, resultFiles: [String], status: MLflowRunStatus) async throws(MLflowError)
        -> MLflowRunReference
    {
        try await log(MLflowRunRecord(document: document), resultFiles: resultFiles, status: status)
    }

    /// Records a benchmark: its `BenchDocument` (each level's metrics at `step` = the level's
    /// index), the `resultFiles` as artifacts, and `status`.
    @discardableResult
    public func logBench(document: BenchDocument, resultFiles: [String], status: MLflowRunStatus) async throws(MLflowError)
        -> MLflowRunReference
    {
        try await log(MLflowRunRecord(document: document), resultFiles: resultFiles, status: status)
    }

    /// Records `record` as a new run of the settings' experiment (named ``MLflowSettings/runName``
    /// when given), with `resultFiles` as artifacts, ended with `status`.
    ///
    /// When only the upload fails for a reason other than the server going away (a server whose
    /// artifacts go to a local `--default-artifact-root`, a file that cannot be read), the run is
    /// complete all the same: it ends with `status` and the tags `llm_client.artifacts` =
    /// `not uploaded` and `llm_client.artifacts_warning` = the reason, and the reference carries
    /// the warning (``MLflowRunReference/artifactWarning``). When anything else fails after the
    /// run was created, the run is marked FAILED if the server still answers, and the error
    /// carries its id.
    @discardableResult
    public func log(_ record: MLflowRunRecord, resultFiles: [String], status: MLflowRunStatus) async throws(MLflowError)
        -> MLflowRunReference
    {
        var record = record
        if let runName = settings.runName { record.runName = runName }
        if let path = record.promptFilePath, let contents = await Self.readFile(path) {
            record.add(param: "prompt_file_sha256", SHA256.hexDigest(contents))
        }
        let experimentName = settings.experimentName
        return try await MLflowRESTClient.withClient(settings) { client throws(MLflowError) in
            let experimentID = try await Self.experimentID(named: experimentName, client: client)
            let run = try await client.post(
                "runs/create",
                MLflowWire.CreateRunRequest(
                    experimentID: experimentID, startTime: Self.milliseconds(record.startTime), runName: record.runName,
                    tags: record.tags.map { MLflowWire.KeyValue(key: $0.key, value: $0.value) }),
                as: MLflowWire.RunResponse.self, operation: "create a run in experiment '\(experimentName)'"
            ).run.info
            var artifactWarning: MLflowError?
            do throws(MLflowError) {
                try await Self.logBatches(record, runID: run.runID, client: client)
                do throws(MLflowError) {
                    try await Self.upload(resultFiles, artifactURI: run.artifactURI, client: client)
                } catch  where error.code != .unreachable && error.code != .timeout {
                    let warning = error.inRun(run.runID)
                    try await Self.setTags(
                        [("llm_client.artifacts", "not uploaded"), ("llm_client.artifacts_warning", MLflowRunRecord.truncated(warning.message))],
                        runID: run.runID, client: client)
                    artifactWarning = warning
                }
                try await Self.end(runID: run.runID, status: status, at: record.endTime ?? Date(), client: client)
            } catch {
                try? await Self.end(runID: run.runID, status: .failed, at: Date(), client: client)
                throw error.inRun(run.runID)
            }
            return MLflowRunReference(
                experimentID: experimentID, runID: run.runID, artifactURI: run.artifactURI,
                webURL: "\(client.settings.trackingURI)/#/experiments/\(experimentID)/runs/\(run.runID)", artifactWarning: artifactWarning)
        }
    }

    // MARK: Steps

    /// The id of the experiment called `name`, created when there is none.
    static func experimentID(named name: String, client: MLflowRESTClient) async throws(MLflowError) -> String {
        let operation = "find experiment '\(name)'"
        do throws(MLflowError) {
            let experiment = try await client.get(
                "experiments/get-by-name", query: [("experiment_name", name)], as: MLflowWire.GetExperimentResponse.self,
                operation: operation
            ).experiment
            guard experiment.lifecycleStage != "deleted" else {
                throw client.failure(
                    .configuration, operation,
                    "the experiment is deleted; restore it in MLflow (or `mlflow gc` it) or choose another --mlflow-experiment")
            }
            return experiment.experimentID
        } catch  where error.isHTTP(404, "RESOURCE_DOES_NOT_EXIST") {
            do throws(MLflowError) {
                return try await client.post(
                    "experiments/create", MLflowWire.CreateExperimentRequest(name: name),
                    as: MLflowWire.CreateExperimentResponse.self, operation: "create experiment '\(name)'"
                ).experimentID
            } catch  where error.isHTTP(400, "RESOURCE_ALREADY_EXISTS") {
                // Another client created it in the meantime.
                return try await client.get(
                    "experiments/get-by-name", query: [("experiment_name", name)], as: MLflowWire.GetExperimentResponse.self,
                    operation: operation
                ).experiment.experimentID
            }
        }
    }

    /// Logs the record's parameters and metrics in as many `runs/log-batch` calls as MLflow's
    /// limits need (at most 100 parameters and 1000 entries in all per call).
    static func logBatches(_ record: MLflowRunRecord, runID: String, client: MLflowRESTClient) async throws(MLflowError) {
        let timestamp = milliseconds(record.endTime ?? record.startTime)
        var params = record.params[...]
        var metrics = record.metrics[...]
        while !params.isEmpty || !metrics.isEmpty {
            let batchParams = params.prefix(100)
            params = params.dropFirst(batchParams.count)
            let batchMetrics = metrics.prefix(1000 - batchParams.count)
            metrics = metrics.dropFirst(batchMetrics.count)
            let request = MLflowWire.LogBatchRequest(
                runID: runID,
                metrics: batchMetrics.map { MLflowWire.Metric(key: $0.key, value: $0.value, timestamp: timestamp, step: $0.step) },
                params: batchParams.map { MLflowWire.KeyValue(key: $0.key, value: $0.value) }, tags: [])
            _ = try await client.post("runs/log-batch", request, as: MLflowWire.Empty.self, operation: "log parameters and metrics")
        }
    }

    /// Sets tags of the run (`runs/log-batch` with tags only).
    static func setTags(_ tags: [(key: String, value: String)], runID: String, client: MLflowRESTClient) async throws(MLflowError) {
        let request = MLflowWire.LogBatchRequest(
            runID: runID, metrics: [], params: [], tags: tags.map { MLflowWire.KeyValue(key: $0.key, value: $0.value) })
        _ = try await client.post("runs/log-batch", request, as: MLflowWire.Empty.self, operation: "tag the run")
    }

    /// Uploads each file under its own name into the run's artifacts, through the server's proxy.
    static func upload(_ files: [String], artifactURI: String, client: MLflowRESTClient) async throws(MLflowError) {
        guard !files.isEmpty else { return }
        guard let root = proxyPath(ofArtifactURI: artifactURI) else {
            throw client.failure(
                .configuration, "upload the result files",
                "the run's artifacts go to \(artifactURI), which only MLflow's Python client can write; start the server with "
                    + "--serve-artifacts (the default of `mlflow server` since MLflow 2) so that artifacts go through its proxy")
        }
        for file in files {
            let name = (file as NSString).lastPathComponent
            let operation = "upload \(name)"
            guard let contents = await readFile(file) else {
                throw client.failure(.file, operation, "cannot read \(file)")
            }
            let allowed = CharacterSet.urlPathAllowed.subtracting(CharacterSet(charactersIn: "/;?#"))
            let encodedName = name.addingPercentEncoding(withAllowedCharacters: allowed) ?? name
            try await client.putArtifact(
                root + "/" + encodedName, contents: contents, contentType: contentType(of: name), operation: operation)
        }
    }

    /// Sets the run's status and end time.
    static func end(runID: String, status: MLflowRunStatus, at date: Date, client: MLflowRESTClient) async throws(MLflowError) {
        _ = try await client.post(
            "runs/update", MLflowWire.UpdateRunRequest(runID: runID, status: status.rawValue, endTime: milliseconds(date)),
            as: MLflowWire.Empty.self, operation: "end the run as \(status.rawValue)")
    }

    // MARK: Helpers

    /// The path under `/api/2.0/mlflow-artifacts/artifacts/` for a run's artifact URI:
    /// `mlflow-artifacts:/1/abc/artifacts` and `mlflow-artifacts://host:5000/1/abc/artifacts`
    /// both give `1/abc/artifacts`. Nil for any other scheme (`file:`, `s3:`, ...), which the
    /// proxy does not serve.
    static func proxyPath(ofArtifactURI uri: String) -> String? {
        let scheme = "mlflow-artifacts:"
        guard uri.hasPrefix(scheme) else { return nil }
        var rest = Substring(uri.dropFirst(scheme.count))
        if rest.hasPrefix("//") {
            rest = rest.dropFirst(2)
            rest = rest.firstIndex(of: "/").map { rest[$0...] } ?? ""
        }
        while rest.hasPrefix("/") { rest = rest.dropFirst() }
        while rest.hasSuffix("/") { rest = rest.dropLast() }
        return rest.isEmpty ? nil : String(rest)
    }

    static func contentType(of name: String) -> String {
        switch (name as NSString).pathExtension.lowercased() {
        case "json": "application/json"
        case "jsonl": "application/x-ndjson"
        case "csv": "text/csv; charset=utf-8"
        case "html", "htm": "text/html; charset=utf-8"
        case "txt", "md": "text/plain; charset=utf-8"
        default: "application/octet-stream"
        }
    }

    static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    /// The contents of the file at `path`, read on a thread of its own (never on the cooperative
    /// pool); nil when it cannot be read.
    static func readFile(_ path: String) async -> Data? {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: FileManager.default.contents(atPath: path)) }.start()
        }
    }
}
