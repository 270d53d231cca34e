public import Foundation
public import LLMSimulator

/// Where the test script (`scripts/test.sh`) runs the tests: whether real services are required
/// (``RealService`` says which ones a test needs), the package and the built binary.
public enum TestEnvironment {
    /// True when the real servers must be there (CI, or the test script): a missing one fails.
    public static var requiresRealServers: Bool {
        value("CI") == "true" || value("LLM_CLIENT_REQUIRE_REAL_SERVERS") == "1"
    }

    /// The package root (where Package.swift is).
    public static var packageRoot: URL {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }

    /// The built `llm-client` binary, next to the test bundle.
    public static var cliBinary: URL {
        let testBundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidate = testBundleDirectory.appendingPathComponent("llm-client")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        return packageRoot.appendingPathComponent(".build/debug/llm-client")
    }

    /// A non-empty environment variable.
    static func value(_ name: String) -> String? {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { return nil }
        return value
    }
}

/// A new empty directory under the system's temporary directory, named `prefix-UUID`; the caller removes it.
public func makeTemporaryDirectory(_ prefix: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// A simulator configuration for tests: a free loopback port and a fast latency model.
public func testSimulatorConfiguration(
    latency: LatencyModel = .instant(outputTokens: 16), faults: FaultConfiguration = .init(),
    apiKey: String? = nil, maxConcurrency: Int = 0, models: [String] = ["llm-sim"]
) -> SimulatorConfiguration {
    SimulatorConfiguration(
        host: "127.0.0.1", port: 0, models: models, seed: 42, apiKey: apiKey, maxConcurrency: maxConcurrency,
        latency: latency, faults: faults)
}

/// The result of running a program to its end.
public struct ProcessOutput: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String

    public init(status: Int32, stdout: String, stderr: String) {
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
    }
}

/// Runs a program with arguments and returns its exit status and output. The child is killed if it
/// is still running after `timeout` seconds, so a hanging program fails the test instead of hanging it.
public func runProcess(
    _ executable: URL, _ arguments: [String], environment: [String: String] = [:], input: String? = nil,
    currentDirectory: URL? = nil, timeout: Double = 120
) async throws -> ProcessOutput {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    for key in ["OPENAI_BASE_URL", "OPENAI_API_KEY"] { env.removeValue(forKey: key) }
    env.merge(environment) { _, new in new }
    process.environment = env
    if let currentDirectory { process.currentDirectoryURL = currentDirectory }
    let stdoutPipe = Pipe()
    let stderrPipe = Pipe()
    let stdinPipe = Pipe()
    process.standardOutput = stdoutPipe
    process.standardError = stderrPipe
    process.standardInput = stdinPipe
    let finished = AsyncStream<Int32>.makeStream()
    process.terminationHandler = {
        finished.continuation.yield($0.terminationStatus)
        finished.continuation.finish()
    }
    try process.run()
    if let input { stdinPipe.fileHandleForWriting.write(Data(input.utf8)) }
    try? stdinPipe.fileHandleForWriting.close()
    // Read both pipes on threads of their own while the process runs (a full pipe would block it;
    // blocking reads on the cooperative pool would starve in-process servers).
    async let out = readToEnd(stdoutPipe.fileHandleForReading)
    async let err = readToEnd(stderrPipe.fileHandleForReading)
    let killer = Task {
        try await Task.sleep(for: .seconds(timeout))
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
    var iterator = finished.stream.makeAsyncIterator()
    let status = await iterator.next() ?? -1
    killer.cancel()
    return ProcessOutput(status: status, stdout: String(decoding: await out, as: UTF8.self), stderr: String(decoding: await err, as: UTF8.self))
}

/// Reads a file handle to its end on a dedicated thread.
private func readToEnd(_ handle: FileHandle) async -> Data {
    await withCheckedContinuation { continuation in
        Thread { continuation.resume(returning: handle.readDataToEndOfFile()) }.start()
    }
}
