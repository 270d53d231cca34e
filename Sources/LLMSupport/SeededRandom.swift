import Foundation

/// A small, fast, seedable generator (SplitMix64), so simulated text, timings, synthetic prompts
/// and arrival schedules are reproducible.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform value in [0, 1).
    public mutating func unit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A normally distributed value (Box–Muller).
    public mutating func normal(mean: Double = 0, standardDeviation: Double = 1) -> Double {
        guard standardDeviation > 0 else { return mean }
        let u1 = max(unit(), .leastNonzeroMagnitude)
        let u2 = unit()
        return mean + standardDeviation * (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }
}

/// FNV-1a over bytes, mixed with a seed: a stable hash (Swift's `Hasher` is randomised per process).
public func stableHash(_ text: String, seed: UInt64) -> UInt64 {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325 ^ seed
    for byte in text.utf8 {
        hash ^= UInt64(byte)
        hash = hash &* 0x0000_0100_0000_01B3
    }
    return hash
}

/// Mixes several values into one seed.
public func mixSeed(_ values: UInt64...) -> UInt64 {
    var random = SeededRandom(seed: 0x5EED)
    var result: UInt64 = 0
    for value in values {
        random = SeededRandom(seed: random.next() ^ value)
        result = random.next()
    }
    return result
}
