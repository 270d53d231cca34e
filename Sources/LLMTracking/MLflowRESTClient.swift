import AsyncHTTPClient
import Foundation
import LLMClientKit
import LLMSupport
import NIOCore

/// MLflow's REST API (`/api/2.0/mlflow/...` and the artifacts proxy), over a connection pool that
/// lives as long as one ``withClient(_:_:)`` call. Every failure becomes an ``MLflowError`` that
/// names the server, the operation and the cause.
struct MLflowRESTClient: Sendable {
    let settings: MLflowSettings
    private let http: HTTPClient

    private init(settings: MLflowSettings) {
        self.settings = settings
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: TimeAmount(settings.connectTimeout))
        // A server that is down is reported at once instead of after retries until the connect timeout.
        configuration.connectionPool.retryConnectionEstablishment = false
        // MLflow's server closes a keep-alive connection after about 5 s idle (uvicorn, gunicorn):
        // drop idle ones sooner, so that a request rarely lands on a connection being closed.
        configuration.connectionPool.idleTimeout = .seconds(4)
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Runs `body` with a client whose connection pool is shut down afterwards.
    static func withClient<T: Sendable>(
        _ settings: MLflowSettings, _ body: (MLflowRESTClient) async throws(MLflowError) -> T
    ) async throws(MLflowError) -> T {
        let client = MLflowRESTClient(settings: settings)
        let result: Result<T, MLflowError>
        do {
            result = .success(try await body(client))
        } catch {
            result = .failure(error)
        }
        try? await client.http.shutdown()
        return try result.get()
    }

    // MARK: Typed calls

    /// `GET /api/2.0/mlflow/<path>?query`, decoded.
    func get<Response: Decodable>(
        _ path: String, query: [(String, String)], as type: Response.Type, operation: String
    ) async throws(MLflowError) -> Response {
        let data = try await getData(path, query: query, operation: operation)
        return try decode(type, from: data, operation: operation)
    }

    /// `GET /api/2.0/mlflow/<path>?query`: the raw JSON body.
    func getData(_ path: String, query: [(String, String)], operation: String) async throws(MLflowError) -> Data {
        var components = URLComponents()
        components.queryItems = query.map { URLQueryItem(name: $0.0, value: $0.1) }
        let queryString = components.percentEncodedQuery.map { "?" + $0 } ?? ""
        return try await send(.get, url: settings.trackingURI + "/api/2.0/mlflow/" + path + queryString, body: nil, operation: operation)
    }

    /// `POST /api/2.0/mlflow/<path>` with a JSON body, decoded.
    func post<Body: Encodable, Response: Decodable>(
        _ path: String, _ body: Body, as type: Response.Type, operation: String
    ) async throws(MLflowError) -> Response {
        let encoded: Data
        do {
            encoded = try JSONEncoder().encode(body)
        } catch {
            throw failure(.invalidResponse, operation, "cannot encode the request: \(error)")
        }
        let data = try await send(
            .post, url: settings.trackingURI + "/api/2.0/mlflow/" + path, body: (encoded, "application/json"), operation: operation)
        return try decode(type, from: data, operation: operation)
    }

    /// `PUT /api/2.0/mlflow-artifacts/artifacts/<artifactPath>`: uploads one file through the
    /// server's artifact proxy. `artifactPath` is already percent-encoded.
    func putArtifact(_ artifactPath: String, contents: Data, contentType: String, operation: String) async throws(MLflowError) {
        _ = try await send(
            .put, url: settings.trackingURI + "/api/2.0/mlflow-artifacts/artifacts/" + artifactPath,
            body: (contents, contentType), operation: operation)
    }

    // MARK: Transport

    private enum Method { case get, post, put }

    private func send(
        _ method: Method, url: String, body: (Data, String)?, operation: String
    ) async throws(MLflowError) -> Data {
        var request = HTTPClientRequest(url: url)
        switch method {
        case .get: request.method = .GET
        case .post: request.method = .POST
        case .put: request.method = .PUT
        }
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "llm-client")
        if let authorization = settings.authorization { request.headers.add(name: "Authorization", value: authorization) }
        if let (data, contentType) = body {
            request.headers.add(name: "Content-Type", value: contentType)
            request.body = .bytes(ByteBuffer(bytes: data))
        }
        let status: Int
        let bytes: ByteBuffer
        do {
            let deadline = NIODeadline.now() + TimeAmount(settings.requestTimeout)
            // A call whose connection closed before its answer is sent again, except a create:
            // the server may have made the run or experiment before the connection closed.
            let response =
                url.hasSuffix("/create")
                ? try await http.execute(request, deadline: deadline)
                : try await http.executeResendingIfClosedUnanswered(request, deadline: deadline)
            status = Int(response.status.code)
            bytes = try await response.body.collect(upTo: 64 << 20)
        } catch {
            throw transportFailure(error, operation: operation)
        }
        let data = Data(bytes.readableBytesView)
        guard (200..<300).contains(status) else {
            let envelope = try? JSONDecoder().decode(MLflowAPIError.self, from: data)
            let detail = envelope.map { "\($0.errorCode): \($0.message)" } ?? Self.snippet(data)
            throw MLflowError(
                .http, trackingURI: settings.trackingURI, operation: operation, reason: "HTTP \(status) \(detail)", httpStatus: status,
                serverErrorCode: envelope?.errorCode)
        }
        return data
    }

    private func decode<Response: Decodable>(_ type: Response.Type, from data: Data, operation: String) throws(MLflowError) -> Response {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch {
            throw failure(
                .invalidResponse, operation, "the answer is not MLflow's REST API (is this an MLflow tracking server?): \(Self.snippet(data))")
        }
    }

    func failure(_ code: MLflowError.Code, _ operation: String, _ reason: String) -> MLflowError {
        MLflowError(code, trackingURI: settings.trackingURI, operation: operation, reason: reason)
    }

    private func transportFailure(_ error: any Error, operation: String) -> MLflowError {
        let text = String(describing: error)
        let connect = Int(settings.connectTimeout.seconds.rounded())
        switch ErrorKind(transportError: error) {
        case .connectTimeout:
            return failure(.unreachable, operation, "no connection within \(connect) s (is the server running and reachable?)")
        case .requestTimeout:
            return failure(.timeout, operation, "no complete answer within \(Int(settings.requestTimeout.seconds.rounded())) s")
        case .cancelled:
            return failure(.unreachable, operation, "cancelled")
        case .connectionRefused:
            return failure(.unreachable, operation, "connection refused: nothing is listening there (is `mlflow server` running?)")
        case .dns:
            return failure(.unreachable, operation, "cannot resolve the host name (DNS): check the tracking URI")
        case .tls:
            return failure(.unreachable, operation, "TLS error: \(text)")
        default:
            return failure(.unreachable, operation, "cannot reach the server: \(text)")
        }
    }

    private static func snippet(_ data: Data) -> String {
        let text = String(decoding: data.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? "(empty body)" : text
    }
}

/// MLflow's error body: `{"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "..."}`.
struct MLflowAPIError: Decodable {
    var errorCode: String
    var message: String

    enum CodingKeys: String, CodingKey {
        case errorCode = "error_code"
        case message
    }
}
