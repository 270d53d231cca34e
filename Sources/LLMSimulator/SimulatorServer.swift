import Foundation
import HTTPTypes
import Hummingbird
import LLMSupport
import Logging
import NIOCore
import OpenAIAPI
import ServiceLifecycle
import Synchronization
import UnixSignals

/// An OpenAI-compatible HTTP server that answers like vLLM or llama.cpp, with a latency model and
/// fault injection. Start it with ``run(onBound:)`` (until cancelled or signalled) or, in tests and
/// tools, with ``withRunning(_:_:)``, which always stops it.
public final class SimulatorServer: Sendable {
    public let configuration: SimulatorConfiguration
    let metrics: SimulatorMetrics
    private let slots: FIFOSemaphore
    private let generator: TextGenerator
    /// Generates a reasoning model's thoughts: a seed of its own, so that thinking leaves the
    /// answer as it would be without.
    private let thoughtGenerator: TextGenerator
    /// The tokens of ``SimulatorConfiguration/reply``, split once; nil to generate text.
    private let replyTokens: [String]?
    private let requestCounter = Atomic<Int>(0)
    private let startTime = Int(Date().timeIntervalSince1970)
    /// Where streamed answers' token times go (``SimulatorConfiguration/timingLog``).
    private let timingLog: TimingLog?

    public init(configuration: SimulatorConfiguration) {
        precondition(!configuration.models.isEmpty, "the simulator needs at least one model id")
        self.configuration = configuration
        metrics = SimulatorMetrics(modelName: configuration.models[0])
        slots = FIFOSemaphore(limit: configuration.maxConcurrency)
        generator = TextGenerator(seed: configuration.seed)
        thoughtGenerator = TextGenerator(seed: configuration.seed ^ 0x9E37_79B9_7F4A_7C15)
        replyTokens = configuration.reply.map(TextGenerator.replyTokens)
        timingLog = configuration.timingLog.flatMap { try? TimingLog(path: $0) }
    }

    /// Serves until the task is cancelled (or, with `handleSignals`, until SIGINT or SIGTERM).
    /// - Parameters:
    ///   - handleSignals: shut down gracefully on SIGINT and SIGTERM (for the command line): stop
    ///     accepting, let the answers in flight finish for up to ``shutdownGracePeriod``, then cancel them.
    ///   - onBound: called once listening, with the host and the port actually bound.
    public func run(handleSignals: Bool = false, onBound: @escaping @Sendable (_ host: String, _ port: Int) async -> Void = { _, _ in }) async throws
    {
        try await makeServiceGroup(signals: handleSignals ? [.sigterm, .sigint] : [], onBound: onBound).run()
    }

    /// The largest request body read (a larger one is refused).
    static let largestRequestBody = 32 * 1024 * 1024

    /// How long a graceful shutdown waits for the answers in flight before cancelling them.
    public static let shutdownGracePeriod: Duration = .seconds(2)

    private func makeServiceGroup(signals: [UnixSignal], onBound: @escaping @Sendable (String, Int) async -> Void) -> ServiceGroup {
        var logger = Logger(label: "llm-client.simulator")
        logger.logLevel = .warning
        let host = configuration.host
        let app = Application(
            router: makeRouter(),
            server: .http1(configuration: .init(additionalChannelHandlers: [ArrivalStamp.Stamper()])),
            configuration: .init(address: .hostname(host, port: configuration.port), serverName: "llm-client-simulator"),
            onServerRunning: { channel in await onBound(host, channel.localAddress?.port ?? 0) },
            logger: logger)
        var configuration = ServiceGroupConfiguration(services: [app], gracefulShutdownSignals: signals, logger: logger)
        configuration.maximumGracefulShutdownDuration = Self.shutdownGracePeriod
        return ServiceGroup(configuration: configuration)
    }

    /// A simulator running on a free loopback port.
    public struct Endpoint: Sendable {
        public let host: String
        public let port: Int
        /// The OpenAI base URL, e.g. `http://127.0.0.1:54321/v1`.
        public var baseURL: String { "http://\(host):\(port)/v1" }
        /// The server root, e.g. `http://127.0.0.1:54321`.
        public var rootURL: String { "http://\(host):\(port)" }
    }

