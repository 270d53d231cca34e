#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs `body` with a loopback port on which connections are refused: a socket is bound to it but
/// never listens, so no other test's server can take the port in the meantime (a port merely freed
/// can be reused by a parallel test, which then resets the connection instead of refusing it).
public func withRefusingPort<T>(_ body: (Int) async throws -> T) async throws -> T {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard descriptor >= 0 else { throw RefusingPortError(step: "socket") }
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0 }
    }
    guard bound else { throw RefusingPortError(step: "bind") }
    return try await body(Int(UInt16(bigEndian: address.sin_port)))
}

/// A refusing port could not be set up.
public struct RefusingPortError: Error, CustomStringConvertible {
    public var step: String
    public var description: String { "could not reserve a refusing port: \(step) failed" }
}
