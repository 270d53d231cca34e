import Dispatch
public import Foundation
public import LLMClientKit
import LLMSupport
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The interactive chat in a terminal: reads lines (with libedit when standard input and output
/// are a terminal, plain lines otherwise, so the chat can be piped), streams each answer followed by
/// a line of timings on standard error, and carries out slash commands through ``ChatSession``.
///
/// Ctrl-C while an answer streams stops it and returns to the prompt (the part shown stays in the
/// conversation); Ctrl-C at the prompt clears the line; Ctrl-D at an empty prompt ends the chat.
/// Server errors are reported in one line and the chat goes on.
public struct ChatTerminal: Sendable {
    private let client: LLMClient
    private let settings: ChatSettings
    private let environment: [String: String]

    /// A chat with `client`, starting with `settings`; `environment` decides colour (`NO_COLOR`,
    /// `TERM`) and where the history file is (`XDG_STATE_HOME`, `HOME`).
    public init(client: LLMClient, settings: ChatSettings, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.client = client
        self.settings = settings
        self.environment = environment
    }

    /// Runs the chat until `/exit` or the end of input. Throws only when the model cannot be
    /// resolved at the start (no model given and the server cannot be asked for one).
    public func run() async throws(LLMClientError) {
        var session = ChatSession(settings: settings)
        session.settings.parameters.model = try await client.resolveModel(settings.parameters.model)
        let output = ChatOutput(environment: environment)
        let onTerminal = isatty(STDIN_FILENO) == 1 && isatty(STDOUT_FILENO) == 1
        var reader: any LineReader = PlainLineReader()
        if onTerminal, let editor = EditLineReader(historyFile: EditLineReader.historyFile(environment: environment), style: output.style) {
            reader = editor
        }

        let api = session.settings.api
        output.line(
            output.style.bold("llm-client chat")
                + " · \(session.settings.parameters.model ?? "") at \(client.configuration.redactedBaseURL) · \(api.rawValue) API")
        if api == .completions { output.line("(completions API: each message is sent on its own, without the conversation)") }
        output.line(output.style.dim("Type a message; /help lists commands; /exit or Ctrl-D quits."))

        let interrupter = AnswerInterrupter(exitsAtPrompt: !onTerminal)
        var input = MultilineInput()
        while true {
            guard let line = await reader.readLine(prompt: input.isPending ? "… " : "> ") else {
                if onTerminal && input.isPending {
                    input.discard()
                    output.note("(unfinished input discarded)")
                    continue
                }
                if onTerminal { output.line("") }
                return
            }
            reader.remember(line)
            guard let text = input.add(line)?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else { continue }
            if !text.contains("\n"), let command = SlashCommand(parsing: text) {
                let reply = await session.execute(command) { [client] in try await client.listModels().map(\.id) }
                if reply.exits { return }
                if reply.isError { output.error(reply.text) } else { output.line(reply.text) }
                continue
            }
            await answer(text, session: &session, output: output, interrupter: interrupter)
        }
    }

    /// Sends `text`, streams the answer, and reports how it went.
    private func answer(_ text: String, session: inout ChatSession, output: ChatOutput, interrupter: AnswerInterrupter) async {
        let request = session.request(for: text)
        let generation = Task { [client] in await client.generate(request) { output.write($0) } }
        let result = await interrupter.await(generation)
        if !request.stream { output.write(result.output) }
        // End the answer's line (or the ^C the terminal echoed); a failure before any text has none.
        if result.success || result.errorKind == .cancelled || !result.output.isEmpty { output.line("") }
        switch session.record(result, for: text) {
        case .answered:
            output.note(Self.statLine(result))
        case .stopped:
            output.note("(stopped; the part shown stays in the conversation)")
        case .failed(let message):
            output.error("error: \(message)")
        }
    }

    /// The line after an answer: `(ttft 0.05s · 16 tokens · 0.21s · 76.2 tok/s)`.
    static func statLine(_ result: RequestResult) -> String {
        let ttft = result.ttftS.map { String(format: "ttft %.2fs · ", $0) } ?? ""
        let estimated = result.tokensEstimated ? " (estimated)" : ""
        let speed = result.tokensPerSecond.map { String(format: " · %.1f tok/s", $0) } ?? ""
        return "(\(ttft)\(result.completionTokens ?? 0) tokens\(estimated) · \(String(format: "%.2fs", result.latencyS))\(speed))"
    }
}

/// Ctrl-C (SIGINT) while an answer is generated cancels that answer's task. The handler is set up
/// at the first answer and stays: libdispatch receives a signal through its own handler, which it
/// installs once per signal, so the disposition must not be switched back and forth. Between
/// answers a SIGINT ends the chat with status 130 when input is not a terminal (as it would
/// without the handler); on a terminal the Ctrl-C key never raises it there (libedit reads it as
/// a key that clears the line), and one sent from elsewhere is ignored so the terminal is not left
/// in libedit's raw mode.
final class AnswerInterrupter: Sendable {
    private let exitsAtPrompt: Bool
    private let current = Mutex<Task<RequestResult, Never>?>(nil)
    private let source = Mutex<(any DispatchSourceSignal)?>(nil)

    init(exitsAtPrompt: Bool) {
        self.exitsAtPrompt = exitsAtPrompt
    }

    deinit {
        source.withLock { $0?.cancel() }
    }

    /// Awaits `task`; a SIGINT meanwhile cancels it.
    func await(_ task: Task<RequestResult, Never>) async -> RequestResult {
        installHandler()
        current.withLock { $0 = task }
        let result = await task.value
        current.withLock { $0 = nil }
        return result
    }

    private func installHandler() {
        source.withLock { source in
            guard source == nil else { return }
            signal(SIGINT, SIG_IGN)
            let created = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
            created.setEventHandler { [weak self] in self?.interrupted() }
            created.resume()
            source = created
        }
    }

    private func interrupted() {
        if let task = current.withLock({ $0 }) {
            task.cancel()
        } else if exitsAtPrompt {
            exit(130)
        }
    }
}

/// The chat's output: answers and replies on standard output, timings and errors on standard
/// error, each styled only where colour is allowed.
struct ChatOutput: Sendable {
    let style: TerminalStyle
    let errorStyle: TerminalStyle

    init(environment: [String: String]) {
        style = .forOutput(fileDescriptor: STDOUT_FILENO, environment: environment)
        errorStyle = .forOutput(fileDescriptor: STDERR_FILENO, environment: environment)
    }

    /// Writes `text` to standard output as it is (streamed answer text).
    func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// Writes `text` and a line break to standard output.
    func line(_ text: String) {
        write(text + "\n")
    }

    /// A dim line on standard error (timings, notices).
    func note(_ text: String) {
        FileHandle.standardError.write(Data((errorStyle.dim(text) + "\n").utf8))
    }

    /// A red line on standard error.
    func error(_ text: String) {
        FileHandle.standardError.write(Data((errorStyle.red(text) + "\n").utf8))
    }
}
