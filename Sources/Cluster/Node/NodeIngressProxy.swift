import IngressProxy
import KubeAPI
import KubeClient
import Logging
import NIOPosix

/// The node's part of the built-in ingress (Traefik's role in K3s): a ``BuiltInIngressDeployer``
/// listening on ports 80 and 443 of every node address, routing from the node's own informers.
///
/// The leading node (the server's own) also writes each served Ingress's
/// `status.loadBalancer` — the addresses ServiceLB gave the `kube-system/k3s-ingress` Service —
/// and the Warning events about Ingresses naming a missing Service or Secret; the other nodes
/// only proxy, so nothing is written twice.
struct NodeIngressProxy: Sendable {
    let configuration: IngressProxyConfiguration
    let client: KubeClient
    let informers: InformerFactory
    /// Whether this node writes status and events.
    let leading: Bool
    let nodeName: String
    let logger: Logger

    /// The IPs of `service`'s `status.loadBalancer.ingress` when it is the ingress Service.
    static func publishedAddresses(of service: CoreV1.Service) -> [String]? {
        guard service.metadata.namespace == "kube-system", service.metadata.name == PackagedComponents.ingressServiceName else { return nil }
        return (service.status?.loadBalancer?.ingress ?? []).compactMap { $0.ip ?? $0.hostname }
    }

    /// Serves until the task is cancelled; a failure to bind (a port taken on this host) is
    /// logged and retried every 5 seconds.
    func run() async {
        let events = leading ? EventRecorder(client: client, component: "k3s-ingress", host: nodeName, logger: logger) : nil
        await withDiscardingTaskGroup { group in
            if let events { group.addTask { await events.run() } }
            group.addTask { await serve(events: events) }
        }
    }

    private func serve(events: EventRecorder?) async {
        while !Task.isCancelled {
            let deployer: BuiltInIngressDeployer
            do {
                deployer = try BuiltInIngressDeployer(
                    configuration: configuration, client: client, informers: informers, events: events,
                    group: MultiThreadedEventLoopGroup.singleton, writeStatus: leading, logger: logger)
                try await deployer.start()
            } catch {
                logger.error("the ingress proxy cannot listen; retrying in 5 s", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(5))
                continue
            }
            logger.info("ingress proxy listening", metadata: ["listeners": "\(deployer.listeners.map { "\($0)" })"])
            let services = informers.informer(CoreV1.Service.self)
            let follow = services.addHandler(.any { service in
                if let addresses = Self.publishedAddresses(of: service) { deployer.setLoadBalancerAddresses(addresses) }
            })
            for service in services.lister.list() {
                if let addresses = Self.publishedAddresses(of: service) { deployer.setLoadBalancerAddresses(addresses) }
            }
            // Until cancelled.
            let (cancelled, keepAlive) = AsyncStream<Never>.makeStream()
            await withTaskCancellationHandler {
                for await _ in cancelled {}
            } onCancel: {
                keepAlive.finish()
            }
            services.removeHandler(follow)
            await deployer.stop()
            return
        }
    }
}
