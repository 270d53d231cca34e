import LLMSupport
import NIOCore
import NIOHTTP1
import Synchronization

/// An HTTP/1.1 connection's own part in reading answers, on its event loop, between the response
/// decoder and async-http-client's handler. It does two things.
///
/// It reads each answer whose request named a registered reader (``register(_:)``): head and body
/// go to the ``ResponseReader`` as they are decoded, and the body stops here, so async-http-client
/// sees a head and an end. Through async-http-client each piece of a paced stream took a step of
/// its state machines, a hop to the request's event loop for a quarter of them, and a round of
/// demand for the next read: at 256 streams 43–49 µs of client CPU and 7 allocations a chunk,
/// against 31–35 µs and 2.6 here (README, "Performance"). Errors, time limits, cancellation,
/// keep-alive and resending on a closed connection stay async-http-client's.
///
/// And it stamps when each request was written to its connection: on the connection's event loop just
/// before the flush that sends its last byte (the last body byte of a body of known length, else
/// the end), and handed to the response's reader in the answer's head (under ``header``, which the
/// reader takes out again). async-http-client's own notice of the write (`didSendRequest`) comes
/// later whenever it runs the request on another event loop than its connection's, by as long as
/// that loop is busy: counted from it, TTFT came out shorter than the server's own (seen: 48.997 ms,
/// and in CI 40.9 ms, for a simulator answering after 50 ms). For the same reason the stamp is not
/// taken at the request's end when the body had a length: async-http-client writes the (empty) end
/// in a step of its own, possibly after other connections' writes, when the server may already
/// have read the whole request.
final class ConnectionTap: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias InboundOut = HTTPClientResponsePart
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = HTTPClientRequestPart

    /// The response header carrying the stamp from the connection to the reader.
    static let header = "x-llm-client-written-ns"

    /// Body bytes of the request being written still to come, when its length is known.
    private var bodyLeft: Int?
    /// The request's last byte was written and not yet flushed.
    private var lastByteWritten = false
    /// When the request's last byte went to the socket; nil until then, and once its answer's head came.
    private var written: ContinuousClock.Instant?
    /// The reader of the request being answered, when it was registered (``register(_:)``).
    private var reader: ResponseReader?
    /// Whether the answer's body goes to ``reader`` here instead of through async-http-client.
    private var tapping = false

    /// The request header naming a registered reader; taken out before the request is written.
    static let readerHeader = "x-llm-client-reader"
    private static let readers = Mutex<[UInt64: ResponseReader]>([:])
    private static let lastReaderID = Atomic<UInt64>(0)

    /// Registers `reader` for the request that will carry the returned value in ``readerHeader``:
    /// on an HTTP/1.1 connection its answer's head and body then go to the reader on the
    /// connection's event loop as they are read, and the body does not pass through
    /// async-http-client (whose per-read work, a state machine step, a hop to the request's event
    /// loop and a demand for more per piece, cost more than the reader's own).
    static func register(_ reader: ResponseReader) -> String {
        let id = lastReaderID.add(1, ordering: .relaxed).newValue
        readers.withLock { $0[id] = reader }
        return String(id)
    }

    /// Forgets the reader registered under `id`.
    static func unregister(_ id: String) {
        guard let id = UInt64(id) else { return }
        _ = readers.withLock { $0.removeValue(forKey: id) }
    }

    /// The instant a stamp in a response head names.
    static func instant(in headers: HTTPHeaders) -> ContinuousClock.Instant? {
        headers.first(name: header).flatMap(InstantText.instant)
    }

    /// Puts a stamper into a new HTTP/1.1 connection's pipeline, between the response decoder and
    /// async-http-client's handler (set as `HTTPClient.Configuration.http1_1ConnectionDebugInitializer`).
    /// Never fails: a connection that closed meanwhile (its handlers gone) goes on without a stamp,
    /// and async-http-client handles its closing as it would have (a failure here would fail every
    /// request waiting for a connection). Deferred to the connection's event loop's next turn even
    /// when called on it: done inline, the client crashed once in 150 runs on a loaded machine in
    /// async-http-client's pool ("A connection that we don't know was released?"); deferred, none
    /// in 700.
    static func install(on channel: any Channel) -> EventLoopFuture<Void> {
        channel.eventLoop.submit {
            let pipeline = channel.pipeline.syncOperations
            guard let decoder = try? pipeline.handler(type: ByteToMessageHandler<HTTPResponseDecoder>.self) else { return }
            try? pipeline.addHandler(ConnectionTap(), position: .after(decoder))
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        var data = data
        switch unwrapOutboundIn(data) {
        case .head(var head):
            // A new request: no stamp or reader of an earlier one may reach its answer.
            written = nil
            lastByteWritten = false
            reader = nil
            tapping = false
            if let id = head.headers.first(name: Self.readerHeader) {
                head.headers.remove(name: Self.readerHeader)
                data = wrapOutboundOut(.head(head))
                reader = UInt64(id).flatMap { id in Self.readers.withLock { $0[id] } }
            }
            let chunked = head.headers[canonicalForm: "transfer-encoding"].contains { $0.lowercased() == "chunked" }
            bodyLeft = chunked ? nil : head.headers.first(name: "content-length").flatMap { Int($0) } ?? 0
            if bodyLeft == 0 { lastByteWritten = true }
        case .body(let body):
            if let left = bodyLeft, left > 0 {
                bodyLeft = left - body.readableBytes
                lastByteWritten = left <= body.readableBytes
            }
        case .end:
            if bodyLeft == nil { lastByteWritten = true }
        }
        context.write(data, promise: promise)
    }

    func flush(context: ChannelHandlerContext) {
        // Stamped just before the bytes go to the socket, never after the server may have them
        // (a thread preempted after the write would stamp it late, and TTFT would come out short).
        if lastByteWritten {
            lastByteWritten = false
            if written == nil { written = .now }
        }
        context.flush()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        // Informational heads (1xx) pass: the stamp is the final answer's.
        case .head(var head) where head.status.code >= 200:
            if let written {
                self.written = nil
                head.headers.replaceOrAdd(name: Self.header, value: InstantText.text(of: written))
            }
            // A redirect is async-http-client's to follow (with the same reader's name: the
            // final answer is the one read) or to hand over as it is.
            if let reader, !(300..<400).contains(head.status.code) {
                reader.receiveHead(head)
                tapping = true
            }
            context.fireChannelRead(wrapInboundOut(.head(head)))
        case .body(let buffer) where tapping:
            do {
                try reader?.receiveBody(buffer)
            } catch {
                // async-http-client fails the request with this error and closes the connection;
                // the rest of the body is dropped.
                reader = nil
                context.fireErrorCaught(error)
            }
        case .end:
            reader = nil
            tapping = false
            context.fireChannelRead(data)
        default:
            context.fireChannelRead(data)
        }
    }
}
