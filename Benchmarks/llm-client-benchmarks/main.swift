// Benchmarks for llm-client. They print numbers and assert nothing; run them in release mode:
//
//   swift run -c release llm-client-benchmarks simulator [--clients 1000] [--duration 10] [--output-tokens 64]
//
//   swift run -c release llm-client-benchmarks client
//
// `client`: llm-client's own cost as a load generator (the bench engine over LLMClient): the chunk
// and request rates it sustains against the simulator with no latency, its CPU time per streamed
// chunk and per request, the p99 scheduling lag at a fixed request rate with 1,000 streams in
// flight, and the peak memory of a 100,000-request run.
//
//   swift run -c release llm-client-benchmarks paced [--streams 64,256,1000] [--itl-ms 20] [--ttft-ms 100] [--ttft-jitter-ms 0] [--tokens 64] [--no-floor]
//       [--rounds 4] [--rate 2000] [--rate-seconds 5]
//
// `paced`: the client's cost and accuracy on streams paced as real servers pace them (a token
// every --itl-ms, each chunk its own read), per number of streams: chunks/s, the client's CPU
// (user and system) per chunk, the machine's floor beside it (`paced-floor.c`, a C epoll loop that
// only reads, against the same simulator after the client's level; --no-floor skips it) and the
// client's multiple of it, its heap allocations per chunk, its peak memory, how far the TTFT
// and inter-token gaps it reports are from the times the simulator (another process,
// `--timing-log`) wrote the tokens, that TTFT error split on the shared wall clock into the
// server's intake (the request written by the client to read by the simulator, where the
// simulator's own TTFT starts) and the client's read (the first token written to read), and the client's send time (`send_s`: hand-off to the request
// written, which TTFT leaves out); then an open loop at --rate requests/s (0: none): the rate achieved and the scheduling lag.
//
// Allocations are counted by `Benchmarks/allocation-counter.c`, preloaded: `client` and `paced`
// build it with `cc` and run themselves again with it (LLMC_NO_ALLOCATION_COUNTER=1 runs them
// without; the simulator never has it). It counts every allocation of the process, the bench
// engine's included.
//
// `simulator`: how many streamed tokens and requests per second the simulator sustains with many
// concurrent streaming clients and no configured latency. The simulator runs as its own process
// (`llm-client serve-sim --no-latency`), so its CPU time is measured apart from the load generator's.
import AsyncHTTPClient
import Foundation
import LLMBench
import LLMClientKit
import LLMResults
import LLMSupport
import NIOCore
import Synchronization

struct Options {
    var clients = 1000
    var duration = 10.0
    var outputTokens = 64

    init(_ arguments: ArraySlice<String>) {
        var iterator = arguments.makeIterator()
        while let name = iterator.next() {
            let value = iterator.next() ?? ""
            switch name {
            case "--clients": clients = Int(value) ?? clients
            case "--duration": duration = Double(value) ?? duration
            case "--output-tokens": outputTokens = Int(value) ?? outputTokens
            default: fatalError("unknown option \(name)")
            }
        }
    }
}

/// CPU seconds (user + system) a process has used, from /proc.
func cpuSeconds(pid: Int32) -> Double {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let close = stat.lastIndex(of: ")")
    else { return 0 }
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    let ticks = Double(fields[11])! + Double(fields[12])!
    return ticks / Double(sysconf(Int32(_SC_CLK_TCK)))
}

/// Heap allocations of this process so far, when `allocation-counter.c` is preloaded; nil otherwise.
func allocations() -> UInt64? {
    guard let symbol = dlsym(nil, "llmc_allocations") else { return nil }
    return unsafeBitCast(symbol, to: (@convention(c) () -> UInt64).self)()
}

/// Heap allocations since `before` (a count from ``allocations()``); nil when not counted.
func allocations(since before: UInt64?) -> UInt64? {
    guard let before, let now = allocations() else { return nil }
    return now - before
}

/// Builds `Benchmarks/<source>` with `cc -O2` into this binary's folder; nil when it cannot.
func compile(_ source: String, to output: String, options: [String] = []) -> URL? {
    let sourceFile = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent(source)
    let outputFile = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        .appendingPathComponent(output)
    let compiler = Process()
    compiler.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    compiler.arguments = ["cc", "-O2"] + options + ["-o", outputFile.path, sourceFile.path]
    guard (try? compiler.run()) != nil else { return nil }
    compiler.waitUntilExit()
    return compiler.terminationStatus == 0 ? outputFile : nil
}

