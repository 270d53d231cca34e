import Foundation
import LLMChat
import LLMClientKit
import LLMSimulator
import OpenAIAPI
import TestSupport
import Testing

@Suite struct ChatSessionTests {
    private let noModels: @Sendable () async throws -> [String] = { [] }

    private func session(api: APIKind = .chat, system: String? = nil) -> ChatSession {
        ChatSession(
            settings: ChatSettings(
                api: api, parameters: GenerationParameters(model: "llm-sim", temperature: 0.7, maxTokens: 64), system: system))
    }

    /// A result for `session`'s request for `message`, as the client would return it.
    private func result(
        for message: String, in session: ChatSession, output: String, success: Bool = true, kind: ErrorKind? = nil
    ) -> RequestResult {
        var result = RequestResult(request: session.request(for: message), model: "llm-sim", startedAt: Timestamp())
        result.output = output
        result.success = success
        result.errorKind = kind
        result.error = kind.map { $0 == .cancelled ? "cancelled" : "HTTP 500: boom" }
        result.promptTokens = 10
        result.completionTokens = success ? 4 : nil
        result.latencyS = 0.5
        result.ttftS = 0.1
        return result
    }

    @Test func slashCommandsAreParsedWithTheirArguments() {
        #expect(SlashCommand(parsing: "hello /there") == nil)
        #expect(SlashCommand(parsing: "/help") == .help)
        #expect(SlashCommand(parsing: "  /temperature 0.3 ") == .temperature("0.3"))
        #expect(SlashCommand(parsing: "/temperature") == .temperature(nil))
        #expect(SlashCommand(parsing: "/MAX-TOKENS 12") == .maxTokens("12"))
        #expect(SlashCommand(parsing: "/system   짧게 답해   ") == .system("짧게 답해"))
        #expect(SlashCommand(parsing: "/model llama-3") == .model("llama-3"))
        #expect(SlashCommand(parsing: "/models") == .models)
        #expect(SlashCommand(parsing: "/save ~/chat.json") == .save("~/chat.json"))
        #expect(SlashCommand(parsing: "/quit") == .exit)
        #expect(SlashCommand(parsing: "/frobnicate now") == .unknown("/frobnicate"))
    }

    @Test func settingsCommandsChangeTheNextRequest() async {
        var chat = session()
        #expect(await chat.execute(.temperature("0.2"), listModels: noModels) == .init("temperature = 0.2"))
        #expect(await chat.execute(.maxTokens("12"), listModels: noModels) == .init("max tokens = 12"))
        #expect(await chat.execute(.model("other"), listModels: noModels) == .init("model = other"))
        #expect(await chat.execute(.system("짧게 답해"), listModels: noModels) == .init("(system prompt set)"))
        let request = chat.request(for: "안녕")
        #expect(request.parameters.temperature == 0.2)
        #expect(request.parameters.maxTokens == 12)
        #expect(request.parameters.model == "other")
        #expect(request.prompt == .messages([ChatMessage(role: "system", content: "짧게 답해"), ChatMessage(role: "user", content: "안녕")]))
        #expect(await chat.execute(.system(nil), listModels: noModels) == .init("(system prompt removed)"))
        #expect(chat.request(for: "안녕").prompt == .messages([ChatMessage(role: "user", content: "안녕")]))
        #expect(await chat.execute(.temperature(nil), listModels: noModels) == .init("temperature = 0.2"))
    }

    @Test func badArgumentsAreRefusedAndChangeNothing() async {
        var chat = session()
        for command in [SlashCommand.temperature("hot"), .temperature("-1"), .temperature("3"), .maxTokens("0"), .maxTokens("many"), .save(nil)] {
            let reply = await chat.execute(command, listModels: noModels)
            #expect(reply.isError, "\(command)")
            #expect(!reply.exits)
        }
        #expect(chat.settings.parameters.temperature == 0.7)
        #expect(chat.settings.parameters.maxTokens == 64)
        let unknown = await chat.execute(.unknown("/frobnicate"), listModels: noModels)
        #expect(unknown.isError && unknown.text.contains("/help"))
        #expect(await chat.execute(.exit, listModels: noModels).exits)
        #expect(await chat.execute(.help, listModels: noModels).text.contains("/max-tokens N"))
    }

    @Test func modelsAreListedWithTheCurrentOneMarked() async {
        var chat = session()
        let reply = await chat.execute(.models, listModels: { ["llm-sim", "other"] })
        #expect(reply == .init("* llm-sim\n  other"))
        struct Down: Error, CustomStringConvertible { var description: String { "connection refused" } }
        let failed = await chat.execute(.models, listModels: { throw Down() })
        #expect(failed.isError && failed.text.contains("connection refused"))
    }

