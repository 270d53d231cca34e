import Foundation

/// A line of chat input that starts with `/`: a command to the chat itself, never sent to the model.
public enum SlashCommand: Sendable, Equatable {
    case help
    /// `/temperature [X]`: set the sampling temperature, or show it.
    case temperature(String?)
    /// `/max-tokens [N]`: set the answer length limit, or show it.
    case maxTokens(String?)
    /// `/model [NAME]`: switch model, or show it.
    case model(String?)
    /// `/models`: list the server's models.
    case models
    /// `/system [TEXT]`: set the system prompt, or remove it.
    case system(String?)
    /// `/reset`: forget the conversation (settings and session totals stay).
    case reset
    /// `/save FILE`: write the conversation as JSON.
    case save(String?)
    /// `/stats`: session totals.
    case stats
    /// `/exit` (or `/quit`).
    case exit
    /// Anything else that starts with `/`, with the word as typed.
    case unknown(String)

    /// The command on `line`, or nil when the line is a message (it does not start with `/`).
    /// The argument is the rest of the line after the command word, trimmed; nil when empty.
    public init?(parsing line: String) {
        let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.hasPrefix("/") else { return nil }
        let word = String(trimmed.prefix { !$0.isWhitespace })
        let rest = trimmed.dropFirst(word.count).trimmingCharacters(in: .whitespacesAndNewlines)
        let argument = rest.isEmpty ? nil : rest
        switch word.lowercased() {
        case "/help", "/?": self = .help
        case "/temperature", "/temp": self = .temperature(argument)
        case "/max-tokens", "/max_tokens": self = .maxTokens(argument)
        case "/model": self = .model(argument)
        case "/models": self = .models
        case "/system": self = .system(argument)
        case "/reset", "/clear": self = .reset
        case "/save": self = .save(argument)
        case "/stats": self = .stats
        case "/exit", "/quit": self = .exit
        default: self = .unknown(word)
        }
    }

    /// What `/help` prints.
    public static let helpText = """
        Commands:
          /help               this list
          /temperature X      sampling temperature (0 to 2); without X, show it
          /max-tokens N       most tokens per answer; without N, show it
          /model NAME         use another model; without NAME, show it
          /models             list the server's models
          /system TEXT        set the system prompt; without TEXT, remove it
          /reset              forget the conversation (settings and /stats totals stay)
          /save FILE          save the conversation as JSON (never replaces an existing file)
          /stats              session totals: turns, tokens, mean TTFT, tokens per second
          /exit               quit (also /quit, or Ctrl-D at an empty prompt)
        Input:
          A line ending in \\ continues on the next line; a line of \"\"\" opens a block of
          several lines that another \"\"\" line closes.
          Up/Down recall earlier lines (kept across sessions), Ctrl-A/Ctrl-E go to the start/end,
          Ctrl-C clears the line. While an answer streams, Ctrl-C stops it: the part already
          shown stays in the conversation.
        """
}
