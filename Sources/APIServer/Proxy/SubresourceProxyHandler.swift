import HTTPTypes
import KubeAPI
import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// Serves the subresources the API server answers by proxying: `pods/log`, `pods/exec`,
/// `pods/attach` and `pods/portforward` (to the pod's kubelet, upstream's kubelet API paths),
/// `nodes/proxy` (to the kubelet or another port of the node), `pods/proxy` and
/// `services/proxy` (to the pod IP or a ready endpoint of the service).
///
/// Requests arrive authorized like any other (the router's overrides of ``ResourceHandler``);
/// a WebSocket `GET` on `exec`, `attach` or `portforward` must also be allowed `create`, as
/// upstream requires since the WebSocket transition. Upgrade requests (SPDY/3.1, WebSocket)
/// are answered with the backend's own `101` and the connection is spliced to it; anything
/// else streams the backend's response.
struct SubresourceProxyHandler: APIHandler {
    /// The ``ResourceHandler`` override keys this handler serves.
    static let overrideKeys = ["/pods/log", "/pods/exec", "/pods/attach", "/pods/portforward", "/pods/proxy", "/nodes/proxy", "/services/proxy"]

    let registry: ResourceRegistry
    let kubelet: KubeletClientConfiguration?
    let kubeletTLS: NIOSSLContext?
    let unverifiedTLS: NIOSSLContext
    let authorizer: any Authorizer
    let client: BackendClient
    let logger: Logger

    /// Creates the handler.
    ///
    /// - Throws: when the kubelet client's TLS material cannot be read.
    init(
        registry: ResourceRegistry, kubelet: KubeletClientConfiguration?, authorizer: any Authorizer,
        logger: Logger, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) throws {
        self.registry = registry
        self.kubelet = kubelet
        self.kubeletTLS = try kubelet?.makeTLSContext()
        self.unverifiedTLS = try KubeletClientConfiguration.makeUnverifiedTLSContext()
        self.authorizer = authorizer
        self.client = BackendClient(group: group)
        self.logger = logger
    }

    func handle(_ request: APIRequest) async -> APIResponse {
        let info = RequestInfo(method: request.method, path: request.path, query: request.query)
        do {
            guard info.apiGroup.isEmpty, info.apiVersion == "v1", !info.name.isEmpty else { throw ResourceHandler.notFoundPath }
            switch (info.resource, info.subresource) {
            case ("pods", "log"):
                return try await podLog(request, info: info)
            case ("pods", "exec"), ("pods", "attach"), ("pods", "portforward"):
                return try await podStream(request, info: info)
            case ("pods", "proxy"), ("services", "proxy"), ("nodes", "proxy"):
                return try await proxy(request, info: info)
            default:
                throw ResourceHandler.notFoundPath
            }
        } catch let error as StatusError {
            return ResponseEncoding.failure(error)
        } catch {
            return ResponseEncoding.failure(.internalError("\(error)"))
        }
    }

    /// The stored object, or 404 in upstream's words.
    func object(_ resource: String, namespace: String, name: String) async throws -> JSONValue {
        guard let store = registry.store(group: "", version: "v1", resource: resource) else { throw ResourceHandler.notFoundPath }
        return try await store.get(namespace: namespace, name: name).value
    }

    /// Where the kubelet of `nodeName` listens, with the kubelet client's TLS.
    func kubeletEndpoint(nodeName: String) async throws -> BackendEndpoint {
        guard let kubelet, let kubeletTLS else {
            throw StatusError.serviceUnavailable("the API server has no kubelet client configured")
        }
        let node = try await object("nodes", namespace: "", name: nodeName)
        let (host, port) = try Self.kubeletAddress(of: node, preferring: kubelet.preferredAddressTypes, defaultPort: kubelet.defaultPort)
        return BackendEndpoint(host: host, port: port, tls: kubeletTLS)
    }

