import Foundation
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import LLMClientKit

/// The connection's stamp of when a request's last byte was written, carried to its reader in the
/// answer's head.
@Suite struct ConnectionTapTests {
    static func head(_ headers: [(String, String)]) -> HTTPClientRequestPart {
        .head(HTTPRequestHead(version: .http1_1, method: .POST, uri: "/v1/completions", headers: HTTPHeaders(headers)))
    }

    struct NoHead: Error {}

    /// The stamp on an answer's head passed through the channel (nil: none).
    static func stamp(_ channel: EmbeddedChannel, status: HTTPResponseStatus = .ok) throws -> ContinuousClock.Instant? {
        try channel.writeInbound(HTTPClientResponsePart.head(HTTPResponseHead(version: .http1_1, status: status)))
        guard case .head(let head) = try channel.readInbound(as: HTTPClientResponsePart.self) else { throw NoHead() }
        return ConnectionTap.instant(in: head.headers)
    }

    /// A body of known length: stamped at the flush that sends its last byte, not at the (empty)
    /// end, which async-http-client may write later in a step of its own.
    @Test func aBodyOfKnownLengthIsStampedAtItsLastByte() throws {
        let channel = EmbeddedChannel(handler: ConnectionTap())
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
        let channel = EmbeddedChannel(handler: ConnectionTap())
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
        let channel = EmbeddedChannel(handler: ConnectionTap())
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

/// The connection reading a registered reader's answer itself.
@Suite struct ConnectionTapReadingTests {
    static let event =
        #"data: {"id":"c","object":"text_completion","created":1,"model":"m","choices":[{"index":0,"text":"안녕","finish_reason":null}]}"# + "\n\n"

    static func reader() -> ResponseReader {
        ResponseReader(
            streaming: true, started: .now, watchdog: Watchdog(configuration: ClientConfiguration(), streaming: true), onText: nil)
    }

    /// A request head naming `id` as its reader, with no body.
    static func request(reader id: String?) -> HTTPClientRequestPart {
        var headers = HTTPHeaders([("content-length", "0")])
        if let id { headers.add(name: ConnectionTap.readerHeader, value: id) }
        return .head(HTTPRequestHead(version: .http1_1, method: .POST, uri: "/v1/completions", headers: headers))
    }

    /// Runs `body` with a registered reader, its name, and a channel through a tap.
    static func withTappedReader(_ body: (ResponseReader, String, EmbeddedChannel) throws -> Void) throws {
        let reader = Self.reader()
        let id = ConnectionTap.register(reader)
        defer { ConnectionTap.unregister(id) }
        let channel = EmbeddedChannel(handler: ConnectionTap())
        defer { _ = try? channel.finish() }
        try body(reader, id, channel)
    }

    static func answerHead() -> HTTPClientResponsePart {
        .head(HTTPResponseHead(version: .http1_1, status: .ok, headers: ["content-type": "text/event-stream"]))
    }

    @Test func aRegisteredReadersAnswerIsReadOnTheConnection() throws {
        try Self.withTappedReader { reader, id, channel in
            try channel.writeOutbound(Self.request(reader: id))
            // The reader's name never reaches the server.
            guard case .head(let sent) = try channel.readOutbound(as: HTTPClientRequestPart.self) else { throw ConnectionTapTests.NoHead() }
            #expect(!sent.headers.contains(name: ConnectionTap.readerHeader), "sent headers: \(sent.headers)")
            try channel.writeInbound(Self.answerHead())
            // A character split across two reads, and [DONE].
            let bytes = Array((Self.event + Self.event + "data: [DONE]\n\n").utf8)
            try channel.writeInbound(HTTPClientResponsePart.body(ByteBuffer(bytes: bytes[..<120])))
            try channel.writeInbound(HTTPClientResponsePart.body(ByteBuffer(bytes: bytes[120...])))
            try channel.writeInbound(HTTPClientResponsePart.end(nil))
            // async-http-client sees the head (with the write's stamp) and the end, no body.
            guard case .head(let head) = try channel.readInbound(as: HTTPClientResponsePart.self) else { throw ConnectionTapTests.NoHead() }
            #expect(ConnectionTap.instant(in: head.headers) != nil)
            #expect(try channel.readInbound(as: HTTPClientResponsePart.self) == .end(nil))
            #expect(try channel.readInbound(as: HTTPClientResponsePart.self) == nil)
            let (status, output, chunks, done) = reader.withState { ($0.status, $0.stream.output, $0.stream.contentChunks, $0.stream.sawDone) }
            #expect(
                status == .ok && output == "안녕안녕" && chunks == 2 && done,
                "status \(String(describing: status)), output \(output), \(chunks) chunks, done \(done)")
        }
    }

    @Test func anUnregisteredRequestsAnswerPassesWhole() throws {
        let channel = EmbeddedChannel(handler: ConnectionTap())
        defer { _ = try? channel.finish() }
        // A name that no reader has (unregistered after its attempt): the answer passes on.
        try channel.writeOutbound(Self.request(reader: "0"))
        try channel.writeInbound(Self.answerHead())
        try channel.writeInbound(HTTPClientResponsePart.body(ByteBuffer(string: Self.event)))
        try channel.writeInbound(HTTPClientResponsePart.end(nil))
        #expect(try channel.readInbound(as: HTTPClientResponsePart.self) != nil)  // the head
        #expect(try channel.readInbound(as: HTTPClientResponsePart.self) == .body(ByteBuffer(string: Self.event)))
        #expect(try channel.readInbound(as: HTTPClientResponsePart.self) == .end(nil))
    }

    @Test func aReadersFailureFailsTheRequestAndTheRestIsDropped() throws {
        try Self.withTappedReader { reader, id, channel in
            try channel.writeOutbound(Self.request(reader: id))
            try channel.writeInbound(Self.answerHead())
            _ = try channel.readInbound(as: HTTPClientResponsePart.self)
            // A malformed chunk fails the request (async-http-client is told, and closes the connection).
            #expect(throws: RequestFailure.self) {
                try channel.writeInbound(HTTPClientResponsePart.body(ByteBuffer(string: "data: {not json\n\n")))
            }
            try channel.writeInbound(HTTPClientResponsePart.body(ByteBuffer(string: Self.event)))
            #expect(try channel.readInbound(as: HTTPClientResponsePart.self) == nil)
            #expect(reader.withState { $0.stream.output }.isEmpty)
        }
    }

