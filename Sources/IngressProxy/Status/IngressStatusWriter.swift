import KubeAPI
import KubeClient
import Logging
import Synchronization

/// Writes `status.loadBalancer.ingress` of every served Ingress: the addresses the proxy is
/// reachable at (the node addresses ServiceLB publishes for the proxy's Service), patched only
/// when they differ from what the Ingress shows.
///
/// Run it in one process of the cluster (the server), not on every node.
public final class IngressStatusWriter: Sendable {
    private let client: KubeClient
    private let routes: IngressRouteSource
    private let logger: Logger
    private let addresses = Mutex<[String]?>(nil)
    private let wake: AsyncStream<Void>
    private let wakeContinuation: AsyncStream<Void>.Continuation

    /// Creates a writer over `routes` (whose ``IngressRouteSource/run()`` must be running).
    public init(client: KubeClient, routes: IngressRouteSource, logger: Logger) {
        self.client = client
        self.routes = routes
        self.logger = logger
        (wake, wakeContinuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        routes.addCompilationObserver { [wakeContinuation] in _ = wakeContinuation.yield() }
    }

    /// Sets the addresses to publish (IPs or host names); nothing is written before the first
    /// call.
    public func setAddresses(_ list: [String]) {
        addresses.withLock { $0 = list }
        wakeContinuation.yield()
    }

    /// The status an Ingress should show for `addresses`: IPs as `ip`, names as `hostname`.
    public static func loadBalancerStatus(_ addresses: [String]) -> NetworkingV1.IngressLoadBalancerStatus {
        let entries = addresses.map { address in
            isIPAddress(address) ? NetworkingV1.IngressLoadBalancerIngress(ip: address) : NetworkingV1.IngressLoadBalancerIngress(hostname: address)
        }
        return NetworkingV1.IngressLoadBalancerStatus(ingress: entries.isEmpty ? nil : entries)
    }

    /// Writes after every route compilation and every address change until cancelled.
    public func run() async {
        await withTaskCancellationHandler {
            for await _ in wake { await sync() }
        } onCancel: {
            wakeContinuation.finish()
        }
    }

    /// Patches each served Ingress whose status differs from the addresses.
    public func sync() async {
        guard let list = addresses.withLock({ $0 }) else { return }
        let wanted = Self.loadBalancerStatus(list)
        let resource = client.resource(NetworkingV1.Ingress.self)
        for ingress in routes.servedIngresses() where (ingress.status?.loadBalancer ?? .init()) != wanted {
            guard let name = ingress.metadata.name else { continue }
            let entries: [JSONValue] = (wanted.ingress ?? []).map { entry -> JSONValue in
                if let ip = entry.ip { return ["ip": .string(ip)] }
                return ["hostname": .string(entry.hostname ?? "")]
            }
            let body: JSONValue = ["status": ["loadBalancer": ["ingress": entries.isEmpty ? .null : .array(entries)]]]
            do {
                _ = try await resource.patch(name, namespace: ingress.metadata.namespace, type: .merge, body: body, subresource: "status")
            } catch {
                logger.debug("ingress status not written", metadata: ["ingress": "\(name)", "error": "\(error)"])
            }
        }
    }

    static func isIPAddress(_ text: String) -> Bool {
        if text.contains(":") { return text.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." } }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { UInt8($0) != nil }
    }
}
