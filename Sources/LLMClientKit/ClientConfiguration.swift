import Synchronization

/// Where the server is, how long to wait for it, when to try again and how to trust it.
public struct ClientConfiguration: Sendable {
    /// The OpenAI base URL, ending in `/v1` (vLLM's default is `http://localhost:8000/v1`).
    public var baseURL: String
    /// Sent as `Authorization: Bearer <key>`; never written to results, errors or logs.
    public var apiKey: String?
    /// How long to wait for a TCP (and TLS) connection.
    public var connectTimeout: Duration
    /// How long from sending a streamed request to its first piece of text.
    public var firstTokenTimeout: Duration
    /// How long a stream may stay silent after its first piece of text (a stalled server).
    public var idleTimeout: Duration
    /// How long one request (one attempt) may take from sending to the last byte of its answer.
    public var requestTimeout: Duration
    /// When and how often a failed request is sent again.
    public var retry: RetryPolicy
    /// Accept any TLS certificate (self-signed, wrong host name). Off by default.
    public var insecureTLS: Bool
    /// A PEM file of certificate authorities to trust instead of the system's.
    public var caCertificateFile: String?
    /// Connections kept to the server: size it to the concurrency so requests never queue inside
    /// the client (which would inflate their time to first token).
    public var maxConnections: Int
    /// The clock that the time limits (first token, idle, whole request) and the waits before a
    /// retry run on. `ContinuousClock` unless a test injects one it moves by hand; the times a
    /// result records are measured on `ContinuousClock` whatever this is.
    public var clock: any Clock<Duration>
    /// Where the jitter of retry delays comes from: the system's generator unless a test injects
    /// a seeded one.
    public var random: RandomSource

    /// The default base URL, vLLM's.
    public static let defaultBaseURL = "http://localhost:8000/v1"

    /// A configuration; the first-token and idle timeouts default to the request timeout.
    public init(
        baseURL: String = ClientConfiguration.defaultBaseURL, apiKey: String? = nil, connectTimeout: Duration = .seconds(10),
        firstTokenTimeout: Duration? = nil, idleTimeout: Duration? = nil, requestTimeout: Duration = .seconds(600),
        retry: RetryPolicy = .none, insecureTLS: Bool = false, caCertificateFile: String? = nil, maxConnections: Int = 8,
        clock: any Clock<Duration> = ContinuousClock(), random: RandomSource = .system
    ) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.apiKey = apiKey
        self.connectTimeout = connectTimeout
        self.firstTokenTimeout = firstTokenTimeout ?? requestTimeout
        self.idleTimeout = idleTimeout ?? requestTimeout
        self.requestTimeout = requestTimeout
        self.retry = retry
        self.insecureTLS = insecureTLS
        self.caCertificateFile = caCertificateFile
        self.maxConnections = max(1, maxConnections)
        self.clock = clock
        self.random = random
    }

    /// What to add to the message of an HTTP `status` from the server: for a 404 when the base URL
    /// lacks the `/v1` that OpenAI-compatible servers serve their API under (the usual cause of a
    /// 404 on every request), a hint saying so; otherwise nothing.
    func hint(forStatus status: Int) -> String {
        guard status == 404 else { return "" }
        let afterScheme = baseURL.split(separator: "://", maxSplits: 1).last ?? Substring(baseURL)
        let path = afterScheme.split(separator: "/").dropFirst()  // the host first
        guard !path.contains(where: { $0.hasPrefix("v1") }) else { return "" }
        return " (the base URL \(redacting(baseURL)) has no /v1: OpenAI-compatible servers answer under it, e.g. \(redacting(baseURL))/v1)"
    }

    /// The server's root: the base URL without its trailing `/v1` (where `/health` lives).
    public var rootURL: String {
        baseURL.hasSuffix("/v1") ? String(baseURL.dropLast(3)) : baseURL
    }

    /// The base URL with any `user:password@` removed, safe to write into results.
    public var redactedBaseURL: String {
        redactingCredentials(in: baseURL)
    }

    /// `text` with the API key and any `user:password@` of the base URL replaced, so that nothing
    /// secret reaches a result, an error message or a log line.
    public func redacting(_ text: String) -> String {
        var redacted = text
        if let apiKey, apiKey.count >= 4 { redacted = redacted.replacingOccurrences(of: apiKey, with: "[redacted]") }
        if let credentials = urlCredentials { redacted = redacted.replacingOccurrences(of: credentials, with: "") }
        return redacted
    }

    private var urlCredentials: String? {
        guard let scheme = baseURL.range(of: "://"), let at = baseURL[scheme.upperBound...].firstIndex(of: "@"),
            !baseURL[scheme.upperBound..<at].contains("/")
        else { return nil }
        return String(baseURL[scheme.upperBound...at])
    }

    private func redactingCredentials(in url: String) -> String {
        guard let credentials = urlCredentials else { return url }
        return url.replacingOccurrences(of: credentials, with: "")
    }
}