    /// The node's address of the first preferred type that it reports, and the kubelet port
    /// from `status.daemonEndpoints` (or `defaultPort`).
    static func kubeletAddress(of node: JSONValue, preferring types: [String], defaultPort: Int) throws -> (String, Int) {
        let addresses = node[path: "status", "addresses"]?.arrayValue ?? []
        var host: String?
        search: for type in types {
            for address in addresses where address["type"]?.stringValue == type {
                if let value = address["address"]?.stringValue, !value.isEmpty {
                    host = value
                    break search
                }
            }
        }
        guard let host else {
            let known = addresses.map { "{\($0["type"]?.stringValue ?? "") \($0["address"]?.stringValue ?? "")}" }
            throw StatusError.internalError("no preferred addresses found; known addresses: [\(known.joined(separator: " "))]")
        }
        let reported = node[path: "status", "daemonEndpoints", "kubeletEndpoint", "Port"]?.intValue ?? 0
        return (host, reported > 0 ? Int(reported) : defaultPort)
    }

    /// The status a failed backend answer becomes: a `Status` body is relayed as is, any other
    /// body becomes the message of a `Status` with the backend's code.
    static func backendFailure(status: Int, headers: [(name: String, value: String)], body: [UInt8]) -> APIResponse {
        if let object = try? JSONValue(parsing: body), object["kind"]?.stringValue == "Status" {
            var fields = HTTPFields()
            fields[.contentType] = "application/json"
            return APIResponse(status: HTTPResponse.Status(code: status), headers: fields, body: .bytes(body))
        }
        let reason: StatusReason = switch status {
        case 400: .badRequest
        case 401: .unauthorized
        case 403: .forbidden
        case 404: .notFound
        case 405: .methodNotAllowed
        case 409: .conflict
        case 429: .tooManyRequests
        case 503: .serviceUnavailable
        case 500...: .internalError
        default: .unknown
        }
        let text = String(decoding: body, as: UTF8.self).trimmingSpaces()
        return ResponseEncoding.failure(StatusError(code: status, reason: reason, message: text))
    }

    /// Whether a request asks to switch protocols (`Connection: Upgrade` with an `Upgrade`).
    static func isUpgrade(_ headers: HTTPFields) -> Bool {
        guard headers[.upgrade] != nil else { return false }
        return headers[values: .connection].contains { value in
            value.split(separator: ",").contains { $0.trimmingSpaces().lowercased() == "upgrade" }
        }
    }

    /// Response headers worth relaying: all but the framing and connection-level ones (the
    /// transport frames the body itself), plus `Upgrade`/`Connection` on a `101`.
    static func relayedHeaders(_ headers: [(name: String, value: String)], switching: Bool) -> HTTPFields {
        var fields = HTTPFields()
        for (name, value) in headers {
            let lower = name.lowercased()
            if ["content-length", "transfer-encoding", "keep-alive", "proxy-connection"].contains(lower) { continue }
            if !switching && (lower == "connection" || lower == "upgrade") { continue }
            guard let fieldName = HTTPField.Name(name) else { continue }
            fields.append(HTTPField(name: fieldName, value: value))
        }
        return fields
    }

    /// Sends a request to a backend: as an upgrade (answered with the backend's `101` and a
    /// spliced connection, or its refusal) or as a streamed exchange. Connection failures
    /// become `failure(error)`.
    func relay(
        _ backendRequest: BackendClient.Request, to endpoint: BackendEndpoint, upgrade: Bool,
        failure: (any Error) -> StatusError
    ) async throws -> APIResponse {
        if upgrade {
            let answer: (BackendResponse, BackendTunnel?)
            do {
                answer = try await client.upgrade(backendRequest, to: endpoint)
            } catch {
                throw failure(error)
            }
            let (head, tunnel) = answer
            var response = APIResponse(
                status: HTTPResponse.Status(code: head.status),
                headers: Self.relayedHeaders(head.headers, switching: tunnel != nil),
                body: .bytes(head.body))
            response.upgrade = tunnel
            return response
        }
        let streamed: BackendClient.StreamedResponse
        do {
            streamed = try await client.stream(backendRequest, to: endpoint)
        } catch {
            throw failure(error)
        }
        return APIResponse(
            status: HTTPResponse.Status(code: streamed.status),
            headers: Self.relayedHeaders(streamed.headers, switching: false),
            body: .stream(streamed.body))
    }

    /// The whole body of a stream, up to `limit` bytes.
    static func collect(_ stream: AsyncStream<[UInt8]>, limit: Int = 64 * 1024) async -> [UInt8] {
        var bytes: [UInt8] = []
        for await chunk in stream {
            bytes += chunk
            if bytes.count >= limit { break }
        }
        return Array(bytes.prefix(limit))
    }
}
