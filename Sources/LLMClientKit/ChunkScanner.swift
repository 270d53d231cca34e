import Foundation
import OpenAIAPI

/// The fields of one streamed chunk (`data: {...}`) that the client uses, read by
/// ``ChunkScanner``: the same values ``StreamChunk`` decodes, without building the rest.
struct ScannedChunk: Equatable {
    /// The response id; read only when asked for (the first chunk of a stream).
    var id: String?
    /// Whether `choices` holds at least one choice (see ``StreamChunk/carriesChoice``).
    var carriesChoice = false
    /// The first choice's `text` (completions) and `delta.content` (chat).
    var choiceText: String?
    var deltaContent: String?
    /// The first choice's `delta.reasoning` and `delta.reasoning_content`.
    var deltaReasoning: String?
    var deltaReasoningContent: String?
    var finishReason: String?
    var usage: Usage?
    var timings: JSONValue?
    /// The `error` object of a chunk that reports one.
    var error: APIErrorEnvelope.Body?

    /// The text this chunk adds to the answer, as ``StreamChunk/text``.
    var text: String { choiceText ?? deltaContent ?? "" }

    /// The thoughts this chunk adds, as ``StreamChunk/reasoningText``.
    var reasoningText: String { deltaReasoning ?? deltaReasoningContent ?? "" }
}

/// Reads a streamed chunk's JSON in one pass, decoding only the fields of ``ScannedChunk`` and
/// checking the syntax of everything else it skips.
///
/// Foundation's `JSONDecoder` builds a whole value tree for every chunk, about 5 µs of a chunk's
/// client cost on paced streams; this scanner walks the bytes once. Strings without escapes are
/// made straight from their bytes; `\uXXXX` escapes (surrogate pairs included) are decoded. Rare,
/// irregular parts (llama.cpp's `timings`, an `error` object) go to `JSONDecoder`.
struct ChunkScanner: ~Copyable {
    /// The chunk is not valid JSON, or a field the client reads has the wrong type.
    struct Malformed: Error {}

    private let bytes: UnsafeBufferPointer<UInt8>
    private var position = 0
    /// Objects and arrays open around the position.
    private var depth = 0
    /// The deepest nesting read, as `JSONDecoder` allows: deeper input is refused rather than
    /// recursed into (a hostile server must not overflow the event loop's stack).
    private static let deepestNesting = 512

    /// Scans `bytes`, one event's data; throws ``Malformed`` when they are not a chunk object.
    static func scan(_ bytes: UnsafeBufferPointer<UInt8>, readID: Bool) throws(Malformed) -> ScannedChunk {
        var scanner = ChunkScanner(bytes: bytes)
        var chunk = ScannedChunk()
        try scanner.skipWhitespace()
        try scanner.forEachMember { scanner, key throws(Malformed) in
            switch key {
            case .id where readID: chunk.id = try scanner.optionalString()
            case .choices: try scanner.choices(into: &chunk)
            case .usage: chunk.usage = try scanner.usage()
            case .timings: chunk.timings = try scanner.decodedValue(JSONValue?.self)
            case .error: chunk.error = try scanner.decodedValue(APIErrorEnvelope.Body?.self)
            default: try scanner.skipValue()
            }
        }
        try scanner.skipWhitespace(allowEnd: true)
        guard scanner.position == bytes.count else { throw Malformed() }
        return chunk
    }

    private init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    // MARK: The chunk's parts

    private mutating func choices(into chunk: inout ScannedChunk) throws(Malformed) {
        if try skipNull() { return }
        var index = 0
        try forEachElement { scanner throws(Malformed) in
            defer { index += 1 }
            guard index == 0 else { return try scanner.skipValue() }
            chunk.carriesChoice = true
            try scanner.forEachMember { scanner, key throws(Malformed) in
                switch key {
                case .text: chunk.choiceText = try scanner.optionalString()
                case .finishReason: chunk.finishReason = try scanner.optionalString()
                case .delta:
                    if try scanner.skipNull() { return }
                    try scanner.forEachMember { scanner, key throws(Malformed) in
                        switch key {
                        case .content: chunk.deltaContent = try scanner.optionalString()
                        case .reasoning: chunk.deltaReasoning = try scanner.optionalString()
                        case .reasoningContent: chunk.deltaReasoningContent = try scanner.optionalString()
                        default: try scanner.skipValue()
                        }
                    }
                default: try scanner.skipValue()
                }
            }
        }
    }

    /// `usage`, read as ``Usage`` decodes it: absent or null counts are 0, the total defaults to
    /// their sum, and details that are not as expected are ignored.
    private mutating func usage() throws(Malformed) -> Usage? {
        if try skipNull() { return nil }
        var prompt = 0
        var completion = 0
        var total: Int?
        var reasoning: Int?
        try forEachMember { scanner, key throws(Malformed) in
            switch key {
            case .promptTokens: prompt = try scanner.optionalInteger() ?? 0
            case .completionTokens: completion = try scanner.optionalInteger() ?? 0
            case .totalTokens: total = try scanner.optionalInteger()
            case .completionTokensDetails:
                let start = scanner.position
                if try scanner.skipNull() { return }
                do {
                    try scanner.forEachMember { scanner, key throws(Malformed) in
                        if key == .reasoningTokens { reasoning = try scanner.optionalInteger() } else { try scanner.skipValue() }
                    }
                } catch {
                    scanner.position = start
                    reasoning = nil
                    try scanner.skipValue()
                }
            default: try scanner.skipValue()
            }
        }
        var usage = Usage(promptTokens: prompt, completionTokens: completion)
        if let total { usage.totalTokens = total }
        usage.reasoningTokens = reasoning
        return usage
    }

