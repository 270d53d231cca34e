import AsyncHTTPClient
import NIOCore
import NIOPosix
import NIOSSL

extension ErrorKind {
    /// The kind of an error that AsyncHTTPClient threw before any response arrived: cancelled,
    /// request timeout (its deadline passed), connect timeout, TLS, DNS, connection refused, or
    /// else a connection failure. Every client of an HTTP server here (the model server's, the
    /// tracking server's) classifies its transport errors with this, then words its own message.
    public init(transportError error: any Error) {
        if error is CancellationError {
            self = .cancelled
            return
        }
        if let httpError = error as? HTTPClientError {
            switch httpError {
            case .cancelled:
                self = .cancelled
                return
            case .deadlineExceeded:
                self = .requestTimeout
                return
            case .connectTimeout:
                self = .connectTimeout
                return
            default: break
            }
        }
        let text = String(describing: error)
        if error is NIOSSLError || error is BoringSSLError || error is NIOSSLExtraError || text.contains("handshakeFailed") {
            self = .tls
        } else if let connectionError = error as? NIOConnectionError, connectionError.connectionErrors.isEmpty,
            connectionError.dnsAError != nil || connectionError.dnsAAAAError != nil
        {
            self = .dns
        } else if let connectionError = error as? NIOConnectionError,
            connectionError.connectionErrors.contains(where: { String(describing: $0.error).contains("refused") })
        {
            self = .connectionRefused
        } else if error is SocketAddressError || text.contains("SocketAddressError") || text.contains("getaddrinfo") {
            self = .dns
        } else if text.contains("refused") || text.contains("ECONNREFUSED") || text.contains("errno: 111") {
            self = .connectionRefused
        } else {
            self = .connection
        }
    }
}
