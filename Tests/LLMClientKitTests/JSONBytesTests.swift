import Foundation
import LLMClientKit
import OpenAIAPI
import Testing

/// Request bodies are written by `JSONValue.jsonBytes()`, not `JSONEncoder`: the same values.
@Suite struct JSONBytesTests {
    static let values: [JSONValue] = [
        .null, .bool(true), .bool(false), .number(0), .number(-0.0), .number(42), .number(-7), .number(0.7), .number(1e-5),
        .number(123_456.789), .number(9.5e15), .number(-1e300), .number(8_999_999_999_999_999),
        .string(""), .string("인공지능을 설명해주세요"), .string("quote \" backslash \\ slash / newline \n tab \t cr \r"),
        .string("controls \u{0} \u{1} \u{8} \u{c} \u{1f} \u{7f}"), .string("emoji 👋🏽 and e\u{301}"),
        .array([]), .object([:]),
        .array([.number(1), .string("two"), .null, .array([.bool(true)]), .object(["k": .number(3)])]),
        .object([
            "model": .string("SmolLM2-135M-Instruct"), "max_tokens": .number(64), "temperature": .number(0.7), "stream": .bool(true),
            "stream_options": .object(["include_usage": .bool(true), "continuous_usage_stats": .bool(false)]),
            "messages": .array([.object(["role": .string("user"), "content": .string("왜 하늘은 파란가요?\n한 문장으로.")])]),
            "stop": .array([.string("\n\n"), .string("</s>")]), "weird key \"\\": .null,
        ]),
    ]

    @Test(arguments: values)
    func theBytesDecodeAsJSONEncodersDo(value: JSONValue) throws {
        let bytes = try value.jsonBytes()
        let ours = try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
        let theirs = try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(value))
        #expect(ours == theirs, "\(String(decoding: bytes, as: UTF8.self))")
        // Valid for Foundation's own parser too, and compact.
        #expect(throws: Never.self) { try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]) }
        #expect(!bytes.contains(UInt8(ascii: "\n")) && !bytes.contains(0), "\(String(decoding: bytes, as: UTF8.self))")
    }

    @Test func keysAreSortedAndWholeNumbersHaveNoFraction() throws {
        let bytes = try JSONValue.object(["b": .number(2), "a": .number(1.5), "c": .number(-0.0)]).jsonBytes()
        #expect(String(decoding: bytes, as: UTF8.self) == #"{"a":1.5,"b":2,"c":0}"#)
    }

    @Test func numbersJSONCannotHoldAreRefused() {
        for number in [Double.nan, .infinity, -.infinity] {
            #expect(throws: JSONValue.NotRepresentable.self) { try JSONValue.array([.number(number)]).jsonBytes() }
        }
    }
}
