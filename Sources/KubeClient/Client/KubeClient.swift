#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KubeAPI
import Logging

/// The Swift Kubernetes client: typed clients for the generated kinds, dynamic clients for any
/// resource, over any ``KubeTransport`` (in-process or HTTPS).
///
/// ```swift
/// let client = KubeClient(transport: try HTTPSTransport(kubeconfig: "/etc/rancher/k3s/k3s.yaml"))
/// let pods = try await client.resource(CoreV1.Pod.self).list(namespace: "default")
/// for pod in pods.items { print(pod.metadata.name ?? "") }
/// ```
///
/// API errors arrive as `StatusError` (404 `NotFound`, 409 `Conflict`, 422 `Invalid`, ...)
/// carrying the server's `Status`; an answer that cannot be read is a ``KubeClientError``.
public struct KubeClient: Sendable {
    /// Where requests go.
    public let transport: any KubeTransport
    /// Sent as `User-Agent` (the server takes the default field manager from it).
    public var userAgent: String
    let logger: Logger

    /// Creates a client over `transport`.
    public init(transport: any KubeTransport, userAgent: String = "k3s-swift", logger: Logger = Logger(label: "kubeclient")) {
        self.transport = transport
        self.userAgent = userAgent
        self.logger = logger
    }

    /// A typed client for a built-in kind (its resource name and scope come from the built-in
    /// table). Traps for a kind the table does not know: use ``resource(_:scope:)`` for those.
    public func resource<Object: KubernetesObject>(_ type: Object.Type) -> ResourceClient<Object> {
        guard let scope = ResourceScope.of(Object.groupVersionKind) else {
            preconditionFailure("\(Object.groupVersionKind) is not a built-in resource; pass its scope")
        }
        return resource(type, scope: scope)
    }

    /// A typed client for `type` served as `scope`.
    public func resource<Object: KubernetesObject>(_ type: Object.Type, scope: ResourceScope) -> ResourceClient<Object> {
        let gvk = Object.groupVersionKind
        return ResourceClient(rest: RESTResource(
            client: self,
            resource: GroupVersionResource(group: gvk.group, version: gvk.version, resource: scope.resource),
            namespaced: scope.namespaced))
    }

    /// A dynamic client for any resource, objects as `JSONValue`.
    public func dynamic(_ resource: GroupVersionResource, namespaced: Bool) -> DynamicResourceClient {
        DynamicResourceClient(rest: RESTResource(client: self, resource: resource, namespaced: namespaced))
    }

    /// Sends a request and returns the body of a 2xx answer; any other status throws the
    /// server's `Status` as a `StatusError`.
    public func send(_ request: KubeRequest) async throws -> [UInt8] {
        var request = request
        request.headers.append(("User-Agent", userAgent))
        let response = try await transport.send(request)
        guard (200..<300).contains(response.status) else {
            throw Self.statusError(status: response.status, body: response.body)
        }
        return response.body
    }

    /// Sends a request whose answer streams; throws the `Status` of a non-2xx answer.
    public func stream(_ request: KubeRequest) async throws -> AsyncThrowingStream<[UInt8], any Error> {
        var request = request
        request.headers.append(("User-Agent", userAgent))
        let response = try await transport.stream(request)
        guard (200..<300).contains(response.status) else {
            var body: [UInt8] = []
            for try await chunk in response.body { body += chunk }
            throw Self.statusError(status: response.status, body: body)
        }
        return response.body
    }

    /// The `StatusError` a failed answer carries (its `Status` body, or one made from the code).
    static func statusError(status: Int, body: [UInt8]) -> StatusError {
        if let value = try? JSONValue(parsing: body), let error = StatusError(statusJSON: value) {
            return error
        }
        let text = String(decoding: body.prefix(512), as: UTF8.self)
        return StatusError(code: status, reason: StatusReason(code: status), message: text.isEmpty ? "the server responded with status \(status)" : text)
    }
}

extension StatusReason {
    /// The reason upstream clients assume for a bare status code.
    init(code: Int) {
        switch code {
        case 400: self = .badRequest
        case 401: self = .unauthorized
        case 403: self = .forbidden
        case 404: self = .notFound
        case 405: self = .methodNotAllowed
        case 409: self = .conflict
        case 410: self = .gone
        case 422: self = .invalid
        case 429: self = .tooManyRequests
        case 504: self = .timeout
        case 503: self = .serviceUnavailable
        default: self = .internalError
        }
    }
}
