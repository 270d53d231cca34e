import Foundation
import Synchronization

/// The simulator's own record of when it sent each streamed answer's tokens (`serve-sim
/// --timing-log FILE`), so a benchmark can compare the latencies a client reports with what the
/// server did. One JSON object per line, per streamed request that finished:
///
///     {"request_id": "llmc-1a2b3c4d-0-17", "arrival_unix_s": 1796212800.123456,
///      "first_token_s": 0.100213, "token_writes_s": [0.100213, 0.120301, ...]}
///
/// `first_token_s` and `token_writes_s` are seconds from the request's arrival (the whole request read)
/// to the moment the bytes of a write that carried tokens were handed to the connection; a write
/// carries one token when tokens are paced, several when they are due together.
public final class TimingLog: Sendable {
    private let handle: Mutex<FileHandle>

    /// Creates (or empties) the file at `path`.
    /// - Throws: when the file cannot be created.
    public init(path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
        }
        handle = Mutex(try FileHandle(forWritingTo: URL(fileURLWithPath: path)))
    }

    /// One request's timings.
    struct Entry: Encodable {
        var requestID: String?
        var arrivalUnixS: Double
        var firstTokenS: Double?
        var tokenWritesS: [Double]

        enum CodingKeys: String, CodingKey {
            case requestID = "request_id"
            case arrivalUnixS = "arrival_unix_s"
            case firstTokenS = "first_token_s"
            case tokenWritesS = "token_writes_s"
        }
    }

    /// Appends `entry` as a line.
    func record(_ entry: Entry) {
        guard var line = try? JSONEncoder().encode(entry) else { return }
        line.append(UInt8(ascii: "\n"))
        handle.withLock { try? $0.write(contentsOf: line) }
    }
}
