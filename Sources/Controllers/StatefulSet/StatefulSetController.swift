import KubeAPI
import KubeClient
import Logging

/// Runs StatefulSets (`statefulset-controller`): stable pod names `<set>-<ordinal>` with their
/// own PersistentVolumeClaims, ordered or parallel creation and removal, rolling updates with a
/// partition (or OnDelete) tracked through ControllerRevisions, and the set's status.
/// Decisions are made by ``StatefulSetPlan``.
public struct StatefulSetController: Controller {
    /// `statefulset-controller`.
    public let name = "statefulset-controller"
    let context: ControllerContext

    static let podsBySet = "statefulset-controller/set-uid"
    static let revisionsBySet = "statefulset-controller/set-uid"

    /// Creates the controller.
    public init(context: ControllerContext) { self.context = context }

    /// Runs until cancelled.
    public func run() async throws {
        let client = context.client(for: name)
        let sets = context.informers.informer(AppsV1.StatefulSet.self)
        let pods = context.informers.informer(CoreV1.Pod.self)
        let revisions = context.informers.informer(AppsV1.ControllerRevision.self)
        pods.indexByController(Self.podsBySet, kind: "StatefulSet")
        revisions.indexByController(Self.revisionsBySet, kind: "StatefulSet")
        let queue = WorkQueue<String>(name: name)
        let recorder = EventRecorder(client: client, component: name, logger: context.logger)
        sets.addHandler(.any { queue.add(objectKey($0.metadata)) })
        pods.addHandler(.any { pod in
            if let owner = pod.metadata.controllerRef(kind: "StatefulSet")?.name {
                queue.add("\(pod.metadata.namespace ?? "")/\(owner)")
            }
        })
        await ControllerLoop.run(
            recorders: [recorder], waitingFor: [sets, pods, revisions],
            .queue(queue, workers: context.options.workers) { key in
                try await self.reconcile(
                    key, sets: sets.lister, pods: pods.lister, revisions: revisions.lister,
                    client: client, recorder: recorder, queue: queue)
            })
    }

