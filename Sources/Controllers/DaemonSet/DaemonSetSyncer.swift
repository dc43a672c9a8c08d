#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KubeAPI
import KubeClient
import Logging

/// The DaemonSet reconcile loop behind ``DaemonSetController``.
final class DaemonSetSyncer: IdentifiedController, Sendable {
    let identity: ControllerIdentity
    let daemonSets: Informer<AppsV1.DaemonSet>
    let nodes: Informer<CoreV1.Node>
    let pods: Informer<CoreV1.Pod>
    let revisions: Informer<AppsV1.ControllerRevision>
    let queue = WorkQueue<String>(name: "daemonset")
    let expectations = ReplicaExpectations()
    let recorder: EventRecorder

    init(name: String, context: ControllerContext) {
        self.identity = ControllerIdentity(name, context: context)
        self.daemonSets = context.informers.informer(AppsV1.DaemonSet.self)
        self.nodes = context.informers.informer(CoreV1.Node.self)
        self.pods = context.informers.informer(CoreV1.Pod.self)
        self.revisions = context.informers.informer(AppsV1.ControllerRevision.self)
        self.recorder = identity.recorder()
    }

    func run() async throws {
        pods.indexByController(WorkloadPods.controllerIndex, orphans: true)
        daemonSets.addHandler(expectations.ownerHandler(queue: queue))
        nodes.addHandler(InformerHandler(
            onAdd: { [weak self] _ in self?.queueAll() },
            onUpdate: { [weak self] old, new in
                if old.metadata.labels != new.metadata.labels || old.spec?.taints != new.spec?.taints { self?.queueAll() }
            },
            onDelete: { [weak self] _ in self?.queueAll() }))
        pods.addHandler(InformerHandler(
            onAdd: { [weak self] pod in self?.podChanged(pod, added: true) },
            onUpdate: { [weak self] old, new in
                guard old.metadata.resourceVersion != new.metadata.resourceVersion else { return }
                if new.metadata.deletionTimestamp != nil, old.metadata.deletionTimestamp == nil { self?.podGone(new) } else { self?.podChanged(new, added: false) }
            },
            onDelete: { [weak self] pod in self?.podGone(pod) }))
        await ControllerLoop.run(
            recorders: [recorder], waitingFor: [daemonSets, nodes, pods, revisions],
            .queue(queue, workers: context.options.workers) { key in try await self.sync(key) })
    }

    func queueAll() {
        for ds in daemonSets.lister.list() { queue.add(objectKey(ds.metadata)) }
    }

    func ownerKey(of pod: CoreV1.Pod) -> String? {
        guard let ref = pod.metadata.controllerRef, ref.kind == "DaemonSet", let dsName = ref.name,
            let ds = daemonSets.lister.get(dsName, namespace: pod.metadata.namespace ?? ""), ds.metadata.uid == ref.uid
        else { return nil }
        return objectKey(ds.metadata)
    }

    func podChanged(_ pod: CoreV1.Pod, added: Bool) {
        guard let key = ownerKey(of: pod) else { return }
        if added { expectations.creationObserved(key) }
        queue.add(key)
        if let ds = daemonSets.lister.get(splitObjectKey(key).name, namespace: pod.metadata.namespace),
            let seconds = ds.spec?.minReadySeconds, seconds > 0, pod.isReady {
            queue.addAfter(key, .seconds(seconds + 1))
        }
    }

    func podGone(_ pod: CoreV1.Pod) {
        guard let key = ownerKey(of: pod) else { return }
        expectations.deletionObserved(key, objectKey: objectKey(pod.metadata))
        queue.add(key)
    }

    static func describe(_ error: any Error) -> String {
        if let status = error as? StatusError { return status.message }
        return "\(error)"
    }

    // MARK: Reconcile

