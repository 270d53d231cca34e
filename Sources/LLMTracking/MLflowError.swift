/// Why recording a run in MLflow failed. Its ``description`` names the tracking server, what was
/// being done and the cause, ready to print as `warning: …`; the local result files are never
/// touched by a failure here.
public struct MLflowError: Error, Sendable, CustomStringConvertible {
    /// The broad cause.
    public enum Kind: Sendable, Hashable {
        /// The settings cannot work (not an http(s) URL, a deleted experiment, ...).
        case configuration
        /// No connection: refused, DNS, TLS or the connect timeout.
        case unreachable
        /// No complete answer within the request timeout.
        case timeout
        /// The server answered with an HTTP error; `code` is MLflow's `error_code` when it sent one.
        case http(status: Int, code: String?)
        /// The server answered something that is not MLflow's REST API.
        case invalidResponse
        /// A result file could not be read for upload.
        case file
    }

    public var kind: Kind
    /// The tracking server, without credentials.
    public var trackingURI: String
    /// What was being done, as a verb phrase ("create the run").
    public var operation: String
    /// The cause, for people.
    public var message: String
    /// The MLflow run, when one had been created before the failure (it is then marked FAILED
    /// when possible, or keeps what was logged so far).
    public var runID: String?

    public init(kind: Kind, trackingURI: String, operation: String, message: String, runID: String? = nil) {
        self.kind = kind
        self.trackingURI = trackingURI
        self.operation = operation
        self.message = message
        self.runID = runID
    }

    public var description: String {
        let run = runID.map { " (MLflow run \($0))" } ?? ""
        return "MLflow tracking at \(trackingURI): cannot \(operation)\(run): \(message)"
    }
}
