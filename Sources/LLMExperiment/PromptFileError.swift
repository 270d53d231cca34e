public import Foundation

/// What is wrong with a prompt file, and where.
public struct PromptFileError: Error, Hashable, CustomStringConvertible, Sendable {
    /// What kind of problem this is; stable, for `catch let e as PromptFileError where e.code == .noSuchFile`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        /// The file does not exist.
        public static let noSuchFile = Code(name: "no_such_file")
        /// The file exists but cannot be read.
        public static let unreadable = Code(name: "unreadable")
        /// The bytes are not UTF-8.
        public static let notUTF8 = Code(name: "not_utf8")
        /// The file is not valid JSON or CSV.
        public static let syntax = Code(name: "syntax")
        /// A prompt or a field of one is missing, empty, misspelt or of the wrong type.
        public static let invalidEntry = Code(name: "invalid_entry")
        /// The file holds no prompts.
        public static let empty = Code(name: "empty")
        public var description: String { name }
    }

    public var code: Code
    /// The file as given; the description names only its last component.
    public var path: String
    /// The 1-based line, when the problem has one.
    public var line: Int?
    public var message: String

    public init(_ code: Code, path: String, line: Int?, message: String) {
        self.code = code
        self.path = path
        self.line = line
        self.message = message
    }

    /// The contents of `path`, or the error saying whether it is missing or unreadable.
    public static func contents(of path: String) throws(PromptFileError) -> Data {
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            let missing = !FileManager.default.fileExists(atPath: path)
            throw PromptFileError(
                missing ? .noSuchFile : .unreadable, path: path, line: nil, message: missing ? "no such file" : "cannot read the file")
        }
    }

    public var description: String {
        let name = (path as NSString).lastPathComponent
        return line.map { "\(name):\($0): \(message)" } ?? "\(name): \(message)"
    }
}