    /// Starts a simulator (on a free port unless the configuration names one), runs `body` with its
    /// address, and stops the server when `body` returns or throws.
    ///
    /// The server is stopped by a graceful shutdown, not by cancelling it: cancelling a NIO server
    /// while a just-accepted connection is still buffered traps ("Deinited NIOAsyncWriter without
    /// calling finish()", apple/swift-nio#3481); a graceful shutdown serves what was accepted.
    public static func withRunning<T: Sendable>(
        _ configuration: SimulatorConfiguration, _ body: @Sendable (Endpoint) async throws -> T
    ) async throws -> T {
        let server = SimulatorServer(configuration: configuration)
        let (bound, continuation) = AsyncStream<Endpoint>.makeStream()
        let group = server.makeServiceGroup(signals: []) { host, port in continuation.yield(Endpoint(host: host, port: port)) }
        return try await withThrowingTaskGroup(of: T?.self) { tasks in
            tasks.addTask {
                defer { continuation.finish() }
                try await group.run()
                return nil
            }
            var iterator = bound.makeAsyncIterator()
            guard let endpoint = await iterator.next() else {
                _ = try await tasks.next()  // rethrows why the server stopped
                throw SimulatorError(status: 500, message: "the simulator stopped before it was listening")
            }
            let outcome: Result<T, any Error>
            do { outcome = .success(try await body(endpoint)) } catch { outcome = .failure(error) }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return try outcome.get()
        }
    }

    // MARK: Routes

