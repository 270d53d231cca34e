public import Foundation
public import Testing

/// A real program or server a test needs, which `scripts/test.sh` installs and starts.
///
/// Tests name what they need with the ``Testing/Trait/requires(_:)`` trait: where the service is
/// missing, the test is skipped with a message saying how to get it, except when real services are
/// required (CI, or `LLM_CLIENT_REQUIRE_REAL_SERVERS=1`, which the script sets): then the test runs
/// and fails at its first use of the service. No such test is ever silently green.
public enum RealService: String, Sendable, CaseIterable {
    /// llama.cpp's `llama-server` with SmolLM2 (`LLM_CLIENT_LLAMA_URL`).
    case llamaServer = "llama-server"
    /// vLLM's OpenAI-compatible server with SmolLM2 (`LLM_CLIENT_VLLM_URL`).
    case vllm = "vLLM"
    /// An MLflow tracking server (`LLM_CLIENT_MLFLOW_URL`).
    case mlflow = "MLflow"
    /// A Python interpreter with the OpenAI SDK (`LLM_CLIENT_PYTHON`).
    case python = "Python with the openai package"
    /// Headless Chromium on the `PATH`.
    case chromium = "Chromium"
    /// tmux on the `PATH`.
    case tmux = "tmux"
    /// `/usr/bin/openssl`.
    case openssl = "openssl"

    /// The URL or path of the service, or `nil` when it is missing.
    public var location: String? {
        switch self {
        case .llamaServer: TestEnvironment.value("LLM_CLIENT_LLAMA_URL")
        case .vllm: TestEnvironment.value("LLM_CLIENT_VLLM_URL")
        case .mlflow: TestEnvironment.value("LLM_CLIENT_MLFLOW_URL")
        case .python: TestEnvironment.value("LLM_CLIENT_PYTHON")
        case .chromium: Self.executableOnPath(["chromium", "chromium-browser"])
        case .tmux: Self.executableOnPath(["tmux"])
        case .openssl: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl") ? "/usr/bin/openssl" : nil
        }
    }

    /// Why the service is missing and how to get it.
    public var missingMessage: String {
        switch self {
        case .llamaServer: "LLM_CLIENT_LLAMA_URL is not set: run the tests with scripts/test.sh"
        case .vllm: "LLM_CLIENT_VLLM_URL is not set: run the tests with scripts/test.sh"
        case .mlflow: "LLM_CLIENT_MLFLOW_URL is not set: run the tests with scripts/test.sh"
        case .python: "LLM_CLIENT_PYTHON is not set: run the tests with scripts/test.sh"
        case .chromium: "chromium is not installed (Debian: apt-get install chromium); scripts/test.sh installs it"
        case .tmux: "tmux is not installed (Debian: apt-get install tmux); scripts/test.sh installs it"
        case .openssl: "/usr/bin/openssl is missing (Debian: apt-get install openssl)"
        }
    }

    /// The service's URL or path; throws (failing the test) when it is missing.
    public func required(sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        try #require(location, "\(missingMessage)", sourceLocation: sourceLocation)
    }

    private static func executableOnPath(_ names: [String]) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for folder in path.split(separator: ":") {
            for name in names {
                let candidate = "\(folder)/\(name)"
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            }
        }
        return nil
    }
}

extension Trait where Self == ConditionTrait {
    /// Runs the test where `services` are all present, or where real services are required
    /// (then a missing one fails the test); skips it otherwise, saying which service is missing.
    public static func requires(_ services: RealService...) -> Self {
        let missing = services.filter { $0.location == nil }
        return .enabled(
            if: missing.isEmpty || TestEnvironment.requiresRealServers,
            Comment(rawValue: missing.map(\.missingMessage).joined(separator: "; ")))
    }
}
