import ArgumentParser
import Foundation
import LLMClientKit
import LLMExperiment

/// `llm-client`: the root command. Without a subcommand it runs `run` (the seed's command line).
struct RootCommand: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "llm-client",
        abstract: "Talk to, batch-run and measure OpenAI-compatible LLM servers (vLLM, llama.cpp, SGLang, TGI, Ollama).",
        discussion: """
            Examples:
              llm-client --prompt "인공지능을 설명해주세요"
              llm-client --prompt-file examples/prompts.txt --output results.json
              llm-client --prompt-file prompts.txt --concurrent 3 --repeat 5
              llm-client --interactive
              llm-client bench --prompt-file examples/prompts.txt --concurrent 1,2,4,8
            """,
        version: version,
        subcommands: [RunCommand.self, BenchCommand.self, ChatCommand.self, HealthCommand.self, ModelsCommand.self, ServeSimCommand.self],
        defaultSubcommand: RunCommand.self)
}

/// `llm-client run` (the default): a single prompt, a prompt file, or an interactive chat.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Send a prompt or every prompt of a file (in parallel, repeated), save the results, print a summary (the default).")

    @OptionGroup(title: "Server") var server: ServerOptions
    @OptionGroup(title: "Generation") var generation: GenerationOptions

    @Option(name: .long, help: "One prompt to send.") var prompt: String?
    @Option(name: .long, help: "A prompt file: .txt (one per line), .json, .jsonl or .csv (a prompt column).")
    var promptFile: String?
    @Flag(name: .long, help: "Chat interactively (same as the chat subcommand).") var interactive = false
    @Option(name: .long, help: "Save every result: .json, .jsonl or .csv (or --format); repeat for several files.")
    var output: [String] = []
    @Option(name: .long, help: "Output format: json, jsonl or csv (default: from --output's extension).")
    var format: OutputFormat?
    @Option(name: .long, help: "Requests in flight at once.") var concurrent = 1
    @Option(name: .long, help: "How many times to send each prompt.") var `repeat` = 1
    @Option(name: .long, help: "System prompt for the chat API.") var system: String?
    @Flag(name: .long, help: "Print only the summary.") var quiet = false

    func validate() throws {
        if [prompt != nil, promptFile != nil, interactive].filter({ $0 }).count > 1 {
            throw ValidationError("Give only one of --prompt, --prompt-file and --interactive.")
        }
        guard generation.temperature.values.count == 1 else {
            throw ValidationError("--temperature takes one value here; `llm-client bench` sweeps a comma list.")
        }
        guard concurrent >= 1 else { throw ValidationError("--concurrent must be at least 1, got \(concurrent).") }
        guard self.repeat >= 1 else { throw ValidationError("--repeat must be at least 1, got \(self.repeat).") }
        if let prompt, prompt.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw ValidationError("--prompt is empty.")
        }
        for path in output where format == nil && OutputFormat(path: path) == nil {
            throw ValidationError("Cannot tell the format of --output '\(path)' from its extension: use .json, .jsonl or .csv, or give --format.")
        }
    }

    func run() async throws {
        guard prompt != nil || promptFile != nil || interactive else {
            throw ValidationError("Give one of --prompt, --prompt-file or --interactive (or a subcommand; see --help).")
        }
        if interactive {
            try await ChatLoop(server: server, generation: generation, system: system).run()
            return
        }
        let prompts: [PromptEntry]
        if let promptFile {
            do {
                prompts = try PromptFile.load(path: promptFile)
            } catch {
                printError("error: \(error)")
                throw ExitCode(2)
            }
        } else {
            prompts = [PromptEntry(id: nil, prompt: promptInput(prompt ?? ""), parameters: .init(), line: 1)]
        }

        let plan = ExperimentPlan(
            prompts: prompts, promptFile: promptFile, repeatCount: self.repeat, concurrency: concurrent,
            api: generation.api ?? .completions, stream: !generation.noStream, parameters: generation.parameters,
            outputs: output.map { (path: $0, format: format ?? OutputFormat(path: $0) ?? .json) })
        let total = prompts.count * self.repeat
        let streamsToTerminal = total == 1 && !quiet && plan.stream
        let outcome: ExperimentOutcome
        do {
            outcome = try await LLMClient.withClient(server.clientConfiguration(maxConnections: concurrent)) { client in
                if streamsToTerminal {
                    return try await ExperimentRunner.run(plan, client: client, toolVersion: RootCommand.version, onText: { text in
                        FileHandle.standardOutput.write(Data(text.utf8))
                    })
                }
                return try await ExperimentRunner.run(plan, client: client, toolVersion: RootCommand.version, onResult: { result, done in
                    if !quiet { printError(Self.progressLine(result, done: done, total: total)) }
                })
            }
        } catch let error as LLMClientError {
            printError("error: \(error)")
            throw ExitCode(1)
        } catch let error as ExperimentError {
            printError("error: \(error)")
            throw ExitCode(1)
        }
        if streamsToTerminal { print("\n") }
        if total == 1, !plan.stream, !quiet, let result = outcome.results.first, result.success { print(result.output + "\n") }
        for result in outcome.results where !result.success && total == 1 {
            printError("error: \(result.error ?? "unknown error")")
        }
        print(formatSummary(outcome.summary))
        for path in output { print("Results saved to \(path)") }
        if outcome.summary.failed > 0 { throw ExitCode(1) }
    }

    private func promptInput(_ text: String) -> PromptInput {
        if generation.api == .chat, let system {
            return .messages([.init(role: "system", content: system), .init(role: "user", content: text)])
        }
        return .text(text)
    }

    /// One line per finished request: status, timing, tokens and the start of the answer.
    static func progressLine(_ result: RequestResult, done: Int, total: Int) -> String {
        let width = String(total).count
        let counter = "[" + String(repeating: " ", count: width - String(done).count) + "\(done)/\(total)]"
        guard result.success else {
            return "\(counter) ✗ #\(result.index) \(result.error ?? "failed")"
        }
        let ttft = result.ttftS.map { String(format: " ttft %.3fs", $0) } ?? ""
        let tokens = result.completionTokens.map { " \($0) tok" } ?? ""
        let preview = result.output.replacingOccurrences(of: "\n", with: " ").trimmingCharacters(in: .whitespaces)
        let shortened = preview.count > 60 ? String(preview.prefix(60)) + "…" : preview
        return "\(counter) ✓ #\(result.index) \(String(format: "%.3fs", result.latencyS))\(ttft)\(tokens)  \(shortened)"
    }
}

extension OutputFormat: ExpressibleByArgument {}
