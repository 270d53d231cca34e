import Foundation

/// Joins typed lines into one input. A line ending in `\` continues on the next line (the
/// backslash is dropped); a line that is only `"""` opens a block that the next `"""` line closes,
/// and everything between is the input, line breaks included.
public struct MultilineInput: Sendable, Equatable {
    private enum State: Sendable, Equatable {
        case idle
        case continued([String])
        case block([String])
    }

    private var state = State.idle

    public init() {}

    /// True while an input is unfinished (the prompt should say so).
    public var isPending: Bool { state != .idle }

    /// Adds a typed line (without its line break); returns the whole input when this line
    /// finishes one, else nil.
    public mutating func add(_ line: String) -> String? {
        switch state {
        case .idle:
            if Self.isBlockDelimiter(line) {
                state = .block([])
                return nil
            }
            if line.hasSuffix("\\") {
                state = .continued([String(line.dropLast())])
                return nil
            }
            return line
        case .continued(let lines):
            if line.hasSuffix("\\") {
                state = .continued(lines + [String(line.dropLast())])
                return nil
            }
            state = .idle
            return (lines + [line]).joined(separator: "\n")
        case .block(let lines):
            if Self.isBlockDelimiter(line) {
                state = .idle
                return lines.joined(separator: "\n")
            }
            state = .block(lines + [line])
            return nil
        }
    }

    /// Forgets an unfinished input (Ctrl-D in the middle of one, say).
    public mutating func discard() {
        state = .idle
    }

    private static func isBlockDelimiter(_ line: String) -> Bool {
        line.trimmingCharacters(in: .whitespaces) == "\"\"\""
    }
}
