import KubeAPI
import KubeClient
import Logging

/// Keeps a claim in use from going away (`pvc-protection-controller`): every live claim carries
/// the `kubernetes.io/pvc-protection` finalizer; once a claim is being deleted, the finalizer is
/// removed only when no pod that has not finished uses it (checked against a fresh list of the
/// namespace's pods, not just the cache), so the claim and, after it, its volume's data outlive
/// every pod that still reads them.
public struct ClaimProtectionController: Controller, IdentifiedController {
    /// `pvc-protection-controller`.
    public let name = "pvc-protection-controller"
    let identity: ControllerIdentity

    /// Creates the controller.
    public init(context: ControllerContext) {
        identity = ControllerIdentity("pvc-protection-controller", context: context)
    }

    /// Whether a pod still counts as using its claims: it has not finished.
    public static func holdsClaims(_ pod: CoreV1.Pod) -> Bool { !pod.isTerminal }

    /// Runs until cancelled.
    public func run() async throws {
        let claims = context.informers.informer(CoreV1.PersistentVolumeClaim.self)
        let pods = context.informers.informer(CoreV1.Pod.self)
        let queue = WorkQueue<String>(name: name)
        claims.addHandler(.any { claim in
            let protected = claim.metadata.finalizers?.contains(VolumeBindingNames.claimProtectionFinalizer) ?? false
            if protected == (claim.metadata.deletionTimestamp != nil) { queue.add(claim.key) }
        })
        let podReleased: @Sendable (CoreV1.Pod) -> Void = { pod in
            for claim in pod.claimNames { queue.add((pod.metadata.namespace ?? "default") + "/" + claim) }
        }
        pods.addHandler(InformerHandler(
            onUpdate: { _, pod in if !Self.holdsClaims(pod) { podReleased(pod) } },
            onDelete: podReleased))
        await ControllerLoop.run(
            waitingFor: [claims, pods],
            .queue(queue, workers: context.options.workers) { key in
                try await sync(key, claims: claims.lister, pods: pods.lister)
            })
    }

    func sync(_ key: String, claims: Lister<CoreV1.PersistentVolumeClaim>, pods: Lister<CoreV1.Pod>) async throws {
        let (namespace, name) = splitObjectKey(key)
        guard var claim = claims.get(name, namespace: namespace) else { return }
        let finalizer = VolumeBindingNames.claimProtectionFinalizer
        var finalizers = claim.metadata.finalizers ?? []
        if claim.metadata.deletionTimestamp == nil {
            guard !finalizers.contains(finalizer) else { return }
            finalizers.append(finalizer)
        } else {
            guard finalizers.contains(finalizer) else { return }
            let uses: (CoreV1.Pod) -> Bool = { Self.holdsClaims($0) && $0.claimNames.contains(name) }
            if pods.list(namespace: namespace).contains(where: uses) { return }
            // The cache may not have seen a new pod yet: ask the API server.
            let live = try await client.resource(CoreV1.Pod.self).list(namespace: namespace ?? "default")
            if live.items.contains(where: uses) { return }
            finalizers.removeAll { $0 == finalizer }
        }
        claim.metadata.finalizers = finalizers
        do {
            _ = try await client.resource(CoreV1.PersistentVolumeClaim.self).update(claim)
        } catch let error as StatusError where error.code == 404 {}
    }
}
