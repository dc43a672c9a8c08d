#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KubeAPI
import KubeClient
import Logging

/// The Deployment reconcile loop behind ``DeploymentController``.
final class DeploymentSyncer: IdentifiedController, Sendable {
    static let revisionAnnotation = "deployment.kubernetes.io/revision"
    static let desiredReplicasAnnotation = "deployment.kubernetes.io/desired-replicas"
    static let maxReplicasAnnotation = "deployment.kubernetes.io/max-replicas"
    static let revisionHistoryAnnotation = "deployment.kubernetes.io/revision-history"
    /// Deployment annotations never copied onto ReplicaSets.
    static let skippedAnnotations: Set<String> = [
        "kubectl.kubernetes.io/last-applied-configuration", revisionAnnotation, revisionHistoryAnnotation,
        desiredReplicasAnnotation, maxReplicasAnnotation, "deprecated.deployment.rollback.to",
    ]

    let identity: ControllerIdentity
    let deployments: Informer<AppsV1.Deployment>
    let replicaSets: Informer<AppsV1.ReplicaSet>
    let pods: Informer<CoreV1.Pod>
    let queue = WorkQueue<String>(name: "deployment")
    let recorder: EventRecorder

    init(name: String, context: ControllerContext) {
        self.identity = ControllerIdentity(name, context: context)
        self.deployments = context.informers.informer(AppsV1.Deployment.self)
        self.replicaSets = context.informers.informer(AppsV1.ReplicaSet.self)
        self.pods = context.informers.informer(CoreV1.Pod.self)
        self.recorder = identity.recorder()
    }

    func run() async throws {
        deployments.addHandler(.any { [queue] in queue.add(objectKey($0.metadata)) })
        replicaSets.addHandler(InformerHandler(
            onAdd: { [weak self] in self?.replicaSetChanged($0) },
            onUpdate: { [weak self] old, new in
                self?.replicaSetChanged(old)
                self?.replicaSetChanged(new)
            },
            onDelete: { [weak self] in self?.replicaSetChanged($0) }))
        pods.addHandler(InformerHandler(onDelete: { [weak self] pod in self?.podDeleted(pod) }))
        await ControllerLoop.run(
            recorders: [recorder], waitingFor: [deployments, replicaSets, pods],
            .queue(queue, workers: context.options.workers) { key in try await self.sync(key) })
    }

    // MARK: Events

    func replicaSetChanged(_ rs: AppsV1.ReplicaSet) {
        let namespace = rs.metadata.namespace ?? ""
        if let ref = rs.metadata.controllerRef {
            guard ref.kind == "Deployment", let owner = ref.name,
                let d = deployments.lister.get(owner, namespace: namespace), d.metadata.uid == ref.uid else { return }
            queue.add(objectKey(d.metadata))
            return
        }
        let labels = rs.metadata.labels ?? [:]
        for d in deployments.lister.list(namespace: namespace) {
            if let selector = try? LabelSelector(d.spec?.selector), !selector.isEverything, selector.matches(labels) {
                queue.add(objectKey(d.metadata))
            }
        }
    }

    func podDeleted(_ pod: CoreV1.Pod) {
        guard let ref = pod.metadata.controllerRef, ref.kind == "ReplicaSet", let rsName = ref.name,
            let rs = replicaSets.lister.get(rsName, namespace: pod.metadata.namespace),
            let dRef = rs.metadata.controllerRef, dRef.kind == "Deployment", let dName = dRef.name,
            let d = deployments.lister.get(dName, namespace: pod.metadata.namespace), d.spec?.strategy?.type == "Recreate"
        else { return }
        queue.add(objectKey(d.metadata))
    }

    // MARK: Helpers

    func desired(_ d: AppsV1.Deployment) -> Int { d.spec?.replicas ?? 1 }

    func isRolling(_ d: AppsV1.Deployment) -> Bool { d.spec?.strategy?.type != "Recreate" }

