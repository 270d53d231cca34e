public import Foundation

/// A wall-clock instant as result files record it: ISO 8601 in UTC with milliseconds
/// (`2026-11-25T03:06:06.123Z`). It holds whole milliseconds, so what is read from a file is
/// written back the same, and it is parsed once, when a file is read, and written in that form by
/// any encoder, whatever the encoder's date strategy.
public struct Timestamp: Codable, Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    public let millisecondsSince1970: Int64

    /// The instant `date` (now, by default), to the nearest millisecond.
    public init(_ date: Date = Date()) {
        millisecondsSince1970 = Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    /// The instant `text` names, in ISO 8601 with or without fractional seconds; nil for other text.
    public init?(parsing text: String) {
        guard
            let date = (try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
                ?? (try? Date(text, strategy: Date.ISO8601FormatStyle()))
        else { return nil }
        self.init(date)
    }

    /// The instant.
    public var date: Date { Date(timeIntervalSince1970: Double(millisecondsSince1970) / 1000) }

    /// The ISO 8601 form, with milliseconds, in UTC. The milliseconds are written from the whole
    /// number, not by the date formatter, which cuts `.530` (held as 0.52999…) to `.529`.
    public var description: String {
        let (seconds, milliseconds) = millisecondsSince1970.quotientAndRemainder(dividingBy: 1000)
        let (wholeSeconds, fraction) = milliseconds < 0 ? (seconds - 1, milliseconds + 1000) : (seconds, milliseconds)
        let text = Date(timeIntervalSince1970: Double(wholeSeconds)).formatted(.iso8601)  // 2026-11-25T03:06:06Z
        let digits = String(fraction)
        return text.dropLast() + "." + String(repeating: "0", count: 3 - digits.count) + digits + "Z"
    }

    public static func < (earlier: Timestamp, later: Timestamp) -> Bool { earlier.millisecondsSince1970 < later.millisecondsSince1970 }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let parsed = Timestamp(parsing: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not an ISO 8601 time")
        }
        self = parsed
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
