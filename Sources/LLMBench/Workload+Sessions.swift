import Foundation
import LLMClientKit
public import LLMExperiment
import LLMSupport
import OpenAIAPI

extension Workload {
    /// A multi-turn session: user turns sent one after the other, each after the answer to the
    /// last (and a think time), with the answers in the history.
    public struct Conversation: Sendable, Hashable, Decodable {
        public var id: String
        public var turns: [String]
        /// Seconds between an answer and the next turn, as a user reading and typing.
        public var thinkTimeS: Double

        public init(id: String, turns: [String], thinkTimeS: Double = 0) {
            self.id = id
            self.turns = turns
            self.thinkTimeS = thinkTimeS
        }

        enum CodingKeys: String, CodingKey {
            case id, turns
            case thinkTimeS = "think_time_s"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            id = try container.decode(String.self, forKey: .id)
            turns = try container.decode([String].self, forKey: .turns)
            thinkTimeS = try container.decodeIfPresent(Double.self, forKey: .thinkTimeS) ?? 0
        }
    }

    /// Sessions of `conversations`: ``count`` is the number of conversations (a pass runs each
    /// once), and a benchmark's request count is its number of sessions.
    public static func sessions(_ conversations: [Conversation], name: String) -> Workload {
        precondition(!conversations.isEmpty, "sessions need conversations")
        let first = conversations[0]
        var workload = Workload(name: name, count: conversations.count) { index, _ in
            PromptEntry(id: first.id, prompt: .text(first.turns[0]), parameters: .init(), line: index + 1)
        }
        workload.conversations = conversations
        workload.contents = conversations.map { "\($0.id) \($0.thinkTimeS) " + $0.turns.joined(separator: "\u{1F}") }.joined(separator: "\n")
        return workload
    }

    /// A conversations file: one JSON object per line, `{"id": "...", "turns": ["first user turn",
    /// "second", ...], "think_time_s": 2}`.
    public static func conversations(_ path: String) throws(PromptFileError) -> Workload {
        let conversations = try jsonLines(
            path, of: Conversation.self,
            expected: #"{"id": "...", "turns": ["...", ...], "think_time_s": seconds} with at least one turn"#,
            isValid: { !$0.turns.isEmpty && $0.thinkTimeS >= 0 })
        guard !conversations.isEmpty else { throw PromptFileError(.empty, path: path, line: nil, message: "no conversations") }
        return sessions(conversations, name: "conversations:" + (path as NSString).lastPathComponent)
    }

    /// A ShareGPT file's conversations as sessions: each conversation's human turns, in order
    /// (the recorded answers are replaced by the server's own).
    public static func shareGPTSessions(_ path: String, limit: Int? = nil) throws(PromptFileError) -> Workload {
        let data = try PromptFileError.contents(of: path)
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: data), let items = value.arrayValue else {
            throw PromptFileError(.invalidEntry, path: path, line: nil, message: "expected a JSON array of ShareGPT conversations")
        }
        var conversations: [Conversation] = []
        for (position, item) in items.enumerated() {
            let turns = (item["conversations"]?.arrayValue ?? []).compactMap { turn -> String? in
                guard ["human", "user"].contains(turn["from"]?.stringValue ?? ""), let text = turn["value"]?.stringValue, !text.isEmpty
                else { return nil }
                return text
            }
            guard !turns.isEmpty else { continue }
            conversations.append(Conversation(id: item["id"]?.stringValue ?? String(position), turns: turns))
            if let limit, conversations.count >= limit { break }
        }
        guard !conversations.isEmpty else { throw PromptFileError(.empty, path: path, line: nil, message: "no conversations with a human turn") }
        return sessions(conversations, name: "sharegpt-sessions:" + (path as NSString).lastPathComponent)
    }
}
