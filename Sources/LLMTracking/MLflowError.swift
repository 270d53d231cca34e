/// Why recording a run in MLflow failed. Its ``message`` names the tracking server, what was
/// being done and the cause, ready to print as `warning: …`; the local result files are never
/// touched by a failure here.
public struct MLflowError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of failure this is; stable, for `catch let e as MLflowError where e.code == .unreachable`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        /// The settings cannot work (not an http(s) URL, a deleted experiment, artifacts the server does not proxy, ...).
        public static let configuration = Code(name: "configuration")
        /// No connection: refused, DNS, TLS or the connect timeout.
        public static let unreachable = Code(name: "unreachable")
        /// No complete answer within the request timeout.
        public static let timeout = Code(name: "timeout")
        /// The server answered with an HTTP error (``httpStatus``, and ``serverErrorCode`` when MLflow sent one).
        public static let http = Code(name: "http")
        /// The server answered something that is not MLflow's REST API.
        public static let invalidResponse = Code(name: "invalid_response")
        /// A result file could not be read for upload.
        public static let file = Code(name: "file")
        public var description: String { name }
    }

    public let code: Code
    /// The tracking server, without credentials.
    public let trackingURI: String
    /// What was being done, as a verb phrase ("create the run").
    public let operation: String
    /// The cause, for people.
    public let reason: String
    /// The HTTP status of an ``Code/http`` failure.
    public let httpStatus: Int?
    /// MLflow's `error_code` of an ``Code/http`` failure (`RESOURCE_DOES_NOT_EXIST`), when it sent one.
    public let serverErrorCode: String?
    /// The MLflow run, when one had been created before the failure.
    public let runID: String?
    /// One line for the user: `MLflow tracking at <uri>: cannot <operation> (MLflow run <id>): <reason>`.
    public let message: String
    public var description: String { message }

    public init(
        _ code: Code, trackingURI: String, operation: String, reason: String, httpStatus: Int? = nil, serverErrorCode: String? = nil,
        runID: String? = nil
    ) {
        self.code = code
        self.trackingURI = trackingURI
        self.operation = operation
        self.reason = reason
        self.httpStatus = httpStatus
        self.serverErrorCode = serverErrorCode
        self.runID = runID
        let run = runID.map { " (MLflow run \($0))" } ?? ""
        message = "MLflow tracking at \(trackingURI): cannot \(operation)\(run): \(reason)"
    }

    /// The same failure, said to have happened in the MLflow run `runID`.
    public func inRun(_ runID: String) -> MLflowError {
        MLflowError(
            code, trackingURI: trackingURI, operation: operation, reason: reason, httpStatus: httpStatus, serverErrorCode: serverErrorCode,
            runID: runID)
    }

    /// True for an HTTP failure with `status` and MLflow's `errorCode`.
    func isHTTP(_ status: Int, _ errorCode: String) -> Bool {
        code == .http && httpStatus == status && serverErrorCode == errorCode
    }
}
