import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import LLMClientKit

/// The connection's stamp of when a request was written, carried to its reader in the answer's head.
@Suite struct WriteStampTests {
    @Test func theAnswersHeadCarriesWhenTheRequestsEndWasFlushed() throws {
        let channel = EmbeddedChannel(handler: WriteStamp())
        defer { _ = try? channel.finish() }
        let head = HTTPRequestHead(version: .http1_1, method: .POST, uri: "/v1/completions")
        try channel.writeOutbound(HTTPClientRequestPart.head(head))
        try channel.writeOutbound(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(string: "{}"))))
        let beforeEnd = ContinuousClock.now
        try channel.writeOutbound(HTTPClientRequestPart.end(nil))  // written and flushed
        let afterFlush = ContinuousClock.now
        // The request went on unchanged.
        #expect(try channel.readOutbound(as: HTTPClientRequestPart.self) == .head(head))
        try channel.writeInbound(HTTPClientResponsePart.head(HTTPResponseHead(version: .http1_1, status: .ok)))
        guard case .head(let answer) = try channel.readInbound(as: HTTPClientResponsePart.self) else {
            Issue.record("no response head")
            return
        }
        let written = try #require(WriteStamp.instant(in: answer.headers))
        #expect(written >= beforeEnd && written <= afterFlush, "stamped \(written), end written \(beforeEnd) to \(afterFlush)")
        // One stamp per request: the next answer's head without a new request has none.
        try channel.writeInbound(HTTPClientResponsePart.head(HTTPResponseHead(version: .http1_1, status: .ok)))
        guard case .head(let next) = try channel.readInbound(as: HTTPClientResponsePart.self) else {
            Issue.record("no second response head")
            return
        }
        #expect(WriteStamp.instant(in: next.headers) == nil)
    }

    @Test func aRequestWrittenButNotYetFlushedIsNotStamped() throws {
        let channel = EmbeddedChannel(handler: WriteStamp())
        defer { _ = try? channel.finish() }
        channel.write(HTTPClientRequestPart.end(nil), promise: nil)
        try channel.writeInbound(HTTPClientResponsePart.head(HTTPResponseHead(version: .http1_1, status: .ok)))
        guard case .head(let answer) = try channel.readInbound(as: HTTPClientResponsePart.self) else {
            Issue.record("no response head")
            return
        }
        #expect(WriteStamp.instant(in: answer.headers) == nil)
    }
}