    func reconcile(
        _ key: String, sets: Lister<AppsV1.StatefulSet>, pods: Lister<CoreV1.Pod>,
        revisions: Lister<AppsV1.ControllerRevision>, client: KubeClient, recorder: EventRecorder, queue: WorkQueue<String>
    ) async throws {
        let (namespace, setName) = splitObjectKey(key)
        guard let set = sets.get(setName, namespace: namespace), let uid = set.metadata.uid,
              set.metadata.deletionTimestamp == nil else { return }
        let podClient = client.resource(CoreV1.Pod.self)
        let owned = pods.byIndex(Self.podsBySet, uid)
        var status = set.status ?? AppsV1.StatefulSetStatus()

        // The update revision: the revision holding the current template (created if new).
        let ownedRevisions = revisions.byIndex(Self.revisionsBySet, uid)
        let data = StatefulSetRevision.data(of: set)
        let template = set.spec?.template ?? CoreV1.PodTemplateSpec()
        var collisionCount = status.collisionCount ?? 0
        var updateRevision: AppsV1.ControllerRevision
        while true {
            let revisionName = "\(setName)-\(StatefulSetRevision.hash(data, collisionCount: collisionCount))"
            if let existing = ownedRevisions.first(where: { $0.metadata.name == revisionName }) ?? revisions.get(revisionName, namespace: namespace) {
                if StatefulSetRevision.template(of: existing) == template,
                   existing.metadata.controllerRef(kind: "StatefulSet")?.uid == uid {
                    updateRevision = existing
                    break
                }
                collisionCount += 1
                continue
            }
            let number = (ownedRevisions.compactMap(\.revision).max() ?? 0) + 1
            var labels = set.spec?.template?.metadata?.labels ?? [:]
            labels["controller-revision-hash"] = revisionName
            let revision = AppsV1.ControllerRevision(
                data: data,
                metadata: MetaV1.ObjectMeta(
                    labels: labels, name: revisionName, namespace: namespace,
                    ownerReferences: [MetaV1.OwnerReference.controller(set)]),
                revision: number)
            do {
                updateRevision = try await client.resource(AppsV1.ControllerRevision.self).create(revision, namespace: namespace)
                break
            } catch let error as StatusError where error.code == 409 {
                updateRevision = try await client.resource(AppsV1.ControllerRevision.self).get(revisionName, namespace: namespace)
                if StatefulSetRevision.template(of: updateRevision) == template { break }
                collisionCount += 1
            }
        }
        let updateName = updateRevision.metadata.name ?? ""
        let currentName = status.currentRevision.flatMap { name in
            ownedRevisions.contains { $0.metadata.name == name } ? name : nil
        } ?? updateName
        let currentRevision = ownedRevisions.first { $0.metadata.name == currentName } ?? updateRevision

        let plan = StatefulSetPlan(set: set, pods: owned, currentRevision: currentName, updateRevision: updateName)
        for podName in plan.delete {
            do {
                _ = try await podClient.delete(podName, namespace: namespace)
                recorder.record(set, type: .normal, reason: "SuccessfulDelete", message: "delete Pod \(podName) in StatefulSet \(setName) successful")
            } catch let error as StatusError where error.code == 404 {}
        }
        for creation in plan.create {
            let revision = creation.updateRevision ? updateRevision : currentRevision
            let pod = Self.pod(for: set, ordinal: creation.ordinal, revision: revision)
            try await createClaims(for: set, pod: pod, client: client, recorder: recorder)
            do {
                _ = try await podClient.create(pod, namespace: namespace)
                recorder.record(set, type: .normal, reason: "SuccessfulCreate",
                                message: "create Pod \(pod.metadata.name ?? "") in StatefulSet \(setName) successful")
            } catch let error as StatusError where error.code == 409 {
            } catch {
                recorder.record(set, type: .warning, reason: "FailedCreate",
                                message: "create Pod \(pod.metadata.name ?? "") in StatefulSet \(setName) failed error: \(error)")
                throw error
            }
        }

        // Status.
        let live = owned.filter { !$0.isTerminating }
        let minReady = set.spec?.minReadySeconds ?? 0
        let now = context.now()
        status.observedGeneration = set.metadata.generation
        status.replicas = live.count
        status.readyReplicas = live.filter(\.isRunningAndReady).count
        status.availableReplicas = live.filter { $0.isRunningAndReady && $0.isAvailable(minReadySeconds: minReady, at: now) }.count
        status.updatedReplicas = live.filter { StatefulSetPlan.revision(of: $0) == updateName }.count
        status.currentReplicas = live.filter { StatefulSetPlan.revision(of: $0) == currentName }.count
        status.updateRevision = updateName
        status.currentRevision = currentName
        status.collisionCount = collisionCount
        let replicas = set.spec?.replicas ?? 1
        if status.updatedReplicas == replicas && status.readyReplicas == replicas && live.count == replicas {
            status.currentRevision = updateName
            status.currentReplicas = status.updatedReplicas
        }
        if status != set.status {
            var updated = set
            updated.status = status
            _ = try await client.resource(AppsV1.StatefulSet.self).updateStatus(updated)
        }
        if minReady > 0, (status.availableReplicas ?? 0) < (status.readyReplicas ?? 0) {
            queue.addAfter(key, .seconds(max(1, minReady)))
        }
        try await pruneRevisions(ownedRevisions, keep: [currentName, updateName], pods: owned,
                                 limit: set.spec?.revisionHistoryLimit ?? 10, client: client)
    }

    /// Deletes the oldest revisions beyond `limit` that no pod and neither status revision uses.
    func pruneRevisions(_ revisions: [AppsV1.ControllerRevision], keep: Set<String>, pods: [CoreV1.Pod], limit: Int, client: KubeClient) async throws {
        let used = keep.union(pods.compactMap(StatefulSetPlan.revision(of:)))
        let candidates = revisions.filter { !used.contains($0.metadata.name ?? "") }.sorted { ($0.revision ?? 0) < ($1.revision ?? 0) }
        guard candidates.count > limit else { return }
        for revision in candidates.prefix(candidates.count - limit) {
            do {
                _ = try await client.resource(AppsV1.ControllerRevision.self).delete(revision.metadata.name ?? "", namespace: revision.metadata.namespace)
            } catch let error as StatusError where error.code == 404 {}
        }
    }

