import ArgumentParser
import Foundation
import LLMReport

/// `llm-client report`: a self-contained HTML report of result files.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a self-contained HTML report (charts and tables) of run or bench JSON results; several files are compared.",
        discussion: """
            Examples:
              llm-client report results.json                      # writes results.html next to it
              llm-client report sweep.json -o sweep-report.html
              llm-client report a.json b.json -o comparison.html  # the runs overlaid, named by file name
            Exit status: 0, or 2 for a missing, unreadable or unknown result file, or an output that exists.
            """)

    @Argument(help: "JSON result files of llm-client run or bench (--output x.json).")
    var resultFiles: [String]

    @Option(
        name: [.customShort("o"), .long], help: "The HTML file to write (default: the first result file with .html, or -comparison.html for several)."
    )
    var output: String?

    @Flag(name: .long, help: "Replace the output file if it exists.")
    var overwrite = false

    func validate() throws {
        guard !resultFiles.isEmpty else { throw ValidationError("Give at least one JSON result file.") }
    }

    /// The output path: `--output`, else next to the first result file.
    var outputPath: String {
        if let output { return output }
        let first = resultFiles[0] as NSString
        let base = first.pathExtension.lowercased() == "json" ? first.deletingPathExtension : first as String
        return base + (resultFiles.count > 1 ? "-comparison.html" : ".html")
    }

    func run() throws {
        do {
            try HTMLReport.write(resultFiles: resultFiles, to: outputPath, overwrite: overwrite)
        } catch {
            throw CommandFailure(.badInput, error: error)
        }
        print("Report written to \(outputPath)")
    }
}
