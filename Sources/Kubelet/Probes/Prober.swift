import KubeAPI

/// Runs one probe handler once against a running container, the way the upstream kubelet's
/// prober does: `exec` through the runtime's `execSync` with the probe's timeout, `httpGet`
/// (success is a status from 200 to 399, same-host redirects are followed up to ten times,
/// others end the probe as a success with a warning), `tcpSocket` (a connection within the
/// timeout) and `grpc` (`grpc.health.v1.Health/Check` answering `SERVING`).
public struct Prober: Sendable {
    /// Runs a command in a container: the runtime's `execSync`.
    public typealias Exec = @Sendable (_ containerID: String, _ command: [String], _ timeout: Duration) async throws -> CRI.ExecSyncResult

    /// What a probe runs against.
    public struct Target: Sendable, Hashable {
        /// The runtime's container ID.
        public var containerID: String
        /// The container's spec (its named ports).
        public var container: CoreV1.Container
        /// The pod's IP, the default host of network probes.
        public var podIP: String?

        /// Creates a target.
        public init(containerID: String, container: CoreV1.Container, podIP: String?) {
            self.containerID = containerID
            self.container = container
            self.podIP = podIP
        }
    }

    let exec: Exec
    let dialer: any ProbeDialer
    /// The `User-Agent` of HTTP probes (`kube-probe/1.36`).
    let userAgent: String

    /// Creates a prober.
    public init(exec: @escaping Exec, dialer: any ProbeDialer, userAgent: String = "kube-probe/1.36") {
        self.exec = exec
        self.dialer = dialer
        self.userAgent = userAgent
    }

    /// Runs `probe`'s handler once.
    public func run(_ probe: CoreV1.Probe, target: Target) async -> ProbeResult {
        let timeout = Duration.seconds(max(1, probe.timeoutSeconds ?? 1))
        if let action = probe.exec {
            return await runExec(action.command ?? [], target: target, timeout: timeout)
        }
        if let action = probe.httpGet {
            return await runHTTP(action, target: target, timeout: timeout)
        }
        if let action = probe.tcpSocket {
            return await runTCP(action, target: target, timeout: timeout)
        }
        if let action = probe.grpc {
            return await runGRPC(action, target: target, timeout: timeout)
        }
        return .error("missing probe handler")
    }

    // MARK: Handlers

    /// Runs a command; exit code 0 is a success, the output is the message.
    func runExec(_ command: [String], target: Target, timeout: Duration) async -> ProbeResult {
        do {
            let result = try await exec(target.containerID, command, timeout)
            let output = String(decoding: result.stdout + result.stderr, as: UTF8.self)
            return result.exitCode == 0 ? .success : .failure(output)
        } catch let error as RuntimeError where error.code == .deadlineExceeded {
            return .failure("command \"\(command.joined(separator: " "))\" timed out")
        } catch let error as RuntimeError {
            return .error(error.message)
        } catch {
            return .error("\(error)")
        }
    }

    /// One HTTP GET with same-host redirects.
    func runHTTP(_ action: CoreV1.HTTPGetAction, target: Target, timeout: Duration) async -> ProbeResult {
        var request: HTTPProbeRequest
        do {
            request = try httpRequest(action, target: target)
        } catch {
            return .error("\(error)")
        }
        var redirects = 0
        while true {
            let response: HTTPProbeResponse
            do {
                response = try await dialer.httpGet(request, timeout: timeout)
            } catch let error as ProbeDialError {
                return .failure("Get \"\(request.url)\": \(error.message)")
            } catch {
                return .failure("Get \"\(request.url)\": \(error)")
            }
            let code = response.statusCode
            if (300..<400).contains(code), let location = response.location, let next = Self.redirect(request, to: location),
                next.host == request.host {
                if redirects == 10 { return .failure("Get \"\(next.url)\": stopped after 10 redirects") }
                redirects += 1
                request = next
                continue
            }
            if (200..<300).contains(code) { return .success }
            if (300..<400).contains(code) {
                let body = String(decoding: response.body, as: UTF8.self)
                return .warning("Probe terminated redirects, Response body: \(body)")
            }
            return .failure("HTTP probe failed with statuscode: \(code)")
        }
    }

    /// One TCP connection.
    func runTCP(_ action: CoreV1.TCPSocketAction, target: Target, timeout: Duration) async -> ProbeResult {
        let port: Int
        do {
            port = try Self.resolvePort(action.port, in: target.container)
        } catch {
            return .error("\(error)")
        }
        guard let host = Self.nonEmpty(action.host) ?? target.podIP else { return .error("the pod has no IP to probe") }
        do {
            try await dialer.tcpConnect(host: host, port: port, timeout: timeout)
            return .success
        } catch {
            return .failure("\(error)")
        }
    }

