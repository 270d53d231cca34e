import AsyncHTTPClient
import LLMSupport
import NIOCore
import NIOHTTP1
import Synchronization

/// Reads one generation response on the connection's event loop, where its bytes arrive: a
/// streamed answer is timed, parsed and accumulated piece by piece there, and the awaiting task
/// is woken once, when the response has ended. Over HTTP/1.1 the connection's ``ConnectionTap``
/// hands it the answer as it is decoded; otherwise (HTTP/2) async-http-client does, as its delegate.
///
/// Each piece is stamped on arrival, before it is parsed, and no piece crosses to the cooperative
/// thread pool: on paced streams (every token its own read) that hand-off, a task wake-up per
/// chunk, cost more client CPU than everything else a chunk needs.
final class ResponseReader: HTTPClientResponseDelegate {
    typealias Response = Void

    /// What the response brought, read by ``withState(_:)`` once it has ended (or failed).
    struct State: Sendable {
        var status: HTTPResponseStatus?
        var headers = HTTPHeaders()
        /// The whole body of an answer that is not a stream (or of an error answer).
        var body: [UInt8] = []
        var stream: StreamAccumulator
        /// The number of events the stream held.
        var events = 0
        /// The body's start, to show what came when it was not an event stream.
        var opening: [UInt8] = []
        /// The request failed (async-http-client said so): what the connection still reads
        /// before it closes is dropped, not given to a result already read.
        var failed = false
        /// When the request's last byte was written to the connection.
        private(set) var written: ContinuousClock.Instant?
        private var parser = SSEParser()

        init(stream: StreamAccumulator) {
            self.stream = stream
        }

        var isSuccess: Bool { status.map { (200..<300).contains($0.code) } ?? false }

        /// The request was written at `time` (``ConnectionTap``, from the response head): the
        /// answer's times count from there. Without a stamp (an HTTP/2 connection) they count
        /// from the hand-off to the HTTP client: async-http-client's own notice of the write
        /// (`didSendRequest`) can come milliseconds late, and would make TTFT too short.
        mutating func requestWritten(at time: ContinuousClock.Instant) {
            written = time
            stream.started = time
        }

        /// Parses one piece of the stream, which arrived at `time`; says whether it brought text.
        mutating func readStream(_ bytes: UnsafeBufferPointer<UInt8>, at time: ContinuousClock.Instant) throws -> Bool {
            if events == 0, opening.count < 200 { opening += bytes.prefix(200 - opening.count) }
            let chunksBefore = stream.contentChunks
            try parser.feed(
                bytes,
                onBorrowedEvent: { event in
                    events += 1
                    try stream.handle(event, at: time)
                })
            return stream.contentChunks > chunksBefore
        }

        /// Ends the stream at `time`: an event left without its closing blank line is delivered.
        mutating func finishStream(at time: ContinuousClock.Instant) throws {
            try parser.flush(onBorrowedEvent: { event in
                events += 1
                try stream.handle(event, at: time)
            })
        }
    }

    /// The largest body read whole: a non-streamed answer, or an error's explanation.
    static let largestAnswer = 64 * 1024 * 1024
    static let largestErrorBody = 1024 * 1024

    private let state: Mutex<State>
    private let streaming: Bool
    private let watchdog: Watchdog

    /// - Parameters:
    ///   - streaming: whether the request asked for an event stream.
    ///   - started: the request's hand-off to the HTTP client; its times count from when it was
    ///     written to the connection (``State/requestWritten(at:)``).
    ///   - onText: sees each piece of the answer's text as it arrives (on the event loop).
    init(streaming: Bool, started: ContinuousClock.Instant, watchdog: Watchdog, onText: (@Sendable (String) -> Void)?) {
        self.streaming = streaming
        self.watchdog = watchdog
        state = Mutex(State(stream: StreamAccumulator(started: started, onText: onText)))
    }

    /// Whether the response's head arrived.
    var receivedHead: Bool {
        state.withLock { $0.status != nil }
    }

    /// Runs `body` on what the response brought.
    func withState<T>(_ body: (inout State) throws -> T) rethrows -> T {
        try state.withLock { try body(&$0) }
    }

    /// Takes the answer's head, from the connection (``ConnectionTap``) or from async-http-client,
    /// whichever comes first.
    func receiveHead(_ head: HTTPResponseHead) {
        var headers = head.headers
        let written = ConnectionTap.instant(in: headers)
        headers.remove(name: ConnectionTap.header)
        state.withLock { state in
            guard state.status == nil else { return }
            if let written { state.requestWritten(at: written) }
            state.status = head.status
            state.headers = headers
        }
    }

    /// Takes a piece of the answer's body, stamped now, on the event loop that read it.
    func receiveBody(_ buffer: ByteBuffer) throws {
        let now = ContinuousClock.now
        let content = try state.withLock { state -> Bool in
            guard !state.failed else { return false }
            guard streaming, state.isSuccess else {
                guard state.isSuccess else {
                    // An error's explanation: its start is enough, the rest is dropped.
                    state.body += buffer.readableBytesView.prefix(max(0, Self.largestErrorBody - state.body.count))
                    return false
                }
                guard state.body.count + buffer.readableBytes <= Self.largestAnswer else {
                    throw RequestFailure(kind: .invalidResponse, message: "the answer is larger than \(Self.largestAnswer / 1024 / 1024) MB")
                }
                state.body += buffer.readableBytesView
                return false
            }
            return try buffer.withUnsafeReadableBytes { try state.readStream($0.assumingMemoryBound(to: UInt8.self), at: now) }
        }
        if streaming { watchdog.noteActivity(at: now, content: content) }
    }

    func didReceiveHead(task: HTTPClient.Task<Void>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        receiveHead(head)
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<Void>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        do {
            try receiveBody(buffer)
        } catch {
            return task.eventLoop.makeFailedFuture(error)
        }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveError(task: HTTPClient.Task<Void>, _ error: any Error) {
        state.withLock { $0.failed = true }
    }

    func didFinishRequest(task: HTTPClient.Task<Void>) throws {
        try state.withLock { state in
            guard streaming, state.isSuccess else { return }
            try state.finishStream(at: .now)
        }
    }

}
