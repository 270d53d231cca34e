import NIOCore
import OpenAIAPI

/// Writes the Server-Sent Events of one streamed answer, byte for byte as vLLM does, without a
/// JSON encoder on the hot path: the fixed parts of every chunk are prepared once per request.
struct ChunkEncoder {
    private let api: APIKind
    private let prefix: [UInt8]
    private let header: [UInt8]

    init(api: APIKind, id: String, created: Int, model: String) {
        self.api = api
        let object = api == .completions ? "text_completion" : "chat.completion.chunk"
        header = Array(#"{"id":"\#(id)","object":"\#(object)","created":\#(created),"model":"\#(jsonEscaped(model))","#.utf8)
        prefix = Array("data: ".utf8) + header
    }

    /// The chat role chunk that opens an OpenAI chat stream (no text), with vLLM's top-level
    /// `prompt_token_ids` and `prompt_text`.
    func writeRoleChunk(into buffer: inout ByteBuffer) {
        guard api == .chat else { return }
        buffer.writeBytes(prefix)
        buffer.writeString(
            #""choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"prompt_token_ids":null,"prompt_text":null}"#
        )
        buffer.writeString("\n\n")
    }

    /// One token. Only `"length"` rides on the last token, as in vLLM; an answer that stops ends
    /// with ``writeStop(stopReason:into:)``. An empty token is vLLM's chunk for a token that only
    /// began a UTF-8 character, which it holds back until the character is whole.
    func writeToken(_ token: String, finishReason: String?, into buffer: inout ByteBuffer) {
        buffer.writeBytes(prefix)
        let finish = finishReason.map { "\"\($0)\"" } ?? "null"
        switch api {
        case .completions:
            buffer.writeString(#""choices":[{"index":0,"text":""#)
            buffer.writeString(jsonEscaped(token))
            buffer.writeString(#"","logprobs":null,"finish_reason":\#(finish),"stop_reason":null,"prompt_token_ids":null,"token_ids":null}]}"#)
        case .chat:
            buffer.writeString(#""choices":[{"index":0,"delta":{"content":""#)
            buffer.writeString(jsonEscaped(token))
            // vLLM's chat chunks name `stop_reason` only beside a finish reason.
            buffer.writeString(
                finishReason == nil
                    ? #""},"logprobs":null,"finish_reason":null,"token_ids":null}]}"#
                    : #""},"logprobs":null,"finish_reason":\#(finish),"stop_reason":null,"token_ids":null}]}"#)
        }
        buffer.writeString("\n\n")
    }

    /// One thought of a reasoning model (chat only): a delta with the thought in `field` and no
    /// `content`, as vLLM's reasoning parsers send it. `"length"` rides on the last thought when
    /// `max_tokens` ends the answer before it begins. An empty thought is the held-back UTF-8 chunk,
    /// as in ``writeToken(_:finishReason:into:)``.
    func writeThought(_ thought: String, field: ReasoningField, finishReason: String?, into buffer: inout ByteBuffer) {
        buffer.writeBytes(prefix)
        switch field {
        case .reasoning: buffer.writeString(#""choices":[{"index":0,"delta":{"reasoning":""#)
        case .reasoningContent: buffer.writeString(#""choices":[{"index":0,"delta":{"reasoning_content":""#)
        }
        buffer.writeString(jsonEscaped(thought))
        if let finishReason {
            buffer.writeString(#""},"logprobs":null,"finish_reason":""#)
            buffer.writeString(finishReason)
            buffer.writeString(#"","stop_reason":null,"token_ids":null}]}"#)
        } else {
            buffer.writeString(#""},"logprobs":null,"finish_reason":null,"token_ids":null}]}"#)
        }
        buffer.writeString("\n\n")
    }

    /// vLLM's end of an answer that stopped (end of text or a stop string): an extra chunk with no
    /// text, `finish_reason: "stop"` and `stop_reason`, the matched stop string or null.
    func writeStop(stopReason: String?, into buffer: inout ByteBuffer) {
        buffer.writeBytes(prefix)
        let reason = stopReason.map { "\"\(jsonEscaped($0))\"" } ?? "null"
        switch api {
        case .completions:
            buffer.writeString(
                #""choices":[{"index":0,"text":"","logprobs":null,"finish_reason":"stop","stop_reason":\#(reason),"prompt_token_ids":null,"token_ids":null}]}"#
            )
        case .chat:
            buffer.writeString(
                #""choices":[{"index":0,"delta":{"content":""},"logprobs":null,"finish_reason":"stop","stop_reason":\#(reason),"token_ids":null}]}"#)
        }
        buffer.writeString("\n\n")
    }

    /// A chunk whose JSON breaks off: what the `malformed` fault sends in place of a token.
    func writeMalformedChunk(into buffer: inout ByteBuffer) {
        buffer.writeBytes(prefix)
        buffer.writeString(#""choices":[{"index":0,"text":"unterminated"#)
        buffer.writeString("\n\n")
    }

    /// The usage chunk (`choices` empty) sent when the request asked for `include_usage`. A
    /// reasoning model's answer (`reasoningTokens` not nil) adds OpenAI's
    /// `completion_tokens_details.reasoning_tokens`, the thoughts among the completion tokens.
    func writeUsage(promptTokens: Int, completionTokens: Int, reasoningTokens: Int? = nil, into buffer: inout ByteBuffer) {
        buffer.writeBytes(prefix)
        buffer.writeString(
            #""choices":[],"usage":{"prompt_tokens":\#(promptTokens),"total_tokens":\#(promptTokens + completionTokens),"completion_tokens":\#(completionTokens)"#
        )
        if let reasoningTokens {
            buffer.writeString(#","completion_tokens_details":{"reasoning_tokens":"#)
            buffer.writeString(String(reasoningTokens))
            buffer.writeString("}")
        }
        buffer.writeString(#"},"system_fingerprint":"llm-client-simulator"}"#)
        buffer.writeString("\n\n")
    }

    /// The stream's end marker.
    func writeDone(into buffer: inout ByteBuffer) {
        buffer.writeString("data: [DONE]\n\n")
    }
}

/// `text` as the inside of a JSON string literal.
func jsonEscaped(_ text: String) -> String {
    guard text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else {
        return text
    }
    var escaped = ""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": escaped += "\\\""
        case "\\": escaped += "\\\\"
        case "\n": escaped += "\\n"
        case "\r": escaped += "\\r"
        case "\t": escaped += "\\t"
        case _ where scalar.value < 0x20:
            escaped += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16)
        default: escaped.unicodeScalars.append(scalar)
        }
    }
    return escaped
}