/// The machine's floor at `streams` paced streams: `paced-floor.c`'s CPU per read against the
/// simulator on `port` (nil when it cannot be built or run).
func floorMicroseconds(_ floor: URL?, port: Int, streams: Int, rounds: Int) -> Double? {
    guard let floor else { return nil }
    let process = Process()
    process.executableURL = floor
    process.arguments = ["127.0.0.1", String(port), String(streams), String(rounds)]
    var environment = ProcessInfo.processInfo.environment
    environment["LD_PRELOAD"] = nil
    process.environment = environment
    let pipe = Pipe()
    process.standardOutput = pipe
    guard (try? process.run()) != nil else { return nil }
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    // "... reads in 5.5 s, 11.65 us CPU per read (user + sys), ..."
    guard process.terminationStatus == 0, let range = output.range(of: " us CPU per read") else { return nil }
    return Double(output[..<range.lowerBound].split(separator: " ").last ?? "")
}

/// Runs this benchmark again with `allocation-counter.c` built and preloaded, unless it already
/// is, it was asked not to be (LLMC_NO_ALLOCATION_COUNTER=1), or there is no C compiler (then
/// allocations are not counted and say so).
func preloadTheAllocationCounter() {
    let environment = ProcessInfo.processInfo.environment
    guard allocations() == nil, environment["LLMC_NO_ALLOCATION_COUNTER"] == nil else { return }
    guard let library = compile("allocation-counter.c", to: "liballocation-counter.so", options: ["-shared", "-fPIC"]) else {
        print("(allocations not counted: cannot build Benchmarks/allocation-counter.c with cc)")
        return
    }
    setenv("LD_PRELOAD", ([library.path] + (environment["LD_PRELOAD"].map { [$0] } ?? [])).joined(separator: ":"), 1)
    setenv("LLMC_NO_ALLOCATION_COUNTER", "1", 1)  // once: if the preload fails, run without it
    execv("/proc/self/exe", CommandLine.unsafeArgv)
    print("(allocations not counted: cannot run again with the counter: errno \(errno))")
}

/// Starts `llm-client serve-sim` from the same build folder and returns the process and its port.
func startSimulator(outputTokens: Int, extra: [String] = ["--no-latency"]) throws -> (Process, Int) {
    let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("llm-client")
    let process = Process()
    process.executableURL = binary
    process.arguments = ["serve-sim", "--port", "0", "--output-tokens", String(outputTokens), "--max-concurrency", "0"] + extra
    var environment = ProcessInfo.processInfo.environment
    environment["LD_PRELOAD"] = nil  // the allocation counter is the client's
    process.environment = environment
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    var line = Data()
    while !line.contains(UInt8(ascii: "\n")) {
        let data = pipe.fileHandleForReading.availableData
        if data.isEmpty { fatalError("the simulator exited before listening") }
        line.append(data)
    }
    let text = String(decoding: line, as: UTF8.self)
    guard let portText = text.split(separator: ":").last?.split(separator: "/").first, let port = Int(portText) else {
        fatalError("cannot read the simulator's port from: \(text)")
    }
    return (process, port)
}

