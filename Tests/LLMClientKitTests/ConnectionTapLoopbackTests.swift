import LLMClientKit
import NIOCore
import NIOPosix
import Synchronization
import Testing

/// The tap on real connections: a server that records every byte it is sent and answers each
/// request with the same two-token stream.
@Suite struct ConnectionTapLoopbackTests {
    static let answer =
        "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"
        + [
            #"data: {"id":"c","object":"text_completion","created":1,"model":"m","choices":[{"index":0,"text":"안녕","finish_reason":null}]}"#
                + "\n\n",
            #"data: {"id":"c","object":"text_completion","created":1,"model":"m","choices":[{"index":0,"text":"하세요","finish_reason":"length"}]}"#
                + "\n\n",
            "data: [DONE]\n\n",
        ].map { String($0.utf8.count, radix: 16) + "\r\n" + $0 + "\r\n" }.joined() + "0\r\n\r\n"

    /// Answers each request (its head and its `content-length` body read) with ``answer``.
    final class RecordingServer: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let received = Mutex<[UInt8]>([])
        private let pending = Mutex<[UInt8]>([])

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let bytes = Array(buffer: unwrapInboundIn(data))
            received.withLock { $0 += bytes }
            let answers = pending.withLock { pending -> Int in
                pending += bytes
                var answers = 0
                while let end = pending.firstRange(of: Array("\r\n\r\n".utf8)) {
                    let head = String(decoding: pending[..<end.lowerBound], as: UTF8.self).lowercased()
                    let length =
                        head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                        .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
                    guard pending.count >= end.upperBound + length else { break }
                    pending.removeFirst(end.upperBound + length)
                    answers += 1
                }
                return answers
            }
            for _ in 0..<answers { context.write(NIOAny(ByteBuffer(string: ConnectionTapLoopbackTests.answer)), promise: nil) }
            if answers > 0 { context.flush() }
        }
    }

    @Test func theReadersNameNeverReachesTheServerAndTheAnswerIsRead() async throws {
        let server = RecordingServer()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { $0.pipeline.addHandler(server) }
            .bind(host: "127.0.0.1", port: 0).get()
        defer { channel.close(promise: nil) }
        let port = try #require(channel.localAddress?.port)
        try await LLMClient.withClient(ClientConfiguration(baseURL: "http://127.0.0.1:\(port)/v1", maxConnections: 2)) { client in
            // Two at once (two new connections, their first requests), then two on kept connections.
            for _ in 0..<2 {
                let results = await withTaskGroup(of: RequestResult.self) { group in
                    for _ in 0..<2 {
                        group.addTask {
                            await client.generate(
                                GenerationRequest(prompt: .text("안녕"), parameters: .init(model: "m", maxTokens: 2), api: .completions, stream: true))
                        }
                    }
                    return await group.reduce(into: []) { $0.append($1) }
                }
                for result in results {
                    #expect(result.success && result.output == "안녕하세요" && result.contentChunks == 2, "\(result)")
                    // Timed from the write the tap stamped.
                    #expect(result.written.instant != nil && result.sendS != nil)
                }
            }
        }
        let sent = String(decoding: server.received.withLock { $0 }, as: UTF8.self)
        #expect(sent.components(separatedBy: "POST /v1/completions").count - 1 == 4, "the server was sent: \(sent)")
        #expect(!sent.lowercased().contains("x-llm-client"), "the server was sent: \(sent)")
    }
}
