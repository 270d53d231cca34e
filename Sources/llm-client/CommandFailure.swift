import ArgumentParser

/// Why a command ends unsuccessfully: its exit status and the line for standard error.
///
/// Commands throw it; ``EntryPoint`` prints the message and exits with the status, in one place.
struct CommandFailure: Error, CustomStringConvertible {
    /// The exit statuses of `llm-client`, as the README documents them.
    enum Status: Int32, Sendable {
        /// Requests failed, the server could not be reached, or a file could not be written.
        case failed = 1
        /// Bad input: options, files or result documents; nothing was sent.
        case badInput = 2
        /// A benchmark level missed its service-level objective.
        case sloMissed = 3
        /// Answers failed their expectations under `--fail-on-assert`.
        case expectationsFailed = 4
        /// Stopped by Ctrl-C or SIGTERM.
        case interrupted = 130
    }

    /// The exit status.
    let status: Status
    /// The line printed on standard error, or `nil` when the command already said why.
    let message: String?

    /// A failure with `status` and a message.
    init(_ status: Status, _ message: String?) {
        self.status = status
        self.message = message
    }

    /// A failure with `status` whose message is `error: <underlying error>`.
    init(_ status: Status, error: any Error) {
        self.init(status, "error: \(error)")
    }

    var description: String { message ?? "exit status \(status.rawValue)" }
}
