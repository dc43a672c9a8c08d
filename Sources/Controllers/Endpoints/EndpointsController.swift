import KubeAPI
import KubeClient
import Logging

/// The legacy Endpoints controller (`endpoint-controller`): keeps one `Endpoints` object per
/// service with a selector, named like the service, listing its pods' addresses and ports;
/// deletes it when the service goes.
public final class EndpointsController: Controller, IdentifiedController {
    /// `endpoint-controller`.
    public var name: String { identity.name }
    let identity: ControllerIdentity
    let queue = WorkQueue<String>(name: "endpoint")

    /// Creates the controller.
    public init(context: ControllerContext) {
        self.identity = ControllerIdentity("endpoint-controller", context: context)
    }

    /// Watches services, pods and endpoints and reconciles until cancelled.
    public func run() async throws {
        let services = context.informers.informer(CoreV1.Service.self)
        let pods = context.informers.informer(CoreV1.Pod.self)
        let endpoints = context.informers.informer(CoreV1.Endpoints.self)
        services.addHandler(.any { self.queue.add(objectKey($0.metadata)) })
        let enqueue: @Sendable ([CoreV1.Pod]) -> Void = { changed in
            guard let namespace = changed.first?.metadata.namespace else { return }
            for service in services.lister.list(namespace: namespace) where changed.contains(where: { ServiceEndpoints.selects(service, $0) }) {
                self.queue.add(objectKey(service.metadata))
            }
        }
        pods.addHandler(InformerHandler(
            onAdd: { enqueue([$0]) }, onUpdate: { old, new in if old != new { enqueue([old, new]) } }, onDelete: { enqueue([$0]) }))
        endpoints.addHandler(InformerHandler(onDelete: { self.queue.add(objectKey($0.metadata)) }))
        await ControllerLoop.run(
            waitingFor: [context.informers],
            .queue(queue, workers: context.options.workers) { key in
                try await self.sync(key, services: services.lister, pods: pods.lister, endpoints: endpoints.lister)
            })
    }

    func sync(_ key: String, services: Lister<CoreV1.Service>, pods: Lister<CoreV1.Pod>, endpoints: Lister<CoreV1.Endpoints>) async throws {
        let parts = key.split(separator: "/", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return }
        let (namespace, name) = (parts[0], parts[1])
        let api = client.resource(CoreV1.Endpoints.self)
        guard let service = services.get(name, namespace: namespace) else {
            do { try await api.delete(name, namespace: namespace) } catch let error as StatusError where error.code == 404 {}
            return
        }
        guard let selector = service.spec?.selector, !selector.isEmpty else { return }
        let subsets = EndpointsComputation.subsets(for: service, pods: pods.list(namespace: namespace))
        var labels = service.metadata.labels ?? [:]
        if service.spec?.clusterIP == "None" { labels["service.kubernetes.io/headless"] = "" }
        if var current = endpoints.get(name, namespace: namespace) {
            if (current.subsets ?? []) == subsets && (current.metadata.labels ?? [:]) == labels { return }
            current.subsets = subsets.isEmpty ? nil : subsets
            current.metadata.labels = labels.isEmpty ? nil : labels
            _ = try await api.update(current)
        } else {
            let object = CoreV1.Endpoints(
                metadata: MetaV1.ObjectMeta(labels: labels.isEmpty ? nil : labels, name: name, namespace: namespace),
                subsets: subsets.isEmpty ? nil : subsets)
            do {
                _ = try await api.create(object, namespace: namespace)
            } catch let error as StatusError where error.code == 409 {
                // The informer has not caught up: try again shortly.
                queue.addAfter(key, .milliseconds(100))
            }
        }
    }
}
