#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// How many terminal columns text takes, after Unicode's East Asian Width: Hangul syllables, CJK
/// ideographs, kana, fullwidth forms and emoji take two; combining marks, zero-width and control
/// characters none; everything else one.
public enum TerminalText {
    /// The columns `text` takes in a terminal: the sum of its characters' widths.
    public static func displayWidth(of text: some StringProtocol) -> Int {
        text.reduce(0) { $0 + displayWidth(of: $1) }
    }

    /// The columns one character (a grapheme cluster) takes: two when it is shown as an emoji,
    /// else the widest of its scalars (a base letter with combining marks is one column, a Hangul
    /// syllable written as conjoining jamo is two).
    public static func displayWidth(of character: Character) -> Int {
        let scalars = character.unicodeScalars
        if scalars.contains(where: { $0.properties.isEmojiPresentation })
            || (scalars.contains("\u{FE0F}") && scalars.contains(where: { $0.properties.isEmoji }))
        {
            return 2
        }
        return scalars.map(displayWidth(of:)).max() ?? 0
    }

    /// The columns one scalar takes on its own.
    public static func displayWidth(of scalar: Unicode.Scalar) -> Int {
        let value = scalar.value
        if value == 0 || value < 0x20 || (0x7F..<0xA0).contains(value) { return 0 }
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format, .control, .lineSeparator, .paragraphSeparator:
            return 0
        default:
            break
        }
        // Hangul vowel and final jamo join the leading jamo before them into one syllable.
        if (0x1160...0x11FF).contains(value) || (0xD7B0...0xD7FF).contains(value) { return 0 }
        if scalar.properties.isEmojiPresentation || scalar.properties.isIdeographic { return 2 }
        return wideRanges.contains { $0.contains(value) } ? 2 : 1
    }

    /// East Asian Wide (W) and Fullwidth (F) blocks that no scalar property identifies.
    private static let wideRanges: [ClosedRange<UInt32>] = [
        0x1100...0x115F,  // Hangul Jamo, leading consonants
        0x2329...0x232A,  // angle brackets
        0x2E80...0x303E,  // CJK radicals, Kangxi, ideographic description, CJK symbols and punctuation
        0x3041...0x33FF,  // Hiragana, Katakana, Bopomofo, Hangul compatibility jamo, Kanbun, CJK compatibility
        0x3400...0x4DBF,  // CJK extension A
        0x4E00...0x9FFF,  // CJK unified ideographs
        0xA000...0xA4CF,  // Yi
        0xA960...0xA97F,  // Hangul Jamo extended A
        0xAC00...0xD7A3,  // Hangul syllables
        0xF900...0xFAFF,  // CJK compatibility ideographs
        0xFE10...0xFE19,  // vertical forms
        0xFE30...0xFE6F,  // CJK compatibility forms, small form variants
        0xFF00...0xFF60,  // fullwidth forms
        0xFFE0...0xFFE6,  // fullwidth signs
        0x16FE0...0x16FE4, 0x17000...0x18AFF, 0x1B000...0x1B2FF,  // Tangut, Kana supplement
        0x1F200...0x1F2FF,  // enclosed ideographic supplement
        0x20000...0x2FFFD, 0x30000...0x3FFFD,  // CJK extensions B and later
    ]
}

/// Where text goes in a padded cell.
public enum TextAlignment: Sendable {
    case left, right
}

extension StringProtocol {
    /// The columns this text takes in a terminal (see ``TerminalText``).
    public var displayWidth: Int { TerminalText.displayWidth(of: self) }

    /// This text padded with spaces to `width` columns; text already as wide or wider is returned
    /// unchanged.
    public func padded(toWidth width: Int, alignment: TextAlignment = .left) -> String {
        let padding = String(repeating: " ", count: Swift.max(0, width - displayWidth))
        return alignment == .left ? String(self) + padding : padding + String(self)
    }

    /// This text cut to at most `width` columns, ending in `ellipsis` when something was cut (empty
    /// when not even the ellipsis fits). A wide character that would straddle the limit is left
    /// out, never split.
    public func truncated(toWidth width: Int, ellipsis: String = "…") -> String {
        guard displayWidth > width else { return String(self) }
        let room = width - ellipsis.displayWidth
        guard room >= 0 else { return "" }
        var kept = ""
        var used = 0
        for character in self {
            let columns = TerminalText.displayWidth(of: character)
            if used + columns > room { break }
            kept.append(character)
            used += columns
        }
        return kept + ellipsis
    }

