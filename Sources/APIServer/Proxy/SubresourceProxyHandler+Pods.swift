import HTTPTypes
import KubeAPI

extension SubresourceProxyHandler {
    /// `GET pods/NAME/log`: the container's log from the kubelet's `/containerLogs`, streamed
    /// as `text/plain` as it arrives (with `follow=true` until the kubelet ends it or the client
    /// goes away). A pod not bound to a node yet has an empty log.
    func podLog(_ request: APIRequest, info: RequestInfo) async throws -> APIResponse {
        guard request.method == .get || request.method == .head else {
            throw StatusError.methodNotAllowed(GroupResource(group: "", resource: "pods/log"), action: info.verb)
        }
        guard !info.namespace.isEmpty else { throw ResourceHandler.notFoundPath }
        let options = try PodStreamOptions(request.query)
        let pod = try await object("pods", namespace: info.namespace, name: info.name)
        let container = try Self.container(of: pod, podName: info.name, requested: options.container)
        let query = try options.kubeletLogQuery()
        var text = HTTPFields()
        text[.contentType] = "text/plain"
        guard let nodeName = pod[path: "spec", "nodeName"]?.stringValue, !nodeName.isEmpty else {
            return APIResponse(status: .ok, headers: text, body: .bytes([]))
        }
        let endpoint = try await kubeletEndpoint(nodeName: nodeName)
        let target = BackendTarget.make(
            path: "/containerLogs/\(info.namespace)/\(info.name)/\(container)", query: query)
        let backendRequest = BackendClient.Request(method: "GET", target: target, headers: [("Accept", "*/*")])
        let streamed: BackendClient.StreamedResponse
        do {
            streamed = try await client.stream(backendRequest, to: endpoint)
        } catch {
            throw StatusError.internalError("error dialing backend: \(error)")
        }
        guard (200..<300).contains(streamed.status) else {
            return Self.backendFailure(status: streamed.status, headers: streamed.headers, body: await Self.collect(streamed.body))
        }
        return APIResponse(status: .ok, headers: text, body: .stream(streamed.body))
    }

    /// `exec`, `attach` and `portforward`: checked, translated to the kubelet's query
    /// (`command`, `input`, `output`, `error`, `tty`, `port`) and relayed; upgrade requests
    /// are spliced to the kubelet's connection after its `101`.
    func podStream(_ request: APIRequest, info: RequestInfo) async throws -> APIResponse {
        let subresource = info.subresource
        guard request.method == .get || request.method == .post else {
            throw StatusError.methodNotAllowed(GroupResource(group: "", resource: "pods/\(subresource)"), action: info.verb)
        }
        guard !info.namespace.isEmpty else { throw ResourceHandler.notFoundPath }
        // A WebSocket handshake is a GET; it must be allowed to create the subresource too.
        if request.method == .get, let user = request.user {
            let creating = RequestInfo(method: .post, path: request.path, query: request.query)
            let decision = await authorizer.authorize(AuthorizationAttributes(user: user, request: creating))
            guard decision.isAllowed else {
                throw AuthorizationHandler.forbidden(user: user, request: creating, reason: decision.reason)
            }
        }
        let upgrade = Self.isUpgrade(request.headers)
        if upgrade, request.headers[.upgrade]?.lowercased() == "websocket", let kubelet {
            try Self.checkWebSocketProtocols(request.headers, supported: kubelet.webSocketProtocols)
        }
        let options = try PodStreamOptions(request.query)
        let pod = try await object("pods", namespace: info.namespace, name: info.name)
        guard let nodeName = pod[path: "spec", "nodeName"]?.stringValue, !nodeName.isEmpty else {
            throw StatusError.badRequest("pod \(info.name) does not have a host assigned")
        }
        let path: String
        let query: [(name: String, value: String)]
        if subresource == "portforward" {
            path = "/portForward/\(info.namespace)/\(info.name)"
            query = options.ports.map { ("port", $0) }
        } else {
            let container = try Self.container(of: pod, podName: info.name, requested: options.container)
            path = "/\(subresource)/\(info.namespace)/\(info.name)/\(container)"
            query = try options.kubeletStreamQuery(exec: subresource == "exec")
        }
        let endpoint = try await kubeletEndpoint(nodeName: nodeName)
        let backendRequest = BackendClient.Request(
            method: request.method.rawValue, target: BackendTarget.make(path: path, query: query),
            headers: Self.upgradeHeaders(request.headers, upgrade: upgrade))
        return try await relay(backendRequest, to: endpoint, upgrade: upgrade) { error in
            StatusError.internalError("error dialing backend: \(error)")
        }
    }

    /// The container a request is about: the one asked for (which must be in the pod), or the
    /// pod's only container; upstream's 400s otherwise.
    static func container(of pod: JSONValue, podName: String, requested: String) throws -> String {
        func names(_ field: String) -> [String] {
            (pod[path: "spec", field]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
        }
        let containers = names("containers")
        let initContainers = names("initContainers")
        if requested.isEmpty {
            if containers.count == 1 { return containers[0] }
            guard !containers.isEmpty else {
                throw StatusError.badRequest("a container name must be specified for pod \(podName)")
            }
            var message = "a container name must be specified for pod \(podName), choose one of: [\(containers.joined(separator: " "))]"
            if !initContainers.isEmpty {
                message += " or one of the init containers: [\(initContainers.joined(separator: " "))]"
            }
            throw StatusError.badRequest(message)
        }
        guard (containers + initContainers + names("ephemeralContainers")).contains(requested) else {
            throw StatusError.badRequest("container \(requested) is not valid for pod \(podName)")
        }
        return requested
    }

    /// Refuses a WebSocket upgrade that offers only subprotocols the node cannot speak (so the
    /// client falls back to SPDY) with a plain 400 instead of a `101`.
    static func checkWebSocketProtocols(_ headers: HTTPFields, supported: Set<String>) throws {
        let offered = offeredSubprotocols(headers)
        guard !offered.isEmpty, !offered.contains(where: supported.contains) else { return }
        throw StatusError.badRequest(
            "unable to upgrade connection: the node's streaming server speaks none of the requested subprotocols [\(offered.joined(separator: " "))]")
    }

    /// The WebSocket subprotocols a request offers, without the bearer-token pseudo-protocol
    /// (`base64url.bearer.authorization.k8s.io.TOKEN`) browsers use to authenticate.
    static func offeredSubprotocols(_ headers: HTTPFields) -> [String] {
        headers[values: .secWebSocketProtocol]
            .flatMap { $0.split(separator: ",") }
            .map { $0.trimmingSpaces() }
            .filter { !$0.isEmpty && !$0.hasPrefix("base64url.bearer.authorization.k8s.io.") }
    }

    /// The request headers an upgrade carries to the kubelet: the handshake's own headers and
    /// the user agent, never the client's credentials.
    static func upgradeHeaders(_ headers: HTTPFields, upgrade: Bool) -> [(name: String, value: String)] {
        let kept: Set<String> = [
            "upgrade", "x-stream-protocol-version", "sec-websocket-key", "sec-websocket-version",
            "sec-websocket-extensions", "user-agent", "accept",
        ]
        var result: [(name: String, value: String)] = []
        for field in headers where kept.contains(field.name.canonicalName) {
            result.append((field.name.rawName, field.value))
        }
        let subprotocols = offeredSubprotocols(headers)
        if !subprotocols.isEmpty { result.append(("Sec-WebSocket-Protocol", subprotocols.joined(separator: ", "))) }
        if upgrade { result.append(("Connection", "Upgrade")) }
        return result
    }
}
