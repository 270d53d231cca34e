public import Foundation

/// A program running beside a test (a server, or the command line under test), stopped when the
/// test is done with it however the test ends, together with the processes it started (an
/// `mlflow server` leaves its uvicorn and job-queue children running when only it is stopped).
public final class BackgroundProcess {
    private let process = Process()
    private let exited = AsyncStream<Int32>.makeStream()
    private let stdoutPipe = Pipe()
    private var status: Int32?

    /// The child's process id.
    public var pid: Int32 { process.processIdentifier }

    fileprivate init(_ executable: URL, _ arguments: [String], stdout: FileHandle?, stderr: FileHandle?) throws {
        process.executableURL = executable
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = stdout ?? stdoutPipe
        if let stderr { process.standardError = stderr }
        let continuation = exited.continuation
        process.terminationHandler = {
            continuation.yield($0.terminationStatus)
            continuation.finish()
        }
        try process.run()
        // Foundation starts each child in a process group of its own; signals go to the whole group.
        let pid = process.processIdentifier
        isGroupLeader = getpgid(pid) == pid
    }

    private var isGroupLeader = false

    /// The target of a signal: the child's process group when it leads one, else the child.
    private var signalTarget: pid_t { isGroupLeader ? -process.processIdentifier : process.processIdentifier }

    /// The next line the child writes to its standard output (when it was not redirected), read on
    /// a thread of its own: a blocking read on the cooperative pool would stall in-process servers.
    public func readLine() async -> String {
        let descriptor = stdoutPipe.fileHandleForReading.fileDescriptor
        return await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                var line: [UInt8] = []
                var byte: UInt8 = 0
                while read(descriptor, &byte, 1) == 1, byte != UInt8(ascii: "\n") { line.append(byte) }
                continuation.resume(returning: String(decoding: line, as: UTF8.self))
            }
        }
    }

    /// Sends `signal` to the child and the processes it started.
    public func send(_ signal: Int32) { kill(signalTarget, signal) }

    /// Waits for the child to exit (killing it after `timeout` seconds) and returns its exit status.
    public func waitForExit(timeout: Double = 60) async -> Int32 {
        if let status { return status }
        let target = signalTarget
        let killer = Task {
            try await Task.sleep(for: .seconds(timeout))
            kill(target, SIGKILL)
        }
        var iterator = exited.stream.makeAsyncIterator()
        let status = await iterator.next() ?? -1
        killer.cancel()
        self.status = status
        return status
    }

    /// SIGTERM, then SIGKILL if the child is still there after `grace` seconds (a child spawned from
    /// a test thread can inherit a signal mask that blocks SIGTERM).
    fileprivate func stop(grace: Double) async {
        if status == nil {
            send(SIGTERM)
            _ = await waitForExit(timeout: grace)
        }
        // Children that outlived the child itself.
        if isGroupLeader { kill(signalTarget, SIGKILL) }
    }
}

/// Starts `executable`, runs `body` with it, and stops it when `body` returns or throws.
/// - Parameters:
///   - stdout: where the child's standard output goes; by default a pipe read by ``BackgroundProcess/readLine()``.
///   - stderr: where its standard error goes; by default the test's own.
public func withBackgroundProcess<T>(
    _ executable: URL, _ arguments: [String], stdout: FileHandle? = nil, stderr: FileHandle? = nil, stopGrace: Double = 10,
    _ body: (BackgroundProcess) async throws -> T
) async throws -> T {
    let child = try BackgroundProcess(executable, arguments, stdout: stdout, stderr: stderr)
    do {
        let result = try await body(child)
        await child.stop(grace: stopGrace)
        return result
    } catch {
        await child.stop(grace: stopGrace)
        throw error
    }
}

/// Starts `llm-client serve-sim` with `arguments` on a free port, in a process of its own, and runs
/// `body` with its base URL. A test that puts thousands of requests through a simulator uses this
/// rather than an in-process one, whose event loops and tasks it would share with every other test
/// of the suite (24,000 requests through the in-process simulator kept both event loops busy for
/// minutes, and other tests' requests waited seconds for them).
public func withSimulatorProcess<T>(_ arguments: [String], _ body: (String) async throws -> T) async throws -> T {
    try await withBackgroundProcess(TestEnvironment.cliBinary, ["serve-sim", "--port", "0"] + arguments) { server in
        let line = await server.readLine()
        let prefix = "llm-client simulator listening on "
        guard line.hasPrefix(prefix) else { throw SimulatorProcessError(firstLine: line) }
        return try await body(String(line.dropFirst(prefix.count)))
    }
}

/// `llm-client serve-sim` did not say where it listens.
public struct SimulatorProcessError: Error, CustomStringConvertible {
    public var firstLine: String
    public var description: String { "llm-client serve-sim did not start: its first line was '\(firstLine)'" }
}
