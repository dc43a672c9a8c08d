import KubeAPI
import NIOCore

/// Where a matched request goes: a Service port of an Ingress and the endpoints behind it, or
/// why none can answer.
public struct IngressBackendTarget: Sendable {
    /// The Ingress that named the backend (`namespace/name`).
    public var ingress: String
    /// The Service (`namespace/name`).
    public var service: String
    /// The Service port as the Ingress names it (a number or a name).
    public var port: String
    /// The ready endpoints (address and target port), in a stable order.
    public var endpoints: [SocketAddress]
    /// Why the backend cannot answer (no Service, no such port, no ready endpoint); `nil` when
    /// it has endpoints.
    public var problem: String?

    /// Creates a target.
    public init(ingress: String, service: String, port: String, endpoints: [SocketAddress], problem: String? = nil) {
        self.ingress = ingress
        self.service = service
        self.port = port
        self.endpoints = endpoints
        self.problem = problem
    }

    /// The key round-robin counters use: one per Service port.
    var balancingKey: String { "\(service):\(port)" }
}