    /// Creates the claims of `pod` that do not exist yet.
    func createClaims(for set: AppsV1.StatefulSet, pod: CoreV1.Pod, client: KubeClient, recorder: EventRecorder) async throws {
        let setName = set.metadata.name ?? ""
        for claim in Self.claims(for: set, podName: pod.metadata.name ?? "") {
            do {
                _ = try await client.resource(CoreV1.PersistentVolumeClaim.self).create(claim, namespace: set.metadata.namespace)
                recorder.record(set, type: .normal, reason: "SuccessfulCreate",
                                message: "create Claim \(claim.metadata.name ?? "") Pod \(pod.metadata.name ?? "") in StatefulSet \(setName) success")
            } catch let error as StatusError where error.code == 409 {
            } catch {
                recorder.record(set, type: .warning, reason: "FailedCreate",
                                message: "create Claim \(claim.metadata.name ?? "") for Pod \(pod.metadata.name ?? "") in StatefulSet \(setName) failed error: \(error)")
                throw error
            }
        }
    }

    /// The claims a pod of `set` uses: `<template>-<pod>`, owned by the set when the retention
    /// policy deletes them with it.
    public static func claims(for set: AppsV1.StatefulSet, podName: String) -> [CoreV1.PersistentVolumeClaim] {
        let deleteWithSet = set.spec?.persistentVolumeClaimRetentionPolicy?.whenDeleted == "Delete"
        let selectorLabels = set.spec?.selector?.matchLabels ?? [:]
        return (set.spec?.volumeClaimTemplates ?? []).map { template in
            var claim = CoreV1.PersistentVolumeClaim(metadata: template.metadata, spec: template.spec)
            claim.metadata.name = "\(template.metadata.name ?? "")-\(podName)"
            claim.metadata.namespace = set.metadata.namespace
            claim.metadata.resourceVersion = nil
            claim.metadata.uid = nil
            claim.metadata.labels = (template.metadata.labels ?? [:]).merging(selectorLabels) { a, _ in a }
            if deleteWithSet {
                var owner = MetaV1.OwnerReference.controller(set)
                owner.controller = true
                claim.metadata.ownerReferences = [owner]
            }
            return claim
        }
    }

    /// The pod for `ordinal` from `revision`'s template.
    public static func pod(for set: AppsV1.StatefulSet, ordinal: Int, revision: AppsV1.ControllerRevision) -> CoreV1.Pod {
        let setName = set.metadata.name ?? ""
        let podName = "\(setName)-\(ordinal)"
        let template = StatefulSetRevision.template(of: revision) ?? set.spec?.template ?? CoreV1.PodTemplateSpec()
        var meta = template.metadata ?? MetaV1.ObjectMeta()
        meta.name = podName
        meta.generateName = nil
        meta.namespace = set.metadata.namespace
        var labels = meta.labels ?? [:]
        labels["statefulset.kubernetes.io/pod-name"] = podName
        labels["apps.kubernetes.io/pod-index"] = String(ordinal)
        labels["controller-revision-hash"] = revision.metadata.name ?? ""
        meta.labels = labels
        meta.ownerReferences = [MetaV1.OwnerReference.controller(set)]
        var spec = template.spec ?? CoreV1.PodSpec()
        spec.hostname = podName
        if let service = set.spec?.serviceName, !service.isEmpty { spec.subdomain = service }
        var volumes = spec.volumes ?? []
        for claimTemplate in set.spec?.volumeClaimTemplates ?? [] {
            let volumeName = claimTemplate.metadata.name ?? ""
            volumes.removeAll { $0.name == volumeName }
            volumes.append(CoreV1.Volume(
                name: volumeName,
                persistentVolumeClaim: CoreV1.PersistentVolumeClaimVolumeSource(claimName: "\(volumeName)-\(podName)")))
        }
        spec.volumes = volumes.isEmpty ? nil : volumes
        return CoreV1.Pod(metadata: meta, spec: spec)
    }
}
