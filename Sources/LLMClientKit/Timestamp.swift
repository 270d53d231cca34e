public import Foundation

/// A wall-clock instant as result files record it: ISO 8601 in UTC with milliseconds
/// (`2026-11-25T03:06:06.123Z`). It is parsed once, when a file is read, and written in that form
/// by any encoder, so result files keep their format whatever the encoder's date strategy.
public struct Timestamp: Codable, Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The instant.
    public var date: Date

    /// The instant `date` (now, by default).
    public init(_ date: Date = Date()) {
        self.date = date
    }

    /// The instant `text` names, in ISO 8601 with or without fractional seconds; nil for other text.
    public init?(parsing text: String) {
        guard
            let date = (try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
                ?? (try? Date(text, strategy: Date.ISO8601FormatStyle()))
        else { return nil }
        self.date = date
    }

    /// The ISO 8601 form, with milliseconds, in UTC.
    public var description: String {
        date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }

    public static func < (earlier: Timestamp, later: Timestamp) -> Bool { earlier.date < later.date }

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
