import Foundation

/// What an answer must satisfy: the `expect_*` keys of a prompt file, or the `--expect-*` options
/// for every prompt. Checked on the whole output of each successful request.
public struct ResponseExpectations: Sendable, Hashable {
    /// Texts the output must contain (case-sensitive).
    public var contains: [String]
    /// Regular expressions the output must match somewhere (Swift `Regex` syntax; `(?i)` for
    /// case-insensitive matching).
    public var regexes: [String]
    /// The text the output must equal, both without leading and trailing white space.
    public var equals: String?
    /// Whether the output must be valid JSON (alone, or as the single fenced code block of a
    /// Markdown answer: models often wrap JSON in ```json fences).
    public var json: Bool

    public init(contains: [String] = [], regexes: [String] = [], equals: String? = nil, json: Bool = false) {
        self.contains = contains
        self.regexes = regexes
        self.equals = equals
        self.json = json
    }

    /// True when there is nothing to check.
    public var isEmpty: Bool { contains.isEmpty && regexes.isEmpty && equals == nil && !json }

    /// These expectations and `other`'s together: both lists of texts and patterns, `other`'s
    /// `equals` when it has one, JSON when either asks for it.
    public func combined(with other: ResponseExpectations) -> ResponseExpectations {
        ResponseExpectations(
            contains: contains + other.contains.filter { !contains.contains($0) },
            regexes: regexes + other.regexes.filter { !regexes.contains($0) },
            equals: other.equals ?? equals, json: json || other.json)
    }

    /// One line per expectation: `contains "서울"`, `matches /\d+/`, `equals "42"`, `is JSON`.
    public var descriptions: [String] {
        contains.map { "contains \"\($0)\"" } + regexes.map { "matches /\($0)/" } + (equals.map { ["equals \"\($0)\""] } ?? [])
            + (json ? ["is JSON"] : [])
    }

    /// Why `pattern` is not a regular expression, or nil when it is one.
    public static func problem(withPattern pattern: String) -> String? {
        do {
            _ = try Regex(pattern)
            return nil
        } catch {
            return "\"\(pattern)\" is not a valid regular expression: \(error)"
        }
    }

    /// One line for each expectation `output` fails, in the order: contains, regex, equals, JSON.
    /// Empty when the output meets them all.
    public func failures(of output: String) -> [String] {
        var failures: [String] = []
        for text in contains where !output.contains(text) {
            failures.append("does not contain \"\(text)\"")
        }
        for pattern in regexes {
            guard let regex = try? Regex(pattern) else {
                failures.append("invalid regular expression /\(pattern)/")
                continue
            }
            if (try? regex.firstMatch(in: output)) == nil { failures.append("does not match /\(pattern)/") }
        }
        if let equals {
            let expected = equals.trimmingCharacters(in: .whitespacesAndNewlines)
            if output.trimmingCharacters(in: .whitespacesAndNewlines) != expected {
                failures.append("is not equal to \"\(Self.shortened(expected))\"")
            }
        }
        if json, let problem = Self.jsonProblem(output) {
            failures.append("is not valid JSON (\(problem))")
        }
        return failures
    }

    /// Why `output` is not JSON, or nil when it is (alone or as its one fenced code block).
    static func jsonProblem(_ output: String) -> String? {
        let trimmed = output.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return "the output is empty" }
        // A fenced block is what the answer meant as JSON: its problem is the one to report.
        var candidates = [trimmed]
        if let fenced = fencedBlock(trimmed) { candidates.insert(fenced, at: 0) }
        var firstProblem: String?
        for candidate in candidates {
            do {
                _ = try JSONSerialization.jsonObject(with: Data(candidate.utf8), options: .fragmentsAllowed)
                // Foundation accepts a comma before `}` or `]`; JSON (RFC 8259) and most parsers do not.
                if let offset = trailingCommaOffset(candidate) {
                    firstProblem = firstProblem ?? "a comma before a closing bracket at character \(offset)"
                    continue
                }
                return nil
            } catch {
                firstProblem = firstProblem ?? ((error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)")
            }
        }
        return firstProblem
    }

    /// The offset (in UTF-8 bytes) of the first comma outside strings followed, after white space
    /// only, by `}` or `]`; nil when there is none.
    private static func trailingCommaOffset(_ json: String) -> Int? {
        let bytes = Array(json.utf8)
        var inString = false
        var escaped = false
        var lastComma: Int?
        for (offset, byte) in bytes.enumerated() {
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""):
                inString = true
                lastComma = nil
            case UInt8(ascii: ","): lastComma = offset
            case UInt8(ascii: "}"), UInt8(ascii: "]"): if let lastComma { return lastComma }
            case 0x20, 0x09, 0x0A, 0x0D: break
            default: lastComma = nil
            }
        }
        return nil
    }

    /// The content of the first ``` fenced block of `text` (its language tag dropped), if any.
    private static func fencedBlock(_ text: String) -> String? {
        guard let open = text.range(of: "```") else { return nil }
        let afterOpen = text[open.upperBound...]
        guard let lineEnd = afterOpen.firstIndex(of: "\n"),
            let close = afterOpen[lineEnd...].range(of: "```")
        else { return nil }
        return String(afterOpen[lineEnd..<close.lowerBound]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private static func shortened(_ text: String) -> String {
        text.count > 80 ? String(text.prefix(80)) + "…" : text
    }
}
