public import Foundation

/// The one JSON configuration of result files: pretty-printed documents and single-line JSONL
/// records, both with sorted keys and unescaped slashes (Korean is written as it is). Timestamps
/// are ``Timestamp``s, which write themselves in one form whatever the encoder.
public enum ResultJSON {
    /// The encoder of whole documents (`--output x.json`, merged files, comparisons): pretty-printed.
    /// Non-finite numbers are written as `"inf"`, `"-inf"` and `"nan"`.
    public static var documentEncoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }

    /// The encoder of one JSONL line: sorted keys, no line breaks.
    public static var lineEncoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// The decoder of every result file (`"inf"`, `"-inf"` and `"nan"` are read back as numbers).
    public static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return decoder
    }

    /// `value` as a whole document: pretty-printed JSON and a final newline.
    public static func document(_ value: some Encodable) throws -> Data {
        try documentEncoder.encode(value) + Data("\n".utf8)
    }
}
