#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KubeAPI
import KubeClient
import Logging

/// The loop shared by the ReplicaSet and ReplicationController controllers: keeps
/// `replicas` active pods matching each owner's selector, adopts orphans, releases pods that
/// stopped matching, and writes the status.
final class ReplicaManager<Owner: ReplicatedPodOwner>: IdentifiedController, Sendable {
    /// At most this many pods are created or deleted in one reconcile (upstream's burst).
    static var burstReplicas: Int { 500 }

    let identity: ControllerIdentity
    let owners: Informer<Owner>
    let pods: Informer<CoreV1.Pod>
    let queue = WorkQueue<String>(name: "replicas")
    let expectations = ReplicaExpectations()
    let recorder: EventRecorder

    init(name: String, context: ControllerContext) {
        self.identity = ControllerIdentity(name, context: context)
        self.owners = context.informers.informer(Owner.self)
        self.pods = context.informers.informer(CoreV1.Pod.self)
        self.recorder = identity.recorder()
    }

    func run() async throws {
        pods.indexByController(WorkloadPods.controllerIndex, orphans: true)
        owners.addHandler(expectations.ownerHandler(queue: queue))
        pods.addHandler(InformerHandler(
            onAdd: { [weak self] pod in self?.podAdded(pod) },
            onUpdate: { [weak self] old, new in self?.podUpdated(old, new) },
            onDelete: { [weak self] pod in self?.podDeleted(pod) }))
        await ControllerLoop.run(
            recorders: [recorder], waitingFor: [owners, pods],
            .queue(queue, workers: context.options.workers) { key in try await self.sync(key) })
    }

    // MARK: Pod events

    /// The key of the owner controlling `pod`, if it is of our kind.
    func ownerKey(of pod: CoreV1.Pod) -> String? {
        guard let ref = pod.metadata.controllerRef, ref.kind == Owner.groupVersionKind.kind,
            ref.apiVersion == Owner.groupVersionKind.apiVersion, let ownerName = ref.name
        else { return nil }
        let namespace = pod.metadata.namespace ?? ""
        guard let owner = owners.lister.get(ownerName, namespace: namespace), owner.metadata.uid == ref.uid else { return nil }
        return objectKey(owner.metadata)
    }

    /// Queues every owner in the pod's namespace whose selector matches it (adoption candidates).
    func queueMatchingOwners(_ pod: CoreV1.Pod) {
        let labels = pod.metadata.labels ?? [:]
        for owner in owners.lister.list(namespace: pod.metadata.namespace ?? "") {
            if let selector = try? owner.podSelector(), !selector.isEverything, selector.matches(labels) {
                queue.add(objectKey(owner.metadata))
            }
        }
    }

    func podAdded(_ pod: CoreV1.Pod) {
        if let key = ownerKey(of: pod) {
            if pod.metadata.deletionTimestamp != nil {
                expectations.deletionObserved(key, objectKey: objectKey(pod.metadata))
            } else {
                expectations.creationObserved(key)
            }
            queue.add(key)
        } else if pod.metadata.controllerRef == nil {
            queueMatchingOwners(pod)
        }
    }

    func podUpdated(_ old: CoreV1.Pod, _ new: CoreV1.Pod) {
        if old.metadata.resourceVersion == new.metadata.resourceVersion { return }
        let newKey = ownerKey(of: new)
        if new.metadata.deletionTimestamp != nil, old.metadata.deletionTimestamp == nil, let newKey {
            expectations.deletionObserved(newKey, objectKey: objectKey(new.metadata))
        }
        if let oldKey = ownerKey(of: old), oldKey != newKey { queue.add(oldKey) }
        if let newKey {
            queue.add(newKey)
            // Recheck availability once minReadySeconds have passed after becoming ready.
            if let owner = owners.lister.get(splitObjectKey(newKey).name, namespace: new.metadata.namespace),
                owner.minReadySeconds > 0, !old.isReady, new.isReady {
                queue.addAfter(newKey, .seconds(owner.minReadySeconds + 1))
            }
        } else if new.metadata.controllerRef == nil {
            queueMatchingOwners(new)
        }
    }