    /// A redirect is async-http-client's: the reader gets the answer it leads to, on the request
    /// async-http-client sends next (carrying the same reader's name).
    @Test func aRedirectIsNotReadButTheAnswerItLeadsToIs() throws {
        try Self.withTappedReader { reader, id, channel in
            try channel.writeOutbound(Self.request(reader: id))
            try channel.writeInbound(HTTPClientResponsePart.head(HTTPResponseHead(version: .http1_1, status: .temporaryRedirect)))
            try channel.writeInbound(HTTPClientResponsePart.body(ByteBuffer(string: "moved")))
            try channel.writeInbound(HTTPClientResponsePart.end(nil))
            #expect(try channel.readInbound(as: HTTPClientResponsePart.self) != nil)  // the head
            #expect(try channel.readInbound(as: HTTPClientResponsePart.self) == .body(ByteBuffer(string: "moved")))
            #expect(try channel.readInbound(as: HTTPClientResponsePart.self) == .end(nil))
            #expect(reader.withState { $0.status } == nil)
            try channel.writeOutbound(Self.request(reader: id))
            try channel.writeInbound(Self.answerHead())
            try channel.writeInbound(HTTPClientResponsePart.body(ByteBuffer(string: Self.event + "data: [DONE]\n\n")))
            #expect(reader.withState { ($0.status, $0.stream.output) } == (.ok, "안녕"))
        }
    }

    /// The next request on the connection has its own reader, or none.
    @Test func eachRequestOnTheConnectionHasItsOwnReader() throws {
        let first = Self.reader()
        let second = Self.reader()
        let ids = (ConnectionTap.register(first), ConnectionTap.register(second))
        defer { [ids.0, ids.1].forEach(ConnectionTap.unregister) }
        let channel = EmbeddedChannel(handler: ConnectionTap())
        defer { _ = try? channel.finish() }
        for id in [ids.0, ids.1] {
            try channel.writeOutbound(Self.request(reader: id))
            try channel.writeInbound(Self.answerHead())
            try channel.writeInbound(HTTPClientResponsePart.body(ByteBuffer(string: Self.event)))
            try channel.writeInbound(HTTPClientResponsePart.end(nil))
        }
        try channel.writeOutbound(Self.request(reader: nil))
        try channel.writeInbound(Self.answerHead())
        try channel.writeInbound(HTTPClientResponsePart.body(ByteBuffer(string: Self.event)))
        #expect(first.withState { $0.stream.output } == "안녕")
        #expect(second.withState { $0.stream.output } == "안녕")
        while let part = try channel.readInbound(as: HTTPClientResponsePart.self) {
            if case .body = part { return }
        }
        Issue.record("the unregistered request's body did not pass on")
    }
}

/// A result's write instant is held in memory only, and is no part of what a result is.
@Suite struct MonotonicInstantTests {
    @Test func aResultEqualsItsSavedFormWhateverItsWriteInstant() throws {
        var result = RequestResult(
            request: GenerationRequest(index: 0, prompt: .text("안녕"), parameters: .init()), model: "m", startedAt: Timestamp())
        result.written = MonotonicInstant(.now)
        let read = try JSONDecoder().decode(RequestResult.self, from: JSONEncoder().encode(result))
        #expect(read.written.instant == nil)
        #expect(read == result)
        #expect(read.hashValue == result.hashValue)
    }
}
