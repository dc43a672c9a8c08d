import KubeAPI
import KubeClient
import Logging
import Synchronization

/// The EndpointSlice controller (`endpointslice-controller`): for every service with a
/// selector, keeps IPv4 EndpointSlices listing the selected pods that have an IP (at most 100
/// per slice, grouped by resolved ports), owned by the service and labelled with
/// `kubernetes.io/service-name` and `endpointslice.kubernetes.io/managed-by`.
public final class EndpointSliceController: Controller, IdentifiedController {
    /// `endpointslice-controller`.
    public var name: String { identity.name }
    let identity: ControllerIdentity
    let queue = WorkQueue<String>(name: "endpoint_slice")
    /// Slices created but not yet seen by the informer, per service key, with a deadline.
    let pendingCreates = Mutex<[String: (names: Set<String>, until: ContinuousClock.Instant)]>([:])

    /// Creates the controller.
    public init(context: ControllerContext) {
        self.identity = ControllerIdentity("endpointslice-controller", context: context)
    }

    /// Watches services, pods and slices and reconciles until cancelled.
    public func run() async throws {
        let services = context.informers.informer(CoreV1.Service.self)
        let pods = context.informers.informer(CoreV1.Pod.self)
        let slices = context.informers.informer(DiscoveryV1.EndpointSlice.self)
        services.addHandler(.any { self.queue.add(objectKey($0.metadata)) })
        pods.addHandler(InformerHandler(
            onAdd: { self.enqueueServices(selecting: [$0], services: services.lister) },
            onUpdate: { old, new in
                guard old != new else { return }
                self.enqueueServices(selecting: [old, new], services: services.lister)
            },
            onDelete: { self.enqueueServices(selecting: [$0], services: services.lister) }))
        slices.addHandler(.any { slice in
            guard slice.metadata.labels?[EndpointSliceComputation.managedByLabel] == EndpointSliceComputation.managedBy,
                  let service = slice.metadata.labels?[EndpointSliceComputation.serviceNameLabel],
                  let namespace = slice.metadata.namespace else { return }
            self.queue.add("\(namespace)/\(service)")
        })
        await ControllerLoop.run(
            waitingFor: [context.informers],
            .queue(queue, workers: context.options.workers) { key in
                try await self.sync(key, services: services.lister, pods: pods.lister, slices: slices.lister)
            })
    }

    func enqueueServices(selecting pods: [CoreV1.Pod], services: Lister<CoreV1.Service>) {
        guard let namespace = pods.first?.metadata.namespace else { return }
        for service in services.list(namespace: namespace) where pods.contains(where: { ServiceEndpoints.selects(service, $0) }) {
            queue.add(objectKey(service.metadata))
        }
    }

    func sync(_ key: String, services: Lister<CoreV1.Service>, pods: Lister<CoreV1.Pod>, slices: Lister<DiscoveryV1.EndpointSlice>) async throws {
        let parts = key.split(separator: "/", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return }
        let (namespace, serviceName) = (parts[0], parts[1])
        // Slices of a deleted service go with it (owner references, garbage collector).
        guard let service = services.get(serviceName, namespace: namespace),
              service.metadata.deletionTimestamp == nil,
              let selector = service.spec?.selector, !selector.isEmpty else { return }
        let existing = slices.list(namespace: namespace).filter {
            $0.metadata.labels?[EndpointSliceComputation.serviceNameLabel] == serviceName
                && $0.metadata.labels?[EndpointSliceComputation.managedByLabel] == EndpointSliceComputation.managedBy
        }.sorted { ($0.metadata.name ?? "") < ($1.metadata.name ?? "") }
        // Wait until the informer shows the slices this controller just created.
        let now = ContinuousClock.now
        let waiting = pendingCreates.withLock { pending -> Bool in
            guard let entry = pending[key] else { return false }
            let seen = Set(existing.compactMap(\.metadata.name))
            if entry.names.isSubset(of: seen) || entry.until < now { pending[key] = nil; return false }
            return true
        }
        if waiting {
            queue.addAfter(key, .milliseconds(50))
            return
        }
        let desired = EndpointSliceComputation.slices(for: service, pods: pods.list(namespace: namespace))
        let labels = EndpointSliceComputation.labels(for: service)
        let api = client.resource(DiscoveryV1.EndpointSlice.self)

        func content(_ slice: DiscoveryV1.EndpointSlice) -> EndpointSliceComputation.SliceContent {
            EndpointSliceComputation.SliceContent(ports: slice.ports ?? [], endpoints: slice.endpoints ?? [])
        }
        // Slices already holding a wanted content (with the right labels) stay as they are.
        var matched: Set<String> = []
        var unmatchedDesired: [EndpointSliceComputation.SliceContent] = []
        for want in desired {
            if let slice = existing.first(where: { slice in
                !matched.contains(slice.metadata.name ?? "") && slice.metadata.labels == labels
                    && slice.addressType == "IPv4" && content(slice) == want
            }) {
                matched.insert(slice.metadata.name ?? "")
            } else {
                unmatchedDesired.append(want)
            }
        }
        var reusable = existing.filter { !matched.contains($0.metadata.name ?? "") }
        var created: Set<String> = []
        for want in unmatchedDesired {
            if !reusable.isEmpty {
                var slice = reusable.removeFirst()
                slice.addressType = "IPv4"
                slice.metadata.labels = labels
                slice.ports = want.ports.isEmpty ? nil : want.ports
                slice.endpoints = want.endpoints
                _ = try await api.update(slice)
            } else {
                let slice = DiscoveryV1.EndpointSlice(
                    addressType: "IPv4", endpoints: want.endpoints,
                    metadata: MetaV1.ObjectMeta(
                        generateName: "\(serviceName)-", labels: labels, namespace: namespace,
                        ownerReferences: [MetaV1.OwnerReference(
                            apiVersion: "v1", blockOwnerDeletion: true, controller: true, kind: "Service",
                            name: serviceName, uid: service.metadata.uid ?? "")]),
                    ports: want.ports.isEmpty ? nil : want.ports)
                let made = try await api.create(slice, namespace: namespace)
                if let name = made.metadata.name { created.insert(name) }
            }
        }
        if !created.isEmpty {
            pendingCreates.withLock { $0[key] = (created, now + .seconds(10)) }
        }
        for stale in reusable {
            do {
                try await api.delete(stale.metadata.name ?? "", namespace: namespace)
            } catch let error as StatusError where error.code == 404 {}
        }
    }
}