    func fenceposts(_ d: AppsV1.Deployment) -> (surge: Int, unavailable: Int) {
        guard isRolling(d) else { return (0, 0) }
        let update = d.spec?.strategy?.rollingUpdate
        let values = RolloutMath.fenceposts(maxSurge: update?.maxSurge, maxUnavailable: update?.maxUnavailable, desired: desired(d))
        return (values.surge, RolloutMath.maxUnavailable(surge: values.surge, unavailable: values.unavailable, desired: desired(d)))
    }

    static func replicas(_ rs: AppsV1.ReplicaSet) -> Int { rs.spec?.replicas ?? 0 }
    static func revision(_ rs: AppsV1.ReplicaSet) -> Int { Int(rs.metadata.annotations?[revisionAnnotation] ?? "") ?? 0 }
    static func created(_ rs: AppsV1.ReplicaSet) -> Int64 { rs.metadata.creationTimestamp?.secondsSinceEpoch ?? 0 }

    static func counts(_ rs: AppsV1.ReplicaSet) -> RolloutMath.ReplicaSetCounts {
        RolloutMath.ReplicaSetCounts(
            name: rs.metadata.name ?? "", replicas: replicas(rs), available: rs.status?.availableReplicas ?? 0,
            created: created(rs), annotatedMaxReplicas: rs.metadata.annotations?[maxReplicasAnnotation].flatMap { Int($0) })
    }

    static func describe(_ error: any Error) -> String {
        if let status = error as? StatusError { return status.message }
        return "\(error)"
    }

    /// Two statuses are equal when they differ only in absent versus zero counts.
    static func sameStatus(_ a: AppsV1.DeploymentStatus?, _ b: AppsV1.DeploymentStatus?) -> Bool {
        func normal(_ s: AppsV1.DeploymentStatus?) -> AppsV1.DeploymentStatus {
            var s = s ?? AppsV1.DeploymentStatus()
            s.availableReplicas = s.availableReplicas ?? 0
            s.readyReplicas = s.readyReplicas ?? 0
            s.replicas = s.replicas ?? 0
            s.unavailableReplicas = s.unavailableReplicas ?? 0
            s.updatedReplicas = s.updatedReplicas ?? 0
            s.observedGeneration = s.observedGeneration ?? 0
            if s.conditions?.isEmpty == true { s.conditions = nil }
            return s
        }
        return normal(a) == normal(b)
    }

    func writeStatus(_ d: inout AppsV1.Deployment) async throws {
        d = try await client.resource(AppsV1.Deployment.self).updateStatus(d)
    }

    // MARK: Reconcile

    func sync(_ key: String) async throws {
        let (namespace, deploymentName) = splitObjectKey(key)
        guard var d = deployments.lister.get(deploymentName, namespace: namespace) else { return }
        let selector: LabelSelector
        do {
            selector = try LabelSelector(d.spec?.selector)
        } catch {
            logger.warning("invalid selector; skipping", metadata: ["object": "\(key)", "error": "\(error)"])
            return
        }
        if selector.isEverything {
            recorder.record(d, type: .warning, reason: "SelectingAll", message: "This deployment is selecting all pods. A non-empty selector is required.")
            if (d.status?.observedGeneration ?? 0) < (d.metadata.generation ?? 0) {
                var status = d.status ?? AppsV1.DeploymentStatus()
                status.observedGeneration = d.metadata.generation
                d.status = status
                try await writeStatus(&d)
            }
            return
        }
        var rsList = try await claimReplicaSets(d, selector: selector)
        if d.metadata.deletionTimestamp != nil {
            let (newRS, oldRSs) = try await replicaSetsAndSyncRevision(&d, rsList: &rsList, create: false)
            try await syncStatusOnly(&d, all: oldRSs + (newRS.map { [$0] } ?? []), newRS: newRS)
            return
        }
        try await checkPausedConditions(&d)
        if d.spec?.paused == true || isScalingEvent(d, rsList: rsList) {
            try await syncScaling(&d, rsList: &rsList)
            return
        }
        if isRolling(d) {
            try await rolloutRolling(&d, rsList: &rsList)
        } else {
            try await rolloutRecreate(&d, rsList: &rsList)
        }
    }

