import KubeAPI
import KubeClient
import Logging

/// The resource quota controller (`resourcequota-controller`): keeps each ResourceQuota's
/// `status.hard` (its spec) and `status.used` (object counts, pod requests and limits, claim
/// storage in its namespace) up to date. Quota *enforcement* belongs to the API server's
/// admission and is not done here.
public final class ResourceQuotaController: Controller, IdentifiedController {
    /// `resourcequota-controller`.
    public var name: String { identity.name }
    let identity: ControllerIdentity
    let queue = WorkQueue<String>(name: "resourcequota_primary")

    /// Creates the controller.
    public init(context: ControllerContext) {
        self.identity = ControllerIdentity("resourcequota-controller", context: context)
    }

    /// Watches quotas and the counted kinds until cancelled.
    public func run() async throws {
        let informers = context.informers
        let quotas = informers.informer(CoreV1.ResourceQuota.self)
        let pods = informers.informer(CoreV1.Pod.self)
        let services = informers.informer(CoreV1.Service.self)
        let claims = informers.informer(CoreV1.PersistentVolumeClaim.self)
        let configMaps = informers.informer(CoreV1.ConfigMap.self)
        let secrets = informers.informer(CoreV1.Secret.self)
        let controllers = informers.informer(CoreV1.ReplicationController.self)
        // A change anywhere in a namespace with quotas re-counts that namespace.
        let touch: @Sendable (String?) -> Void = { namespace in
            guard let namespace, !quotas.lister.list(namespace: namespace).isEmpty else { return }
            self.queue.add(namespace)
        }
        quotas.addHandler(.any { self.queue.add($0.metadata.namespace ?? "") })
        pods.addHandler(.any { touch($0.metadata.namespace) })
        services.addHandler(.any { touch($0.metadata.namespace) })
        claims.addHandler(.any { touch($0.metadata.namespace) })
        configMaps.addHandler(.any { touch($0.metadata.namespace) })
        secrets.addHandler(.any { touch($0.metadata.namespace) })
        controllers.addHandler(.any { touch($0.metadata.namespace) })
        await ControllerLoop.run(waitingFor: [informers], .queue(queue, workers: 2) { namespace in
            let usage = QuotaUsage(
                pods: pods.lister.list(namespace: namespace), services: services.lister.list(namespace: namespace),
                counts: [
                    "configmaps": configMaps.lister.list(namespace: namespace).count,
                    "secrets": secrets.lister.list(namespace: namespace).count,
                    "replicationcontrollers": controllers.lister.list(namespace: namespace).count,
                    "resourcequotas": quotas.lister.list(namespace: namespace).count,
                ],
                claims: claims.lister.list(namespace: namespace))
            try await self.sync(quotas.lister.list(namespace: namespace), usage: usage)
        })
    }

    func sync(_ quotas: [CoreV1.ResourceQuota], usage: QuotaUsage) async throws {
        let api = client.resource(CoreV1.ResourceQuota.self)
        for quota in quotas {
            let hard = quota.spec?.hard ?? [:]
            let used = usage.used(for: hard)
            if quota.status?.hard == hard && quota.status?.used == used { continue }
            var updated = quota
            updated.status = CoreV1.ResourceQuotaStatus(hard: hard, used: used)
            do {
                _ = try await api.updateStatus(updated)
            } catch let error as StatusError where error.code == 404 {}
        }
    }
}
