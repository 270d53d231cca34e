import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// When a request arrived: stamped on the event loop as its head is decoded, before the request
/// waits for its handler's task, and carried to the handler in a header of the simulator's own.
/// The simulator's latency model and its timing log count from this instant, so a request that
/// waited in the simulator's own intake (a burst of arrivals on a busy machine) is not answered
/// late by that wait, and the timing log says what the server did from the request's receipt.
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

    /// Stamps each request's head as it is decoded.
    final class Stamper: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = HTTPRequestPart
        typealias InboundOut = HTTPRequestPart

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard case .head(var head) = unwrapInboundIn(data) else {
                context.fireChannelRead(data)
                return
            }
            let elapsed = (ContinuousClock.now - ArrivalStamp.origin).components
            let nanoseconds = elapsed.seconds * 1_000_000_000 + elapsed.attoseconds / 1_000_000_000
            head.headerFields[ArrivalStamp.header] = String(nanoseconds)
            context.fireChannelRead(wrapInboundOut(.head(head)))
        }
    }
}
