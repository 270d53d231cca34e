// Benchmarks for llm-client. They print numbers and assert nothing; run them in release mode:
//
//   swift run -c release llm-client-benchmarks simulator [--clients 1000] [--duration 10] [--output-tokens 64]
//
// `simulator`: how many streamed tokens and requests per second the simulator sustains with many
// concurrent streaming clients and no configured latency. The simulator runs as its own process
// (`llm-client serve-sim --no-latency`), so its CPU time is measured apart from the load generator's.
import AsyncHTTPClient
import Foundation
import LLMClientKit
import NIOCore

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

/// Starts `llm-client serve-sim` from the same build folder and returns the process and its port.
func startSimulator(outputTokens: Int) throws -> (Process, Int) {
    let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("llm-client")
    let process = Process()
    process.executableURL = binary
    process.arguments = ["serve-sim", "--port", "0", "--no-latency", "--output-tokens", String(outputTokens), "--max-concurrency", "0"]
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
                var tokens = 0, requests = 0, failures = 0
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
    let elapsed = (ContinuousClock.now - start)
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    let serverCPU = cpuSeconds(pid: server.processIdentifier) - serverCPUBefore
    let clientCPU = cpuSeconds(pid: getpid()) - clientCPUBefore
    try await http.shutdown()

    print("simulator benchmark: \(options.clients) concurrent streaming clients, \(options.outputTokens) tokens per answer, no latency")
    print(String(format: "  duration            %.2f s", seconds))
    print(String(format: "  requests            %d (%d failed or short)", requests, failures))
    print(String(format: "  requests/s          %.0f", Double(requests) / seconds))
    print(String(format: "  streamed tokens/s   %.0f", Double(tokens) / seconds))
    print(String(format: "  simulator CPU       %.2f s (%.2f µs per token, %.1f µs per request)", serverCPU, serverCPU / Double(tokens) * 1e6, serverCPU / Double(requests) * 1e6))
    print(String(format: "  load generator CPU  %.2f s", clientCPU))
}

let arguments = CommandLine.arguments.dropFirst()
switch arguments.first {
case "simulator":
    try await simulatorBenchmark(Options(arguments.dropFirst()))
default:
    print("usage: llm-client-benchmarks simulator [--clients N] [--duration S] [--output-tokens N]")
}
