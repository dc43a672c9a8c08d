import Foundation
import Testing

/// A real `k3s agent --hollow-nodes N` process joined to a ``K3sServerProcess`` with the
/// server's node token. `stop()` sends SIGTERM and waits.
final class K3sAgentProcess: @unchecked Sendable {
    let process: Process
    let logFile: String
    let dataDir: String
    let nodeName: String

    /// The server URL in `server`'s kubeconfig.
    static func serverURL(of server: K3sServerProcess) throws -> String {
        let text = try String(contentsOfFile: server.kubeconfig, encoding: .utf8)
        guard let line = text.split(separator: "\n").first(where: { $0.contains("server: https://") }) else {
            throw E2EError("no server URL in \(server.kubeconfig)")
        }
        return String(line.split(separator: " ").last!)
    }

    /// The node token the server wrote (`K10<hash>::server:<secret>`).
    static func nodeToken(of server: K3sServerProcess) throws -> String {
        try String(contentsOfFile: server.dataDir + "/server/node-token", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Starts an agent; it runs in the background (use `waitForExit` to see a refused join).
    static func start(server: K3sServerProcess, nodeName: String = "hollow", hollowNodes: Int = 3, token: String? = nil) throws -> K3sAgentProcess {
        let dataDir = server.dataDir + "/agent-\(nodeName)"
        try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
        let logFile = dataDir + "/agent.log"
        _ = FileManager.default.createFile(atPath: logFile, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try K3sServerProcess.builtExecutable("k3s"))
        process.arguments = [
            "agent", "--server", try serverURL(of: server), "--token", try token ?? nodeToken(of: server),
            "--node-name", nodeName, "--hollow-nodes", String(hollowNodes), "--data-dir", dataDir,
        ]
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logFile))
        process.standardOutput = log
        process.standardError = log
        try process.run()
        return K3sAgentProcess(process: process, logFile: logFile, dataDir: dataDir, nodeName: nodeName)
    }

    private init(process: Process, logFile: String, dataDir: String, nodeName: String) {
        self.process = process
        self.logFile = logFile
        self.dataDir = dataDir
        self.nodeName = nodeName
    }

    /// What the agent has logged so far.
    var log: String { (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? "" }

    /// The kubeconfig the agent wrote for hollow node `index` (its own client certificate).
    func kubeconfig(node index: Int) -> String { dataDir + "/agent/\(nodeName)-\(index).kubeconfig" }

    /// Waits up to `timeout` for the process to exit; returns its status, or `nil` if still running.
    func waitForExit(timeout: Duration) async throws -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            guard ContinuousClock.now < deadline else { return nil }
            try await Task.sleep(for: .milliseconds(50))
        }
        return process.terminationStatus
    }

    /// Stops the agent with SIGTERM (SIGKILL after 10 s).
    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}

extension K3sServerProcess {
    /// Polls `kubectl args` until `condition` holds on its output; fails after `timeout`.
    @discardableResult
    func eventually(
        _ arguments: [String], timeout: Duration = .seconds(60), sourceLocation: SourceLocation = #_sourceLocation,
        _ condition: (String) -> Bool
    ) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        var last = ""
        while ContinuousClock.now < deadline {
            let result = try await kubectl(arguments)
            last = result.stdout + result.stderr
            if result.status == 0, condition(result.stdout) { return result.stdout }
            try await Task.sleep(for: .milliseconds(250))
        }
        Issue.record("kubectl \(arguments.joined(separator: " ")) never satisfied the condition within \(timeout); last output:\n\(last)\nserver log tail:\n\(log.suffix(3000))", sourceLocation: sourceLocation)
        throw E2EError("timed out")
    }

    /// Starts a node-less server and an agent with `nodes` hollow nodes; waits until they are Ready.
    static func startCluster(nodes: Int = 3, extraArguments: [String] = []) async throws -> (K3sServerProcess, K3sAgentProcess) {
        let server = try await start(extraArguments: extraArguments)
        let agent: K3sAgentProcess
        do {
            agent = try K3sAgentProcess.start(server: server, hollowNodes: nodes)
        } catch {
            server.stop()
            throw error
        }
        do {
            try await server.eventually(["get", "nodes", "--no-headers"], timeout: .seconds(60)) { output in
                output.split(separator: "\n").filter { $0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first == "Ready" }.count == nodes
            }
        } catch {
            let log = agent.log
            agent.stop()
            server.stop()
            throw E2EError("nodes never became Ready; agent log:\n\(log.suffix(3000))")
        }
        return (server, agent)
    }
}