func simulatorBenchmark(_ options: Options) async throws {
    SystemLimits.raiseOpenFileLimit()
    let (server, port) = try startSimulator(outputTokens: options.outputTokens)
    defer { server.terminate() }
    var configuration = HTTPClient.Configuration()
    configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: options.clients)
    let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    let body = #"{"model":"llm-sim","prompt":"Benchmark the simulator","stream":true}"#

    func oneRequest() async throws -> Int {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/completions")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await http.execute(request, timeout: .seconds(60))
        var parser = SSEParser()
        var tokens = 0
        for try await buffer in response.body {
            parser.feed(buffer.readableBytesView) { event in if !event.isDone { tokens += 1 } }
        }
        return tokens
    }

    // Warm up the connections so the measurement does not include connection set-up.
    try await withThrowingTaskGroup(of: Int.self) { group in
        for _ in 0..<options.clients { group.addTask { try await oneRequest() } }
        for try await _ in group {}
    }

    let serverCPUBefore = cpuSeconds(pid: server.processIdentifier)
    let clientCPUBefore = cpuSeconds(pid: getpid())
    let start = ContinuousClock.now
    let end = start + .seconds(options.duration)
    let (tokens, requests, failures) = try await withThrowingTaskGroup(of: (Int, Int, Int).self) { group in
        for _ in 0..<options.clients {
            group.addTask {
                var tokens = 0
                var requests = 0
                var failures = 0
                while ContinuousClock.now < end {
                    do {
                        let count = try await oneRequest()
                        tokens += count
                        requests += 1
                        if count != options.outputTokens { failures += 1 }
                    } catch {
                        failures += 1
                    }
                }
                return (tokens, requests, failures)
            }
        }
        var total = (0, 0, 0)
        for try await part in group {
            total.0 += part.0
            total.1 += part.1
            total.2 += part.2
        }
        return total
    }
    let seconds = (ContinuousClock.now - start).seconds
    let serverCPU = cpuSeconds(pid: server.processIdentifier) - serverCPUBefore
    let clientCPU = cpuSeconds(pid: getpid()) - clientCPUBefore
    try await http.shutdown()

    print("simulator benchmark: \(options.clients) concurrent streaming clients, \(options.outputTokens) tokens per answer, no latency")
    print(String(format: "  duration            %.2f s", seconds))
    print(String(format: "  requests            %d (%d failed or short)", requests, failures))
    print(String(format: "  requests/s          %.0f", Double(requests) / seconds))
    print(String(format: "  streamed tokens/s   %.0f", Double(tokens) / seconds))
    print(
        String(
            format: "  simulator CPU       %.2f s (%.2f µs per token, %.1f µs per request)", serverCPU, serverCPU / Double(tokens) * 1e6,
            serverCPU / Double(requests) * 1e6))
    print(String(format: "  load generator CPU  %.2f s", clientCPU))
}

func clientBenchmark() async throws {
    SystemLimits.raiseOpenFileLimit()
    let workload = Workload.synthetic(count: 100, inputTokens: 32, outputTokens: 1_000_000, korean: true, seed: 1)
    func measure(outputTokens: Int, concurrency: Int, seconds: Double) async throws -> (
        chunks: Double, requests: Double, cpu: Double, chunkCount: Int, requestCount: Int, allocations: UInt64?
    ) {
        let (server, port) = try startSimulator(outputTokens: outputTokens)
        defer { server.terminate() }
        return try await LLMClient.withClient(ClientConfiguration(baseURL: "http://127.0.0.1:\(port)/v1", maxConnections: concurrency)) { client in
            _ = await BenchRunner.run(
                BenchConfiguration(mode: .concurrency(concurrency), numRequests: nil, duration: 1), workload: workload, client: client)
            let chunks = ChunkCounter()
            let cpuBefore = cpuSeconds(pid: getpid())
            let allocationsBefore = allocations()
            let level = await BenchRunner.run(
                BenchConfiguration(mode: .concurrency(concurrency), numRequests: nil, duration: seconds), workload: workload, client: client,
                onResult: { chunks.add($0.contentChunks) })
            let cpu = cpuSeconds(pid: getpid()) - cpuBefore
            let allocated = allocations(since: allocationsBefore)
            let duration = level.summary.durationS
            return (
                Double(chunks.total) / duration, Double(level.summary.successful) / duration, cpu, chunks.total, level.summary.successful, allocated
            )
        }
    }
    // Memory: 100,000 requests, first, since the peak (ru_maxrss) only grows: later phases with
    // a thousand connections open would otherwise be counted against it.
    let (memoryServer, memoryPort) = try startSimulator(outputTokens: 4)
    let big = try await LLMClient.withClient(ClientConfiguration(baseURL: "http://127.0.0.1:\(memoryPort)/v1", maxConnections: 64)) { client in
        await BenchRunner.run(BenchConfiguration(mode: .concurrency(64), numRequests: 100_000, duration: nil), workload: workload, client: client)
    }
    memoryServer.terminate()
    let memoryPeak = ProcessUsage.current().peakResidentMegabytes

    let streaming = try await measure(outputTokens: 512, concurrency: 64, seconds: 8)
    print("client benchmark (llm-client's bench engine against serve-sim --no-latency, separate processes)")
    print(
        String(
            format: "  long answers (512 chunks, 64 streams):  %.0f chunks/s, %.2f µs CPU per chunk, %@ allocations per chunk",
            streaming.chunks, streaming.cpu / Double(streaming.chunkCount) * 1e6, perItem(streaming.allocations, streaming.chunkCount)))
    let short = try await measure(outputTokens: 1, concurrency: 64, seconds: 8)
    print(
        String(
            format: "  one-token answers (64 streams):          %.0f requests/s, %.1f µs CPU per request, %@ allocations per request",
            short.requests, short.cpu / Double(short.requestCount) * 1e6, perItem(short.allocations, short.requestCount)))

    // Scheduling lag: 500 requests/s of 2-second streams keeps about 1,000 in flight. The streams
    // are slow (a token every 200 ms) so that the simulator, on the same two cores, leaves the
    // client the CPU it would have against a remote server.
    let (server, port) = try startSimulator(
        outputTokens: 10,
        extra: ["--ttft-ms", "200", "--ttft-jitter-ms", "0", "--itl-ms", "200", "--itl-jitter-ms", "0", "--prefill-ms-per-token", "0"])
    let lag = try await LLMClient.withClient(ClientConfiguration(baseURL: "http://127.0.0.1:\(port)/v1", maxConnections: 1200)) { client in
        await BenchRunner.run(
            BenchConfiguration(mode: .rate(500, arrivals: .poisson, burstiness: 1, maxConcurrency: nil), numRequests: 5000, duration: nil, seed: 1),
            workload: workload, client: client)
    }
    server.terminate()
    print(
        String(
            format: "  open loop 500 req/s, ~%d streams in flight: scheduling lag p50 %.3f ms, p99 %.3f ms, max %.3f ms (%d ok, %d failed)",
            lag.summary.maxInFlight ?? 0, (lag.summary.schedulingLagS?.p50 ?? 0) * 1000, (lag.summary.schedulingLagS?.p99 ?? 0) * 1000,
            (lag.summary.schedulingLagS?.max ?? 0) * 1000, lag.summary.successful, lag.summary.failed))

    print(String(format: "  100,000 requests (%d ok) in %.1f s: peak memory %.0f MB", big.summary.successful, big.summary.durationS, memoryPeak))
}

