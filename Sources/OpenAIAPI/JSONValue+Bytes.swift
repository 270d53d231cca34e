extension JSONValue {
    /// A number that JSON cannot hold (NaN or an infinity).
    public struct NotRepresentable: Error, CustomStringConvertible {
        public let value: Double
        public var description: String { "\(value) cannot be written as JSON" }
    }

    /// The value as compact JSON in UTF-8, written directly rather than through `JSONEncoder`
    /// (which boxes every member: about 35 allocations for a generation request's body). Objects'
    /// keys are sorted, so the same value always gives the same bytes; whole numbers below 9·10¹⁵
    /// are written without a fraction, as ``encode(to:)`` does; text is written as is, only `"`,
    /// `\` and control characters escaped.
    /// - Throws: ``NotRepresentable`` for a NaN or infinite number.
    public func jsonBytes() throws(NotRepresentable) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        try write(into: &bytes)
        return bytes
    }

    private func write(into bytes: inout [UInt8]) throws(NotRepresentable) {
        switch self {
        case .null: bytes += "null".utf8
        case .bool(let value): bytes += (value ? "true" : "false").utf8
        case .number(let value):
            guard value.isFinite else { throw NotRepresentable(value: value) }
            if value.rounded() == value, abs(value) < 9.0e15 {
                bytes += String(Int64(value)).utf8
            } else {
                bytes += value.description.utf8
            }
        case .string(let value): Self.write(value, into: &bytes)
        case .array(let values):
            bytes.append(UInt8(ascii: "["))
            for (index, value) in values.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                try value.write(into: &bytes)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let members):
            bytes.append(UInt8(ascii: "{"))
            for (index, key) in members.keys.sorted().enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                Self.write(key, into: &bytes)
                bytes.append(UInt8(ascii: ":"))
                try members[key]!.write(into: &bytes)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    private static func write(_ text: String, into bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes += #"\""#.utf8
            case UInt8(ascii: "\\"): bytes += #"\\"#.utf8
            case UInt8(ascii: "\n"): bytes += #"\n"#.utf8
            case UInt8(ascii: "\r"): bytes += #"\r"#.utf8
            case UInt8(ascii: "\t"): bytes += #"\t"#.utf8
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes += #"\u00"#.utf8
                bytes.append(hex[Int(byte >> 4)])
                bytes.append(hex[Int(byte & 0xF)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
