import AsyncHTTPClient
public import Foundation
import LLMSupport
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
public import OpenAIAPI
import Synchronization

extension LLMClient {
    /// The `message` of an OpenAI-shaped error body, or the body itself, shortened.
    static func errorMessage(in body: [UInt8]) -> String {
        if let envelope = try? JSONDecoder().decode(APIErrorEnvelope.self, from: Data(body)) {
            return envelope.error.message
        }
        return snippet(body)
    }

    static func snippet(_ body: [UInt8]) -> String {
        let text = String(decoding: body.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? "(empty body)" : text
    }

    /// The kind and a clear message for a failure of a request to `url`, after the response head
    /// arrived (a cut answer) or before it (no answer at all).
    static func classify(_ error: any Error, receivedHead: Bool, url: String) -> (ErrorKind, String) {
        let kind = ErrorKind(transportError: error)
        if receivedHead, ![.cancelled, .requestTimeout].contains(kind) {
            if let httpError = error as? HTTPClientError, httpError == .remoteConnectionClosed {
                return (.streamCut, "the server closed the connection in the middle of the answer")
            }
            return (.streamCut, "the response was cut off: \(error)")
        }
        switch kind {
        case .cancelled: return (.cancelled, "cancelled")
        case .requestTimeout: return (.requestTimeout, "request timeout: no complete answer within the request timeout")
        case .connectTimeout: return (.connectTimeout, "connect timeout: no connection to \(url) within the connect timeout")
        case .tls:
            let reason = tlsReason(String(describing: error))
            let hint =
                if reason.contains("WRONG_VERSION_NUMBER") || reason.contains("HTTP_REQUEST") {
                    "the server does not speak TLS: use http:// for a plain server"
                } else if reason.contains("EOF during handshake") {
                    // A plain HTTP server that closes on the ClientHello before (or without) its 400.
                    "the server closed the connection during the handshake: use http:// for a plain server"
                } else {
                    "an untrusted or self-signed certificate? see --ca-cert and --insecure"
                }
            return (.tls, "TLS error talking to \(url): \(reason) (\(hint))")
        case .dns: return (.dns, "cannot resolve the host name of \(url) (DNS): check --base-url")
        case .connectionRefused: return (.connectionRefused, "connection refused: nothing is listening at \(url) (is the server running?)")
        default: return (.connection, "cannot reach \(url): \(error)")
        }
    }

    /// BoringSSL's reason (`CERTIFICATE_VERIFY_FAILED`, `WRONG_VERSION_NUMBER`, ...) out of a
    /// NIOSSL error description, or the description itself.
    static func tlsReason(_ description: String) -> String {
        guard let start = description.range(of: "OPENSSL_internal:")?.upperBound else { return description }
        let rest = description[start...]
        return String(rest.prefix { $0 != " " && $0 != "]" })
    }
}

/// Why the client could not list the server's models or resolve the model to use (the calls
/// that throw; generation records its failures in its results instead).
public struct LLMClientError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of failure this is; stable, for `catch let e as LLMClientError where e.code == .connectionRefused`.
    /// Its name is the `error_kind` a request result records for the same failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        /// The request result's kind of the same failure.
        public let kind: ErrorKind

        init(_ kind: ErrorKind) {
            name = kind.rawValue
            self.kind = kind
        }

        /// Nothing listens at the server's address and port.
        public static let connectionRefused = Code(.connectionRefused)
        /// The server's host name does not resolve.
        public static let dns = Code(.dns)
        /// The TLS handshake failed.
        public static let tls = Code(.tls)
        /// The connection failed otherwise.
        public static let connection = Code(.connection)
        /// No connection within the connect timeout.
        public static let connectTimeout = Code(.connectTimeout)
        /// No complete answer within the time allowed.
        public static let requestTimeout = Code(.requestTimeout)
        /// The call was cancelled.
        public static let cancelled = Code(.cancelled)
        /// The server answered with a non-2xx HTTP status.
        public static let httpStatus = Code(.httpStatus)
        /// The server's answer is not what the OpenAI API sends.
        public static let invalidResponse = Code(.invalidResponse)

        public var description: String { name }
    }

    public let code: Code
    /// One line for the user, naming the URL or value at fault.
    public let message: String
    public var description: String { message }

    /// The matching kind for a request result.
    public var kind: ErrorKind { code.kind }
}

/// A failure found while reading a response, with its kind.
struct RequestFailure: Error {
    var kind: ErrorKind
    var message: String
}
