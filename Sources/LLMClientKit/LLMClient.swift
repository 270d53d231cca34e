import AsyncHTTPClient
import Foundation
import LLMSupport
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
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
        // Time to first token, idle gaps and the whole request are watched per request (see
        // `Watchdog`), so each ends as its own kind of timeout; the pool only limits connecting.
        // (No read timeout here: a body the connection's `ConnectionTap` reads never reaches
        // async-http-client, whose idle-read timer would not see it.)
        httpConfiguration.timeout = .init(connect: TimeAmount(configuration.connectTimeout))
        var tls = TLSConfiguration.makeClientConfiguration()
        if configuration.insecureTLS { tls.certificateVerification = .none }
        if let caFile = configuration.caCertificateFile { tls.trustRoots = .file(caFile) }
        httpConfiguration.tlsConfiguration = tls
        // Servers close idle keep-alive connections after about 5 s (uvicorn in vLLM, llama.cpp's
        // httplib): drop them sooner on our side so a request rarely lands on a closed one.
        httpConfiguration.connectionPool = .init(
            idleTimeout: .seconds(4), concurrentHTTP1ConnectionsPerHostSoftLimit: configuration.maxConnections)
        // A refused connection fails its request at once instead of being retried until the
        // connect timeout: a server that is down is reported in milliseconds.
        httpConfiguration.connectionPool.retryConnectionEstablishment = false
        httpConfiguration.decompression = .disabled
        // No distributed tracing: with the default (no-op) tracer async-http-client still builds
        // each request's span attributes, about 14 allocations a request.
        httpConfiguration.tracing.tracer = nil
        // Each request's answer is timed from when it was written: stamped on its connection.
        httpConfiguration.http1_1ConnectionDebugInitializer = { ConnectionTap.install(on: $0) }
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
        guard status == 200 else {
            throw LLMClientError(
                code: .httpStatus, message: "HTTP \(status): " + Self.errorMessage(in: body) + configuration.hint(forStatus: status))
        }
        do {
            return try JSONDecoder().decode(ModelList.self, from: Data(body)).data
        } catch {
            throw LLMClientError(
                code: .invalidResponse, message: "the model list from \(configuration.redactedBaseURL)/models is not valid: \(error)")
        }
    }

    /// The model to use: `requested` if given, else the first one the server lists (asked once).
    public func resolveModel(_ requested: String?) async throws(LLMClientError) -> String {
        if let requested, !requested.isEmpty { return requested }
        if let cached = cachedDefaultModel.withLock({ $0 }) { return cached }
        guard let first = try await listModels().first?.id else {
            throw LLMClientError(code: .invalidResponse, message: "the server lists no models; name one with --model")
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
        try await send(HTTPClientRequest(url: url))
    }

    /// POSTs a small JSON body (tokenize calls, not generation: those go through ``generate(_:stop:onText:)``).
    func postJSON(_ url: String, _ body: [String: JSONValue]) async throws(LLMClientError) -> (status: Int, body: [UInt8]) {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        let encoded: [UInt8]
        do {
            encoded = try JSONValue.object(body).jsonBytes()
        } catch {
            throw LLMClientError(code: .invalidResponse, message: "cannot encode a request to \(url): \(error)")
        }
        request.body = .bytes(ByteBuffer(bytes: encoded))
        return try await send(request)
    }

    private func send(_ request: HTTPClientRequest) async throws(LLMClientError) -> (status: Int, body: [UInt8]) {
        var request = request
        let url = request.url
        addAuthorization(to: &request.headers)
        do {
            // Model lists, health and metrics are small: a server that sits on them is not healthy.
            let timeout = min(configuration.requestTimeout, .seconds(30))
            let response = try await http.executeResendingIfClosedUnanswered(request, deadline: .now() + TimeAmount(timeout))
            let body = try await response.body.collect(upTo: 16 * 1024 * 1024)
            return (Int(response.status.code), Array(buffer: body))
        } catch {
            let (kind, message) =
                Task.isCancelled
                ? (.cancelled, "cancelled") : Self.classify(error, receivedHead: false, url: configuration.redacting(url))
            throw LLMClientError(code: .init(kind), message: message)
        }
    }

    private func addAuthorization(to headers: inout HTTPHeaders) {
        if let key = configuration.apiKey, !key.isEmpty {
            headers.add(name: "Authorization", value: "Bearer \(key)")
        }
    }

    // MARK: Generation

    /// Sends one request and measures it, retrying as ``ClientConfiguration/retry`` allows. Never
    /// throws: failures are recorded in the result, with their kind and a message free of secrets.
    /// - Parameter onText: called with each piece of text as it arrives (streaming requests), on the
    ///   connection's event loop: it must not block (hand the text on, as ``stream(_:)`` does).
    public func generate(
        _ request: GenerationRequest, stop: StopSignal? = nil, onText: (@Sendable (String) -> Void)? = nil
    ) async -> RequestResult {
        let startedAt = Timestamp()
        let model: String
        do {
            model = try await resolveModel(request.parameters.model)
        } catch {
            var result = RequestResult(request: request, model: request.parameters.model, startedAt: startedAt)
            result.error = configuration.redacting(error.description)
            result.errorKind = error.kind
            return result
        }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        if let requestID = request.requestID { headers.add(name: "X-Request-Id", value: requestID) }
        headers.add(name: "Accept", value: request.stream ? "text/event-stream" : "application/json")
        addAuthorization(to: &headers)
        let body = (try? JSONValue.object(request.body(model: model)).jsonBytes()) ?? []
        let url = configuration.baseURL + request.api.path
        let httpRequest: HTTPClient.Request
        do {
            httpRequest = try HTTPClient.Request(url: url, method: .POST, headers: headers, body: .byteBuffer(ByteBuffer(bytes: body)))
        } catch {
            var result = RequestResult(request: request, model: model, startedAt: startedAt)
            (result.errorKind, result.error) = Self.classify(error, receivedHead: false, url: configuration.redacting(url))
            return result
        }

        var retryErrors: [String] = []
        while true {
            let attempt = await sendOnce(httpRequest, request, model: model, onText: onText)
            var result = attempt.result
            result.startedAt = startedAt
            result.attempts = retryErrors.count + 1
            result.retryErrors = retryErrors
            if let error = result.error { result.error = configuration.redacting(error) }
            guard !result.success, retryErrors.count < configuration.retry.maxRetries, result.contentChunks == 0,
                let kind = result.errorKind, RetryPolicy.isRetryable(kind, httpStatus: result.httpStatus), !Task.isCancelled,
                stop?.isStopped != true
            else { return result }
            retryErrors.append(result.error ?? kind.rawValue)
            var random = configuration.random
            let delay = configuration.retry.delay(beforeRetry: retryErrors.count, retryAfter: attempt.retryAfter, using: &random)
            // Cancelled, or the run stopped, while waiting to retry: the last attempt's failure stands.
            guard await wait(delay, unless: stop) else { return result }
        }
    }

    /// Sleeps `delay` on the configured clock; false when `stop` was signalled first or the task
    /// was cancelled.
    private func wait(_ delay: Duration, unless stop: StopSignal?) async -> Bool {
        let clock = configuration.clock
        guard let stop else { return (try? await clock.sleep(for: delay)) != nil }
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask { (try? await clock.sleep(for: delay)) != nil }
            group.addTask {
                await stop.wait()
                return false
            }
            let slept = await group.next() ?? false
            group.cancelAll()
            return slept && !stop.isStopped
        }
    }

    /// One attempt and the server's `Retry-After`, if it sent one.
    private struct Attempt: Sendable {
        var result: RequestResult
        var retryAfter: Duration?
    }

    /// Sends the request once, with a watchdog that cancels it when a time limit runs out.
    private func sendOnce(
        _ httpRequest: HTTPClient.Request, _ request: GenerationRequest, model: String, onText: (@Sendable (String) -> Void)?
    ) async -> Attempt {
        let watchdog = Watchdog(configuration: configuration, streaming: request.stream)
        var attempt = await withTaskGroup(of: Attempt?.self) { group in
            group.addTask {
                await self.receive(httpRequest, request, model: model, watchdog: watchdog, onText: onText)
            }
            group.addTask {
                await watchdog.watch()
                return nil
            }
            var attempt: Attempt?
            for await finished in group {
                if let finished { attempt = finished }
                group.cancelAll()  // the first to end (the request, or the watchdog firing) ends the other
            }
            return attempt!
        }
        if let (kind, message) = watchdog.firedTimeout, !attempt.result.success {
            attempt.result.errorKind = kind
            attempt.result.error = message
        }
        return attempt
    }

    /// Sends the request and reads its answer; reports activity to the watchdog.
    ///
    /// The answer is timed from when the request was written to the connection, its last byte
    /// handed to the kernel: what the client did before (the hop onto this task, waiting for an
    /// event loop, opening a connection when none was idle) is its own time, recorded apart as
    /// ``RequestResult/sendS``. In a burst (a closed loop whose answers ended together) that time
    /// was milliseconds of TTFT that the server had no part in.
    private func receive(
        _ httpRequest: HTTPClient.Request, _ request: GenerationRequest, model: String, watchdog: Watchdog,
        onText: (@Sendable (String) -> Void)?
    ) async -> Attempt {
        let started = ContinuousClock.now
        var result = RequestResult(request: request, model: model, startedAt: Timestamp())
        var retryAfter: Duration?
        var reader = ResponseReader(streaming: request.stream, started: started, watchdog: watchdog, onText: onText)
        do {
            try await http.executeResendingIfClosedUnanswered(httpRequest, deadline: .now() + TimeAmount(watchdog.remaining)) {
                reader = ResponseReader(streaming: request.stream, started: started, watchdog: watchdog, onText: onText)
                return reader
            }
            let ended = ContinuousClock.now
            try reader.withState { response in
                let origin = response.stream.started
                let status = response.status ?? .ok
                result.httpStatus = Int(status.code)
                guard response.isSuccess else {
                    retryAfter = Self.retryAfter(in: response.headers)
                    result.error =
                        "HTTP \(status.code): \(Self.errorMessage(in: response.body))" + configuration.hint(forStatus: Int(status.code))
                    result.errorKind = .httpStatus
                    result.latencyS = (ended - origin).seconds
                    return
                }
                if request.stream {
                    let type = response.headers.first(name: "content-type") ?? "none"
                    guard response.events > 0 || type.lowercased().contains("text/event-stream") else {
                        throw RequestFailure(
                            kind: .invalidResponse,
                            message:
                                "the server answered a streamed request with no event stream (Content-Type: \(type)): \(Self.snippet(response.opening)); is --base-url an OpenAI-compatible server? without streaming support, try --no-stream"
                        )
                    }
                    guard response.stream.sawDone || response.stream.finishReason != nil else {
                        throw RequestFailure(kind: .streamCut, message: "the stream ended before the server finished the answer")
                    }
                    response.stream.fill(&result, endedAt: ended)
                } else {
                    result.latencyS = (ended - origin).seconds
                    try Self.fill(&result, withAnswer: response.body, api: request.api)
                }
                result.success = true
            }
        } catch let failure as RequestFailure {
            result.error = failure.message
            result.errorKind = failure.kind
        } catch  where Task.isCancelled {
            // Whatever the transport reports (a closed channel, a cut body), it was a cancellation:
            // the user's, or the watchdog's (which then names the timeout).
            result.error = "cancelled"
            result.errorKind = .cancelled
        } catch {
            let (kind, message) = Self.classify(
                error, receivedHead: reader.receivedHead, url: configuration.redacting(httpRequest.url.absoluteString))
            result.error = message
            result.errorKind = kind
        }
        if !result.success, result.errorKind != .httpStatus {
            let now = ContinuousClock.now
            let origin = reader.withState { response in
                if result.httpStatus == nil, let status = response.status { result.httpStatus = Int(status.code) }
                response.stream.fill(&result, endedAt: now)  // keep what arrived before the failure
                return response.stream.started
            }
            result.latencyS = (now - origin).seconds
        }
        if let written = reader.withState({ $0.written }) {
            result.sendS = (written - started).seconds
            result.written = MonotonicInstant(written)
        }
        result.deriveRates()
        return Attempt(result: result, retryAfter: retryAfter)
    }

    /// Fills `result` from a whole (not streamed) answer.
    private static func fill(_ result: inout RequestResult, withAnswer body: [UInt8], api: APIKind) throws {
        let decoded: GenerationResponse
        do {
            decoded = try JSONDecoder().decode(GenerationResponse.self, from: Data(body))
        } catch {
            throw RequestFailure(kind: .invalidResponse, message: "the response is not a valid \(api.rawValue) response: \(snippet(body))")
        }
        result.output = decoded.firstText
        result.reasoning = decoded.choices.first?.reasoning.flatMap { $0.isEmpty ? nil : $0 }
        result.responseID = decoded.id
        result.finishReason = decoded.choices.first?.finishReason
        result.serverTimings = decoded.timings
        if let usage = decoded.usage {
            result.promptTokens = usage.promptTokens
            result.completionTokens = usage.completionTokens
            result.reasoningTokens = usage.reasoningTokens
        } else {
            result.completionTokens = result.output.isEmpty ? 0 : 1
            result.tokensEstimated = true
        }
    }

    /// The server's wish for a pause before the next attempt: OpenAI's `retry-after-ms`, else
    /// `Retry-After` as seconds or as an HTTP date.
    static func retryAfter(in headers: HTTPHeaders) -> Duration? {
        if let milliseconds = headers.first(name: "retry-after-ms").flatMap(Double.init), milliseconds >= 0, milliseconds.isFinite {
            return .milliseconds(milliseconds)
        }
        guard let value = headers.first(name: "retry-after")?.trimmingCharacters(in: .whitespaces) else { return nil }
        if let seconds = Double(value), seconds >= 0, seconds.isFinite { return .seconds(seconds) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: value).map { .seconds(max(0, $0.timeIntervalSinceNow)) }
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

    /// Runs `requests` with at most `concurrency` in flight and returns the results of those sent,
    /// in input order. `onResult` sees each result as soon as its request finishes (to save it at
    /// once). `onText`, if given, sees the text of every request as it streams. Once `stop` is
    /// signalled no further request is sent; cancelling the calling task cancels those in flight
    /// (they end as `cancelled` results, with what they had received).
    public func generateBatch(
        _ requests: [GenerationRequest], concurrency: Int, stop: StopSignal? = nil,
        onText: (@Sendable (String) -> Void)? = nil,
        onResult: @Sendable (RequestResult) async -> Void = { _ in }
    ) async -> [RequestResult] {
        await withTaskGroup(of: RequestResult.self) { group in
            var pending = requests.makeIterator()
            func sendNext() -> Bool {
                guard stop?.isStopped != true, !Task.isCancelled, let request = pending.next() else { return false }
                group.addTask { await self.generate(request, stop: stop, onText: onText) }
                return true
            }
            for _ in 0..<max(1, concurrency) {
                if !sendNext() { break }
            }
            var results: [RequestResult] = []
            results.reserveCapacity(requests.count)
            for await result in group {
                await onResult(result)
                results.append(result)
                _ = sendNext()
            }
            return results.sorted { $0.index < $1.index }
        }
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