    func sync(_ key: String) async throws {
        let (namespace, dsName) = splitObjectKey(key)
        guard let ds = daemonSets.lister.get(dsName, namespace: namespace) else {
            expectations.remove(key)
            return
        }
        let selector: LabelSelector
        do {
            selector = try LabelSelector(ds.spec?.selector)
        } catch {
            logger.warning("invalid selector; skipping", metadata: ["object": "\(key)", "error": "\(error)"])
            return
        }
        guard !selector.isEverything, let template = ds.spec?.template else { return }
        let hash = try await syncRevisions(ds, template: template)
        let owned = pods.lister.byIndex(WorkloadPods.controllerIndex, ds.metadata.uid ?? "").filter { $0.metadata.namespace == namespace && selector.matches($0.metadata.labels ?? [:]) }
        var byNode: [String: [CoreV1.Pod]] = [:]
        for pod in owned where pod.metadata.deletionTimestamp == nil {
            byNode[DaemonPlacement.targetNode(of: pod) ?? "", default: []].append(pod)
        }
        let allNodes = nodes.lister.list()
        if ds.metadata.deletionTimestamp == nil && expectations.satisfied(key) {
            try await manage(ds, key: key, template: template, hash: hash, nodes: allNodes, byNode: byNode)
        }
        try await updateStatus(ds, hash: hash, nodes: allNodes, byNode: byNode)
    }

    /// Creates missing daemon pods, deletes extra, misplaced and failed ones, and replaces
    /// old-revision pods within `maxUnavailable` under RollingUpdate.
    func manage(_ ds: AppsV1.DaemonSet, key: String, template: CoreV1.PodTemplateSpec, hash: String, nodes: [CoreV1.Node], byNode: [String: [CoreV1.Pod]]) async throws {
        var create: [String] = []
        var delete: [CoreV1.Pod] = []
        var desiredCount = 0
        var eligible: [String] = []
        let minReady = ds.spec?.minReadySeconds ?? 0
        let now = context.now()
        for node in nodes {
            let nodeName = node.metadata.name ?? ""
            let placement = DaemonPlacement.evaluate(template, node: node)
            let existing = byNode[nodeName] ?? []
            if placement.shouldRun { desiredCount += 1; eligible.append(nodeName) }
            if placement.shouldRun && existing.isEmpty {
                create.append(nodeName)
            } else if !placement.shouldContinue {
                delete.append(contentsOf: existing)
            } else if !existing.isEmpty {
                let failed = existing.filter { $0.status?.phase == "Failed" }
                delete.append(contentsOf: failed)
                let running = existing.filter { !$0.isTerminal }
                if running.count > 1 {
                    let sorted = running.sorted { ($0.metadata.creationTimestamp?.secondsSinceEpoch ?? 0, $0.metadata.name ?? "") < ($1.metadata.creationTimestamp?.secondsSinceEpoch ?? 0, $1.metadata.name ?? "") }
                    delete.append(contentsOf: sorted.dropFirst())
                }
                if running.isEmpty && failed.isEmpty == false && placement.shouldRun { create.append(nodeName) }
            }
        }
        // Pods on nodes that no longer exist.
        let known = Set(nodes.compactMap(\.metadata.name))
        for (nodeName, pods) in byNode where !nodeName.isEmpty && !known.contains(nodeName) { delete.append(contentsOf: pods) }
        // Rolling update: replace old-revision pods, keeping at most maxUnavailable unavailable.
        if ds.spec?.updateStrategy?.type != "OnDelete", create.isEmpty {
            var maxUnavailable = DaemonPlacement.maxUnavailable(ds.spec?.updateStrategy?.rollingUpdate?.maxUnavailable, desired: desiredCount)
            if maxUnavailable == 0 { maxUnavailable = 1 }
            let deleting = Set(delete.compactMap(\.metadata.uid))
            var unavailable = 0
            var oldAvailable: [CoreV1.Pod] = []
            for nodeName in eligible {
                guard let pod = (byNode[nodeName] ?? []).first(where: { !deleting.contains($0.metadata.uid ?? "") }) else { unavailable += 1; continue }
                let isOld = pod.metadata.labels?[DaemonPlacement.revisionHashLabel] != hash
                let available = pod.isAvailable(minReadySeconds: minReady, at: now)
                if !available { unavailable += 1 }
                if isOld {
                    if available { oldAvailable.append(pod) } else { delete.append(pod) }
                }
            }
            for pod in oldAvailable where unavailable < maxUnavailable {
                delete.append(pod)
                unavailable += 1
            }
        }
        if create.isEmpty && delete.isEmpty { return }
        expectations.expect(key, adds: create.count, deletes: delete.map { objectKey($0.metadata) })
        let podClient = client.resource(CoreV1.Pod.self)
        let namespace = ds.metadata.namespace ?? ""
        let recorder = recorder, expectations = expectations
        let targets = create
        let (created, createError) = await WorkloadPods.slowStart(count: targets.count) { index in
            let pinned = DaemonPlacement.template(template, pinnedTo: targets[index], revisionHash: hash)
            let pod = WorkloadPods.pod(from: pinned, generateNamePrefix: ds.metadata.name ?? "", owner: ds)
            do {
                let made = try await podClient.create(pod, namespace: namespace)
                recorder.record(ds, type: .normal, reason: "SuccessfulCreate", message: "Created pod: \(made.metadata.name ?? "")")
            } catch {
                recorder.record(ds, type: .warning, reason: "FailedCreate", message: "Error creating: \(Self.describe(error))")
                throw error
            }
        }
        if createError != nil { for _ in created..<create.count { expectations.creationObserved(key) } }
        var deleteError: (any Error)?
        for pod in delete {
            let podName = pod.metadata.name ?? ""
            do {
                try await podClient.delete(podName, namespace: namespace, options: DeleteOptions(preconditionUID: pod.metadata.uid))
                recorder.record(ds, type: .normal, reason: "SuccessfulDelete", message: "Deleted pod: \(podName)")
            } catch let error as StatusError where error.code == 404 {
                expectations.deletionObserved(key, objectKey: objectKey(pod.metadata))
            } catch {
                expectations.deletionObserved(key, objectKey: objectKey(pod.metadata))
                recorder.record(ds, type: .warning, reason: "FailedDelete", message: "Error deleting: \(Self.describe(error))")
                deleteError = error
            }
        }
        if let error = createError ?? deleteError { throw error }
    }

