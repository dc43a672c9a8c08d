import KubeAPI

extension KubeletServer {
    /// `/exec/{ns}/{pod}/{container}`, `/attach/{ns}/{pod}/{container}` and
    /// `/portForward/{ns}/{pod}`: asks the runtime for a streaming URL and proxies the client's
    /// upgrade (SPDY/3.1 or WebSocket) to it.
    func serveStreaming(_ request: KubeletRequest, _ exchange: KubeletExchange) async throws {
        let operation = request.segments[0]
        guard request.isUpgrade else {
            throw StatusError.badRequest("Upgrade request required: \(operation) needs a SPDY/3.1 or WebSocket upgrade (Connection: Upgrade)")
        }
        let url: String
        do {
            url = try await streamingURL(operation, request)
        } catch let error as RuntimeError {
            throw Self.status(error, operation: operation)
        }
        let target: StreamingTarget
        do {
            target = try StreamingTarget(url: url, clientQuery: request.rawQuery)
        } catch {
            throw StatusError.internalError("the runtime's streaming URL \(url) cannot be used: \(error)")
        }
        logger.debug("proxying \(operation)", metadata: ["path": "\(request.path)", "upstream": "\(target.host):\(target.port)"])
        try await UpgradeProxy.run(exchange: exchange, request: request, target: target, logger: logger)
    }

    /// The runtime's streaming URL for the request.
    func streamingURL(_ operation: String, _ request: KubeletRequest) async throws -> String {
        func flag(_ names: String...) throws(StatusError) -> Bool {
            for name in names {
                if let value = request.value(name) { return try ContainerLogOptions.bool(name, value) }
            }
            return false
        }
        if operation == "portForward" {
            let parts = Array(request.segments.dropFirst())
            guard parts.count == 2 || parts.count == 3 else {
                throw StatusError.badRequest("expected /portForward/{namespace}/{pod}, got \(request.path)")
            }
            let pod = try pod(namespace: parts[0], name: parts[1], uid: parts.count == 3 ? parts[2] : nil)
            guard let sandboxID = pods.sandboxID(podUID: pod.metadata.uid ?? "") else {
                throw StatusError.badRequest("pod \(pod.metadata.name ?? "") has no sandbox yet")
            }
            var ports: [Int] = []
            for value in request.values("port") {
                guard let port = Int(value), (1...65535).contains(port) else {
                    throw StatusError.badRequest("invalid port \"\(value)\": must be an integer from 1 to 65535")
                }
                ports.append(port)
            }
            return try await runtime.portForward(sandboxID: sandboxID, ports: ports)
        }
        let (pod, name) = try containerTarget(request)
        guard let current = try await attempts(of: name, in: pod).last else {
            throw StatusError(code: 404, reason: .notFound, message: "container not found (\"\(name)\")")
        }
        let tty = try flag("tty")
        let stdin = try flag("input", "stdin")
        let stdout = try flag("output", "stdout")
        let stderr = try flag("error", "stderr") && !tty
        if operation == "exec" {
            let command = request.values("command")
            guard !command.isEmpty else { throw StatusError.badRequest("you must specify at least 1 command") }
            return try await runtime.exec(CRI.ExecRequest(
                containerID: current.container.id, command: command, tty: tty, stdin: stdin, stdout: stdout, stderr: stderr))
        }
        return try await runtime.attach(CRI.AttachRequest(
            containerID: current.container.id, tty: tty, stdin: stdin, stdout: stdout, stderr: stderr))
    }

    /// A runtime failure as the kubelet reports it: NotFound is 404, everything else 500 with the
    /// runtime's message (as upstream's streaming errors).
    static func status(_ error: RuntimeError, operation: String) -> StatusError {
        switch error.code {
        case .notFound: StatusError(code: 404, reason: .notFound, message: "\(operation): \(error.message)")
        case .invalidArgument: StatusError.badRequest("\(operation): \(error.message)")
        default: StatusError.internalError("\(operation) failed: \(error)")
        }
    }
}