/// Options of the paced benchmark.
struct PacedOptions {
    var streams = [64, 256, 1000]
    var itlMs = 20.0
    var ttftMs = 100.0
    /// Spread of the simulator's TTFT (0: every stream in step, as a batching server sends).
    var ttftJitterMs = 0.0
    var tokens = 64
    var rounds = 4
    var rate = 2000.0
    var rateSeconds = 5.0
    /// Whether each level also measures the machine's floor (`paced-floor.c`) against the same simulator.
    var floor = true

    init(_ arguments: ArraySlice<String>) {
        var iterator = arguments.makeIterator()
        while let name = iterator.next() {
            if name == "--no-floor" {
                floor = false
                continue
            }
            let value = iterator.next() ?? ""
            switch name {
            case "--streams": streams = value.split(separator: ",").compactMap { Int($0) }
            case "--itl-ms": itlMs = Double(value) ?? itlMs
            case "--ttft-ms": ttftMs = Double(value) ?? ttftMs
            case "--ttft-jitter-ms": ttftJitterMs = Double(value) ?? ttftJitterMs
            case "--tokens": tokens = Int(value) ?? tokens
            case "--rounds": rounds = Int(value) ?? rounds
            case "--rate": rate = Double(value) ?? rate
            case "--rate-seconds": rateSeconds = Double(value) ?? rateSeconds
            default: fatalError("unknown option \(name)")
            }
        }
    }
}

/// User and system CPU seconds of this process.
func cpuTimes() -> (user: Double, system: Double) {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
    return (seconds(usage.ru_utime), seconds(usage.ru_stime))
}

/// The simulator's record of one request (`serve-sim --timing-log`).
struct ServerTiming: Decodable {
    var requestID: String?
    var firstTokenS: Double?
    var tokenWritesS: [Double]
    var arrivalUnixS: Double

    enum CodingKeys: String, CodingKey {
        case requestID = "request_id"
        case firstTokenS = "first_token_s"
        case tokenWritesS = "token_writes_s"
        case arrivalUnixS = "arrival_unix_s"
    }
}

/// Collects the measured requests' ids and timings from many tasks.
final class TimingCollector: Sendable {
    /// `written` is when the request was written, on the wall clock (seconds since 1970).
    typealias Timing = (id: String, send: Double?, written: Double?, ttft: Double, gaps: [Double], chunks: Int)
    private let results = Mutex<[Timing]>([])
    func add(_ result: RequestResult) {
        guard result.success, let id = result.requestID, let ttft = result.ttftS else { return }
        let written = result.written.date?.timeIntervalSince1970
        results.withLock { $0.append((id, result.sendS, written, ttft, result.itlS, result.contentChunks)) }
    }
    var all: [Timing] { results.withLock { $0 } }
}