    /// The next value decoded by `JSONDecoder` (for the rare, irregular parts).
    private mutating func decodedValue<T: Decodable>(_ type: T.Type) throws(Malformed) -> T {
        let start = position
        try skipValue()
        let data = Data(UnsafeBufferPointer(rebasing: bytes[start..<position]))
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch {
            throw Malformed()
        }
    }

    // MARK: JSON

    /// The keys the client reads; any other is `.other`.
    private enum Key {
        case id, choices, usage, timings, error, text, delta, finishReason, content, reasoning, reasoningContent
        case promptTokens, completionTokens, totalTokens, completionTokensDetails, reasoningTokens, other

        static let known: [(name: [UInt8], key: Key)] =
            ([
                ("id", .id), ("choices", .choices), ("usage", .usage), ("timings", .timings), ("error", .error), ("text", .text),
                ("delta", .delta), ("finish_reason", .finishReason), ("content", .content), ("reasoning", .reasoning),
                ("reasoning_content", .reasoningContent), ("prompt_tokens", .promptTokens), ("completion_tokens", .completionTokens),
                ("total_tokens", .totalTokens),
                ("completion_tokens_details", .completionTokensDetails), ("reasoning_tokens", .reasoningTokens),
            ] as [(String, Key)]).map { (Array($0.0.utf8), $0.1) }

        init(_ name: UnsafeBufferPointer<UInt8>) {
            self = Self.known.first { $0.name.count == name.count && $0.name.elementsEqual(name) }?.key ?? .other
        }
    }

    /// Calls `body` with each member's key, positioned at its value (which `body` must consume).
    private mutating func forEachMember(_ body: (inout ChunkScanner, Key) throws(Malformed) -> Void) throws(Malformed) {
        try expect(UInt8(ascii: "{"))
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.deepestNesting else { throw Malformed() }
        try skipWhitespace()
        if try peek() == UInt8(ascii: "}") {
            position += 1
            return
        }
        while true {
            let key = try self.key()
            try skipWhitespace()
            try expect(UInt8(ascii: ":"))
            try skipWhitespace()
            try body(&self, key)
            try skipWhitespace()
            let next = try take()
            if next == UInt8(ascii: "}") { return }
            guard next == UInt8(ascii: ",") else { throw Malformed() }
            try skipWhitespace()
        }
    }

    /// Calls `body` positioned at each element of an array (which `body` must consume).
    private mutating func forEachElement(_ body: (inout ChunkScanner) throws(Malformed) -> Void) throws(Malformed) {
        try expect(UInt8(ascii: "["))
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.deepestNesting else { throw Malformed() }
        try skipWhitespace()
        if try peek() == UInt8(ascii: "]") {
            position += 1
            return
        }
        while true {
            try body(&self)
            try skipWhitespace()
            let next = try take()
            if next == UInt8(ascii: "]") { return }
            guard next == UInt8(ascii: ",") else { throw Malformed() }
            try skipWhitespace()
        }
    }

    private mutating func key() throws(Malformed) -> Key {
        try expect(UInt8(ascii: "\""))
        let start = position
        let end = try endOfString()
        if !hasEscape(start..<end) {
            return Key(UnsafeBufferPointer(rebasing: bytes[start..<end]))
        }
        let unescaped = try self.unescaped(start..<end)
        return unescaped.withUnsafeBufferPointer { Key($0) }
    }

    /// A string or null.
    private mutating func optionalString() throws(Malformed) -> String? {
        if try skipNull() { return nil }
        try expect(UInt8(ascii: "\""))
        let start = position
        let end = try endOfString()
        let range = start..<end
        if !hasEscape(range) {
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
        }
        return String(decoding: try unescaped(range), as: UTF8.self)
    }

    /// A whole number or null.
    private mutating func optionalInteger() throws(Malformed) -> Int? {
        try skipNull() ? nil : integer()
    }

