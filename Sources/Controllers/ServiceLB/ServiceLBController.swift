import KubeAPI
import KubeClient
import Logging
import Synchronization

/// ServiceLB (the role of K3s's klipper-lb service controller, running as `service-controller`):
/// publishes, in `status.loadBalancer.ingress`, the addresses of the nodes that serve each
/// `type: LoadBalancer` Service without a `loadBalancerClass`; the service proxy on every node
/// answers the Service's ports on those addresses.
///
/// Which nodes serve which Service is ``ServiceLBPlan``'s decision, recomputed for all Services
/// on every relevant change (a port freed by one Service can unblock another). Status is patched
/// only when the addresses differ. A Service no node can serve keeps an empty status and gets a
/// Warning event `UnAvailableLoadBalancer` saying why (a port in use on every eligible node, no
/// eligible node, ...), once per distinct reason; a change of addresses gets a Normal event
/// `UpdatedLoadBalancer`. A Service that stops being a LoadBalancer has its addresses cleared.
public final class ServiceLBController: Controller, IdentifiedController {
    /// `service-controller` (the identity K3s's ServiceLB runs as).
    public var name: String { identity.name }
    /// The reason of the Warning event about a Service no node can serve.
    public static let unavailableReason = "UnAvailableLoadBalancer"
    /// The reason of the Normal event about a Service whose addresses changed.
    public static let updatedReason = "UpdatedLoadBalancer"

    let identity: ControllerIdentity
    let recorder: EventRecorder
    /// The only key: every change recomputes the whole plan.
    static let passKey = "all"
    let queue = WorkQueue<String>(name: "service_lb")
    /// The last Warning message recorded per Service key, so a pending Service is reported once
    /// per reason rather than on every pass.
    let warned = Mutex<[String: String]>([:])

    /// Creates the controller.
    public init(context: ControllerContext) {
        identity = ControllerIdentity("service-controller", context: context, logLabel: "servicelb")
        recorder = identity.recorder()
    }

    /// Watches Services, nodes and EndpointSlices and publishes addresses until cancelled.
    public func run() async throws {
        let services = context.informers.informer(CoreV1.Service.self)
        let nodes = context.informers.informer(CoreV1.Node.self)
        let slices = context.informers.informer(DiscoveryV1.EndpointSlice.self)
        let enqueue: @Sendable () -> Void = { self.queue.add(Self.passKey) }
        services.addHandler(InformerHandler(
            onAdd: { if Self.concerns($0) { enqueue() } },
            onUpdate: { old, new in
                if (Self.concerns(old) || Self.concerns(new)) && Self.relevant(old) != Self.relevant(new) { enqueue() }
            },
            onDelete: { if Self.concerns($0) { enqueue() } }))
        nodes.addHandler(InformerHandler(
            onAdd: { _ in enqueue() },
            onUpdate: { old, new in if Self.relevant(old) != Self.relevant(new) { enqueue() } },
            onDelete: { _ in enqueue() }))
        slices.addHandler(.any { slice in
            guard let serviceName = slice.metadata.labels?["kubernetes.io/service-name"],
                  let service = services.lister.get(serviceName, namespace: slice.metadata.namespace),
                  ServiceLBPlan.serves(service), service.spec?.externalTrafficPolicy == "Local" else { return }
            enqueue()
        })
        await ControllerLoop.run(
            recorders: [recorder], waitingFor: [services, nodes, slices],
            onSynced: enqueue,
            .queue(queue, workers: 1) { _ in
                try await self.pass(services: services.lister, nodes: nodes.lister, slices: slices.lister)
            })
    }

    /// Recomputes the plan and writes every Service status that differs from it.
    func pass(services: Lister<CoreV1.Service>, nodes: Lister<CoreV1.Node>, slices: Lister<DiscoveryV1.EndpointSlice>) async throws {
        let all = services.list()
        let plan = ServiceLBPlan(services: all, nodes: nodes.list()) { service in
            Self.readyEndpointNodes(of: service, slices: slices)
        }
        var failure: (any Error)?
        for service in all {
            let key = objectKey(service.metadata)
            let current = Self.published(service)
            do {
                if let outcome = plan.outcomes[key] {
                    if current != outcome.addresses {
                        try await writeAddresses(outcome.addresses, of: service)
                        if !outcome.addresses.isEmpty {
                            recorder.record(service, type: .normal, reason: Self.updatedReason,
                                            message: "LoadBalancer addresses changed from [\(current.joined(separator: ", "))] to [\(outcome.addresses.joined(separator: ", "))]")
                        }
                        logger.info("published LoadBalancer addresses", metadata: [
                            "service": "\(key)", "addresses": "\(outcome.addresses)", "nodes": "\(outcome.nodes)"])
                    }
                    report(outcome.pending, about: service, key: key)
                } else if service.spec?.type != "LoadBalancer", !current.isEmpty {
                    try await writeAddresses([], of: service)
                    logger.info("cleared the LoadBalancer addresses of a Service that is no longer a LoadBalancer", metadata: ["service": "\(key)"])
                }
            } catch let error as StatusError where error.code == 404 {
                continue
            } catch {
                logger.warning("could not write LoadBalancer status", metadata: ["service": "\(key)", "error": "\(error)"])
                failure = error
            }
        }
        warned.withLock { warned in warned = warned.filter { plan.outcomes[$0.key]?.pending != nil } }
        if let failure { throw failure }
    }

