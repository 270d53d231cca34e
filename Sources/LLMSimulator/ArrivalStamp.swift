import HTTPTypes
import LLMSupport
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

    /// The arrival stamped on `request`, if it went through ``Stamper``.
    static func arrival(of request: HTTPRequest) -> ContinuousClock.Instant? {
        request.headerFields[header].flatMap(InstantText.instant)
    }

    /// Holds each request's head and body until its end is decoded, then passes them on with the
    /// head stamped (the handler reads the whole body before it answers anyway). A body larger
    /// than the handler takes goes on as it comes, for the handler to refuse.
    final class Stamper: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = HTTPRequestPart
        typealias InboundOut = HTTPRequestPart

        private var head: HTTPRequest?
        private var body: [ByteBuffer] = []
        private var heldBytes = 0

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let request):
                head = request
                // A client waiting for "100 Continue" before it sends the body (curl, for large
                // ones) must not wait for it in vain: its head goes on at once, stamped now.
                if request.headerFields[.expect]?.lowercased() == "100-continue" { passHeldParts(context: context) }
            case .body(let buffer):
                guard head != nil else { return context.fireChannelRead(data) }
                body.append(buffer)
                heldBytes += buffer.readableBytes
                if heldBytes > SimulatorServer.largestRequestBody { passHeldParts(context: context) }
            case .end:
                passHeldParts(context: context)
                context.fireChannelRead(data)
            }
        }

        /// Passes the held head, stamped now, and the body held with it on; what follows of the
        /// request passes as it comes.
        private func passHeldParts(context: ChannelHandlerContext) {
            guard var request = head else { return }
            request.headerFields[ArrivalStamp.header] = InstantText.text(of: .now)
            context.fireChannelRead(wrapInboundOut(.head(request)))
            for buffer in body { context.fireChannelRead(wrapInboundOut(.body(buffer))) }
            (head, body, heldBytes) = (nil, [], 0)
        }
    }
}
