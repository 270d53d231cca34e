import ArgumentParser
import Foundation
import LLMBench
import LLMExperiment
import LLMReport
import LLMResults
import LLMSupport

/// `llm-client compare`: result files side by side, with the differences from the first run.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract:
            "Compare run results side by side: per prompt the answers, tokens and timings; per run the metrics and their change from the first run.",
        discussion: """
            The first run is the baseline. Latency, TTFT, per-request tokens/s and judge scores (when judged) are tested against run-to-run noise (two-sided Mann–Whitney U on the per-request values, significant at p < 0.05; bootstrap 95 % interval of the difference in medians). A file whose results carry several settings (--temperature 0.1,0.9 or --model a,b) is split into one run per setting. Prompts are matched by prompt_id, else by their text. A benchmark's .json document (llm-client bench, or merge of its shards) gives one run per load level with the summary metrics from its histograms; its per-request tests and prompts need its .jsonl results.

            Examples:
              llm-client compare low.json high.json
              llm-client compare sweep.json          # the settings of one run
              llm-client compare a.json b.jsonl -o compare.json --report compare.html
            Exit status: 0, or 2 for a missing or unreadable result file, fewer than two runs, or an output that exists.
            """)

    @Argument(help: "Result files of llm-client run or bench: .json documents or .jsonl files; the first is the baseline.")
    var resultFiles: [String]

    @Option(name: [.customShort("o"), .long], help: "Also write the comparison as JSON (every prompt, the tests' statistics).")
    var output: String?

    @Option(name: .long, help: "Also write a self-contained HTML report with the runs overlaid on the same axes.")
    var report: String?

    @Flag(name: .long, help: "Replace the output files if they exist.")
    var overwrite = false

    @Option(name: .long, help: "Prompts shown in the terminal (the JSON and HTML outputs have all).")
    var maxPrompts: Int = 20

    func validate() throws {
        guard !resultFiles.isEmpty else { throw ValidationError("Give the result files to compare (two or more, or one with several settings).") }
        guard maxPrompts >= 0 else { throw ValidationError("--max-prompts must be 0 or more, got \(maxPrompts).") }
        if let output, output == report { throw ValidationError("--output and --report must be different files.") }
        guard !overwrite else { return }
        for (option, path) in [("--output", output), ("--report", report)] {
            if let path, FileManager.default.fileExists(atPath: path) {
                throw ValidationError("\(option) '\(path)' already exists; give --overwrite to replace it, or another name.")
            }
        }
    }

    func run() throws {
        let comparison: RunComparison
        do {
            comparison = try RunComparison.load(resultFiles: resultFiles)
        } catch {
            throw CommandFailure(.badInput, error: error)
        }
        let style = TerminalStyle.forOutput(fileDescriptor: STDOUT_FILENO, environment: ProcessInfo.processInfo.environment)
        let columns = ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init) ?? 100
        print(comparison.formatted(style: style, maxPrompts: maxPrompts, width: max(60, columns)))
        if let output {
            do {
                let url = URL(fileURLWithPath: output)
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try comparison.jsonData().write(to: url, options: overwrite ? [.atomic] : [.withoutOverwriting])
            } catch {
                throw CommandFailure(.badInput, "error: cannot write \(output): \(error.localizedDescription)")
            }
            print("Comparison saved to \(output)")
        }
        if let report {
            do {
                try HTMLReport.write(ReportInput(comparison: comparison), to: report, overwrite: overwrite)
            } catch {
                throw CommandFailure(.badInput, error: error)
            }
            print("Report written to \(report)")
        }
    }
}