    /// Records a Warning about a pending Service, unless the same one was recorded last.
    func report(_ pending: ServiceLBPlan.Pending?, about service: CoreV1.Service, key: String) {
        guard let pending else { return }
        let message = pending.message
        let isNew = warned.withLock { warned in
            guard warned[key] != message else { return false }
            warned[key] = message
            return true
        }
        guard isNew else { return }
        recorder.record(service, type: .warning, reason: Self.unavailableReason, message: message)
        logger.warning("LoadBalancer Service has no node to serve it", metadata: ["service": "\(key)", "reason": "\(message)"])
    }

    /// Patches `status.loadBalancer.ingress` of `service` to `addresses` (removes it when empty).
    func writeAddresses(_ addresses: [String], of service: CoreV1.Service) async throws {
        let ingress: JSONValue = addresses.isEmpty ? .null : .array(addresses.map { ["ip": .string($0)] })
        _ = try await client.resource(CoreV1.Service.self).patch(
            service.metadata.name ?? "", namespace: service.metadata.namespace, type: .merge,
            body: ["status": ["loadBalancer": ["ingress": ingress]]], subresource: "status")
    }

    /// The addresses `status.loadBalancer.ingress` holds now (IP, or hostname when it has none).
    static func published(_ service: CoreV1.Service) -> [String] {
        (service.status?.loadBalancer?.ingress ?? []).compactMap { $0.ip ?? $0.hostname }
    }

    /// Whether a Service change can matter to ServiceLB: it is a LoadBalancer, or it still has
    /// published addresses.
    static func concerns(_ service: CoreV1.Service) -> Bool {
        service.spec?.type == "LoadBalancer" || !published(service).isEmpty
    }

    /// What ServiceLB reads of a Service.
    static func relevant(_ service: CoreV1.Service) -> [String] {
        let spec = service.spec
        let ports = ServiceLBPlan.ports(of: service).sorted().map(\.description)
        return [
            spec?.type ?? "", spec?.loadBalancerClass ?? "", spec?.externalTrafficPolicy ?? "",
            service.metadata.labels?[ServiceLBLabels.lbPool] ?? "", service.metadata.deletionTimestamp.map { "\($0)" } ?? "",
        ] + (spec?.ipFamilies ?? []) + ports + published(service)
    }

    /// What ServiceLB reads of a node.
    static func relevant(_ node: CoreV1.Node) -> [String] {
        let labels = node.metadata.labels ?? [:]
        let keys = [ServiceLBLabels.enableLB, ServiceLBLabels.lbPool, ServiceLBLabels.excludeFromExternalLoadBalancers]
        return keys.map { labels[$0].map { "=\($0)" } ?? "-" }
            + ["\(ServiceLBNodeFilter.isReady(node))", "\(ServiceLBNodeFilter.toleratesTaints(node))", "\(node.metadata.deletionTimestamp == nil)"]
            + (node.status?.addresses ?? []).map { "\($0.type ?? ""):\($0.address ?? "")" }
    }

    /// The nodes running a ready endpoint of `service`, from its EndpointSlices.
    static func readyEndpointNodes(of service: CoreV1.Service, slices: Lister<DiscoveryV1.EndpointSlice>) -> Set<String> {
        var nodes: Set<String> = []
        for slice in slices.list(namespace: service.metadata.namespace)
        where slice.metadata.labels?["kubernetes.io/service-name"] == service.metadata.name {
            for endpoint in slice.endpoints ?? [] where endpoint.conditions?.ready == true {
                if let node = endpoint.nodeName { nodes.insert(node) }
            }
        }
        return nodes
    }
}