    /// Ensures a ControllerRevision for the current template with the highest revision
    /// number, trims history to `revisionHistoryLimit`, and returns the template's hash.
    func syncRevisions(_ ds: AppsV1.DaemonSet, template: CoreV1.PodTemplateSpec) async throws -> String {
        let namespace = ds.metadata.namespace ?? ""
        let uid = ds.metadata.uid ?? ""
        let owned = revisions.lister.list(namespace: namespace).filter { $0.metadata.controllerRef?.uid == uid }
        let data: JSONValue = ["spec": ["template": try JSONValue(encoding: template), "$patch": "replace"]]
        let hash = PodTemplateHash.compute(template, collisionCount: ds.status?.collisionCount)
        let revisionName = "\(ds.metadata.name ?? "")-\(hash)"
        let maxRevision = owned.map { $0.revision ?? 0 }.max() ?? 0
        let revClient = client.resource(AppsV1.ControllerRevision.self)
        if var current = owned.first(where: { $0.metadata.name == revisionName }) {
            if (current.revision ?? 0) < maxRevision {
                current.revision = maxRevision + 1
                _ = try await revClient.update(current)
            }
        } else {
            var labels = ds.spec?.template?.metadata?.labels ?? [:]
            labels[DaemonPlacement.revisionHashLabel] = hash
            let revision = AppsV1.ControllerRevision(
                data: data,
                metadata: MetaV1.ObjectMeta(labels: labels, name: revisionName, namespace: namespace, ownerReferences: [MetaV1.OwnerReference.controller(ds)]),
                revision: maxRevision + 1)
            do {
                _ = try await revClient.create(revision, namespace: namespace)
            } catch let error as StatusError where error.code == 409 {
                let existing = try await revClient.get(revisionName, namespace: namespace)
                if existing.metadata.controllerRef?.uid != uid {
                    var ds = ds
                    var status = ds.status ?? AppsV1.DaemonSetStatus()
                    status.collisionCount = (status.collisionCount ?? 0) + 1
                    ds.status = status
                    _ = try await client.resource(AppsV1.DaemonSet.self).updateStatus(ds)
                    throw error
                }
            }
        }
        // History: delete the oldest revisions no pod uses, beyond the limit.
        let limit = ds.spec?.revisionHistoryLimit ?? 10
        let inUse = Set(pods.lister.byIndex(WorkloadPods.controllerIndex, uid).compactMap { $0.metadata.labels?[DaemonPlacement.revisionHashLabel] })
        let history = owned.filter { $0.metadata.name != revisionName && !inUse.contains($0.metadata.labels?[DaemonPlacement.revisionHashLabel] ?? "") }
            .sorted { ($0.revision ?? 0) < ($1.revision ?? 0) }
        if history.count > limit {
            for old in history.prefix(history.count - limit) {
                _ = try? await revClient.delete(old.metadata.name ?? "", namespace: namespace)
            }
        }
        return hash
    }

