public import ArgumentParser
import Foundation
import LLMClientKit
import LLMExperiment
import LLMReport
import LLMResults
import LLMSupport
import LLMTracking
import Synchronization

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
    @OptionGroup(title: "Output") var outputs: OutputOptions
    @OptionGroup(title: "Quality: expectations and judge") var quality: QualityOptions
    @OptionGroup(title: "Report and tracking") var record: RecordOptions
    @OptionGroup(title: "Sharing a workload among workers") var sharding: ShardOptions
    @Option(name: .long, help: "Format of the --output files without a .json, .jsonl or .csv extension: json, jsonl or csv.")
    var format: OutputFormat?
    @Option(name: .long, parsing: .unconditional, help: "Requests in flight at once.") var concurrent = 1
    @Option(name: .long, parsing: .unconditional, help: "How many times to send each prompt.") var `repeat` = 1
    @Option(name: .long, help: "System prompt for the chat API.") var system: String?
    @Flag(name: .long, help: "Print only the summary.") var quiet = false
    @Option(name: .long, help: "Continue an interrupted run from its JSONL results: keep its successful requests, send the rest, append to it.")
    var resume: String?
    @Option(name: .long, help: "Seconds that requests in flight get to finish after Ctrl-C or SIGTERM.")
    var gracePeriod: Double = 5

    private var output: [String] { outputs.output }

    func validate() throws {
        if [prompt != nil, promptFile != nil, interactive].filter({ $0 }).count > 1 {
            throw ValidationError("Give only one of --prompt, --prompt-file and --interactive.")
        }
        if interactive, settings.count > 1 {
            throw ValidationError("The interactive chat takes one --temperature and one --model.")
        }
        if interactive, quality.isGiven {
            throw ValidationError("--expect-*, --fail-on-assert and --judge-* apply to --prompt and --prompt-file runs, not to the interactive chat.")
        }
        if resume != nil, !settings.isEmpty {
            throw ValidationError("--resume continues plain runs; rerun a comparison of several settings in full.")
        }
        guard concurrent >= 1 else { throw ValidationError("--concurrent must be at least 1, got \(concurrent).") }
        guard self.repeat >= 1 else { throw ValidationError("--repeat must be at least 1, got \(self.repeat).") }
        try sharding.check(concurrency: [concurrent], option: "--concurrent")
        if let prompt, prompt.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw ValidationError("--prompt is empty.")
        }
        for path in output where format == nil && OutputFormat(path: path) == nil {
            throw ValidationError("Cannot tell the format of --output '\(path)' from its extension: use .json, .jsonl or .csv, or give --format.")
        }
        if let format, let path = output.first(where: { OutputFormat(path: $0).map { $0 != format } ?? false }) {
            throw ValidationError(
                "--format \(format.rawValue) contradicts --output '\(path)'; --format is for files without a .json, .jsonl or .csv extension.")
        }
        guard gracePeriod >= 0 else { throw ValidationError("--grace-period must be 0 or more, got \(gracePeriod).") }
        if let resume {
            guard promptFile != nil else { throw ValidationError("--resume needs the run's --prompt-file.") }
            guard FileManager.default.fileExists(atPath: resume) else { throw ValidationError("--resume: '\(resume)' does not exist.") }
            guard OutputFormat(path: resume) == .jsonl else { throw ValidationError("--resume takes the run's .jsonl results, got '\(resume)'.") }
        }
        try outputs.checkNoClobber(except: resume)
        try record.checkNoClobber(overwrite: outputs.overwrite)
        try checkFileLimit(connections: concurrent)
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
                throw CommandFailure(.badInput, error: error)
            }
        } else {
            prompts = [PromptEntry(id: nil, prompt: promptInput(prompt ?? ""), parameters: .init(), line: 1)]
        }

        var outputFiles = output.map { (path: $0, format: OutputFormat(path: $0) ?? format ?? .json) }
        if let resume, !output.contains(resume) { outputFiles.append((path: resume, format: .jsonl)) }
        let plan = ExperimentPlan(
            prompts: prompts, promptFile: promptFile, repeatCount: self.repeat, concurrency: concurrent,
            api: generation.api ?? .completions, stream: !generation.noStream, parameters: generation.parameters,
            outputs: outputFiles, overwrite: outputs.overwrite, resumeFile: resume, settings: settings,
            shard: try sharding.resolvedShard())
        do {
            _ = try plan.resumedResults()  // a file of another run stops here, before anything is sent
        } catch {
            throw CommandFailure(.badInput, error: error)
        }
        let session = ExperimentSession(
            plan: plan, expectations: quality.expectations, judge: try quality.judgeSettings(server: server),
            startAt: try sharding.announcedStart(quiet: quiet), toolVersion: RootCommand.version)
        let interruption = await Interruption(gracePeriod: gracePeriod)
        if quality.judgesMeasuredServer(server), !quiet {
            printError("note: the judge asks the server being measured, so it scores the answers after the last request")
        }
        if quality.failOnAssert, quality.expectations.isEmpty, !prompts.contains(where: { !$0.expectations.isEmpty }) {
            printError("note: --fail-on-assert, but no prompt has expectations (expect_* keys or --expect-* options): nothing to check")
        }
        let total = plan.shareCount
        let streamsToTerminal = total == 1 && !quiet && plan.stream
        let progress = TerminalProgress.onTerminal(ProgressBar(total: total), enabled: !quiet && total > 1)
        let failures = Mutex(0)
        let outcome: ExperimentOutcome?
        do {
            let configuration = server.clientConfiguration(maxConnections: concurrent)
            outcome = try await interruption.run { [quiet] () async throws -> ExperimentOutcome? in
                if streamsToTerminal {
                    return try await session.run(
                        configuration: configuration, stop: interruption.stop,
                        onText: { text in FileHandle.standardOutput.write(Data(text.utf8)) })
                }
                return try await session.run(
                    configuration: configuration, stop: interruption.stop,
                    onResult: { result, done in
                        guard !quiet else { return }
                        let line = Self.progressLine(result, done: done, total: total)
                        let failed = failures.withLock { count in
                            if !result.success { count += 1 }
                            return count
                        }
                        guard let progress else { return printError(line) }
                        progress.printAbove(line)
                        progress.update(done: done, failed: failed, force: done == total)
                    })
            }
        } catch let error as ExperimentError {
            progress?.finish()
            switch error.code {
            case .server:
                await record.track { tracker throws(MLflowError) in
                    try await tracker.logRun(
                        run: session.plannedRun(baseURL: server.redactedBaseURL), summary: ResultSummary(results: [], durationSeconds: 0),
                        resultFiles: [], status: .failed)
                }
                throw CommandFailure(interruption.wasInterrupted ? .interrupted : .failed, error: error)
            case .resultFile, .resume: throw CommandFailure(.badInput, error: error)
            default: throw CommandFailure(.failed, error: error)
            }
        }
        guard let outcome else { throw ShardOptions.interruptedBeforeStart }
        progress?.finish()
        if streamsToTerminal { print("\n") }
        if total == 1, !plan.stream, !quiet, let result = outcome.results.first, result.success { print(result.output + "\n") }
        for result in outcome.results where !result.success && total == 1 {
            printError("error: \(result.error ?? "unknown error")")
        }
        let style = TerminalStyle.forOutput(fileDescriptor: STDOUT_FILENO, environment: ProcessInfo.processInfo.environment)
        print(formatSummary(outcome.summary, style: style))
        let document = RunDocument(run: outcome.run, summary: outcome.summary, results: outcome.results)
        if let settings = document.settings { print(formatSettingsTable(settings, style: style) + "\n") }
        if !quiet, let consistency = outcome.summary.quality?.consistency { print(formatConsistencyTable(consistency, style: style) + "\n") }
        let failedExpectations = outcome.results.filter { $0.assertionsPassed == false }
        if !quiet, !failedExpectations.isEmpty { print(Self.expectationFailures(failedExpectations, style: style) + "\n") }
        let unjudged = outcome.results.filter { $0.success && $0.judgeScore == nil && $0.judgeError != nil }
        if let first = unjudged.first?.judgeError {
            printError("warning: \(unjudged.count) answer\(unjudged.count == 1 ? "" : "s") without the judge's score; the first: \(first)")
        }
        for path in outputFiles.map(\.path) { print("Results saved to \(path)") }
        let reportName = outputFiles.first { $0.format == .json }.map { ($0.path as NSString).lastPathComponent } ?? "run"
        let report = record.writeReport(ReportInput(run: document, name: reportName), overwrite: outputs.overwrite)
        let artifacts = outputFiles.map(\.path) + (report.map { [$0] } ?? [])
        await record.track { tracker throws(MLflowError) in
            try await tracker.logRun(
                document: document, resultFiles: artifacts,
                status: MLflowRunStatus(interrupted: interruption.wasInterrupted, completed: true))
        }
        switch outcome.ending(interrupted: interruption.wasInterrupted, failOnAssert: quality.failOnAssert) {
        case .completed: return
        case .interrupted:
            let jsonl = outputFiles.first { $0.format == .jsonl }?.path
            printError(
                "interrupted: \(outcome.results.count) of \(total) requests sent, \(outcome.summary.successful) succeeded; "
                    + (jsonl.map { "continue with --resume \($0)" } ?? "save results with --output FILE.jsonl to be able to --resume"))
            throw CommandFailure(.interrupted, nil)
        case .requestsFailed: throw CommandFailure(.failed, nil)
        case .expectationsFailed(let failed, let checked):
            throw CommandFailure(.expectationsFailed, "error: \(failed) of \(checked) answers failed their expectations (--fail-on-assert)")
        }
    }

    /// The answers that failed their expectations, one line per failure (at most 20 answers).
    static func expectationFailures(_ results: [RequestResult], style: TerminalStyle) -> String {
        var lines = [style.bold("✗ ANSWERS THAT FAILED THEIR EXPECTATIONS")]
        for result in results.prefix(20) {
            let name = "#\(result.index)" + (result.promptID.map { " [\($0)]" } ?? "") + (result.setting.map { " \($0)" } ?? "")
            for failure in result.assertionFailures ?? [] { lines.append("  \(name): \(failure)") }
        }
        if results.count > 20 { lines.append("  … and \(results.count - 20) more (assertion_failures in the results)") }
        return lines.joined(separator: "\n")
    }

    /// The temperatures and models given as comma lists (`--temperature 0.1,0.9`, `--model a,b`).
    private var settings: [ExperimentSetting] {
        ExperimentSetting.combinations(temperatures: generation.temperature.values, models: generation.models)
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
        var tokens = result.completionTokens.map { " \($0) tok" } ?? ""
        if let passed = result.assertionsPassed { tokens += passed ? " expect ✓" : " expect ✗" }
        if let score = result.judgeScore { tokens += String(format: " judge %g", score) } else if result.judgeError != nil { tokens += " judge ✗" }
        let preview = result.output.replacingOccurrences(of: "\n", with: " ").trimmingCharacters(in: .whitespaces)
        let shortened = preview.count > 60 ? String(preview.prefix(60)) + "…" : preview
        return "\(counter) ✓ #\(result.index) \(String(format: "%.3fs", result.latencyS))\(ttft)\(tokens)  \(shortened)"
    }
}

extension OutputFormat: ExpressibleByArgument {}
