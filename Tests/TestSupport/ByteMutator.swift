public import LLMSupport

/// Seeded mutation of valid inputs for fuzz tests: each case derives from a printed seed, so a
/// failure can be replayed.
public struct ByteMutator: RandomNumberGenerator {
    private var random: SeededRandom
    private let interesting: [UInt8]

    /// - Parameter interesting: bytes worth inserting (a format's structural characters).
    public init(seed: UInt64, interesting: String) {
        random = SeededRandom(seed: seed)
        self.interesting = Array(interesting.utf8) + [0x00, 0x80, 0xBF, 0xC0, 0xEA, 0xED, 0xEF, 0xBB, 0xFF]
    }

    public mutating func next() -> UInt64 {
        random.next()
    }

    /// `bytes` with 1 to `maxEdits` random edits: a byte changed, an interesting byte inserted, a
    /// run of up to 16 bytes deleted, or the rest cut off.
    public mutating func mutate(_ bytes: [UInt8], maxEdits: Int = 8) -> [UInt8] {
        var result = bytes
        for _ in 0..<Int.random(in: 1...max(1, maxEdits), using: &self) {
            guard !result.isEmpty else { break }
            let position = Int.random(in: 0..<result.count, using: &self)
            switch Int.random(in: 0..<4, using: &self) {
            case 0: result[position] = UInt8.random(in: 0...255, using: &self)
            case 1: result.insert(interesting.randomElement(using: &self)!, at: position)
            case 2: result.removeSubrange(position..<min(result.count, position + Int.random(in: 1...16, using: &self)))
            default: result.removeSubrange(position...)
            }
        }
        return result
    }
}
