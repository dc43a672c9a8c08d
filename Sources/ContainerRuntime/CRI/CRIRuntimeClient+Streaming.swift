import FoundationEssentials
import Kubelet

extension CRIRuntimeClient {
    /// Runs a command to completion in a running container (CRI `ExecSync`). A command that
    /// cannot start is a result with exit code 126 (127 when not found) and the runtime's
    /// message on standard error, as a shell would report it.
    public func execSync(containerID: String, command: [String], timeout: Duration) async throws -> CRI.ExecSyncResult {
        guard !command.isEmpty else { throw RuntimeError(.invalidArgument, "command must not be empty") }
        var request = Runtime_V1_ExecSyncRequest()
        request.containerID = containerID
        request.cmd = command
        request.timeout = Self.wholeSeconds(timeout)
        var options = callOptions
        options.timeout = timeout + configuration.callTimeout
        do {
            var response: Runtime_V1_ExecSyncResponse?
            try await classifyingStateErrors(containerID, allowed: .running) {
                response = try await call("ExecSync") { try await runtimeService.execSync(request, options: options) }
            }
            guard let response else { throw RuntimeError(.unknown, "ExecSync: no response") }
            return CRI.ExecSyncResult(stdout: Array(response.stdout), stderr: Array(response.stderr), exitCode: Int(response.exitCode))
        } catch let error as RuntimeError where error.code == .unknown && Self.isStartFailure(error.message) {
            let notFound = error.message.contains("not found") || error.message.contains("no such file")
            return CRI.ExecSyncResult(stderr: Array(error.message.utf8), exitCode: notFound ? 127 : 126)
        }
    }

    /// Whether an exec failed because its process could not start (as opposed to the runtime failing).
    static func isStartFailure(_ message: String) -> Bool {
        message.contains("exec failed") || message.contains("executable file not found") || message.contains("permission denied")
    }

    /// The streaming-server URL of an `exec` (CRI `Exec`).
    public func exec(_ request: CRI.ExecRequest) async throws -> String {
        guard !request.command.isEmpty else { throw RuntimeError(.invalidArgument, "command must not be empty") }
        var message = Runtime_V1_ExecRequest()
        message.containerID = request.containerID
        message.cmd = request.command
        message.tty = request.tty
        message.stdin = request.stdin
        message.stdout = request.stdout
        message.stderr = request.stderr && !request.tty
        return try await streamingURL(ofRunning: request.containerID, call: "Exec") {
            try await runtimeService.exec(message, options: callOptions).url
        }
    }

    /// The streaming-server URL of an `attach` (CRI `Attach`).
    public func attach(_ request: CRI.AttachRequest) async throws -> String {
        var message = Runtime_V1_AttachRequest()
        message.containerID = request.containerID
        message.tty = request.tty
        message.stdin = request.stdin
        message.stdout = request.stdout
        message.stderr = request.stderr && !request.tty
        return try await streamingURL(ofRunning: request.containerID, call: "Attach") {
            try await runtimeService.attach(message, options: callOptions).url
        }
    }

    /// The streaming-server URL of a port-forward into a sandbox (CRI `PortForward`).
    public func portForward(sandboxID: String, ports: [Int]) async throws -> String {
        var message = Runtime_V1_PortForwardRequest()
        message.podSandboxID = sandboxID
        message.port = ports.map { Int32(clamping: $0) }
        return try await call("PortForward") { try await runtimeService.portForward(message, options: callOptions).url }
    }

    /// Usage of the running containers that match (CRI `ListContainerStats`, joined with the
    /// listing for the sandbox IDs and states).
    public func containerStats(_ filter: CRI.ContainerFilter) async throws -> [CRI.ContainerStats] {
        var running = filter
        running.state = .running
        let containers = try await listContainers(running)
        guard !containers.isEmpty else { return [] }
        var request = Runtime_V1_ListContainerStatsRequest()
        request.filter = Runtime_V1_ContainerStatsFilter(filter)
        let stats = try await call("ListContainerStats") { try await runtimeService.listContainerStats(request, options: callOptions).stats }
        let byID = Dictionary(stats.map { ($0.attributes.id, $0) }, uniquingKeysWith: { first, _ in first })
        return containers.compactMap { container in byID[container.id]?.cri(podSandboxID: container.podSandboxID) }
    }

    /// Makes the streaming call `body` for a container that must be running: `.notFound` for an
    /// unknown one, `.failedPrecondition` for one that is not running (containerd answers both
    /// with unclassified errors, or even with a URL).
    private func streamingURL(ofRunning id: String, call name: String, _ body: () async throws -> String) async throws -> String {
        let state = try await containerStatus(id).container.state
        guard state == .running else { throw RuntimeError(.failedPrecondition, "container \(id) is not running (\(state.rawValue))") }
        return try await call(name, body)
    }
}
