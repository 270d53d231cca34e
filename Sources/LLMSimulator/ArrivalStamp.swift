import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// When a request arrived: stamped on the event loop as its end is decoded (the whole request
/// read), before the request waits for its handler's task, and carried to the handler in a header
/// of the simulator's own. The simulator's latency model and its timing log count from this
/// instant, so a request that waited in the simulator's own intake (a burst of arrivals on a busy
/// machine) is not answered late by that wait, and the timing log says what the server did from
/// the request's receipt. (Stamped at the head, the server's clock started before the client had
/// sent the body: async-http-client writes the body after the head, from another event loop at
/// times, milliseconds later on a busy machine.)
enum ArrivalStamp {
    /// The header carrying the stamp; any value a client sent under this name is replaced.
    static let header = HTTPField.Name("x-llm-sim-arrival-ns")!
    /// The instant stamps count from.
    private static let origin = ContinuousClock.now

    /// The arrival stamped on `request`, if it went through ``Stamper``.
    static func arrival(of request: HTTPRequest) -> ContinuousClock.Instant? {
        guard let text = request.headerFields[header], let nanoseconds = Int64(text) else { return nil }
        return origin + .nanoseconds(nanoseconds)
    }

    /// Now, as a header value.
    static func stamp() -> String {
        let elapsed = (ContinuousClock.now - origin).components
        return String(elapsed.seconds * 1_000_000_000 + elapsed.attoseconds / 1_000_000_000)
    }

    /// Holds each request's head and body until its end is decoded, then passes them on with the
    /// head stamped (the handler reads the whole body before it answers anyway). A body larger
    /// than the handler takes (``largestBody``) goes on as it comes, for the handler to refuse.
    final class Stamper: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = HTTPRequestPart
        typealias InboundOut = HTTPRequestPart

        /// The most body bytes held (the generation handler's own limit).
        static let largestBody = 32 * 1024 * 1024

        private var head: HTTPRequest?
        private var body: [ByteBuffer] = []
        private var heldBytes = 0

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(var request):
                // A client waiting for "100 Continue" before it sends the body (curl, for large
                // ones) must not wait for it in vain: its head goes on at once, stamped now.
                guard request.headerFields[.expect]?.lowercased() != "100-continue" else {
                    request.headerFields[ArrivalStamp.header] = ArrivalStamp.stamp()
                    return context.fireChannelRead(wrapInboundOut(.head(request)))
                }
                head = request
            case .body(let buffer):
                guard var request = head else { return context.fireChannelRead(data) }
                body.append(buffer)
                heldBytes += buffer.readableBytes
                if heldBytes > Self.largestBody {
                    request.headerFields[ArrivalStamp.header] = ArrivalStamp.stamp()
                    context.fireChannelRead(wrapInboundOut(.head(request)))
                    for buffer in body { context.fireChannelRead(wrapInboundOut(.body(buffer))) }
                    (head, body, heldBytes) = (nil, [], 0)
                }
            case .end:
                guard var request = head else { return context.fireChannelRead(data) }
                request.headerFields[ArrivalStamp.header] = ArrivalStamp.stamp()
                context.fireChannelRead(wrapInboundOut(.head(request)))
                for buffer in body { context.fireChannelRead(wrapInboundOut(.body(buffer))) }
                context.fireChannelRead(data)
                (head, body, heldBytes) = (nil, [], 0)
            }
        }
    }
}
