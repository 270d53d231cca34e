import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// This process's use of the machine so far, from getrusage(2): how much CPU the client itself
/// spends is what tells whether a benchmark measured the server or the client.
public struct ProcessUsage: Sendable, Hashable {
    /// User and system CPU time since the process started, in seconds.
    public var cpuSeconds: Double
    /// The largest resident memory of the process so far, in megabytes.
    public var peakResidentMegabytes: Double

    /// A reading of `cpuSeconds` of CPU and a peak of `peakResidentMegabytes`.
    public init(cpuSeconds: Double, peakResidentMegabytes: Double) {
        self.cpuSeconds = cpuSeconds
        self.peakResidentMegabytes = peakResidentMegabytes
    }

    /// The cores this process may use: its CPU affinity mask (`taskset`, cpusets), lowered to its
    /// cgroup's CPU quota (`docker --cpus`, a Kubernetes CPU limit) when that is smaller; else the
    /// cores online.
    public static var availableCores: Int {
        var cores = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        #if os(Linux)
            // `Cpus_allowed` is the affinity mask in hex words separated by commas.
            if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
                let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed:") })
            {
                let count = line.dropFirst("Cpus_allowed:".count).reduce(0) { total, digit in
                    total + (digit.hexDigitValue?.nonzeroBitCount ?? 0)
                }
                if count > 0 { cores = count }
            }
            // cgroup v2: "QUOTA PERIOD" in microseconds, or "max PERIOD" without a limit.
            if let limit = try? String(contentsOfFile: "/sys/fs/cgroup/cpu.max", encoding: .utf8) {
                let fields = limit.split(separator: " ").map { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
                if fields.count == 2, let quota = fields[0], let period = fields[1], quota > 0, period > 0 {
                    cores = min(cores, max(1, Int((quota / period).rounded(.up))))
                }
            }
        #endif
        return cores
    }

    /// The usage now.
    public static func current() -> ProcessUsage {
        var usage = rusage()
        #if canImport(Darwin)
            let who = RUSAGE_SELF
        #else
            let who = RUSAGE_SELF.rawValue
        #endif
        guard getrusage(who, &usage) == 0 else { return ProcessUsage(cpuSeconds: 0, peakResidentMegabytes: 0) }
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        #if canImport(Darwin)
            let peakBytes = Double(usage.ru_maxrss)  // bytes on Darwin
        #else
            let peakBytes = Double(usage.ru_maxrss) * 1024  // kilobytes on Linux
        #endif
        return ProcessUsage(cpuSeconds: seconds(usage.ru_utime) + seconds(usage.ru_stime), peakResidentMegabytes: peakBytes / 1_048_576)
    }
}

/// The client's own load during a run or a benchmark level: a client that keeps its cores busy adds
/// its own delays to the latencies it measures, and then more workers (`--shard`) are needed, not a
/// faster server.
public struct ClientLoad: Codable, Sendable, Hashable {
    /// CPU time (user and system) the client used, in seconds.
    public var cpuS: Double
    /// Cores available to the client (summed over the workers of a merged run).
    public var cores: Int
    /// The client's largest resident memory since it started, in megabytes (the largest worker's in a merged run).
    public var peakMemoryMB: Double
    /// Share of the available cores the client kept busy over `durationS`, in percent (in a merged
    /// run, the busiest worker's).
    public var cpuPercent: Double

    /// The load of `cpuS` seconds of CPU on `cores` cores over `durationS` seconds.
    public init(cpuS: Double, cores: Int, peakMemoryMB: Double, durationS: Double) {
        self.cpuS = cpuS
        self.cores = max(1, cores)
        self.peakMemoryMB = peakMemoryMB
        cpuPercent = durationS > 0 ? 100 * cpuS / (durationS * Double(self.cores)) : 0
    }

    /// The load between two readings of this process's usage.
    public init(from before: ProcessUsage, to after: ProcessUsage, cores: Int, durationS: Double) {
        self.init(cpuS: max(0, after.cpuSeconds - before.cpuSeconds), cores: cores, peakMemoryMB: after.peakResidentMegabytes, durationS: durationS)
    }

    /// Above this share of its cores, the client's own scheduling delays start to show in latencies.
    public static let busyPercent = 80.0

    /// The workers' loads together: their CPU time and cores summed, the largest worker's memory,
    /// and the busiest worker's share of its cores (one saturated worker is what matters, and
    /// workers may share a machine). Nil when a worker's load is unknown.
    public static func merged(_ loads: [ClientLoad?], durationS: Double) -> ClientLoad? {
        let measured = loads.compactMap { $0 }
        guard !measured.isEmpty, measured.count == loads.count else { return nil }
        var merged = ClientLoad(
            cpuS: measured.map(\.cpuS).reduce(0, +), cores: measured.map(\.cores).reduce(0, +),
            peakMemoryMB: measured.map(\.peakMemoryMB).max() ?? 0, durationS: durationS)
        merged.cpuPercent = measured.map(\.cpuPercent).max() ?? 0
        return merged
    }

    /// Whether the client was busy enough for its own delays to show, over a level long enough
    /// (a second or more) for the share to mean something.
    public func isBusy(overSeconds duration: Double) -> Bool {
        duration >= 1 && cpuPercent > Self.busyPercent
    }

    enum CodingKeys: String, CodingKey {
        case cores
        case cpuS = "cpu_s"
        case peakMemoryMB = "peak_memory_mb"
        case cpuPercent = "cpu_percent"
    }
}
