/// A monotonic instant as text (nanoseconds since a point fixed when the process first asks), to
/// carry a time stamp in a header from a channel handler to the code that reads the message, in
/// the same process: the client's write stamp, the simulator's arrival stamp.
public enum InstantText {
    private static let origin = ContinuousClock.now

    /// `instant` as text.
    public static func text(of instant: ContinuousClock.Instant) -> String {
        let elapsed = (instant - origin).components
        return String(elapsed.seconds * 1_000_000_000 + elapsed.attoseconds / 1_000_000_000)
    }

    /// The instant `text` names; nil when it is not such a text.
    public static func instant<Text: StringProtocol>(_ text: Text) -> ContinuousClock.Instant? {
        Int64(text).map { origin + .nanoseconds($0) }
    }
}
