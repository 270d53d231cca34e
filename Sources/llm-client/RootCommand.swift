import ArgumentParser

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
        subcommands: [
            RunCommand.self, BenchCommand.self, ChatCommand.self, HealthCommand.self, ModelsCommand.self, ServeSimCommand.self, ReportCommand.self,
            MergeCommand.self, CompareCommand.self,
        ],
        defaultSubcommand: RunCommand.self)
}
