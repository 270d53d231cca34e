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
///
/// A line that arrives whole in one piece is read where it lies; only a line split across pieces
/// is gathered first, and an event's data is copied once.
public struct SSEParser: Sendable {
    /// An event as the parser hands it out: its data is only valid during the call.
    struct BorrowedEvent {
        var event: String?
        var data: UnsafeBufferPointer<UInt8>

        /// Whether this is OpenAI's end-of-stream marker, `data: [DONE]`.
        var isDone: Bool { data.elementsEqual("[DONE]".utf8) }
    }

    /// The start of a line whose end has not arrived yet.
    private var partialLine: [UInt8] = []
    private var lastByteWasCR = false
    private var data: [UInt8] = []
    private var hasData = false
    private var eventType: String?

    public init() {}

    /// Parses `bytes` and calls `onEvent` for every event they complete.
    public mutating func feed(_ bytes: some Collection<UInt8>, onEvent: (ServerSentEvent) throws -> Void) rethrows {
        try Array(bytes).withUnsafeBufferPointer { buffer in
            try feed(buffer, onBorrowedEvent: { event in try onEvent(ServerSentEvent(event: event.event, data: Array(event.data))) })
        }
    }

    /// Ends the stream: an event still being built is delivered if it has data (servers that omit
    /// the final blank line lose nothing).
    public mutating func finish(onEvent: (ServerSentEvent) throws -> Void) rethrows {
        try flush(onBorrowedEvent: { event in try onEvent(ServerSentEvent(event: event.event, data: Array(event.data))) })
    }

    /// Parses `bytes` and calls `onEvent` for every event they complete, with the event's data
    /// borrowed from the parser.
    mutating func feed(_ bytes: UnsafeBufferPointer<UInt8>, onBorrowedEvent onEvent: (BorrowedEvent) throws -> Void) rethrows {
        var index = 0
        if lastByteWasCR, index < bytes.count {
            lastByteWasCR = false
            if bytes[index] == UInt8(ascii: "\n") { index += 1 }  // the LF of a CRLF: the line already ended at the CR
        }
        while index < bytes.count {
            var end = index
            while end < bytes.count, bytes[end] != UInt8(ascii: "\n"), bytes[end] != UInt8(ascii: "\r") { end += 1 }
            guard end < bytes.count else {
                partialLine.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[index..<end]))
                return
            }
            if partialLine.isEmpty {
                try endLine(UnsafeBufferPointer(rebasing: bytes[index..<end]), onEvent)
            } else {
                partialLine.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[index..<end]))
                let line = partialLine
                partialLine.removeAll(keepingCapacity: true)
                try line.withUnsafeBufferPointer { try endLine($0, onEvent) }
            }
            index = end + 1
            if bytes[end] == UInt8(ascii: "\r") {
                if index < bytes.count {
                    if bytes[index] == UInt8(ascii: "\n") { index += 1 }
                } else {
                    lastByteWasCR = true
                }
            }
        }
    }

    /// Ends the stream, delivering an event still being built if it has data.
    mutating func flush(onBorrowedEvent onEvent: (BorrowedEvent) throws -> Void) rethrows {
        lastByteWasCR = false
        if !partialLine.isEmpty {
            let line = partialLine
            partialLine.removeAll()
            try line.withUnsafeBufferPointer { try endLine($0, onEvent) }
        }
        try dispatch(onEvent)
    }

    private mutating func endLine(_ line: UnsafeBufferPointer<UInt8>, _ onEvent: (BorrowedEvent) throws -> Void) rethrows {
        if line.isEmpty {
            try dispatch(onEvent)
            return
        }
        if line[0] == UInt8(ascii: ":") { return }  // a comment (keep-alive)
        let colon = line.firstIndex(of: UInt8(ascii: ":")) ?? line.endIndex
        var valueStart = colon < line.endIndex ? colon + 1 : colon
        if valueStart < line.endIndex, line[valueStart] == UInt8(ascii: " ") { valueStart += 1 }
        let name = UnsafeBufferPointer(rebasing: line[..<colon])
        let value = UnsafeBufferPointer(rebasing: line[valueStart...])
        if name.elementsEqual("data".utf8) {
            if hasData { data.append(UInt8(ascii: "\n")) }
            data.append(contentsOf: value)
            hasData = true
        } else if name.elementsEqual("event".utf8) {
            eventType = String(decoding: value, as: UTF8.self)
        }
        // `id` and `retry` do not matter for a single HTTP response; unknown fields are ignored.
    }

    private mutating func dispatch(_ onEvent: (BorrowedEvent) throws -> Void) rethrows {
        defer {
            data.removeAll(keepingCapacity: true)
            hasData = false
            eventType = nil
        }
        guard hasData else { return }
        try data.withUnsafeBufferPointer { try onEvent(BorrowedEvent(event: eventType, data: $0)) }
    }
}