/// When a failed request is sent again: only when nothing of the answer has arrived yet, for
/// failures that may pass (connection errors, timeouts before the first token, HTTP 408, 409, 429
/// and 5xx), after an exponential backoff with jitter, or after the server's `Retry-After`.
public struct RetryPolicy: Sendable, Hashable {
    /// Retries after the first attempt (0: never retry).
    public var maxRetries: Int
    /// The delay before the first retry; it doubles with each further retry.
    public var initialDelay: Duration
    /// The longest delay between attempts (also caps a server's `Retry-After`).
    public var maxDelay: Duration

    /// A policy of `maxRetries` retries (a negative count means none).
    public init(maxRetries: Int, initialDelay: Duration = .milliseconds(500), maxDelay: Duration = .seconds(30)) {
        self.maxRetries = max(0, maxRetries)
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
    }

    /// No retries.
    public static let none = RetryPolicy(maxRetries: 0)

    /// The delay before retry number `retry` (1-based): the server's `Retry-After` when it gave
    /// one, else `initialDelay · 2^(retry-1)` scaled by a random factor in [0.5, 1] (jitter, so
    /// that many clients do not retry in lockstep, drawn from `random`); never more than `maxDelay`.
    public func delay(
        beforeRetry retry: Int, retryAfter: Duration?, using random: inout some RandomNumberGenerator
    ) -> Duration {
        if let retryAfter { return min(max(.zero, retryAfter), maxDelay) }
        let exponential = initialDelay * (1 << min(max(0, retry - 1), 20))
        return min(exponential, maxDelay) * Double.random(in: 0.5...1, using: &random)
    }

    /// Whether a failure of this kind (and HTTP status) may pass when the request is sent again.
    public static func isRetryable(_ kind: ErrorKind, httpStatus: Int?) -> Bool {
        switch kind {
        case .connectionRefused, .connection, .connectTimeout, .firstTokenTimeout, .requestTimeout: return true
        case .httpStatus:
            guard let httpStatus else { return false }
            return [408, 409, 429].contains(httpStatus) || httpStatus >= 500
        case .dns, .tls, .idleTimeout, .streamCut, .malformedChunk, .serverErrorEvent, .invalidResponse, .cancelled: return false
        }
    }
}

/// A random number generator that concurrent requests share: the system's, or one a test seeds
/// (such as LLMSupport's `SeededRandom`) so that retry delays repeat from run to run.
public struct RandomSource: RandomNumberGenerator, Sendable {
    /// The seeded generator behind a lock; nil for the system's generator, which needs none.
    private let shared: SharedGenerator?

    /// The system's generator.
    public static let system = RandomSource(shared: nil)

    /// Numbers from `generator`, drawn one caller at a time.
    public init(_ generator: some RandomNumberGenerator & Sendable) {
        shared = SharedGenerator(generator)
    }

    private init(shared: SharedGenerator?) {
        self.shared = shared
    }

    public mutating func next() -> UInt64 {
        guard let shared else {
            var system = SystemRandomNumberGenerator()
            return system.next()
        }
        return shared.next()
    }

    private final class SharedGenerator: Sendable {
        private let generator: Mutex<any RandomNumberGenerator & Sendable>

        init(_ generator: some RandomNumberGenerator & Sendable) {
            self.generator = Mutex(generator)
        }

        func next() -> UInt64 {
            generator.withLock { $0.next() }
        }
    }
}
