/// One Server-Sent Event.
public struct ServerSentEvent: Sendable, Hashable {
    /// The `event:` field, if the server named the event type.
    public var event: String?
    /// The `data:` lines joined by `\n`, as raw UTF-8 bytes (decoded only when needed).
    public var data: [UInt8]

    /// The data as text.
    public var text: String { String(decoding: data, as: UTF8.self) }

    /// Whether this is OpenAI's end-of-stream marker, `data: [DONE]`.
    public var isDone: Bool { data.elementsEqual("[DONE]".utf8) }
}

/// An incremental Server-Sent Events parser working on raw bytes, as the WHATWG spec defines it.
///
/// Feed it the body in whatever pieces the network delivers: a piece may end inside a UTF-8
/// character, inside a `data:` line or between the CR and LF of a line end, and may hold many
/// events. Text is only decoded from complete lines, so split characters come out whole.
public struct SSEParser: Sendable {
    private var line: [UInt8] = []
    private var lastByteWasCR = false
    private var data: [UInt8] = []
    private var hasData = false
    private var eventType: String?

    public init() {}

    /// Parses `bytes` and calls `onEvent` for every event they complete.
    public mutating func feed(_ bytes: some Collection<UInt8>, onEvent: (ServerSentEvent) throws -> Void) rethrows {
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\n"):
                if lastByteWasCR {
                    lastByteWasCR = false  // the LF of a CRLF: the line already ended at the CR
                } else {
                    try endLine(onEvent)
                }
            case UInt8(ascii: "\r"):
                lastByteWasCR = true
                try endLine(onEvent)
            default:
                lastByteWasCR = false
                line.append(byte)
            }
        }
    }

    /// Ends the stream: an event still being built is delivered if it has data (servers that omit
    /// the final blank line lose nothing).
    public mutating func finish(onEvent: (ServerSentEvent) throws -> Void) rethrows {
        if !line.isEmpty { try endLine(onEvent) }
        try dispatch(onEvent)
    }

    private mutating func endLine(_ onEvent: (ServerSentEvent) throws -> Void) rethrows {
        defer { line.removeAll(keepingCapacity: true) }
        if line.isEmpty {
            try dispatch(onEvent)
            return
        }
        if line[0] == UInt8(ascii: ":") { return }  // a comment (keep-alive)
        let colon = line.firstIndex(of: UInt8(ascii: ":")) ?? line.endIndex
        var valueStart = colon < line.endIndex ? colon + 1 : colon
        if valueStart < line.endIndex, line[valueStart] == UInt8(ascii: " ") { valueStart += 1 }
        let name = line[..<colon]
        if name.elementsEqual("data".utf8) {
            if hasData { data.append(UInt8(ascii: "\n")) }
            data.append(contentsOf: line[valueStart...])
            hasData = true
        } else if name.elementsEqual("event".utf8) {
            eventType = String(decoding: line[valueStart...], as: UTF8.self)
        }
        // `id` and `retry` do not matter for a single HTTP response; unknown fields are ignored.
    }

    private mutating func dispatch(_ onEvent: (ServerSentEvent) throws -> Void) rethrows {
        defer {
            data.removeAll(keepingCapacity: true)
            hasData = false
            eventType = nil
        }
        guard hasData else { return }
        try onEvent(ServerSentEvent(event: eventType, data: data))
    }
}
