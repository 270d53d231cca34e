public import Foundation

/// Where and how to record runs in MLflow: the tracking server, the experiment, the run's name,
/// the server's credentials and the network limits. Free of any command-line parser: the command
/// line fills it from `--mlflow-uri` and `--mlflow-experiment`, or ``fromEnvironment(trackingURI:experimentName:runName:environment:)``
/// from MLflow's own environment variables.
public struct MLflowSettings: Sendable, Hashable {
    /// The tracking server's base URL (`http://127.0.0.1:5000`, perhaps with a path prefix), without
    /// a trailing slash and without `user:password@` (those become ``username`` and ``password``).
    public var trackingURI: String
    /// The experiment to record runs in; created when it does not exist.
    public var experimentName: String
    /// The run's name in MLflow; nil lets ``MLflowTracker`` name it after the document
    /// (`run-<model>-<start>` or `bench-<model>-<start>`).
    public var runName: String?
    /// A bearer token (`MLFLOW_TRACKING_TOKEN`); takes precedence over ``username``/``password``.
    public var token: String?
    /// HTTP basic credentials (`MLFLOW_TRACKING_USERNAME`, `MLFLOW_TRACKING_PASSWORD`).
    public var username: String?
    public var password: String?
    /// How long to wait for a connection to the tracking server.
    public var connectTimeout: Duration
    /// How long one REST call (or one artifact upload) may take in all.
    public var requestTimeout: Duration

    /// The experiment runs go to when none is named (and `MLFLOW_EXPERIMENT_NAME` is unset).
    public static let defaultExperimentName = "llm-client"

    /// Settings for the server at `trackingURI`, which must be an `http` or `https` URL. Credentials
    /// written into the URL (`http://user:secret@host`) are moved to ``username`` and ``password``.
    public init(
        trackingURI: String, experimentName: String = MLflowSettings.defaultExperimentName, runName: String? = nil,
        token: String? = nil, username: String? = nil, password: String? = nil, connectTimeout: Duration = .seconds(5),
        requestTimeout: Duration = .seconds(30)
    ) throws(MLflowError) {
        let trimmed = trackingURI.trimmingCharacters(in: .whitespaces)
        guard var components = URLComponents(string: trimmed), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
        else {
            throw MLflowError(
                .configuration, trackingURI: trimmed, operation: "use the tracking URI",
                reason: "llm-client talks to MLflow over its REST API and needs an http:// or https:// URL of a tracking server "
                    + "(start one with `mlflow server`), not '\(trimmed)'")
        }
        self.username = username ?? components.user.map { $0.removingPercentEncoding ?? $0 }
        self.password = password ?? components.password.map { $0.removingPercentEncoding ?? $0 }
        components.user = nil
        components.password = nil
        var base = components.string ?? trimmed
        while base.hasSuffix("/") { base.removeLast() }
        self.trackingURI = base
        let name = experimentName.trimmingCharacters(in: .whitespaces)
        self.experimentName = name.isEmpty ? Self.defaultExperimentName : name
        self.runName = runName.flatMap { $0.isEmpty ? nil : $0 }
        self.token = token.flatMap { $0.isEmpty ? nil : $0 }
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
    }

    /// Settings from the command line's values, falling back on MLflow's environment variables:
    /// `MLFLOW_TRACKING_URI`, `MLFLOW_EXPERIMENT_NAME`, `MLFLOW_RUN_NAME`, `MLFLOW_TRACKING_TOKEN`,
    /// `MLFLOW_TRACKING_USERNAME` and `MLFLOW_TRACKING_PASSWORD`. Nil when no tracking URI is given
    /// either way (tracking is off); throws when the URI is not an http(s) URL.
    public static func fromEnvironment(
        trackingURI: String? = nil, experimentName: String? = nil, runName: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(MLflowError) -> MLflowSettings? {
        func value(_ name: String) -> String? {
            guard let value = environment[name], !value.isEmpty else { return nil }
            return value
        }
        guard let uri = trackingURI.flatMap({ $0.isEmpty ? nil : $0 }) ?? value("MLFLOW_TRACKING_URI") else { return nil }
        return try MLflowSettings(
            trackingURI: uri, experimentName: experimentName ?? value("MLFLOW_EXPERIMENT_NAME") ?? defaultExperimentName,
            runName: runName ?? value("MLFLOW_RUN_NAME"), token: value("MLFLOW_TRACKING_TOKEN"),
            username: value("MLFLOW_TRACKING_USERNAME"), password: value("MLFLOW_TRACKING_PASSWORD"))
    }

    /// The `Authorization` header value for the tracking server, if it needs one.
    var authorization: String? {
        if let token { return "Bearer \(token)" }
        guard let username else { return nil }
        return "Basic " + Data("\(username):\(password ?? "")".utf8).base64EncodedString()
    }
}
