import Foundation

/// A `k3s agent --hollow-nodes N` process joined to a ``K3sServer`` over HTTPS with the
/// server's node token (each hollow node gets its own `system:node:` certificate).
final class K3sAgent {
    let process = Process()
    var pid: Int32 { process.processIdentifier }

    /// Starts the agent; its output goes to `DIR/agent.log` under the server's directory.
    init(binary: String, server: K3sServer, nodeName: String, hollowNodes: Int) throws {
        let tokenFile = server.directory + "/server/node-token"
        guard let text = try? String(contentsOfFile: tokenFile, encoding: .utf8) else {
            throw BenchError("no node token at \(tokenFile)")
        }
        let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let dataDir = server.directory + "/agent-\(nodeName)"
        try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
        let logFile = dataDir + "/agent.log"
        _ = FileManager.default.createFile(atPath: logFile, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logFile))
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = [
            "agent", "--server", "https://127.0.0.1:\(server.port)", "--token", token, "--node-name", nodeName,
            "--hollow-nodes", String(hollowNodes), "--data-dir", dataDir,
        ]
        process.standardOutput = log
        process.standardError = log
        try process.run()
    }

    /// Stops the agent with SIGTERM and waits for it.
    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }
}