    private func makeRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.get("health") { _, _ in
            Self.jsonResponse(status: .ok, bytes: Array(#"{"status":"ok"}"#.utf8))
        }
        router.get("metrics") { _, _ in
            self.metrics.setQueue(running: self.slots.running, waiting: self.slots.waiting)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: self.metrics.exposition())))
        }
        router.get("v1/models") { request, _ in
            if let denied = self.checkAuthorization(request) { return denied }
            let list = ModelList(
                data: self.configuration.models.map {
                    ModelList.Model(id: $0, created: self.startTime, ownedBy: "llm-client-simulator")
                })
            return Self.jsonResponse(status: .ok, bytes: Array(try JSONEncoder().encode(list)))
        }
        // vLLM's tokenize endpoint, counting as `usage` does: benchmarks build exact prompts with it.
        router.post("tokenize") { request, _ in
            guard self.configuration.tokenizeEndpoint else { throw HTTPError(.notFound) }
            if let denied = self.checkAuthorization(request) { return denied }
            var request = request
            let body = try await request.collectBody(upTo: Self.largestRequestBody)
            do {
                let prompt = try RequestValidator.tokenizePrompt(body: Array(buffer: body), models: self.configuration.models)
                let count = TextGenerator.estimateTokens(prompt)
                let answer = #"{"count":\#(count),"tokens":[\#((0..<count).map(String.init).joined(separator: ","))],"token_strs":null}"#
                return Self.jsonResponse(status: .ok, bytes: Array(answer.utf8))
            } catch let error as SimulatorError {
                return Self.errorResponse(error)
            }
        }
        router.post("v1/completions") { request, _ in try await self.generate(request, api: .completions) }
        router.post("v1/chat/completions") { request, _ in try await self.generate(request, api: .chat) }
        return router
    }

    private func checkAuthorization(_ request: Request) -> Response? {
        guard let key = configuration.apiKey else { return nil }
        if request.headers[.authorization] == "Bearer \(key)" { return nil }
        return Self.errorResponse(SimulatorError(status: 401, message: "Invalid or missing API key. Send 'Authorization: Bearer <key>'."))
    }

    // MARK: Generation

    /// One planned answer: what to send and when.
    private struct Plan {
        var request: SimulatedRequest
        var arrival: ContinuousClock.Instant
        /// A reasoning model's thoughts, sent before the answer; empty when it does not reason.
        var thoughts: [String]
        /// Whether the answer reports its thoughts (a chat answer with reasoning on), even none.
        var reasons: Bool
        /// The answer's tokens, after the thoughts.
        var tokens: [String]
        var finishReason: String
        /// The stop string that ended the answer, vLLM's `stop_reason`; nil for the end of text.
        var stopReason: String?
        var promptTokens: Int
        var timeToFirstToken: Double
        var fault: Fault?
        /// The response id, the same in every chunk and in a whole response.
        var id: String
        /// The client's `X-Request-Id`, for the timing log.
        var requestID: String?
        var encoder: ChunkEncoder
        var random: SeededRandom
    }

    private func generate(_ request: Request, api: APIKind) async throws -> Response {
        let arrival = ArrivalStamp.arrival(of: request.head) ?? ContinuousClock.now
        if let denied = checkAuthorization(request) {
            metrics.countRequest(status: 401)
            return denied
        }
        var request = request
        let body = try await request.collectBody(upTo: Self.largestRequestBody)
        let faultHeader = request.headers.first { $0.name.canonicalName == "x-sim-fault" }?.value
        let validation = Result { () throws(SimulatorError) in
            try RequestValidator.validate(body: Array(buffer: body), api: api, models: configuration.models, faultHeader: faultHeader)
        }
        let simulated: SimulatedRequest
        switch validation {
        case .success(let accepted): simulated = accepted
        case .failure(let error):
            metrics.countRequest(status: error.status)
            return Self.errorResponse(error)
        }

        var random = SeededRandom(seed: .random(in: .min ... .max))
        let fault = configuration.faults.choose(trigger: simulated.faultTrigger, using: &random)
        switch fault {
        case .error500?:
            return countedError(SimulatorError(status: 500, message: "The simulator injected an internal server error."))
        case .error429?:
            return countedError(
                SimulatorError(
                    status: 429, message: "Rate limit reached (injected by the simulator); retry after \(configuration.faults.retryAfterSeconds) s."),
                retryAfter: true)
        case .error503?:
            return countedError(
                SimulatorError(
                    status: 503,
                    message: "The server is overloaded (injected by the simulator); retry after \(configuration.faults.retryAfterSeconds) s."),
                retryAfter: true)
        default: break
        }

        // As vLLM does, a client's X-Request-Id becomes the request's id (`cmpl-<it>`).
        let requestID = request.headers.first { $0.name.canonicalName == "x-request-id" }?.value
        let plan = makePlan(simulated, arrival: arrival, fault: fault, random: random, requestID: requestID)
        metrics.countRequest(status: 200)
        metrics.recordPromptTokens(plan.promptTokens)
        if simulated.stream {
            return Response(
                status: .ok,
                headers: [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache"],
                body: ResponseBody { writer in
                    try await self.stream(plan, to: &writer)
                    try await writer.finish(nil)
                })
        }
        return try await respondWhole(plan)
    }

    private func countedError(_ error: SimulatorError, retryAfter: Bool = false) -> Response {
        metrics.countRequest(status: error.status)
        var response = Self.errorResponse(error)
        if retryAfter {
            let seconds = configuration.faults.retryAfterSeconds
            response.headers[.retryAfter] = String(Int(seconds.rounded(.up)))
            response.headers[HTTPField.Name("retry-after-ms")!] = String(Int((seconds * 1000).rounded()))
        }
        return response
    }

    /// A client's request id as a response id: letters, digits, `-`, `_`, `.` and `:` kept, anything
    /// else (quotes, backslashes, spaces) replaced, so it needs no escaping anywhere.
    static func safeID(_ id: String) -> String {
        String(id.prefix(128).map { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.:".contains($0)) ? $0 : "_" })
    }

    private func makePlan(
        _ request: SimulatedRequest, arrival: ContinuousClock.Instant, fault: Fault?, random: SeededRandom, requestID: String?
    ) -> Plan {
        var random = random
        let latency = configuration.latency
        // A reasoning model thinks first; `max_tokens` counts thoughts and answer together.
        let reasons = request.api == .chat && configuration.reasoningTokens > 0
        let thinking = reasons ? configuration.reasoningTokens : 0
        let thoughtCount = request.maxTokens.map { min($0, thinking) } ?? thinking
        let answerBudget = request.maxTokens.map { $0 - thoughtCount }
        let thoughts =
            thoughtCount > 0
            ? thoughtGenerator.tokens(prompt: request.promptText, temperature: request.temperature, requestSeed: request.seed, count: thoughtCount)
            : []
        let length =
            replyTokens?.count
            ?? generator.outputLength(
                prompt: request.promptText, temperature: request.temperature, requestSeed: request.seed,
                model: latency, maxTokens: nil)
        // ignore_eos: the answer runs to max_tokens; min_tokens: no end before it.
        let wanted = request.ignoreEOS ? (answerBudget ?? length) : max(length, (request.minTokens ?? 0) - thoughtCount)
        let cappedLength = answerBudget.map { min($0, wanted) } ?? wanted
        var tokens =
            replyTokens.map { Array($0.prefix(cappedLength)) }
            ?? generator.tokens(
                prompt: request.promptText, temperature: request.temperature, requestSeed: request.seed, count: cappedLength)
        // With reasoning, a `max_tokens` spent on thinking leaves the answer unfinished even when
        // it would have been empty.
        let thinkingCut = reasons && answerBudget.map { $0 <= 0 } == true
        var finishReason = cappedLength < length || request.ignoreEOS || thinkingCut ? "length" : "stop"
        var stopReason: String?
        if !request.stop.isEmpty {
            var text = ""
            for (position, token) in tokens.enumerated() {
                text += token
                if let matched = request.stop.first(where: { text.contains($0) }) {
                    tokens.removeSubrange(position...)
                    finishReason = "stop"
                    stopReason = matched
                    break
                }
            }
        }
        let promptTokens = TextGenerator.estimateTokens(request.promptText)
        let number = requestCounter.add(1, ordering: .relaxed).newValue
        let id = (request.api == .completions ? "cmpl-" : "chatcmpl-") + (requestID.map(Self.safeID) ?? String(number, radix: 16))
        return Plan(
            request: request, arrival: arrival, thoughts: thoughts, reasons: reasons, tokens: tokens, finishReason: finishReason,
            stopReason: stopReason, promptTokens: promptTokens,
            timeToFirstToken: latency.timeToFirstToken(promptTokens: promptTokens, using: &random), fault: fault, id: id, requestID: requestID,
            encoder: ChunkEncoder(api: request.api, id: id, created: Int(Date().timeIntervalSince1970), model: request.model),
            random: random)
    }

    /// Writes a streamed answer on the latency model's schedule, in vLLM's shape: the chat role
    /// chunk, one chunk per token, `"length"` on the last token or an extra `"stop"` chunk, the usage
    /// chunk. Tokens that are due are written together, so with no latency the whole answer goes out
    /// in one write. With `--split-utf8`, a token with a character beyond ASCII is preceded, halfway since the token before, by an empty chunk, as vLLM sends while it holds back
    /// a character whose bytes span two tokens.
    private func stream(_ plan: Plan, to writer: inout any ResponseBodyWriter) async throws {
        var plan = plan
        let admitted = try await acquireSlot()
        defer { releaseSlot() }
        let faults = configuration.faults
        var buffer = ByteBuffer()
        // A reasoning model's thoughts come first, each a token like the answer's.
        let thoughtCount = plan.thoughts.count
        let tokenCount = thoughtCount + plan.tokens.count
        buffer.reserveCapacity(512 + tokenCount * 200)
        // vLLM sends a chat's role chunk with its first output (a token or an empty held-back
        // piece), not before the prefill: the same here, so the role chunk adds no TTFT-long gap.
        var roleWritten = false
        func writeRoleOnce() {
            guard !roleWritten else { return }
            plan.encoder.writeRoleChunk(into: &buffer)
            roleWritten = true
        }
        // Prefill starts once the request has a slot: queueing adds to the time to first token.
        var due = admitted + .seconds(plan.timeToFirstToken)
        var previousDue = admitted
        let faultPosition = tokenCount / 2
        // For the timing log: when each write that carried tokens went out, from the arrival.
        var tokenWrites: [Double] = []
        var tokensPending = false
        func flush() async throws {
            // Stamped as the bytes are handed over, not once the write has completed: a client may
            // read them before the awaited write returns, and must never seem to read them earlier
            // than they were sent.
            if timingLog != nil, tokensPending, buffer.readableBytes > 0 {
                tokenWrites.append((ContinuousClock.now - plan.arrival).seconds)
                tokensPending = false
            }
            try await send(&buffer, to: &writer, random: &plan.random)
        }
        for position in 0..<tokenCount {
            let isThought = position < thoughtCount
            let token = isThought ? plan.thoughts[position] : plan.tokens[position - thoughtCount]
            if position > 0 { due += .seconds(configuration.latency.interTokenLatency(using: &plan.random)) }
            if faults.splitUTF8, token.unicodeScalars.contains(where: { !$0.isASCII }) {
                let holdback = previousDue + (due - previousDue) / 2
                if holdback > .now {
                    try await flush()
                    try await Task.sleep(until: holdback, clock: .continuous)
                }
                writeRoleOnce()
                if isThought {
                    plan.encoder.writeThought("", field: configuration.reasoningField, finishReason: nil, into: &buffer)
                } else {
                    plan.encoder.writeToken("", finishReason: nil, into: &buffer)
                }
            }
            previousDue = due
            if due > .now {
                try await flush()
                try await Task.sleep(until: due, clock: .continuous)
            }
            if position == faultPosition, let fault = plan.fault {
                switch fault {
                case .drop:
                    try await flush()
                    throw SimulatedConnectionDrop()
                case .stall:
                    try await flush()
                    try await Task.sleep(for: .seconds(faults.stallSeconds))
                    due = .now
                case .malformed:
                    writeRoleOnce()
                    plan.encoder.writeMalformedChunk(into: &buffer)
                default: break
                }
            }
            let finishReason = position == tokenCount - 1 && plan.finishReason != "stop" ? plan.finishReason : nil
            writeRoleOnce()
            if isThought {
                plan.encoder.writeThought(token, field: configuration.reasoningField, finishReason: finishReason, into: &buffer)
            } else {
                plan.encoder.writeToken(token, finishReason: finishReason, into: &buffer)
            }
            tokensPending = true
            if position == 0 {
                metrics.recordTimeToFirstToken((ContinuousClock.now - plan.arrival).seconds, streamed: true)
            }
        }
        writeRoleOnce()
        if plan.finishReason == "stop" {
            plan.encoder.writeStop(stopReason: plan.stopReason, into: &buffer)
        } else if tokenCount == 0 {  // `max_tokens` 0 or an empty reply cut: still say why it ended
            plan.encoder.writeToken("", finishReason: plan.finishReason, into: &buffer)
        }
        metrics.recordGeneratedTokens(tokenCount)
        if plan.request.includeUsage {
            plan.encoder.writeUsage(
                promptTokens: plan.promptTokens, completionTokens: tokenCount, reasoningTokens: plan.reasons ? thoughtCount : nil, into: &buffer)
        }
        plan.encoder.writeDone(into: &buffer)
        try await flush()
        metrics.recordFinished(finishReason: plan.finishReason, endToEndLatency: (ContinuousClock.now - plan.arrival).seconds)
        if let timingLog {
            let arrivalUnixS = Date().timeIntervalSince1970 - (ContinuousClock.now - plan.arrival).seconds
            timingLog.record(
                .init(requestID: plan.requestID, arrivalUnixS: arrivalUnixS, firstTokenS: tokenWrites.first, tokenWritesS: tokenWrites))
        }
    }

    /// Writes and empties `buffer`; with `--split-utf8`, in pieces of 1 to 7 bytes cut anywhere.
    private func send(_ buffer: inout ByteBuffer, to writer: inout any ResponseBodyWriter, random: inout SeededRandom) async throws {
        guard buffer.readableBytes > 0 else { return }
        if configuration.faults.splitUTF8 {
            while buffer.readableBytes > 0 {
                let size = min(buffer.readableBytes, 1 + Int(random.next() % 7))
                try await writer.write(buffer.readSlice(length: size)!)
            }
        } else {
            try await writer.write(buffer)
        }
        buffer.clear()
    }

    /// Answers a non-streamed request once the whole answer would have been generated.
    private func respondWhole(_ plan: Plan) async throws -> Response {
        var plan = plan
        let admitted = try await acquireSlot()
        let tokenCount = plan.thoughts.count + plan.tokens.count
        var duration = plan.timeToFirstToken
        for _ in 1..<max(1, tokenCount) { duration += configuration.latency.interTokenLatency(using: &plan.random) }
        if plan.fault == .stall { duration += configuration.faults.stallSeconds }
        try? await Task.sleep(until: admitted + .seconds(duration), clock: .continuous)
        releaseSlot()
        metrics.recordTimeToFirstToken((admitted - plan.arrival).seconds + plan.timeToFirstToken, streamed: false)
        metrics.recordGeneratedTokens(tokenCount)
        metrics.recordFinished(finishReason: plan.finishReason, endToEndLatency: (ContinuousClock.now - plan.arrival).seconds)

        let text = plan.tokens.joined()
        let request = plan.request
        var bytes: [UInt8]
        if plan.reasons {
            let response = ReasoningChatResponse(
                id: plan.id, created: Int(Date().timeIntervalSince1970), model: request.model,
                message: .init(content: text, reasoning: plan.thoughts.joined(), field: configuration.reasoningField),
                finishReason: plan.finishReason, promptTokens: plan.promptTokens, reasoningTokens: plan.thoughts.count,
                completionTokens: tokenCount)
            bytes = Array(try JSONEncoder().encode(response))
        } else {
            let choice = GenerationResponse.Choice(
                index: 0, text: request.api == .completions ? text : nil,
                message: request.api == .chat ? ChatMessage(role: "assistant", content: text) : nil,
                finishReason: plan.finishReason)
            let response = GenerationResponse(
                id: plan.id,
                object: request.api == .completions ? "text_completion" : "chat.completion",
                created: Int(Date().timeIntervalSince1970), model: request.model, choices: [choice],
                usage: Usage(promptTokens: plan.promptTokens, completionTokens: plan.tokens.count))
            bytes = Array(try JSONEncoder().encode(response))
        }
        switch plan.fault {
        case .malformed?:
            bytes = Array(bytes.prefix(bytes.count / 2))
        case .drop?:
            let half = ByteBuffer(bytes: bytes.prefix(bytes.count / 2))
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: ResponseBody { writer in
                    try await writer.write(half)
                    throw SimulatedConnectionDrop()
                })
        default: break
        }
        return Self.jsonResponse(status: .ok, bytes: bytes)
    }

    /// Waits for a sequence slot and returns when it was granted; throws `CancellationError` when
    /// the request is cancelled (its client went away) while it waits.
    private func acquireSlot() async throws -> ContinuousClock.Instant {
        metrics.waiting.increment()
        defer { metrics.waiting.decrement() }
        try await slots.acquire()
        metrics.running.increment()
        return .now
    }

    private func releaseSlot() {
        metrics.running.decrement()
        slots.release()
    }

    private static func jsonResponse(status: HTTPResponse.Status, bytes: [UInt8]) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func errorResponse(_ error: SimulatorError) -> Response {
        jsonResponse(status: HTTPResponse.Status(code: error.status), bytes: error.body)
    }
}

/// Thrown inside a response body to make the server close the connection mid-response.
struct SimulatedConnectionDrop: Error {}

/// A reasoning model's whole chat answer: ``GenerationResponse``'s shape with the thoughts in the
/// message (under the configured ``ReasoningField``) and OpenAI's
/// `usage.completion_tokens_details.reasoning_tokens`.
private struct ReasoningChatResponse: Encodable {
    struct Message: Encodable {
        var content: String
        var reasoning: String
        var field: ReasoningField

        private struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            try container.encode("assistant", forKey: Key(stringValue: "role"))
            try container.encode(content, forKey: Key(stringValue: "content"))
            try container.encode(reasoning, forKey: Key(stringValue: field.rawValue))
        }
    }

    struct Choice: Encodable {
        var index = 0
        var message: Message
        var finishReason: String

        enum CodingKeys: String, CodingKey {
            case index, message
            case finishReason = "finish_reason"
        }
    }

    struct Usage: Encodable {
        struct Details: Encodable {
            var reasoningTokens: Int

            enum CodingKeys: String, CodingKey {
                case reasoningTokens = "reasoning_tokens"
            }
        }

        var promptTokens: Int
        var completionTokens: Int
        var totalTokens: Int
        var completionTokensDetails: Details

        enum CodingKeys: String, CodingKey {
            case promptTokens = "prompt_tokens"
            case completionTokens = "completion_tokens"
            case totalTokens = "total_tokens"
            case completionTokensDetails = "completion_tokens_details"
        }
    }

    var id: String
    var object = "chat.completion"
    var created: Int
    var model: String
    var choices: [Choice]
    var usage: Usage

    init(
        id: String, created: Int, model: String, message: Message, finishReason: String, promptTokens: Int, reasoningTokens: Int,
        completionTokens: Int
    ) {
        self.id = id
        self.created = created
        self.model = model
        choices = [Choice(message: message, finishReason: finishReason)]
        usage = Usage(
            promptTokens: promptTokens, completionTokens: completionTokens, totalTokens: promptTokens + completionTokens,
            completionTokensDetails: .init(reasoningTokens: reasoningTokens))
    }
}
