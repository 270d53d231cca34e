import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import LLMClientKit

/// The connection's stamp of when a request's last byte was written, carried to its reader in the
/// answer's head.
@Suite struct WriteStampTests {
    static func head(_ headers: [(String, String)]) -> HTTPClientRequestPart {
        .head(HTTPRequestHead(version: .http1_1, method: .POST, uri: "/v1/completions", headers: HTTPHeaders(headers)))
    }

    struct NoHead: Error {}

    /// The stamp on an answer's head passed through the channel (nil: none).
    static func stamp(_ channel: EmbeddedChannel, status: HTTPResponseStatus = .ok) throws -> ContinuousClock.Instant? {
        try channel.writeInbound(HTTPClientResponsePart.head(HTTPResponseHead(version: .http1_1, status: status)))
        guard case .head(let head) = try channel.readInbound(as: HTTPClientResponsePart.self) else { throw NoHead() }
        return WriteStamp.instant(in: head.headers)
    }

    /// A body of known length: stamped at the flush that sends its last byte, not at the (empty)
    /// end, which async-http-client may write later in a step of its own.
    @Test func aBodyOfKnownLengthIsStampedAtItsLastByte() throws {
        let channel = EmbeddedChannel(handler: WriteStamp())
        defer { _ = try? channel.finish() }
        try channel.writeOutbound(Self.head([("content-length", "4")]))  // each writeOutbound flushes
        try channel.writeOutbound(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(string: "{\""))))
        let beforeLast = ContinuousClock.now
        try channel.writeOutbound(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(string: "\"}"))))
        let afterLast = ContinuousClock.now
        try channel.writeOutbound(HTTPClientRequestPart.end(nil))
        #expect(try channel.readOutbound(as: HTTPClientRequestPart.self) == Self.head([("content-length", "4")]))
        let written = try #require(try Self.stamp(channel))
        #expect(written >= beforeLast && written <= afterLast, "stamped \(written), last byte written \(beforeLast) to \(afterLast)")
        // One stamp per request: another head without a new request has none.
        #expect(try Self.stamp(channel) == nil)
    }

    @Test func aChunkedBodyIsStampedAtItsEnd() throws {
        let channel = EmbeddedChannel(handler: WriteStamp())
        defer { _ = try? channel.finish() }
        try channel.writeOutbound(Self.head([("transfer-encoding", "chunked")]))
        try channel.writeOutbound(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(string: "{}"))))
        let beforeEnd = ContinuousClock.now
        try channel.writeOutbound(HTTPClientRequestPart.end(nil))
        let afterEnd = ContinuousClock.now
        let written = try #require(try Self.stamp(channel))
        #expect(written >= beforeEnd && written <= afterEnd)
    }

    @Test func notYetFlushedInformationalHeadsAndEarlierRequests() throws {
        let channel = EmbeddedChannel(handler: WriteStamp())
        defer { _ = try? channel.finish() }
        // Written but not flushed: no stamp.
        channel.write(Self.head([("content-length", "0")]), promise: nil)
        #expect(try Self.stamp(channel) == nil)
        channel.flush()
        // A 1xx head passes without the stamp, which the final head then carries.
        #expect(try Self.stamp(channel, status: .continue) == nil)
        #expect(try Self.stamp(channel) != nil)
        // A stamp the answer's head never took (it came before the request was all sent) does not
        // reach the next request's answer.
        try channel.writeOutbound(Self.head([("content-length", "0")]))
        channel.write(Self.head([("content-length", "2")]), promise: nil)
        #expect(try Self.stamp(channel) == nil)
    }
}