    func updateStatus(_ ds: AppsV1.DaemonSet, hash: String, nodes: [CoreV1.Node], byNode: [String: [CoreV1.Pod]]) async throws {
        let template = ds.spec?.template
        let minReady = ds.spec?.minReadySeconds ?? 0
        let now = context.now()
        var desired = 0, current = 0, misscheduled = 0, ready = 0, available = 0, updated = 0
        for node in nodes {
            let nodeName = node.metadata.name ?? ""
            let placement = DaemonPlacement.evaluate(template, node: node)
            let podsHere = (byNode[nodeName] ?? []).filter { !$0.isTerminal }
            if placement.shouldRun {
                desired += 1
                guard let pod = podsHere.first else { continue }
                current += 1
                if pod.isReady { ready += 1 }
                if pod.isAvailable(minReadySeconds: minReady, at: now) { available += 1 }
                if pod.metadata.labels?[DaemonPlacement.revisionHashLabel] == hash { updated += 1 }
            } else if !podsHere.isEmpty {
                misscheduled += 1
            }
        }
        var status = ds.status ?? AppsV1.DaemonSetStatus()
        let before = status
        status.desiredNumberScheduled = desired
        status.currentNumberScheduled = current
        status.numberMisscheduled = misscheduled
        status.numberReady = ready
        status.numberAvailable = available
        status.numberUnavailable = max(0, desired - available)
        status.updatedNumberScheduled = updated
        status.observedGeneration = ds.metadata.generation
        func normal(_ s: AppsV1.DaemonSetStatus) -> AppsV1.DaemonSetStatus {
            var s = s
            s.numberAvailable = s.numberAvailable ?? 0
            s.numberUnavailable = s.numberUnavailable ?? 0
            s.updatedNumberScheduled = s.updatedNumberScheduled ?? 0
            s.observedGeneration = s.observedGeneration ?? 0
            s.currentNumberScheduled = s.currentNumberScheduled ?? 0
            s.desiredNumberScheduled = s.desiredNumberScheduled ?? 0
            s.numberMisscheduled = s.numberMisscheduled ?? 0
            s.numberReady = s.numberReady ?? 0
            return s
        }
        guard normal(status) != normal(before) else { return }
        var copy = ds
        copy.status = status
        _ = try await client.resource(AppsV1.DaemonSet.self).updateStatus(copy)
    }
}