func pacedBenchmark(_ options: PacedOptions) async throws {
    SystemLimits.raiseOpenFileLimit()
    let workload = Workload.synthetic(count: 100, inputTokens: 32, outputTokens: options.tokens, korean: true, seed: 1)
    let floorProgram = options.floor ? compile("paced-floor.c", to: "paced-floor") : nil
    if options.floor, floorProgram == nil { print("(no floor: cannot build Benchmarks/paced-floor.c with cc)") }
    print(
        "paced benchmark: llm-client's bench engine against serve-sim in another process, a token every \(options.itlMs) ms after \(options.ttftMs) ms (± \(options.ttftJitterMs) ms), \(options.tokens)-token answers, \(options.rounds) requests per stream"
    )
    print(
        "  streams  chunks/s  CPU µs/chunk (user+sys)  floor µs/read (client ×)  allocs/chunk  peak MB  TTFT error p50/p99 ms  of it: server intake p50/p99, client read p50/p99  client send p50/p99 ms  ITL error p50/p99 ms  requests"
    )
    for streams in options.streams {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("paced-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: log) }
        let (server, port) = try startSimulator(
            outputTokens: options.tokens,
            extra: [
                "--ttft-ms", String(options.ttftMs), "--ttft-jitter-ms", String(options.ttftJitterMs), "--itl-ms", String(options.itlMs),
                "--itl-jitter-ms", "0",
                "--prefill-ms-per-token", "0", "--timing-log", log.path,
            ])
        defer { server.terminate() }
        let collector = TimingCollector()
        let measured = try await LLMClient.withClient(ClientConfiguration(baseURL: "http://127.0.0.1:\(port)/v1", maxConnections: streams)) {
            client in
            // Warm: every connection open before measuring.
            var warm = BenchConfiguration(mode: .concurrency(streams), numRequests: streams, duration: nil, level: 1)
            warm.runID = "warm"
            _ = await BenchRunner.run(warm, workload: workload, client: client)
            var configuration = BenchConfiguration(mode: .concurrency(streams), numRequests: streams * options.rounds, duration: nil)
            configuration.runID = "paced"
            let before = cpuTimes()
            let allocationsBefore = allocations()
            let start = ContinuousClock.now
            let level = await BenchRunner.run(configuration, workload: workload, client: client, onResult: collector.add)
            let after = cpuTimes()
            let allocated = allocations(since: allocationsBefore)
            return (level, (ContinuousClock.now - start).seconds, after.user - before.user, after.system - before.system, allocated)
        }
        let floor = floorMicroseconds(floorProgram, port: port, streams: streams, rounds: options.rounds)
        server.terminate()
        server.waitUntilExit()
        let (level, seconds, user, system, allocated) = measured
        let results = collector.all
        let chunks = results.map(\.chunks).reduce(0, +)
        // The simulator's own times, by request id.
        var serverTimings: [String: ServerTiming] = [:]
        for line in try String(contentsOf: log, encoding: .utf8).split(separator: "\n") {
            if let timing = try? JSONDecoder().decode(ServerTiming.self, from: Data(line.utf8)), let id = timing.requestID {
                serverTimings[id] = timing
            }
        }
        var ttftErrors: [Double] = []
        // The TTFT error split on the wall clock the two processes share: the request's way in
        // (the client's write to the simulator's read of it, which the simulator's own TTFT does
        // not count) and the first token's way out (its write to the client's read of it).
        var intakes: [Double] = []
        var readings: [Double] = []
        let sendTimes = results.compactMap(\.send)
        var itlErrors: [Double] = []
        for result in results {
            guard let timing = serverTimings[result.id], let first = timing.firstTokenS else { continue }
            ttftErrors.append(abs(result.ttft - first))
            if let written = result.written {
                intakes.append(timing.arrivalUnixS - written)
                readings.append(written + result.ttft - (timing.arrivalUnixS + first))
            }
            let serverGaps = zip(timing.tokenWritesS.dropFirst(), timing.tokenWritesS).map { $0 - $1 }
            // An answer that ends by itself has vLLM's extra "stop" chunk, written with the last
            // token: the client's last gap (about 0) has no server write of its own.
            let clientGaps = result.gaps.count == serverGaps.count + 1 ? Array(result.gaps.dropLast()) : result.gaps
            guard serverGaps.count == clientGaps.count else { continue }
            itlErrors += zip(clientGaps, serverGaps).map { abs($0 - $1) }
        }
        let ttft = DistributionSummary(values: ttftErrors).map { ($0.p50 * 1000, $0.p99 * 1000) } ?? (.nan, .nan)
        let intake = DistributionSummary(values: intakes).map { ($0.p50 * 1000, $0.p99 * 1000) } ?? (.nan, .nan)
        let reading = DistributionSummary(values: readings).map { ($0.p50 * 1000, $0.p99 * 1000) } ?? (.nan, .nan)
        let send = DistributionSummary(values: sendTimes).map { ($0.p50 * 1000, $0.p99 * 1000) } ?? (.nan, .nan)
        let itl = DistributionSummary(values: itlErrors).map { ($0.p50 * 1000, $0.p99 * 1000) } ?? (.nan, .nan)
        let perChunk = { (cpu: Double) in chunks > 0 ? cpu / Double(chunks) * 1e6 : .nan }
        print(
            String(
                format:
                    "  %7d  %8.0f  %6.1f (%5.1f + %5.1f)  %@        %12@  %7.0f  %9.2f / %6.2f          %12.2f / %6.2f  %12.2f / %6.2f       %8.2f / %6.2f      %8.2f / %6.2f     %d ok, %d failed, %d matched",
                streams, Double(chunks) / seconds, perChunk(user + system), perChunk(user), perChunk(system),
                floor.map { String(format: "%13.1f (%4.1f)", $0, perChunk(user + system) / $0) } ?? "          n/a       ",
                perItem(allocated, chunks),
                ProcessUsage.current().peakResidentMegabytes, ttft.0, ttft.1, intake.0, intake.1, reading.0, reading.1, send.0, send.1, itl.0, itl.1,
                level.summary.successful,
                level.summary.failed,
                ttftErrors.count))
    }
    // Open loop: short answers at the rate, for the achieved rate and the scheduling lag.
    guard options.rate > 0 else { return }
    let (server, port) = try startSimulator(
        outputTokens: 4, extra: ["--ttft-ms", "20", "--ttft-jitter-ms", "0", "--itl-ms", "5", "--itl-jitter-ms", "0", "--prefill-ms-per-token", "0"])
    defer { server.terminate() }
    let open = try await LLMClient.withClient(ClientConfiguration(baseURL: "http://127.0.0.1:\(port)/v1", maxConnections: 1024)) { client in
        await BenchRunner.run(
            BenchConfiguration(
                mode: .rate(options.rate, arrivals: .poisson, burstiness: 1, maxConcurrency: nil), numRequests: nil, duration: options.rateSeconds,
                seed: 1), workload: workload, client: client)
    }
    let sent = open.summary.totalRequests
    print(
        String(
            format:
                "  open loop at %.0f req/s for %.0f s: %.1f req/s sent (%.2f %% of the rate), scheduling lag p50 %.3f ms, p99 %.3f ms (%d ok, %d failed)",
            options.rate, options.rateSeconds, Double(sent) / options.rateSeconds, 100 * Double(sent) / (options.rate * options.rateSeconds),
            (open.summary.schedulingLagS?.p50 ?? 0) * 1000, (open.summary.schedulingLagS?.p99 ?? 0) * 1000, open.summary.successful,
            open.summary.failed))
}

/// Allocations per chunk or request, as text ("n/a" when they were not counted).
func perItem(_ allocations: UInt64?, _ count: Int) -> String {
    guard let allocations, count > 0 else { return "n/a" }
    return String(format: "%.1f", Double(allocations) / Double(count))
}

/// Adds up content chunks from many tasks.
final class ChunkCounter: Sendable {
    private let count = Mutex(0)
    func add(_ chunks: Int) { count.withLock { $0 += chunks } }
    var total: Int { count.withLock { $0 } }
}

let arguments = CommandLine.arguments.dropFirst()
switch arguments.first {
case "simulator":
    try await simulatorBenchmark(Options(arguments.dropFirst()))
case "client":
    preloadTheAllocationCounter()
    try await clientBenchmark()
case "paced":
    preloadTheAllocationCounter()
    try await pacedBenchmark(PacedOptions(arguments.dropFirst()))
default:
    print("usage: llm-client-benchmarks simulator [--clients N] [--duration S] [--output-tokens N] | client | paced [options]")
}
