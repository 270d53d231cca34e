/// Where the server is and how long to wait for it.
public struct ClientConfiguration: Sendable {
    /// The OpenAI base URL, ending in `/v1` (vLLM's default is `http://localhost:8000/v1`).
    public var baseURL: String
    /// Sent as `Authorization: Bearer <key>`; never written to results or logs.
    public var apiKey: String?
    /// Seconds to wait for a TCP (and TLS) connection.
    public var connectTimeout: Double
    /// Seconds one request may take from sending to the last byte of its answer.
    public var requestTimeout: Double
    /// Seconds the stream may stay silent before the request fails (a stalled server).
    public var idleTimeout: Double
    /// Connections kept to the server: size it to the concurrency so requests never queue inside
    /// the client (which would inflate their time to first token).
    public var maxConnections: Int

    /// The default base URL, vLLM's.
    public static let defaultBaseURL = "http://localhost:8000/v1"

    public init(
        baseURL: String = ClientConfiguration.defaultBaseURL, apiKey: String? = nil, connectTimeout: Double = 10,
        requestTimeout: Double = 300, idleTimeout: Double? = nil, maxConnections: Int = 8
    ) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.apiKey = apiKey
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
        self.idleTimeout = idleTimeout ?? requestTimeout
        self.maxConnections = max(1, maxConnections)
    }

    /// The server's root: the base URL without its trailing `/v1` (where `/health` lives).
    public var rootURL: String {
        baseURL.hasSuffix("/v1") ? String(baseURL.dropLast(3)) : baseURL
    }

    /// The base URL with any `user:password@` removed, safe to write into results.
    public var redactedBaseURL: String {
        guard let scheme = baseURL.range(of: "://"), let at = baseURL[scheme.upperBound...].firstIndex(of: "@"),
            !baseURL[scheme.upperBound..<at].contains("/")
        else { return baseURL }
        return String(baseURL[..<scheme.upperBound]) + baseURL[baseURL.index(after: at)...]
    }
}
