/// Why a result file could not be created, read or used.
public struct ResultsError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of failure this is; stable, for `catch let e as ResultsError where e.code == .noSuchFile`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        /// The file does not exist.
        public static let noSuchFile = Code(name: "no_such_file")
        /// The file exists but cannot be read, or cannot be created or written.
        public static let unreadable = Code(name: "unreadable")
        /// The output file cannot be created or written.
        public static let unwritable = Code(name: "unwritable")
        /// The output file exists and overwriting it was not asked for.
        public static let exists = Code(name: "exists")
        /// The file is not a JSON object (a `.jsonl` or `.csv` file given for a document, say).
        public static let notJSONObject = Code(name: "not_json_object")
        /// The file is not a result file of the kind asked for (neither run nor bench, a bad JSONL line, ...).
        public static let notResults = Code(name: "not_results")
        /// The files hold nothing to work on (no results, one run to compare, no file given).
        public static let nothingToUse = Code(name: "nothing_to_use")
        public var description: String { name }
    }

    public let code: Code
    /// The file at fault, as given; empty when no file is.
    public let path: String
    /// What is wrong with the file, without its name (`no such file`).
    public let reason: String
    /// One line for the user, naming the file at fault.
    public let message: String
    public var description: String { message }

    /// An error whose message is `<path>: <reason>` (just the reason when there is no path).
    public init(_ code: Code, path: String, reason: String) {
        self.init(code: code, path: path, reason: reason, message: path.isEmpty ? reason : "\(path): \(reason)")
    }

    /// An error whose message is `cannot use <path>: <reason>`, as the commands that read and
    /// write run results word it.
    public static func cannotUse(_ code: Code, path: String, reason: String) -> ResultsError {
        ResultsError(code: code, path: path, reason: reason, message: "cannot use \(path): \(reason)")
    }

    private init(code: Code, path: String, reason: String, message: String) {
        self.code = code
        self.path = path
        self.reason = reason
        self.message = message
    }
}
