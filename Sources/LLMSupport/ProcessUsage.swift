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
