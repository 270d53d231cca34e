import LLMSupport
import NIOCore
import NIOHTTP1

/// When each request was written to its connection: stamped on the connection's event loop just
/// before the flush that sends its last byte (the last body byte of a body of known length, else
/// the end), and handed to the response's reader in the answer's head (under ``header``, which the
/// reader takes out again). async-http-client's own notice of the write (`didSendRequest`) comes
/// later whenever it runs the request on another event loop than its connection's, by as long as
/// that loop is busy: counted from it, TTFT came out shorter than the server's own (seen: 48.997 ms,
/// and in CI 40.9 ms, for a simulator answering after 50 ms). For the same reason the stamp is not
/// taken at the request's end when the body had a length: async-http-client writes the (empty) end
/// in a step of its own, possibly after other connections' writes, when the server may already
/// have read the whole request.
final class WriteStamp: ChannelDuplexHandler, RemovableChannelHandler {
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
            try? pipeline.addHandler(WriteStamp(), position: .after(decoder))
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head):
            // A new request: no stamp of an earlier one may reach its answer.
            written = nil
            lastByteWritten = false
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
        // Informational heads (1xx) pass: the stamp is the final answer's.
        guard case .head(var head) = unwrapInboundIn(data), head.status.code >= 200, let written else {
            context.fireChannelRead(data)
            return
        }
        self.written = nil
        head.headers.replaceOrAdd(name: Self.header, value: InstantText.text(of: written))
        context.fireChannelRead(wrapInboundOut(.head(head)))
    }
}