    func podDeleted(_ pod: CoreV1.Pod) {
        guard let key = ownerKey(of: pod) else { return }
        expectations.deletionObserved(key, objectKey: objectKey(pod.metadata))
        queue.add(key)
    }

    // MARK: Reconcile

    func sync(_ key: String) async throws {
        let (namespace, ownerName) = splitObjectKey(key)
        guard let owner = owners.lister.get(ownerName, namespace: namespace) else {
            expectations.remove(key)
            return
        }
        let selector: LabelSelector
        do {
            selector = try owner.podSelector()
        } catch {
            logger.warning("invalid selector; skipping", metadata: ["object": "\(key)", "error": "\(error)"])
            return
        }
        let needsSync = expectations.satisfied(key)
        let owned = try await claimPods(owner, selector: selector)
        var manageError: (any Error)?
        var diff = 0
        if needsSync && owner.metadata.deletionTimestamp == nil {
            diff = owned.count - owner.desiredReplicas
            do {
                try await manage(owner, key: key, active: owned)
            } catch {
                manageError = error
            }
        }
        let now = context.now()
        let status = Self.computeStatus(
            owner: owner, pods: owned, failure: manageError.map { (diff < 0 ? "FailedCreate" : "FailedDelete", Self.describe($0)) },
            now: now)
        if status != owner.replicaStatus {
            var updated = owner
            updated.replicaStatus = status
            _ = try await client.resource(Owner.self).updateStatus(updated)
        }
        if let manageError { throw manageError }
        if owner.minReadySeconds > 0, status.readyReplicas != status.availableReplicas {
            queue.addAfter(key, .seconds(owner.minReadySeconds))
        }
    }

    /// The owner's active pods after adopting matching orphans and releasing owned pods that
    /// no longer match.
    func claimPods(_ owner: Owner, selector: LabelSelector) async throws -> [CoreV1.Pod] {
        let namespace = owner.metadata.namespace ?? ""
        let uid = owner.metadata.uid ?? ""
        let podClient = client.resource(CoreV1.Pod.self)
        // Filtered in place: the index's answer is a fresh array, and a large owner's pods are
        // many (no per-pod copies on this path, which runs on every pod change).
        var owned = pods.lister.byIndex(WorkloadPods.controllerIndex, uid)
        var released: [CoreV1.Pod] = []
        owned.removeAll { pod in
            guard pod.metadata.namespace == namespace, pod.isActive else { return true }
            if selector.matches(pod.metadata.labels ?? [:]) { return false }
            released.append(pod)
            return true
        }
        for pod in released where owner.metadata.deletionTimestamp == nil {
            let remaining = (pod.metadata.ownerReferences ?? []).filter { $0.uid != uid }
            let body: JSONValue = ["metadata": ["ownerReferences": remaining.isEmpty ? .null : try JSONValue(encoding: remaining), "uid": .string(pod.metadata.uid ?? "")]]
            do {
                _ = try await podClient.patch(pod.metadata.name ?? "", namespace: namespace, type: .merge, body: body)
            } catch let error as StatusError where error.code == 404 {
            }
        }
        guard owner.metadata.deletionTimestamp == nil, !selector.isEverything else { return owned }
        for pod in pods.lister.byIndex(WorkloadPods.controllerIndex, "") where pod.metadata.namespace == namespace && pod.isActive {
            guard selector.matches(pod.metadata.labels ?? [:]) else { continue }
            let references = (pod.metadata.ownerReferences ?? []) + [MetaV1.OwnerReference.controller(owner)]
            let body: JSONValue = ["metadata": ["ownerReferences": try JSONValue(encoding: references), "uid": .string(pod.metadata.uid ?? "")]]
            do {
                owned.append(try await podClient.patch(pod.metadata.name ?? "", namespace: namespace, type: .merge, body: body))
            } catch let error as StatusError where error.code == 404 || error.code == 422 {
            }
        }
        return owned
    }

