/// Reads Prometheus text exposition, for `--scrape-metrics`.
public enum PrometheusScrape {
    /// Every sample of `text` by its series name with labels (`vllm:num_requests_running{model_name="m"}`).
    public static func samples(_ text: String) -> [String: Double] {
        var samples: [String: Double] = [:]
        for line in text.split(whereSeparator: \.isNewline) where !line.hasPrefix("#") {
            // `name{labels} value [timestamp]`: label values may hold spaces, so split after the labels.
            let name: Substring
            let rest: Substring
            if let close = line.lastIndex(of: "}") {
                name = line[...close]
                rest = line[line.index(after: close)...]
            } else {
                guard let space = line.firstIndex(of: " ") else { continue }
                name = line[..<space]
                rest = line[space...]
            }
            guard let valueText = rest.split(separator: " ").first, let value = Double(valueText) else { continue }
            samples[String(name)] = value
        }
        return samples
    }

    /// The series whose value changed between two scrapes, with the change (after minus before).
    public static func changes(before: [String: Double], after: [String: Double]) -> [String: Double] {
        var changes: [String: Double] = [:]
        for (name, value) in after {
            let delta = value - (before[name] ?? 0)
            if delta != 0, !name.contains("_bucket{") { changes[name] = delta }
        }
        return changes
    }
}