    /// A whole number, as `JSONDecoder` reads one into `Int`: digits, or a number with a fraction
    /// or exponent whose value is whole (`1.0`, `1e2`).
    private mutating func integer() throws(Malformed) -> Int {
        let start = position
        try skipNumber()
        let token = UnsafeBufferPointer(rebasing: bytes[start..<position])
        var value = 0
        var index = token[0] == UInt8(ascii: "-") ? 1 : 0
        let negative = index == 1
        while index < token.count, case let digit = token[index], digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") {
            // Accumulated on the negative side, which holds one more value (Int.min).
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (next, overflow2) = times10.subtractingReportingOverflow(Int(digit - UInt8(ascii: "0")))
            guard !overflow1, !overflow2 else { break }
            value = next
            index += 1
        }
        if index == token.count, index > (negative ? 1 : 0) {
            if negative { return value }
            guard value != Int.min else { throw Malformed() }
            return -value
        }
        guard let double = Double(String(decoding: token, as: UTF8.self)), let whole = Int(exactly: double) else { throw Malformed() }
        return whole
    }

    /// Skips one value of any kind, checking its syntax.
    private mutating func skipValue() throws(Malformed) {
        switch try peek() {
        case UInt8(ascii: "{"): try forEachMember { scanner, _ throws(Malformed) in try scanner.skipValue() }
        case UInt8(ascii: "["): try forEachElement { scanner throws(Malformed) in try scanner.skipValue() }
        case UInt8(ascii: "\""):
            position += 1
            _ = try endOfString()
        case UInt8(ascii: "t"): try skipLiteral("true")
        case UInt8(ascii: "f"): try skipLiteral("false")
        case UInt8(ascii: "n"): try skipLiteral("null")
        default: try skipNumber()
        }
    }

    /// Skips `null` and says so; false (moving nothing) when the value is something else.
    private mutating func skipNull() throws(Malformed) -> Bool {
        guard try peek() == UInt8(ascii: "n") else { return false }
        try skipLiteral("null")
        return true
    }

    private mutating func skipLiteral(_ literal: StaticString) throws(Malformed) {
        let count = literal.utf8CodeUnitCount
        guard position + count <= bytes.count else { throw Malformed() }
        for offset in 0..<count where bytes[position + offset] != literal.utf8Start[offset] { throw Malformed() }
        position += count
    }

    private mutating func skipNumber() throws(Malformed) {
        let start = position
        if position < bytes.count, bytes[position] == UInt8(ascii: "-") { position += 1 }
        var digits = 0
        while position < bytes.count {
            switch bytes[position] {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digits += 1
            case UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"), UInt8(ascii: "+"), UInt8(ascii: "-"): break
            default:
                guard digits > 0, position > start else { throw Malformed() }
                return
            }
            position += 1
        }
        guard digits > 0 else { throw Malformed() }
    }

    /// Moves past the closing quote of the string whose opening quote was just read; returns the
    /// end of its content.
    private mutating func endOfString() throws(Malformed) -> Int {
        while position < bytes.count {
            switch bytes[position] {
            case UInt8(ascii: "\""):
                position += 1
                return position - 1
            case UInt8(ascii: "\\"): position += 2
            default: position += 1
            }
        }
        throw Malformed()
    }

    private func hasEscape(_ range: Range<Int>) -> Bool {
        UnsafeBufferPointer(rebasing: bytes[range]).contains(UInt8(ascii: "\\"))
    }

    /// The UTF-8 bytes of a string's content with its escapes decoded.
    private func unescaped(_ range: Range<Int>) throws(Malformed) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(range.count)
        var index = range.lowerBound
        while index < range.upperBound {
            let byte = bytes[index]
            index += 1
            guard byte == UInt8(ascii: "\\") else {
                output.append(byte)
                continue
            }
            guard index < range.upperBound else { throw Malformed() }
            let escaped = bytes[index]
            index += 1
            switch escaped {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): output.append(escaped)
            case UInt8(ascii: "b"): output.append(0x08)
            case UInt8(ascii: "f"): output.append(0x0C)
            case UInt8(ascii: "n"): output.append(0x0A)
            case UInt8(ascii: "r"): output.append(0x0D)
            case UInt8(ascii: "t"): output.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hexQuad(at: index, before: range.upperBound)
                index += 4
                if (0xD800..<0xDC00).contains(scalar), index + 6 <= range.upperBound, bytes[index] == UInt8(ascii: "\\"),
                    bytes[index + 1] == UInt8(ascii: "u"), case let low = try hexQuad(at: index + 2, before: range.upperBound),
                    (0xDC00..<0xE000).contains(low)
                {
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    index += 6
                }
                // A lone surrogate is not a character: U+FFFD stands in for it, as in a decoder that repairs.
                UTF8.encode(Unicode.Scalar(scalar) ?? "\u{FFFD}") { output.append($0) }
            default: throw Malformed()
            }
        }
        return output
    }

    private func hexQuad(at index: Int, before end: Int) throws(Malformed) -> UInt32 {
        guard index + 4 <= end else { throw Malformed() }
        var value: UInt32 = 0
        for byte in bytes[index..<index + 4] {
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw Malformed()
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    private mutating func skipWhitespace(allowEnd: Bool = false) throws(Malformed) {
        while position < bytes.count {
            switch bytes[position] {
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"): position += 1
            default: return
            }
        }
        if !allowEnd { throw Malformed() }
    }

    private func peek() throws(Malformed) -> UInt8 {
        guard position < bytes.count else { throw Malformed() }
        return bytes[position]
    }

    private mutating func take() throws(Malformed) -> UInt8 {
        let byte = try peek()
        position += 1
        return byte
    }

    private mutating func expect(_ byte: UInt8) throws(Malformed) {
        guard try take() == byte else { throw Malformed() }
    }
}
