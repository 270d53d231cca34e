import AsyncHTTPClient
public import Foundation
import NIOCore
import NIOHTTP1
public import OpenAIAPI
import Synchronization

/// A client for any OpenAI-compatible server (vLLM, llama.cpp, SGLang, TGI, Ollama, OpenAI).
///
/// One instance holds one connection pool; share it across all requests of a run and call
/// ``shutdown()`` when done (or use ``withClient(_:_:)``, which does). Requests never throw for
/// server or network errors: each ``RequestResult`` records what happened.
public final class LLMClient: Sendable {
    public let configuration: ClientConfiguration
    private let http: HTTPClient
    private let cachedDefaultModel = Mutex<String?>(nil)

    public init(configuration: ClientConfiguration) {
        self.configuration = configuration
        var httpConfiguration = HTTPClient.Configuration()
        httpConfiguration.timeout = .init(
            connect: .nanoseconds(Int64(configuration.connectTimeout * 1e9)),
            read: .nanoseconds(Int64(configuration.idleTimeout * 1e9)))
        // Servers close idle keep-alive connections after about 5 s (uvicorn in vLLM, llama.cpp's
        // httplib): drop them sooner on our side so a request rarely lands on a closed one.
        httpConfiguration.connectionPool = .init(
            idleTimeout: .seconds(4), concurrentHTTP1ConnectionsPerHostSoftLimit: configuration.maxConnections)
        // A refused connection fails its request at once instead of being retried until the
        // connect timeout: a server that is down is reported in milliseconds.
        httpConfiguration.connectionPool.retryConnectionEstablishment = false
        httpConfiguration.decompression = .disabled
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: httpConfiguration)
    }

    /// Closes the connection pool.
    public func shutdown() async throws {
        try await http.shutdown()
    }

    /// Runs `body` with a client that is shut down afterwards, even when `body` throws.
    public static func withClient<T: Sendable>(
        _ configuration: ClientConfiguration, _ body: (LLMClient) async throws -> T
    ) async throws -> T {
        let client = LLMClient(configuration: configuration)
        do {
            let result = try await body(client)
            try await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    // MARK: Models and health

    /// `GET /v1/models`.
    public func listModels() async throws(LLMClientError) -> [ModelList.Model] {
        let (status, body) = try await get(configuration.baseURL + "/models")
        guard status == 200 else { throw .httpStatus(status, message: Self.errorMessage(in: body)) }
        do {
            return try JSONDecoder().decode(ModelList.self, from: Data(body)).data
        } catch {
            throw .invalidResponse("the model list from \(configuration.redactedBaseURL)/models is not valid: \(error)")
        }
    }

    /// The model to use: `requested` if given, else the first one the server lists (asked once).
    public func resolveModel(_ requested: String?) async throws(LLMClientError) -> String {
        if let requested, !requested.isEmpty { return requested }
        if let cached = cachedDefaultModel.withLock({ $0 }) { return cached }
        guard let first = try await listModels().first?.id else {
            throw .invalidResponse("the server lists no models; name one with --model")
        }
        cachedDefaultModel.withLock { $0 = first }
        return first
    }

    /// Checks the server: `GET /health` where the server has it, else `GET /v1/models`.
    public func health() async -> HealthStatus {
        let started = ContinuousClock.now
        var endpoint = configuration.rootURL + "/health"
        do {
            var (status, body) = try await get(endpoint)
            if status == 404 {
                endpoint = configuration.baseURL + "/models"
                (status, body) = try await get(endpoint)
            }
            let healthy = (200..<300).contains(status)
            let message = healthy ? "ok" : "HTTP \(status): \(Self.errorMessage(in: body))"
            return HealthStatus(
                healthy: healthy, endpoint: endpoint, httpStatus: status,
                latencyS: (ContinuousClock.now - started).seconds, message: message)
        } catch {
            return HealthStatus(
                healthy: false, endpoint: endpoint, httpStatus: nil,
                latencyS: (ContinuousClock.now - started).seconds, message: error.description)
        }
    }

    /// The server's Prometheus metrics (`GET /metrics` at the server root), or nil if it has none.
    public func serverMetrics() async -> String? {
        guard let (status, body) = try? await get(configuration.rootURL + "/metrics"), status == 200 else { return nil }
        return String(decoding: body, as: UTF8.self)
    }

    private func get(_ url: String) async throws(LLMClientError) -> (status: Int, body: [UInt8]) {
        var request = HTTPClientRequest(url: url)
        addAuthorization(to: &request)
        do {
            let response = try await http.execute(request, timeout: .nanoseconds(Int64(configuration.requestTimeout * 1e9)))
            let body = try await response.body.collect(upTo: 16 * 1024 * 1024)
            return (Int(response.status.code), Array(buffer: body))
        } catch {
            throw .connection(Self.describe(error, url: url))
        }
    }

    private func addAuthorization(to request: inout HTTPClientRequest) {
        if let key = configuration.apiKey, !key.isEmpty {
            request.headers.add(name: "Authorization", value: "Bearer \(key)")
        }
    }

    // MARK: Generation

    /// Sends one request and measures it. Never throws: failures are recorded in the result.
    /// - Parameter onText: called with each piece of text as it arrives (streaming requests).
    public func generate(_ request: GenerationRequest, onText: (@Sendable (String) -> Void)? = nil) async -> RequestResult {
        let model: String
        do {
            model = try await resolveModel(request.parameters.model)
        } catch {
            var result = RequestResult(request: request, model: request.parameters.model, startedAt: iso8601Timestamp(Date()))
            result.error = error.description
            result.errorKind = error.kind
            return result
        }
        var httpRequest = HTTPClientRequest(url: configuration.baseURL + request.api.path)
        httpRequest.method = .POST
        httpRequest.headers.add(name: "Content-Type", value: "application/json")
        httpRequest.headers.add(name: "Accept", value: request.stream ? "text/event-stream" : "application/json")
        addAuthorization(to: &httpRequest)
        let body = (try? JSONEncoder().encode(JSONValue.object(request.body(model: model)))) ?? Data()
        httpRequest.body = .bytes(ByteBuffer(bytes: body))

        var result = RequestResult(request: request, model: model, startedAt: iso8601Timestamp(Date()))
        let started = ContinuousClock.now
        let deadline = started + .nanoseconds(Int64(configuration.requestTimeout * 1e9))
        var receivedHead = false
        var stream = StreamAccumulator(started: started, onText: onText)
        do {
            let response = try await executeRetryingStaleConnection(httpRequest)
            receivedHead = true
            result.httpStatus = Int(response.status.code)
            guard (200..<300).contains(response.status.code) else {
                let errorBody = try await response.body.collect(upTo: 1024 * 1024)
                result.error = "HTTP \(response.status.code): \(Self.errorMessage(in: Array(buffer: errorBody)))"
                result.errorKind = .httpStatus
                result.latencyS = (ContinuousClock.now - started).seconds
                return result
            }
            if request.stream {
                var parser = SSEParser()
                for try await buffer in response.body {
                    let now = ContinuousClock.now
                    try parser.feed(buffer.readableBytesView) { event in try stream.handle(event, at: now) }
                    if now > deadline { throw RequestFailure(kind: .timeout, message: "the request took longer than \(configuration.requestTimeout)s") }
                }
                try parser.finish { event in try stream.handle(event, at: ContinuousClock.now) }
                guard stream.sawDone || stream.finishReason != nil else {
                    throw RequestFailure(kind: .streamCut, message: "the stream ended before the server finished the answer")
                }
                result.latencyS = (ContinuousClock.now - started).seconds
                stream.fill(&result)
            } else {
                let whole = Array(buffer: try await response.body.collect(upTo: 64 * 1024 * 1024))
                result.latencyS = (ContinuousClock.now - started).seconds
                let decoded: GenerationResponse
                do {
                    decoded = try JSONDecoder().decode(GenerationResponse.self, from: Data(whole))
                } catch {
                    throw RequestFailure(kind: .invalidResponse, message: "the response is not a valid \(request.api.rawValue) response: \(Self.snippet(whole))")
                }
                result.output = decoded.firstText
                result.finishReason = decoded.choices.first?.finishReason
                result.serverTimings = decoded.timings
                if let usage = decoded.usage {
                    result.promptTokens = usage.promptTokens
                    result.completionTokens = usage.completionTokens
                } else {
                    result.completionTokens = result.output.isEmpty ? 0 : 1
                    result.tokensEstimated = true
                }
            }
            result.success = true
        } catch let failure as RequestFailure {
            result.error = failure.message
            result.errorKind = failure.kind
        } catch {
            let (kind, message) = Self.classify(error, receivedHead: receivedHead, url: httpRequest.url)
            result.error = message
            result.errorKind = kind
        }
        if !result.success {
            result.latencyS = (ContinuousClock.now - started).seconds
            stream.fill(&result)  // keep what arrived before the failure
        }
        result.deriveRates()
        return result
    }

    /// Sends a request; when the connection turns out to be closed by the server before any
    /// response arrived (a stale keep-alive connection, or llama.cpp's HTTP thread pool turning a
    /// connection away), sends it again, up to three attempts in all.
    private func executeRetryingStaleConnection(_ request: HTTPClientRequest) async throws -> HTTPClientResponse {
        let deadline = NIODeadline.now() + .nanoseconds(Int64(configuration.requestTimeout * 1e9))
        var attempt = 1
        while true {
            do {
                return try await http.execute(request, deadline: deadline)
            } catch where attempt < 3 && Self.isClosedBeforeResponse(error) {
                attempt += 1
                try await Task.sleep(for: .milliseconds(10 * attempt))
            }
        }
    }

    private static func isClosedBeforeResponse(_ error: any Error) -> Bool {
        if let error = error as? HTTPClientError { return error == .remoteConnectionClosed }
        if let error = error as? ChannelError { return error == .ioOnClosedChannel || error == .eof }
        return false
    }

    /// A stream of the answer as it arrives, ending with the complete result.
    public func stream(_ request: GenerationRequest) -> AsyncStream<StreamEvent> {
        AsyncStream { continuation in
            let task = Task {
                let result = await self.generate(request) { text in continuation.yield(.text(text)) }
                continuation.yield(.completed(result))
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// Runs `requests` with at most `concurrency` in flight and returns their results in input
    /// order. `onResult` sees each result as soon as its request finishes (to save it at once).
    /// `onText`, if given, sees the text of every request as it streams.
    public func generateBatch(
        _ requests: [GenerationRequest], concurrency: Int, onText: (@Sendable (String) -> Void)? = nil,
        onResult: @Sendable (RequestResult) async -> Void = { _ in }
    ) async -> [RequestResult] {
        await withTaskGroup(of: RequestResult.self) { group in
            var pending = requests.makeIterator()
            for _ in 0..<max(1, concurrency) {
                guard let request = pending.next() else { break }
                group.addTask { await self.generate(request, onText: onText) }
            }
            var results: [RequestResult] = []
            results.reserveCapacity(requests.count)
            for await result in group {
                await onResult(result)
                results.append(result)
                if let request = pending.next() {
                    group.addTask { await self.generate(request, onText: onText) }
                }
            }
            return results.sorted { $0.index < $1.index }
        }
    }

    // MARK: Errors

    /// The `message` of an OpenAI-shaped error body, or the body itself, shortened.
    static func errorMessage(in body: [UInt8]) -> String {
        if let envelope = try? JSONDecoder().decode(APIErrorEnvelope.self, from: Data(body)) {
            return envelope.error.message
        }
        return snippet(body)
    }

    static func snippet(_ body: [UInt8]) -> String {
        let text = String(decoding: body.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? "(empty body)" : text
    }

    private static func classify(_ error: any Error, receivedHead: Bool, url: String) -> (ErrorKind, String) {
        if error is CancellationError { return (.cancelled, "cancelled") }
        if let httpError = error as? HTTPClientError {
            switch httpError {
            case .connectTimeout: return (.timeout, "connect timeout: no connection to \(url)")
            case .readTimeout: return (.timeout, "idle timeout: the server sent nothing for too long")
            case .deadlineExceeded: return (.timeout, "request timeout: no response before the deadline")
            case .cancelled: return (.cancelled, "cancelled")
            case .remoteConnectionClosed where receivedHead:
                return (.streamCut, "the server closed the connection in the middle of the answer")
            default: break
            }
        }
        if receivedHead { return (.streamCut, "the response was cut off: \(error)") }
        return (.connection, describe(error, url: url))
    }

    static func describe(_ error: any Error, url: String) -> String {
        let text = String(describing: error)
        if text.contains("refused") || text.contains("ECONNREFUSED") || text.contains("errno: 111") {
            return "connection refused: nothing is listening at \(url) (is the server running?)"
        }
        if let httpError = error as? HTTPClientError, httpError == .connectTimeout {
            return "connect timeout: no connection to \(url)"
        }
        return "cannot reach \(url): \(text)"
    }

}

/// What ``LLMClient/stream(_:)`` yields.
public enum StreamEvent: Sendable {
    /// A piece of the answer.
    case text(String)
    /// The request finished (successfully or not); the last event.
    case completed(RequestResult)
}

/// The answer of ``LLMClient/health()``.
public struct HealthStatus: Sendable, Codable, Hashable {
    public var healthy: Bool
    /// The URL that answered (or failed).
    public var endpoint: String
    public var httpStatus: Int?
    public var latencyS: Double
    public var message: String

    enum CodingKeys: String, CodingKey {
        case healthy, endpoint, message
        case httpStatus = "http_status"
        case latencyS = "latency_s"
    }
}

/// Errors of the calls that do throw (model list and model resolution).
public enum LLMClientError: Error, CustomStringConvertible, Sendable {
    case connection(String)
    case httpStatus(Int, message: String)
    case invalidResponse(String)

    public var description: String {
        switch self {
        case .connection(let message): message
        case .httpStatus(let status, let message): "HTTP \(status): \(message)"
        case .invalidResponse(let message): message
        }
    }

    /// The matching kind for a request result.
    public var kind: ErrorKind {
        switch self {
        case .connection: .connection
        case .httpStatus: .httpStatus
        case .invalidResponse: .invalidResponse
        }
    }
}

/// A failure found while reading a response, with its kind.
struct RequestFailure: Error {
    var kind: ErrorKind
    var message: String
}

extension Duration {
    /// This duration in seconds.
    public var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }
}

/// `date` in ISO 8601 with milliseconds, UTC (`2026-11-25T03:06:06.123Z`), as results record times.
public func iso8601Timestamp(_ date: Date) -> String {
    date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
}