    /// One `grpc.health.v1.Health/Check` call to the pod IP.
    func runGRPC(_ action: CoreV1.GRPCAction, target: Target, timeout: Duration) async -> ProbeResult {
        guard let host = target.podIP else { return .error("the pod has no IP to probe") }
        let port = action.port ?? 0
        let address = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        let within = PodStatusBuilder.format(seconds: timeout.components.seconds)
        let answer: GRPCHealthAnswer
        do {
            answer = try await dialer.grpcHealthCheck(host: host, port: port, service: action.service ?? "", timeout: timeout)
        } catch let error as ProbeDialError where error.kind != .other {
            return .failure("timeout: failed to connect service \"\(address)\" within \(within): \(error.message)")
        } catch {
            return .failure("error: failed to connect service at \"\(address)\": \(error)")
        }
        switch answer.grpcStatus {
        case 0:
            let serving = answer.servingStatus ?? 0
            if serving == 1 { return .success }
            return .failure("service unhealthy (responded with \"\(GRPCHealthAnswer.servingStatusName(serving))\")")
        case 12:
            return .failure("this server doesn't implement the grpc health protocol (grpc.health.v1.Health): \(answer.grpcMessage)")
        case 4:
            return .failure("timeout: health rpc did not complete within \(within)")
        default:
            return .failure("error: health rpc probe failed: rpc error: code = \(Self.grpcCodeName(answer.grpcStatus)) desc = \(answer.grpcMessage)")
        }
    }

    // MARK: Helpers

    /// The HTTP request of an `httpGet` action: scheme `HTTP` unless `HTTPS`, host the pod IP
    /// unless set, the path with a leading `/`, the action's headers plus `User-Agent` and
    /// `Accept` defaults.
    func httpRequest(_ action: CoreV1.HTTPGetAction, target: Target) throws -> HTTPProbeRequest {
        let port = try Self.resolvePort(action.port, in: target.container)
        guard let host = Self.nonEmpty(action.host) ?? target.podIP else { throw ProbeSetupError("the pod has no IP to probe") }
        var path = action.path ?? "/"
        if !path.hasPrefix("/") { path = "/" + path }
        var headers = action.httpHeaders ?? []
        let names = Set(headers.compactMap { $0.name?.lowercased() })
        if !names.contains("user-agent") { headers.append(CoreV1.HTTPHeader(name: "User-Agent", value: userAgent)) }
        if !names.contains("accept") { headers.append(CoreV1.HTTPHeader(name: "Accept", value: "*/*")) }
        return HTTPProbeRequest(scheme: (action.scheme ?? "HTTP").lowercased(), host: host, port: port, path: path, headers: headers)
    }

    /// The port a probe or hook names: a number, or the name of one of the container's ports.
    static func resolvePort(_ port: IntOrString?, in container: CoreV1.Container) throws -> Int {
        switch port {
        case .int(let number)?:
            guard (1...65535).contains(number) else { throw ProbeSetupError("invalid port number: \(number)") }
            return number
        case .string(let name)?:
            if let number = Int(name), (1...65535).contains(number) { return number }
            if let number = container.ports?.first(where: { $0.name == name })?.containerPort { return number }
            throw ProbeSetupError("couldn't find port: \(name) in \(container.name ?? "")")
        case nil:
            throw ProbeSetupError("missing port")
        }
    }

    /// The request a redirect leads to: an absolute URL (`http://host:port/path`) or a path,
    /// relative to the current request.
    static func redirect(_ request: HTTPProbeRequest, to location: String) -> HTTPProbeRequest? {
        var next = request
        let parts = location.split(separator: "://", maxSplits: 1, omittingEmptySubsequences: false)
        if parts.count == 2 {
            let scheme = parts[0].lowercased()
            guard scheme == "http" || scheme == "https" else { return nil }
            let rest = parts[1]
            let authority = rest.prefix { $0 != "/" && $0 != "?" }
            let path = rest.dropFirst(authority.count)
            next.scheme = scheme
            next.path = path.isEmpty ? "/" : (path.hasPrefix("/") ? String(path) : "/" + path)
            let defaultPort = scheme == "https" ? 443 : 80
            if authority.hasPrefix("[") {
                guard let close = authority.firstIndex(of: "]") else { return nil }
                next.host = String(authority[authority.index(after: authority.startIndex)..<close])
                let after = authority[authority.index(after: close)...]
                next.port = after.hasPrefix(":") ? Int(after.dropFirst()) ?? defaultPort : defaultPort
            } else if let colon = authority.lastIndex(of: ":") {
                next.host = String(authority[..<colon])
                guard let port = Int(authority[authority.index(after: colon)...]) else { return nil }
                next.port = port
            } else {
                next.host = String(authority)
                next.port = defaultPort
            }
        } else if location.hasPrefix("/") {
            next.path = location
        } else {
            let base = request.path.prefix { $0 != "?" }
            let directory = base.lastIndex(of: "/").map { base[...$0] } ?? "/"
            next.path = directory + location
        }
        return next
    }

    static func nonEmpty(_ value: String?) -> String? {
        guard let value, !value.isEmpty else { return nil }
        return value
    }

    static func grpcCodeName(_ code: Int) -> String {
        let names = [
            "OK", "Canceled", "Unknown", "InvalidArgument", "DeadlineExceeded", "NotFound", "AlreadyExists",
            "PermissionDenied", "ResourceExhausted", "FailedPrecondition", "Aborted", "OutOfRange", "Unimplemented",
            "Internal", "Unavailable", "DataLoss", "Unauthenticated",
        ]
        return names.indices.contains(code) ? names[code] : "Code(\(code))"
    }
}

/// A probe or hook that cannot run as specified (an unknown port name, no pod IP).
struct ProbeSetupError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
