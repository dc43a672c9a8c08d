import Foundation
import KubeClient
import Testing

/// A real `k3s server` process for end-to-end tests: a temporary data directory, a free loopback
/// port (`--https-listen-port 0`; the server writes the bound port into its kubeconfig),
/// `--disable-agent`, and the real `kubectl` on PATH pointed at it. Starting one needs no tool:
/// readiness is checked with the project's own HTTPS client, so a suite whose tool is missing
/// is skipped (its `.enabled(if:)` trait) rather than failing here.
///
/// `stop()` sends SIGTERM and waits; the data directory is removed. Tests call it in a `defer`.
final class K3sServerProcess: @unchecked Sendable {
    let dataDir: String
    let kubeconfig: String
    let process: Process
    let logFile: String

    /// Whether the tools these tests drive are installed.
    static var kubectlAvailable: Bool { executable(named: "kubectl") != nil }

    /// The Python interpreter that drives the official client: `K3S_TEST_PYTHON` when set
    /// (scripts/test.sh points it at the virtual environment it installs the client into),
    /// else `python3` on PATH; `nil` when neither is there.
    static var python: String? {
        if let configured = ProcessInfo.processInfo.environment["K3S_TEST_PYTHON"], !configured.isEmpty {
            return FileManager.default.isExecutableFile(atPath: configured) ? configured : nil
        }
        return executable(named: "python3")
    }

    /// Starts a server and waits until `/readyz` answers 200 over HTTPS with its kubeconfig.
    /// `dataDir` reuses the data directory of a server stopped with `stop(keepingData: true)`.
    static func start(
        extraArguments: [String] = [], dataDir existing: String? = nil, environment: [String: String] = [:], timeout: Duration = .seconds(30)
    ) async throws -> K3sServerProcess {
        let dataDir = existing ?? FileManager.default.temporaryDirectory
            .appendingPathComponent("k3s-e2e-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
        let kubeconfig = dataDir + "/kubeconfig.yaml"
        let logFile = dataDir + "/server.log"
        _ = FileManager.default.createFile(atPath: logFile, contents: nil)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: try builtExecutable("k3s"))
        process.arguments = [
            "server", "--data-dir", dataDir, "--https-listen-port", "0", "--bind-address", "127.0.0.1",
            "--advertise-address", "127.0.0.1", "--disable-agent", "--write-kubeconfig", kubeconfig,
        ] + extraArguments
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new } }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logFile))
        process.standardOutput = log
        process.standardError = log
        try process.run()
        let server = K3sServerProcess(dataDir: dataDir, kubeconfig: kubeconfig, process: process, logFile: logFile)

        let deadline = ContinuousClock.now + timeout
        // The server (re)writes its kubeconfig once its port is bound; a restarted server's old
        // one names the old port, so the transport follows the file's content.
        var transport: (kubeconfig: String, transport: HTTPSTransport)?
        defer { if let transport { Task { await transport.transport.shutdown() } } }
        while ContinuousClock.now < deadline {
            guard process.isRunning else {
                let output = server.log
                server.removeDataDir()
                throw E2EError("k3s server exited with status \(process.terminationStatus):\n\(output)")
            }
            if let text = try? String(contentsOfFile: kubeconfig, encoding: .utf8), text != transport?.kubeconfig,
               let fresh = try? server.readinessTransport(kubeconfig: text) {
                if let stale = transport?.transport { await stale.shutdown() }
                transport = (text, fresh)
            }
            if let transport, (try? await transport.transport.send(KubeRequest(method: .get, path: "/readyz")))?.status == 200 {
                return server
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        let output = server.log
        server.stop()
        throw E2EError("k3s server not ready within \(timeout):\n\(output)")
    }

    /// An HTTPS transport from the kubeconfig text that tries each request once (the caller
    /// polls).
    private func readinessTransport(kubeconfig text: String) throws -> HTTPSTransport {
        var configuration = try KubeconfigFile(parsing: text, baseDirectory: dataDir).transportConfiguration()
        configuration.retry = RetryPolicy(maxAttempts: 1)
        configuration.maxIdleConnections = 1
        return try HTTPSTransport(configuration: configuration)
    }

    private init(dataDir: String, kubeconfig: String, process: Process, logFile: String) {
        self.dataDir = dataDir
        self.kubeconfig = kubeconfig
        self.process = process
        self.logFile = logFile
    }

    /// What the server has logged so far.
    var log: String { (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? "" }

    /// Stops the server with SIGTERM (SIGKILL after 10 s) and removes its data directory unless
    /// `keepingData` (to start again on it).
    func stop(keepingData: Bool = false) {
        if process.isRunning {
            process.terminate()
            let deadline = Date().addingTimeInterval(10)
            while process.isRunning && Date() < deadline { usleep(10_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        if !keepingData { removeDataDir() }
    }

    private func removeDataDir() {
        try? FileManager.default.removeItem(atPath: dataDir)
    }

    /// Runs kubectl against this server. `stdin` is written to its standard input.
    @discardableResult
    func kubectl(_ arguments: String..., stdin: String? = nil) async throws -> CommandResult {
        try await kubectl(arguments, stdin: stdin)
    }

    /// Runs kubectl against this server.
    @discardableResult
    func kubectl(_ arguments: [String], stdin: String? = nil) async throws -> CommandResult {
        guard let kubectl = Self.executable(named: "kubectl") else { throw E2EError("kubectl is not on PATH") }
        return try await run(kubectl, ["--kubeconfig", kubeconfig, "--request-timeout", "20s"] + arguments, stdin: stdin)
    }

    /// Runs kubectl and fails the test unless it exits 0; returns its standard output.
    @discardableResult
    func kubectlOK(_ arguments: String..., stdin: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        let result = try await kubectl(arguments, stdin: stdin)
        #expect(result.status == 0, "kubectl \(arguments.joined(separator: " ")) failed: \(result.stderr)", sourceLocation: sourceLocation)
        return result.stdout
    }

    static func executable(named name: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    /// An executable product of this package, built next to the test bundle.
    static func builtExecutable(_ name: String) throws -> String {
        let testBinary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var dir = testBinary.deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent(name).path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        throw E2EError("cannot find the built \(name) executable near \(testBinary.path); run `swift build` first")
    }
}

/// The outcome of a command.
struct CommandResult: Sendable {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs a command to completion, feeding `stdin`, on a Dispatch thread (never blocking the
/// concurrency pool, which the tests running in parallel share).
func run(_ executable: String, _ arguments: [String], stdin: String? = nil) async throws -> CommandResult {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            continuation.resume(with: Result { try runBlocking(executable, arguments, stdin: stdin) })
        }
    }
}

/// Runs a command to completion on the calling thread, feeding `stdin`.
func runBlocking(_ executable: String, _ arguments: [String], stdin: String? = nil) throws -> CommandResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let out = Pipe()
    let err = Pipe()
    let input = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    try input.fileHandleForWriting.close()
    // Read both pipes fully before waiting, so a chatty command cannot block on a full pipe.
    let group = DispatchGroup()
    nonisolated(unsafe) var stdoutData = Data()
    nonisolated(unsafe) var stderrData = Data()
    group.enter()
    DispatchQueue.global().async {
        stdoutData = out.fileHandleForReading.readDataToEndOfFile()
        group.leave()
    }
    stderrData = err.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return CommandResult(
        status: process.terminationStatus,
        stdout: String(decoding: stdoutData, as: UTF8.self),
        stderr: String(decoding: stderrData, as: UTF8.self)
    )
}

struct E2EError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