    /// The ReplicaSets the Deployment controls, after adopting matching orphans and releasing
    /// controlled ones that stopped matching.
    func claimReplicaSets(_ d: AppsV1.Deployment, selector: LabelSelector) async throws -> [AppsV1.ReplicaSet] {
        let uid = d.metadata.uid ?? ""
        let rsClient = client.resource(AppsV1.ReplicaSet.self)
        var owned: [AppsV1.ReplicaSet] = []
        for rs in replicaSets.lister.list(namespace: d.metadata.namespace ?? "") {
            let matches = selector.matches(rs.metadata.labels ?? [:])
            if let ref = rs.metadata.controllerRef {
                guard ref.uid == uid else { continue }
                if matches {
                    owned.append(rs)
                } else if d.metadata.deletionTimestamp == nil {
                    let remaining = (rs.metadata.ownerReferences ?? []).filter { $0.uid != uid }
                    let body: JSONValue = ["metadata": ["ownerReferences": remaining.isEmpty ? .null : try JSONValue(encoding: remaining), "uid": .string(rs.metadata.uid ?? "")]]
                    _ = try? await rsClient.patch(rs.metadata.name ?? "", namespace: rs.metadata.namespace, type: .merge, body: body)
                }
            } else if matches, d.metadata.deletionTimestamp == nil, rs.metadata.deletionTimestamp == nil {
                let references = (rs.metadata.ownerReferences ?? []) + [MetaV1.OwnerReference.controller(d)]
                let body: JSONValue = ["metadata": ["ownerReferences": try JSONValue(encoding: references), "uid": .string(rs.metadata.uid ?? "")]]
                if let adopted = try? await rsClient.patch(rs.metadata.name ?? "", namespace: rs.metadata.namespace, type: .merge, body: body) {
                    owned.append(adopted)
                }
            }
        }
        return owned
    }

    /// Upstream's paused bookkeeping: Progressing becomes Unknown/DeploymentPaused while
    /// paused and Unknown/DeploymentResumed right after.
    func checkPausedConditions(_ d: inout AppsV1.Deployment) async throws {
        guard d.spec?.progressDeadlineSeconds != nil else { return }
        let current = DeploymentConditions.get(d.status, DeploymentConditions.progressing)
        if current?.reason == DeploymentConditions.progressDeadlineExceeded { return }
        let pausedExists = current?.reason == DeploymentConditions.paused
        var status = d.status ?? AppsV1.DeploymentStatus()
        let now = context.now()
        if d.spec?.paused == true && !pausedExists {
            DeploymentConditions.set(&status, DeploymentConditions.make(DeploymentConditions.progressing, "Unknown", reason: DeploymentConditions.paused, message: "Deployment is paused", now: now))
        } else if d.spec?.paused != true && pausedExists {
            DeploymentConditions.set(&status, DeploymentConditions.make(DeploymentConditions.progressing, "Unknown", reason: DeploymentConditions.resumed, message: "Deployment is resumed", now: now))
        } else {
            return
        }
        d.status = status
        try await writeStatus(&d)
    }

    /// Whether some active ReplicaSet was sized for another replica count than the Deployment's.
    func isScalingEvent(_ d: AppsV1.Deployment, rsList: [AppsV1.ReplicaSet]) -> Bool {
        for rs in rsList where Self.replicas(rs) > 0 {
            if let value = rs.metadata.annotations?[Self.desiredReplicasAnnotation], let wanted = Int(value), wanted != desired(d) {
                return true
            }
        }
        return false
    }

    /// The oldest ReplicaSet whose template equals the Deployment's (ignoring the hash label).
    func findNewReplicaSet(_ d: AppsV1.Deployment, in rsList: [AppsV1.ReplicaSet]) -> AppsV1.ReplicaSet? {
        rsList.sorted { Self.created($0) != Self.created($1) ? Self.created($0) < Self.created($1) : ($0.metadata.name ?? "") < ($1.metadata.name ?? "") }
            .first { PodTemplateHash.equalIgnoringHash($0.spec?.template, d.spec?.template) }
    }
}
