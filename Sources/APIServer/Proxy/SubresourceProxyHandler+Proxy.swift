import HTTPTypes
import KubeAPI

extension SubresourceProxyHandler {
    /// `nodes/ID/proxy/...`, `pods/ID/proxy/...` and `services/ID/proxy/...`, where ID is
    /// `name`, `name:port` or `scheme:name:port`: the rest of the path, the query, the method
    /// and the body go to the backend; its answer streams back.
    func proxy(_ request: APIRequest, info: RequestInfo) async throws -> APIResponse {
        let kind = String(info.resource.dropLast())
        guard let target = Self.splitSchemeNamePort(info.name) else {
            throw StatusError.badRequest("invalid \(kind) request \(info.name.debugDescription)")
        }
        if info.resource != "nodes", info.namespace.isEmpty { throw ResourceHandler.notFoundPath }
        let endpoint: BackendEndpoint
        switch info.resource {
        case "nodes": endpoint = try await nodeProxyEndpoint(target)
        case "pods": endpoint = try await podProxyEndpoint(target, namespace: info.namespace)
        default: endpoint = try await serviceProxyEndpoint(target, namespace: info.namespace)
        }
        let backendRequest = BackendClient.Request(
            method: request.method.rawValue,
            target: BackendTarget.make(path: Self.proxiedPath(request.path, id: info.name), query: request.query),
            headers: Self.proxiedHeaders(request.headers),
            body: request.body)
        return try await relay(backendRequest, to: endpoint, upgrade: Self.isUpgrade(request.headers)) { error in
            StatusError.serviceUnavailable("error trying to reach \(kind): \(error)")
        }
    }

    /// The parts of a proxy ID: `name`, `name:port`, `scheme:name:port` (scheme `http`,
    /// `https` or empty); `nil` when malformed.
    static func splitSchemeNamePort(_ id: String) -> (scheme: String, name: String, port: String)? {
        let parts = id.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        let result: (String, String, String)
        switch parts.count {
        case 1: result = ("", parts[0], "")
        case 2: result = ("", parts[0], parts[1])
        case 3: result = (parts[0], parts[1], parts[2])
        default: return nil
        }
        guard !result.1.isEmpty, ["", "http", "https"].contains(result.0) else { return nil }
        return result
    }

    /// The path after `.../ID/proxy`, `/` when there is none.
    static func proxiedPath(_ path: String, id: String) -> String {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        var index = 1
        while index < segments.count, !(segments[index] == "proxy" && segments[index - 1] == Substring(id)) {
            index += 1
        }
        guard index < segments.count else { return "/" }
        return "/" + segments[(index + 1)...].joined(separator: "/")
    }

    /// The request headers a proxied request carries: all but the connection-level ones and the
    /// client's credentials.
    static func proxiedHeaders(_ headers: HTTPFields) -> [(name: String, value: String)] {
        let dropped: Set<String> = [
            "host", "connection", "keep-alive", "proxy-connection", "transfer-encoding", "content-length",
            "authorization", "proxy-authorization", "te", "trailer",
        ]
        var result: [(name: String, value: String)] = []
        for field in headers {
            let name = field.name.canonicalName
            if dropped.contains(name) || name.hasPrefix("impersonate-") { continue }
            result.append((field.name.rawName, field.value))
        }
        if isUpgrade(headers) { result.append(("Connection", "Upgrade")) }
        return result
    }

    /// A node's kubelet (no port, or the kubelet's port) or another port of the node.
    func nodeProxyEndpoint(_ target: (scheme: String, name: String, port: String)) async throws -> BackendEndpoint {
        let node = try await object("nodes", namespace: "", name: target.name)
        let types = kubelet?.preferredAddressTypes ?? ["InternalIP", "ExternalIP", "Hostname"]
        let (host, kubeletPort) = try Self.kubeletAddress(of: node, preferring: types, defaultPort: kubelet?.defaultPort ?? 10250)
        if target.port.isEmpty || target.port == String(kubeletPort) {
            return try await kubeletEndpoint(nodeName: target.name)
        }
        guard let port = Int(target.port), (1...65535).contains(port) else {
            throw StatusError.badRequest("invalid node request \(target.port.debugDescription)")
        }
        return BackendEndpoint(host: host, port: port, tls: target.scheme == "https" ? unverifiedTLS : nil)
    }

    /// The pod's IP and the requested port (80/443 by scheme when none).
    func podProxyEndpoint(_ target: (scheme: String, name: String, port: String), namespace: String) async throws -> BackendEndpoint {
        let pod = try await object("pods", namespace: namespace, name: target.name)
        guard let ip = pod[path: "status", "podIP"]?.stringValue, !ip.isEmpty else {
            throw StatusError.badRequest("pod \(target.name) has no IP address")
        }
        let https = target.scheme == "https"
        let port: Int
        if target.port.isEmpty {
            port = https ? 443 : 80
        } else {
            guard let number = Int(target.port), (1...65535).contains(number) else {
                throw StatusError.badRequest("invalid pod request \(target.port.debugDescription)")
            }
            port = number
        }
        return BackendEndpoint(host: ip, port: port, tls: https ? unverifiedTLS : nil)
    }

    /// A ready address of the service's endpoints, on the endpoint port named like the
    /// requested service port (a port number is first mapped to its service port's name).
    func serviceProxyEndpoint(_ target: (scheme: String, name: String, port: String), namespace: String) async throws -> BackendEndpoint {
        let service = try await object("services", namespace: namespace, name: target.name)
        var portName = target.port
        if let number = Int64(target.port) {
            let ports = service[path: "spec", "ports"]?.arrayValue ?? []
            guard let match = ports.first(where: { $0["port"]?.intValue == number }) else {
                throw StatusError.badRequest("no service port \(number) found for service \(target.name.debugDescription)")
            }
            portName = match["name"]?.stringValue ?? ""
        }
        let unavailable = StatusError.serviceUnavailable("no endpoints available for service \(target.name.debugDescription)")
        let endpoints: JSONValue
        do {
            endpoints = try await object("endpoints", namespace: namespace, name: target.name)
        } catch let error as StatusError where error.code == 404 {
            throw unavailable
        }
        for subset in endpoints["subsets"]?.arrayValue ?? [] {
            for port in subset["ports"]?.arrayValue ?? [] where (port["name"]?.stringValue ?? "") == portName {
                guard let number = port["port"]?.intValue,
                      let ip = (subset["addresses"]?.arrayValue ?? []).compactMap({ $0["ip"]?.stringValue }).first
                else { continue }
                return BackendEndpoint(host: ip, port: Int(number), tls: target.scheme == "https" ? unverifiedTLS : nil)
            }
        }
        throw unavailable
    }
}