    /// This text fitted to exactly `width` columns: truncated when wider, padded when narrower
    /// (a cut wide character may leave it one column short, which the padding fills).
    public func fitted(toWidth width: Int, alignment: TextAlignment = .left) -> String {
        truncated(toWidth: width).padded(toWidth: width, alignment: alignment)
    }

    /// This text as a number cell of a fixed-width table: right-aligned in `width` columns, or
    /// after one space when it is that wide already (so neighbouring cells never touch).
    public func rightAlignedCell(width: Int) -> String {
        displayWidth >= width ? " " + self : padded(toWidth: width, alignment: .right)
    }
}

/// ANSI colours and emphasis, used only where they will be seen as such: on a terminal, with
/// `TERM` other than `dumb` and without `NO_COLOR` (https://no-color.org: any non-empty value).
/// Disabled, every method returns its text unchanged.
public struct TerminalStyle: Sendable, Equatable {
    /// Whether escape sequences are written.
    public let isEnabled: Bool

    /// A style that writes escape sequences only when `isEnabled`.
    public init(isEnabled: Bool) {
        self.isEnabled = isEnabled
    }

    /// No escape sequences at all.
    public static let plain = TerminalStyle(isEnabled: false)

    /// The style for output written to `fileDescriptor`, given the process's `environment`.
    public static func forOutput(
        fileDescriptor: Int32, environment: [String: String]
    ) -> TerminalStyle {
        TerminalStyle(isEnabled: allowsColor(isTerminal: isatty(fileDescriptor) == 1, environment: environment))
    }

    /// Whether colour may be used on an output that is (or is not) a terminal in `environment`.
    public static func allowsColor(isTerminal: Bool, environment: [String: String]) -> Bool {
        guard isTerminal else { return false }
        if let noColor = environment["NO_COLOR"], !noColor.isEmpty { return false }
        return environment["TERM"] != "dumb"
    }

    /// Bold text.
    public func bold(_ text: String) -> String { wrap(text, "1") }
    /// Dim (faint) text, for secondary information such as timings.
    public func dim(_ text: String) -> String { wrap(text, "2") }
    /// Red text, for errors.
    public func red(_ text: String) -> String { wrap(text, "31") }
    /// Green text, for success.
    public func green(_ text: String) -> String { wrap(text, "32") }
    /// Yellow text, for warnings.
    public func yellow(_ text: String) -> String { wrap(text, "33") }
    /// Cyan text, for headings and prompts.
    public func cyan(_ text: String) -> String { wrap(text, "36") }

    private func wrap(_ text: String, _ code: String) -> String {
        isEnabled && !text.isEmpty ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }
}

/// Rows of cells laid out in columns for a terminal: each column as wide as its widest cell (at
/// most its limit, where longer cells are cut with `…`), cells padded to it with the column's
/// alignment, two spaces between columns. Widths are counted in terminal columns (Korean text
/// stays aligned).
public struct TextTable: Sendable {
    /// Each column's width.
    public let widths: [Int]
    private let alignments: [TextAlignment]
    private let padsLastColumn: Bool

    /// A layout for `rows` (the header among them): `alignment` of each column (by index),
    /// `maxWidth` of each column; `padsLastColumn` false leaves the last cell of a line unpadded.
    public init(
        _ rows: [[String]], alignment: (Int) -> TextAlignment, maxWidth: (Int) -> Int = { _ in .max }, padsLastColumn: Bool = true
    ) {
        let columns = rows.map(\.count).max() ?? 0
        widths = (0..<columns).map { column in
            Swift.min(maxWidth(column), rows.compactMap { column < $0.count ? $0[column].displayWidth : nil }.max() ?? 0)
        }
        alignments = (0..<columns).map(alignment)
        self.padsLastColumn = padsLastColumn
    }

    /// One line of `cells`.
    public func line(_ cells: [String]) -> String {
        cells.enumerated().map { column, cell in
            let fitted = cell.truncated(toWidth: widths[column])
            return !padsLastColumn && column == cells.count - 1 ? fitted : fitted.padded(toWidth: widths[column], alignment: alignments[column])
        }.joined(separator: "  ")
    }
}