    @Test func theConversationGrowsWithAnswersAndKeepsWhatAStoppedAnswerShowed() {
        var chat = session()
        #expect(chat.record(result(for: "안녕하세요", in: chat, output: "반갑습니다"), for: "안녕하세요") == .answered)
        #expect(chat.record(result(for: "더 길게", in: chat, output: "그러니까", success: false, kind: .cancelled), for: "더 길게") == .stopped)
        let failed = chat.record(result(for: "또", in: chat, output: "", success: false, kind: .httpStatus), for: "또")
        #expect(failed == .failed("HTTP 500: boom"))
        #expect(chat.conversation.map(\.content) == ["안녕하세요", "반갑습니다", "더 길게", "그러니까"])
        #expect(chat.conversation.map(\.role) == ["user", "assistant", "user", "assistant"])
        let next = chat.request(for: "계속")
        #expect(next.prompt.asMessages.count == 5)
        #expect(chat.stats.turns == 1)
        #expect(chat.stats.completionTokens == 4)
    }

    @Test func theCompletionsAPISendsEachMessageOnItsOwn() {
        var chat = session(api: .completions, system: "ignored")
        chat.record(result(for: "첫째", in: chat, output: "하나"), for: "첫째")
        let request = chat.request(for: "둘째")
        #expect(request.prompt == .text("둘째"))
        #expect(request.api == .completions)
    }

    @Test func resetForgetsTheConversationButNotTheTotals() async {
        var chat = session()
        chat.record(result(for: "a", in: chat, output: "b"), for: "a")
        #expect(await chat.execute(.reset, listModels: noModels) == .init("(conversation cleared)"))
        #expect(chat.conversation.isEmpty)
        #expect(chat.stats.turns == 1)
    }

    @Test func statsSumTheSession() async {
        var chat = session()
        #expect(await chat.execute(.stats, listModels: noModels) == .init("0 turns · 0 prompt + 0 completion tokens"))
        chat.record(result(for: "a", in: chat, output: "b"), for: "a")
        chat.record(result(for: "c", in: chat, output: "d"), for: "c")
        #expect(chat.stats.meanTTFT == 0.1)
        #expect(chat.stats.tokensPerSecond == 8)
        let reply = await chat.execute(.stats, listModels: noModels)
        #expect(reply.text == "2 turns · 20 prompt + 8 completion tokens · mean TTFT 0.100s · 8.0 tok/s")
    }

    @Test func saveWritesTheConversationAndNeverReplacesAFile() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("llm-chat-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("chat.json").path
        var chat = session(system: "짧게 답해")
        chat.record(result(for: "안녕하세요", in: chat, output: "반갑습니다"), for: "안녕하세요")
        let saved = await chat.execute(.save(path), listModels: noModels)
        #expect(saved == .init("saved 2 messages to \(path)"))
        let json = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        let messages = try #require(json["messages"] as? [[String: String]])
        #expect(
            messages == [
                ["role": "system", "content": "짧게 답해"], ["role": "user", "content": "안녕하세요"], ["role": "assistant", "content": "반갑습니다"],
            ])
        #expect(json["model"] as? String == "llm-sim")
        #expect((json["parameters"] as? [String: Any])?["temperature"] as? Double == 0.7)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let again = await chat.execute(.save(path), listModels: noModels)
        #expect(again.isError && again.text.contains("already exists"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }

    @Test func aConversationWithTheSimulatorKeepsItsContext() async throws {
        try await SimulatorServer.withRunning(testSimulatorConfiguration(latency: .instant(outputTokens: 8))) { endpoint in
            try await LLMClient.withClient(ClientConfiguration(baseURL: endpoint.baseURL)) { client in
                var chat = ChatSession(settings: ChatSettings(parameters: GenerationParameters(model: "llm-sim", maxTokens: 8)))
                for message in ["안녕하세요", "Tell me more"] {
                    let result = await client.generate(chat.request(for: message))
                    #expect(chat.record(result, for: message) == .answered)
                }
                #expect(chat.conversation.count == 4)
                #expect(TextGenerator.isKorean(chat.conversation[1].content))
                #expect(chat.stats.turns == 2)
                #expect(chat.stats.completionTokens == 16)
                #expect(chat.stats.meanTTFT != nil)
                let models = await chat.execute(.models) { try await client.listModels().map(\.id) }
                #expect(models == .init("* llm-sim"))
            }
        }
    }
}

@Suite struct MultilineInputTests {
    @Test func aSingleLineIsTheInput() {
        var input = MultilineInput()
        #expect(input.add("안녕하세요") == "안녕하세요")
        #expect(!input.isPending)
    }

    @Test func aTrailingBackslashContinuesTheLine() {
        var input = MultilineInput()
        #expect(input.add("첫째 줄\\") == nil)
        #expect(input.isPending)
        #expect(input.add("둘째 줄\\") == nil)
        #expect(input.add("셋째 줄") == "첫째 줄\n둘째 줄\n셋째 줄")
        #expect(!input.isPending)
    }

    @Test func tripleQuotesOpenAndCloseABlock() {
        var input = MultilineInput()
        #expect(input.add("\"\"\"") == nil)
        #expect(input.add("def f():") == nil)
        #expect(input.add("    return 1 \\") == nil)
        #expect(input.add("") == nil)
        #expect(input.isPending)
        #expect(input.add(" \"\"\" ") == "def f():\n    return 1 \\\n")
        #expect(!input.isPending)
    }

    @Test func discardForgetsAnUnfinishedInput() {
        var input = MultilineInput()
        _ = input.add("\"\"\"")
        _ = input.add("half")
        input.discard()
        #expect(!input.isPending)
        #expect(input.add("new") == "new")
    }
}
