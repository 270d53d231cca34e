public import AsyncHTTPClient
public import NIOCore

extension HTTPClient {
    /// Sends `request`; when the connection turns out to be closed by the server before any
    /// response arrived (almost always a keep-alive connection the server was closing as it was
    /// reused, or llama.cpp's HTTP thread pool turning a connection away), sends it again at once,
    /// up to three attempts in all. This is part of reaching the server, not a retry of the request
    /// (which the retry policy counts): the server gave no answer. A request the server must not
    /// act on twice (MLflow's creates) is sent with `execute` instead. Every client of an HTTP
    /// server here (the model server's, the tracking server's) sends through this.
    public func executeResendingIfClosedUnanswered(_ request: HTTPClientRequest, deadline: NIODeadline) async throws -> HTTPClientResponse {
        var attempt = 1
        while true {
            do {
                return try await execute(request, deadline: deadline)
            } catch  where attempt < 3 && Self.isClosedBeforeResponse(error) {
                attempt += 1
                try await _Concurrency.Task.sleep(for: .milliseconds(10 * attempt))
            }
        }
    }

    /// Sends `request` with a delegate made by `makeDelegate` for each attempt, resending as
    /// ``executeResendingIfClosedUnanswered(_:deadline:)`` does when the connection closed before
    /// the response's head arrived. Cancelling the calling task cancels the request. Over plain
    /// HTTP the reader is registered for the connection's ``ConnectionTap`` (which `LLMClient`'s
    /// configuration installs; without it the request would carry the tap's header to the server).
    func executeResendingIfClosedUnanswered(
        _ request: HTTPClient.Request, deadline: NIODeadline, reader makeReader: () -> ResponseReader
    ) async throws {
        var attempt = 1
        while true {
            let reader = makeReader()
            var request = request
            // Over plain HTTP (always HTTP/1.1) the connection reads the answer into the reader.
            let readerID = request.url.scheme == "http" ? ConnectionTap.register(reader) : nil
            defer { readerID.map(ConnectionTap.unregister) }
            if let readerID { request.headers.replaceOrAdd(name: ConnectionTap.readerHeader, value: readerID) }
            let task = execute(request: request, delegate: reader, deadline: deadline)
            do {
                return try await withTaskCancellationHandler {
                    try await task.futureResult.get()
                } onCancel: {
                    task.cancel()
                }
            } catch  where attempt < 3 && !reader.receivedHead && Self.isClosedBeforeResponse(error) {
                attempt += 1
                try await _Concurrency.Task.sleep(for: .milliseconds(10 * attempt))
            }
        }
    }

    private static func isClosedBeforeResponse(_ error: any Error) -> Bool {
        if let error = error as? HTTPClientError { return error == .remoteConnectionClosed }
        if let error = error as? ChannelError { return error == .ioOnClosedChannel || error == .eof }
        return false
    }
}
