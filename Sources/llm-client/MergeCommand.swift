import ArgumentParser
import Foundation
import LLMBench
import LLMResults

/// `llm-client merge`: the result files of sharded workers combined into the whole run's.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge the JSON results of `--shard K/N` workers (bench or run) into the whole run's, exactly.",
        discussion: """
            Examples:
              llm-client merge results/shard-*.json -o merged.json
              llm-client report merged.json
            Benchmarks: histograms are added exactly (merged percentiles are the pooled requests' within the
            histograms' precision), counts and throughputs summed, time series summed on the wall clock.
            Batch runs: results pooled and summarised again. Files of different workloads, missing or
            repeated shards, or a request in two files are refused.
            Exit status: 0, or 2 when the files cannot be read or merged, or the output exists.
            """)

    @Argument(help: "The JSON result files of every worker (--output x.json), all of bench or all of run.")
    var resultFiles: [String]

    @Option(name: [.customShort("o"), .long], help: "The merged JSON file to write.")
    var output: String

    @Flag(name: .long, help: "Replace the output file if it exists.")
    var overwrite = false

    func validate() throws {
        guard !resultFiles.isEmpty else { throw ValidationError("Give the workers' JSON result files.") }
        if !overwrite, FileManager.default.fileExists(atPath: output) {
            throw ValidationError("--output '\(output)' already exists; give --overwrite to replace it, or another name.")
        }
    }

    func run() throws {
        let data: Data
        do {
            data = try merged()
        } catch {
            throw CommandFailure(.badInput, error: error)
        }
        do {
            try data.write(to: URL(fileURLWithPath: output), options: overwrite ? [.atomic] : [.withoutOverwriting])
        } catch {
            throw CommandFailure(.badInput, "error: cannot write \(output): \(error.localizedDescription)")
        }
        print("Merged \(resultFiles.count) files into \(output)")
    }

    /// The merged document, encoded like the commands' own JSON output.
    private func merged() throws -> Data {
        var runs: [RunDocument] = []
        var benches: [BenchDocument] = []
        for path in resultFiles {
            let document = try ResultDocument.load(path: path)
            switch document {
            case .run(let run): runs.append(run)
            case .bench(let bench): benches.append(bench)
            }
            let info = document.run
            guard info.shard != nil else {
                throw ShardMergeError(.notShards, "\(path) is not a shard's (its run has no --shard): merge the files of `--shard K/N` workers")
            }
            if info.interrupted == true {
                printError("warning: \(path) (shard \(info.shard ?? "")) was interrupted: the merged run lacks the requests it did not send")
            }
        }
        guard runs.isEmpty || benches.isEmpty else { throw ShardMergeError(.mixedKinds, "the files mix bench and run results") }
        return benches.isEmpty
            ? try ResultJSON.document(try ShardMerge.merge(runs: runs)) : try ResultJSON.document(try ShardMerge.merge(benches: benches))
    }
}
