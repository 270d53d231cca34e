import Foundation

/// RFC 4180 CSV: quoted fields, doubled quotes, line breaks inside quotes, CRLF, LF or CR row ends.
public enum CSV {
    /// A parse failure, with the 1-based line where the problem is.
    public struct ParseError: Error, Sendable {
        /// The 1-based line.
        public var line: Int
        /// What is wrong, without the line.
        public var message: String
    }

    /// The records of `text`, each with the line number it starts on. Empty lines are skipped.
    public static func parse(_ text: String) throws(ParseError) -> [(line: Int, fields: [String])] {
        let scalars = Array(text.unicodeScalars)
        var records: [(line: Int, fields: [String])] = []
        var fields: [String] = []
        var field = String.UnicodeScalarView()
        // True once a quoted field's closing quote is read: only a comma or a row end may follow.
        var quoted = false
        var line = 1
        var recordLine = 1
        var index = 0

        func endField() {
            fields.append(String(field))
            field = String.UnicodeScalarView()
        }
        func endRecord() {
            let blankLine = fields.isEmpty && field.isEmpty && !quoted
            endField()
            if !blankLine { records.append((recordLine, fields)) }
            fields = []
            quoted = false
        }

        while index < scalars.count {
            let scalar = scalars[index]
            index += 1
            switch scalar {
            case "\"":
                guard field.isEmpty, !quoted else {
                    throw ParseError(line: line, message: "a quote inside an unquoted field (quote the whole field and double inner quotes)")
                }
                var closed = false
                while index < scalars.count {
                    let inner = scalars[index]
                    index += 1
                    if inner == "\"" {
                        guard index < scalars.count, scalars[index] == "\"" else {
                            closed = true
                            break
                        }
                        field.append("\"")
                        index += 1
                    } else {
                        // The scalar before `inner` exists: at least the opening quote.
                        if inner == "\r" || (inner == "\n" && scalars[index - 2] != "\r") { line += 1 }
                        field.append(inner)
                    }
                }
                guard closed else { throw ParseError(line: recordLine, message: "a quoted field is never closed") }
                quoted = true
            case ",":
                endField()
                quoted = false
            case "\r", "\n":
                if scalar == "\r", index < scalars.count, scalars[index] == "\n" { index += 1 }
                endRecord()
                line += 1
                recordLine = line
            default:
                guard !quoted else { throw ParseError(line: line, message: "text after a closing quote") }
                field.append(scalar)
            }
        }
        if !fields.isEmpty || !field.isEmpty || quoted { endRecord() }
        return records
    }

    /// One field, quoted when it holds a comma, a quote, CR or LF.
    public static func escape(_ field: String) -> String {
        guard field.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// One row, ending in CRLF.
    public static func row(_ fields: [String]) -> String {
        fields.map(escape).joined(separator: ",") + "\r\n"
    }
}
