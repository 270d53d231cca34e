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

    public init(cpuSeconds: Double, peakResidentMegabytes: Double) {
        self.cpuSeconds = cpuSeconds
        self.peakResidentMegabytes = peakResidentMegabytes
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
