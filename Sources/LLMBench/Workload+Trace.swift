import Foundation
import LLMClientKit
public import LLMExperiment
import LLMSupport
import OpenAIAPI

extension Workload {
    /// One request of a trace in the Mooncake format.
    public struct TraceEntry: Sendable, Hashable, Decodable {
        /// When the request was sent, in milliseconds.
        public var timestamp: Double
        public var inputLength: Int
        public var outputLength: Int
        /// Blocks of the prompt shared with other requests that name the same ids (prefix caching).
        public var hashIDs: [Int]?

        enum CodingKeys: String, CodingKey {
            case timestamp
            case inputLength = "input_length"
            case outputLength = "output_length"
            case hashIDs = "hash_ids"
        }
    }

    /// A trace to replay (Mooncake's JSONL: `timestamp` in ms, `input_length`, `output_length`,
    /// optional `hash_ids`): each request is sent at its recorded time divided by `speed`, with a
    /// prompt of its length made of one block of `blockTokens` tokens per hash id (the same id,
    /// the same text, so the server's prefix cache sees what it saw), asking for its output length.
    /// The text of a block also depends on the prompt stream: a warm-up (a stream of its own)
    /// replays the trace's start without filling the cache with the measured requests' blocks.
    public static func trace(_ path: String, speed: Double = 1, blockTokens: Int = 512, korean: Bool, seed: UInt64) throws(PromptFileError)
        -> Workload
    {
        let entries = try jsonLines(
            path, of: TraceEntry.self,
            expected: #"{"timestamp": ms, "input_length": N, "output_length": N, "hash_ids": [...]} with lengths of 1 or more"#,
            isValid: { $0.inputLength >= 1 && $0.outputLength >= 1 }
        )
        // Sent in the order of their times, whatever the file's order.
        .sorted { $0.timestamp < $1.timestamp }
        guard let first = entries.map(\.timestamp).min() else {
            throw PromptFileError(.empty, path: path, line: nil, message: "no requests in the trace")
        }
        let name =
            "trace:" + (path as NSString).lastPathComponent + (speed == 1 ? "" : "×\(speed)")
            + ",block=\(blockTokens),\(korean ? "ko" : "en"),seed=\(seed)"
        return trace(
            entries, offsets: entries.map { ($0.timestamp - first) / 1000 / speed }, name: name, blockTokens: blockTokens, korean: korean,
            seed: seed, vocabulary: .estimated(korean: korean), exactOutput: false)
    }

    private static func trace(
        _ entries: [TraceEntry], offsets: [Double], name: String, blockTokens: Int, korean: Bool, seed: UInt64,
        vocabulary: PromptVocabulary, exactOutput: Bool
    ) -> Workload {
        var workload = Workload(name: name, count: entries.count) { index, stream in
            let entry = entries[index % entries.count]
            var remaining = max(1, entry.inputLength - vocabulary.overhead)
            var text = ""
            for id in entry.hashIDs ?? [] where remaining > 0 {
                var random = SeededRandom(seed: mixSeed(seed, 0x424C_4F43_4B, UInt64(bitPattern: Int64(id)), UInt64(stream)))
                let tokens = min(blockTokens, remaining)
                text += vocabulary.words(tokens: tokens, using: &random)
                remaining -= tokens
            }
            if remaining > 0 {
                // Beyond the blocks: the request's own words.
                var random = SeededRandom(seed: mixSeed(seed, UInt64(index), UInt64(stream)))
                text += vocabulary.words(tokens: remaining, using: &random)
            }
            let parameters = Self.parameters(outputTokens: entry.outputLength, exact: exactOutput)
            return PromptEntry(id: "trace-\(index)", prompt: .text(text), parameters: parameters, line: index + 1)
        }
        let inputs = entries.map(\.inputLength)
        workload.contents = entries.map { "\($0.timestamp) \($0.inputLength) \($0.outputLength) \($0.hashIDs ?? [])" }.joined(separator: "\n")
        workload.arrivalOffsets = offsets
        workload.exactOutput = exactOutput
        workload.vocabulary = vocabulary
        workload.korean = korean
        workload.requestedLengths = (
            Int((Double(inputs.reduce(0, +)) / Double(inputs.count)).rounded()),
            Int((Double(entries.map(\.outputLength).reduce(0, +)) / Double(entries.count)).rounded())
        )
        workload.checkLengths = [inputs.min()!, inputs[inputs.count / 2], inputs.max()!]
        workload.rebuild = {
            trace(
                entries, offsets: offsets, name: name, blockTokens: blockTokens, korean: korean, seed: seed, vocabulary: $0, exactOutput: $1)
        }
        return workload
    }
}