    /// Creates or deletes pods so `active` reaches the desired count.
    func manage(_ owner: Owner, key: String, active: [CoreV1.Pod]) async throws {
        let diff = active.count - owner.desiredReplicas
        let namespace = owner.metadata.namespace ?? ""
        let podClient = client.resource(CoreV1.Pod.self)
        if diff < 0 {
            guard let template = owner.podTemplate else { return }
            let count = min(-diff, Self.burstReplicas)
            expectations.expect(key, adds: count)
            let pod = WorkloadPods.pod(from: template, generateNamePrefix: owner.metadata.name ?? "", owner: owner)
            let recorder = recorder
            let (succeeded, error) = await WorkloadPods.slowStart(count: count) { _ in
                do {
                    let created = try await podClient.create(pod, namespace: namespace, as: ObjectIdentity.self)
                    recorder.record(owner, type: .normal, reason: "SuccessfulCreate", message: "Created pod: \(created.name ?? "")")
                } catch {
                    recorder.record(owner, type: .warning, reason: "FailedCreate", message: "Error creating: \(Self.describe(error))")
                    throw error
                }
            }
            if let error {
                for _ in succeeded..<count { expectations.creationObserved(key) }
                throw error
            }
        } else if diff > 0 {
            let count = min(diff, Self.burstReplicas)
            let victims = Array(WorkloadPods.deletionOrder(active, now: context.now()).prefix(count))
            let keys = victims.map { objectKey($0.metadata) }
            expectations.expect(key, deletes: keys)
            let recorder = recorder
            let expectations = expectations
            let failures = await withTaskGroup(of: (any Error)?.self) { group -> [any Error] in
                for victim in victims {
                    group.addTask {
                        let podName = victim.metadata.name ?? ""
                        do {
                            try await podClient.delete(podName, namespace: namespace, options: DeleteOptions(preconditionUID: victim.metadata.uid))
                            recorder.record(owner, type: .normal, reason: "SuccessfulDelete", message: "Deleted pod: \(podName)")
                            return nil
                        } catch let error as StatusError where error.code == 404 {
                            expectations.deletionObserved(key, objectKey: objectKey(victim.metadata))
                            return nil
                        } catch {
                            expectations.deletionObserved(key, objectKey: objectKey(victim.metadata))
                            recorder.record(owner, type: .warning, reason: "FailedDelete", message: "Error deleting: \(Self.describe(error))")
                            return error
                        }
                    }
                }
                var failures: [any Error] = []
                for await failure in group { if let failure { failures.append(failure) } }
                return failures
            }
            if let first = failures.first { throw first }
        }
    }

    /// The status an owner should report for its active pods.
    static func computeStatus(owner: Owner, pods: [CoreV1.Pod], failure: (reason: String, message: String)?, now: Date) -> ReplicaStatusValues {
        let templateLabels = owner.podTemplate?.metadata?.labels ?? [:]
        var status = owner.replicaStatus
        // One pass, reading the pods in place: a reconcile of a large owner runs this over
        // thousands of pods, often many times a second while they start.
        var fullyLabeled = 0, ready = 0, available = 0
        for index in pods.indices {
            if templateLabels.isEmpty || Self.hasLabels(templateLabels, pods[index].metadata.labels) { fullyLabeled += 1 }
            guard pods[index].isReady else { continue }
            ready += 1
            if pods[index].isAvailable(minReadySeconds: owner.minReadySeconds, at: now) { available += 1 }
        }
        status.replicas = pods.count
        status.fullyLabeledReplicas = fullyLabeled
        status.readyReplicas = ready
        status.availableReplicas = available
        status.observedGeneration = owner.metadata.generation ?? status.observedGeneration
        let hasFailure = status.conditions.contains { $0.type == "ReplicaFailure" }
        if let failure, !hasFailure {
            status.conditions.append(WorkloadCondition(
                type: "ReplicaFailure", status: "True", reason: failure.reason, message: failure.message, lastTransitionTime: Time(now)))
        } else if failure == nil, hasFailure {
            status.conditions.removeAll { $0.type == "ReplicaFailure" }
        }
        return status
    }

    /// Whether `labels` has every one of `wanted`.
    static func hasLabels(_ wanted: [String: String], _ labels: [String: String]?) -> Bool {
        guard let labels else { return false }
        return wanted.allSatisfy { labels[$0.key] == $0.value }
    }

    static func describe(_ error: any Error) -> String {
        if let status = error as? StatusError { return status.message }
        return "\(error)"
    }
}
