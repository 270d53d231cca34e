extension Duration {
    /// This duration in seconds, as results and metrics record times.
    public var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }
}
