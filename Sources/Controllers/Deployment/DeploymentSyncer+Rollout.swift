#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KubeAPI
import KubeClient

extension DeploymentSyncer {
    // MARK: New ReplicaSet and revisions

    /// Finds (or, with `create`, creates) the ReplicaSet of the current template, bringing its
    /// revision and replica annotations up to date; returns it and every other ReplicaSet.
    func replicaSetsAndSyncRevision(
        _ d: inout AppsV1.Deployment, rsList: inout [AppsV1.ReplicaSet], create: Bool
    ) async throws -> (new: AppsV1.ReplicaSet?, old: [AppsV1.ReplicaSet]) {
        let existing = findNewReplicaSet(d, in: rsList)
        let old = rsList.filter { $0.metadata.uid != existing?.metadata.uid || existing == nil }
        let newRevision = (old.map(Self.revision).max() ?? 0) + 1
        let rsClient = client.resource(AppsV1.ReplicaSet.self)
        let now = context.now()
        if var rs = existing {
            let annotationsChanged = setNewReplicaSetAnnotations(d, &rs, revision: newRevision, exists: true)
            if annotationsChanged || (rs.spec?.minReadySeconds ?? 0) != (d.spec?.minReadySeconds ?? 0) {
                rs.spec?.minReadySeconds = d.spec?.minReadySeconds
                rs = try await rsClient.update(rs)
                replace(&rsList, with: rs)
            }
            try await setDeploymentRevision(&d, rs.metadata.annotations?[Self.revisionAnnotation] ?? "")
            if d.spec?.progressDeadlineSeconds != nil, DeploymentConditions.get(d.status, DeploymentConditions.progressing) == nil {
                var status = d.status ?? AppsV1.DeploymentStatus()
                DeploymentConditions.set(&status, DeploymentConditions.make(
                    DeploymentConditions.progressing, "True", reason: DeploymentConditions.foundNewReplicaSet,
                    message: "Found new replica set \"\(rs.metadata.name ?? "")\"", now: now))
                d.status = status
                try await writeStatus(&d)
            }
            return (rs, old)
        }
        guard create, var template = d.spec?.template else { return (nil, old) }
        let hash = PodTemplateHash.compute(template, collisionCount: d.status?.collisionCount)
        var templateMeta = template.metadata ?? MetaV1.ObjectMeta()
        templateMeta.labels = (templateMeta.labels ?? [:]).merging([PodTemplateHash.label: hash]) { _, new in new }
        template.metadata = templateMeta
        var selector = d.spec?.selector ?? MetaV1.LabelSelector()
        selector.matchLabels = (selector.matchLabels ?? [:]).merging([PodTemplateHash.label: hash]) { _, new in new }
        let rsName = "\(d.metadata.name ?? "")-\(hash)"
        var meta = MetaV1.ObjectMeta(labels: templateMeta.labels, name: rsName, namespace: d.metadata.namespace, ownerReferences: [MetaV1.OwnerReference.controller(d)])
        meta.annotations = nil
        var rs = AppsV1.ReplicaSet(
            metadata: meta,
            spec: AppsV1.ReplicaSetSpec(minReadySeconds: d.spec?.minReadySeconds, replicas: 0, selector: selector, template: template))
        let all = old.map(Self.replicas).reduce(0, +)
        let count = isRolling(d)
            ? RolloutMath.newReplicaSetReplicas(desired: desired(d), surge: fenceposts(d).surge, allReplicas: all, newReplicas: 0)
            : desired(d)
        rs.spec?.replicas = count
        _ = setNewReplicaSetAnnotations(d, &rs, revision: newRevision, exists: false)
        var alreadyExists = false
        do {
            rs = try await rsClient.create(rs)
        } catch let error as StatusError where error.code == 409 {
            let current = try await rsClient.get(rsName, namespace: d.metadata.namespace)
            if let ref = current.metadata.controllerRef, ref.uid == d.metadata.uid,
                PodTemplateHash.equalIgnoringHash(d.spec?.template, current.spec?.template) {
                rs = current
                alreadyExists = true
            } else {
                var status = d.status ?? AppsV1.DeploymentStatus()
                status.collisionCount = (status.collisionCount ?? 0) + 1
                d.status = status
                try await writeStatus(&d)
                throw error
            }
        } catch {
            let message = "Failed to create new replica set \"\(rsName)\": \(Self.describe(error))"
            if d.spec?.progressDeadlineSeconds != nil {
                var status = d.status ?? AppsV1.DeploymentStatus()
                DeploymentConditions.set(&status, DeploymentConditions.make(DeploymentConditions.progressing, "False", reason: DeploymentConditions.replicaSetCreateError, message: message, now: now))
                d.status = status
                try? await writeStatus(&d)
            }
            recorder.record(d, type: .warning, reason: "FailedCreate", message: message)
            throw error
        }
        if !alreadyExists && count > 0 {
            recorder.record(d, type: .normal, reason: "ScalingReplicaSet", message: "Scaled up replica set \(rsName) from 0 to \(count)")
        }
        rsList.append(rs)
        try await setDeploymentRevision(&d, String(newRevision))
        if !alreadyExists, d.spec?.progressDeadlineSeconds != nil {
            var status = d.status ?? AppsV1.DeploymentStatus()
            DeploymentConditions.set(&status, DeploymentConditions.make(
                DeploymentConditions.progressing, "True", reason: DeploymentConditions.newReplicaSetCreated,
                message: "Created new replica set \"\(rsName)\"", now: now))
            d.status = status
            try await writeStatus(&d)
        }
        return (rs, old)
    }

    /// Copies the Deployment's annotations to `rs`, raises its revision to `revision` and, for
    /// a new ReplicaSet, records the replica annotations. Returns whether anything changed.
    func setNewReplicaSetAnnotations(_ d: AppsV1.Deployment, _ rs: inout AppsV1.ReplicaSet, revision: Int, exists: Bool) -> Bool {
        var annotations = rs.metadata.annotations ?? [:]
        var changed = false
        for (key, value) in d.metadata.annotations ?? [:] where !Self.skippedAnnotations.contains(key) {
            if annotations[key] != value {
                annotations[key] = value
                changed = true
            }
        }
        let current = Int(annotations[Self.revisionAnnotation] ?? "") ?? 0
        if annotations[Self.revisionAnnotation] == nil || current < revision {
            annotations[Self.revisionAnnotation] = String(revision)
            changed = true
        }
        rs.metadata.annotations = annotations
        if !exists, setReplicasAnnotations(&rs, desired: desired(d), max: desired(d) + fenceposts(d).surge) { changed = true }
        return changed
    }

    /// Records the Deployment's replica count and its surge ceiling on `rs`.
    func setReplicasAnnotations(_ rs: inout AppsV1.ReplicaSet, desired: Int, max: Int) -> Bool {
        var annotations = rs.metadata.annotations ?? [:]
        let before = annotations
        annotations[Self.desiredReplicasAnnotation] = String(desired)
        annotations[Self.maxReplicasAnnotation] = String(max)
        rs.metadata.annotations = annotations
        return annotations != before
    }

    /// Writes the revision annotation onto the Deployment itself when it changed.
    func setDeploymentRevision(_ d: inout AppsV1.Deployment, _ revision: String) async throws {
        guard !revision.isEmpty, d.metadata.annotations?[Self.revisionAnnotation] != revision else { return }
        var copy = d
        copy.metadata.annotations = (copy.metadata.annotations ?? [:]).merging([Self.revisionAnnotation: revision]) { _, new in new }
        let updated = try await client.resource(AppsV1.Deployment.self).update(copy)
        d.metadata = updated.metadata
    }

    func replace(_ rsList: inout [AppsV1.ReplicaSet], with rs: AppsV1.ReplicaSet) {
        if let index = rsList.firstIndex(where: { $0.metadata.uid == rs.metadata.uid }) { rsList[index] = rs } else { rsList.append(rs) }
    }

    // MARK: Scaling

    /// Sets `rs` to `replicas` (and the replica annotations); records a ScalingReplicaSet
    /// event when the size changed. Returns whether it did.
    @discardableResult
    func scale(_ rs: inout AppsV1.ReplicaSet, to replicas: Int, _ d: AppsV1.Deployment) async throws -> Bool {
        let old = Self.replicas(rs)
        var copy = rs
        let annotationsChanged = setReplicasAnnotations(&copy, desired: desired(d), max: desired(d) + fenceposts(d).surge)
        guard old != replicas || annotationsChanged else { return false }
        copy.spec?.replicas = replicas
        rs = try await client.resource(AppsV1.ReplicaSet.self).update(copy)
        if old != replicas {
            let direction = old < replicas ? "up" : "down"
            recorder.record(d, type: .normal, reason: "ScalingReplicaSet", message: "Scaled \(direction) replica set \(rs.metadata.name ?? "") from \(old) to \(replicas)")
        }
        return old != replicas
    }

    /// Scales the named ReplicaSets of `list` to the given sizes.
    func apply(_ sizes: [String: Int], to list: inout [AppsV1.ReplicaSet], _ d: AppsV1.Deployment) async throws -> Bool {
        var scaled = false
        for index in list.indices {
            guard let size = sizes[list[index].metadata.name ?? ""] else { continue }
            if try await scale(&list[index], to: size, d) { scaled = true }
        }
        return scaled
    }

    /// Scaling without a rollout (paused, or replicas changed mid-rollout): the one active
    /// ReplicaSet follows the Deployment, otherwise sizes are shared proportionally.
    func syncScaling(_ d: inout AppsV1.Deployment, rsList: inout [AppsV1.ReplicaSet]) async throws {
        let (newRS, oldRSs) = try await replicaSetsAndSyncRevision(&d, rsList: &rsList, create: false)
        var all = oldRSs + (newRS.map { [$0] } ?? [])
        try await scaleAll(d, newName: newRS?.metadata.name, all: &all)
        if d.spec?.paused == true {
            try await cleanup(d, old: all.filter { $0.metadata.name != newRS?.metadata.name })
        }
        let updatedNew = all.first { $0.metadata.name == newRS?.metadata.name && newRS != nil }
        try await syncStatusOnly(&d, all: all, newRS: updatedNew)
    }

    func scaleAll(_ d: AppsV1.Deployment, newName: String?, all: inout [AppsV1.ReplicaSet]) async throws {
        let active = all.filter { Self.replicas($0) > 0 }
        let newIndex = all.firstIndex { $0.metadata.name == newName && newName != nil }
        // One active ReplicaSet (or none: the newest) simply follows the Deployment.
        if active.count <= 1 {
            let target: String?
            if let only = active.first { target = only.metadata.name } else if let newIndex { target = all[newIndex].metadata.name } else {
                target = all.max { Self.created($0) < Self.created($1) }?.metadata.name
            }
            if let index = all.firstIndex(where: { $0.metadata.name == target }) {
                if Self.replicas(all[index]) != desired(d) || all[index].metadata.annotations?[Self.desiredReplicasAnnotation] != String(desired(d)) {
                    try await scale(&all[index], to: desired(d), d)
                }
            }
            return
        }
        // The new ReplicaSet is saturated: the old ones go.
        if let newIndex, Self.replicas(all[newIndex]) == desired(d), (all[newIndex].status?.availableReplicas ?? 0) == desired(d) {
            for index in all.indices where index != newIndex && Self.replicas(all[index]) > 0 {
                try await scale(&all[index], to: 0, d)
            }
            return
        }
        guard isRolling(d) else { return }
        let sizes = RolloutMath.proportionalSizes(
            active.map(Self.counts), desired: desired(d), surge: fenceposts(d).surge, previousMaxReplicas: d.status?.replicas ?? 0)
        for index in all.indices {
            guard let size = sizes[all[index].metadata.name ?? ""] else { continue }
            try await scale(&all[index], to: size, d)
        }
    }

    // MARK: Strategies

    func rolloutRolling(_ d: inout AppsV1.Deployment, rsList: inout [AppsV1.ReplicaSet]) async throws {
        let (created, oldRSs) = try await replicaSetsAndSyncRevision(&d, rsList: &rsList, create: true)
        guard var newRS = created else { return }
        var old = oldRSs
        let allCount = old.map(Self.replicas).reduce(0, +) + Self.replicas(newRS)
        let target = Self.replicas(newRS) > desired(d)
            ? desired(d)
            : RolloutMath.newReplicaSetReplicas(desired: desired(d), surge: fenceposts(d).surge, allReplicas: allCount, newReplicas: Self.replicas(newRS))
        if try await scale(&newRS, to: target, d) {
            try await syncRolloutStatus(&d, all: old + [newRS], newRS: newRS)
            return
        }
        if try await reconcileOld(d, old: &old, newRS: newRS) {
            try await syncRolloutStatus(&d, all: old + [newRS], newRS: newRS)
            return
        }
        if let status = d.status, DeploymentConditions.isComplete(desired: desired(d), generation: d.metadata.generation ?? 0, status) {
            try await cleanup(d, old: old)
        }
        try await syncRolloutStatus(&d, all: old + [newRS], newRS: newRS)
    }

    /// Scales old ReplicaSets down within the availability budget: unhealthy pods first.
    func reconcileOld(_ d: AppsV1.Deployment, old: inout [AppsV1.ReplicaSet], newRS: AppsV1.ReplicaSet) async throws -> Bool {
        let oldCount = old.map(Self.replicas).reduce(0, +)
        guard oldCount > 0 else { return false }
        let maxUnavailable = fenceposts(d).unavailable
        let limit = RolloutMath.maxScaleDown(
            desired: desired(d), maxUnavailable: maxUnavailable, allReplicas: oldCount + Self.replicas(newRS),
            newReplicas: Self.replicas(newRS), newAvailable: newRS.status?.availableReplicas ?? 0)
        guard limit > 0 else { return false }
        let cleanup = RolloutMath.cleanupUnhealthy(old.map(Self.counts), limit: limit)
        _ = try await apply(cleanup.sizes, to: &old, d)
        let available = old.map { $0.status?.availableReplicas ?? 0 }.reduce(0, +) + (newRS.status?.availableReplicas ?? 0)
        let sizes = RolloutMath.scaleDownOld(old.map(Self.counts), totalAvailable: available, desired: desired(d), maxUnavailable: maxUnavailable)
        let scaled = try await apply(sizes, to: &old, d)
        return cleanup.removed > 0 || scaled
    }

    func rolloutRecreate(_ d: inout AppsV1.Deployment, rsList: inout [AppsV1.ReplicaSet]) async throws {
        var (newRS, old) = try await replicaSetsAndSyncRevision(&d, rsList: &rsList, create: false)
        var scaledDown = false
        for index in old.indices where Self.replicas(old[index]) > 0 {
            if try await scale(&old[index], to: 0, d) { scaledDown = true }
        }
        if scaledDown || oldPodsRunning(old) {
            try await syncRolloutStatus(&d, all: old + (newRS.map { [$0] } ?? []), newRS: newRS)
            return
        }
        if newRS == nil {
            (newRS, old) = try await replicaSetsAndSyncRevision(&d, rsList: &rsList, create: true)
        }
        if var rs = newRS {
            try await scale(&rs, to: desired(d), d)
            newRS = rs
        }
        if let status = d.status, DeploymentConditions.isComplete(desired: desired(d), generation: d.metadata.generation ?? 0, status) {
            try await cleanup(d, old: old)
        }
        try await syncRolloutStatus(&d, all: old + (newRS.map { [$0] } ?? []), newRS: newRS)
    }

    /// Whether pods of the old ReplicaSets still run (Recreate waits for them to go).
    func oldPodsRunning(_ old: [AppsV1.ReplicaSet]) -> Bool {
        if old.contains(where: { ($0.status?.replicas ?? 0) > 0 }) { return true }
        let uids = Set(old.compactMap(\.metadata.uid))
        guard !uids.isEmpty, let namespace = old.first?.metadata.namespace else { return false }
        return pods.lister.list(namespace: namespace).contains { pod in
            guard let ref = pod.metadata.controllerRef, let uid = ref.uid, uids.contains(uid) else { return false }
            return !pod.isTerminal
        }
    }

    /// Deletes the oldest fully scaled-down ReplicaSets beyond `revisionHistoryLimit`.
    func cleanup(_ d: AppsV1.Deployment, old: [AppsV1.ReplicaSet]) async throws {
        guard let limit = d.spec?.revisionHistoryLimit else { return }
        let candidates = old.filter { $0.metadata.deletionTimestamp == nil }
        let excess = candidates.count - limit
        guard excess > 0 else { return }
        let ordered = candidates.sorted { Self.revision($0) != Self.revision($1) ? Self.revision($0) < Self.revision($1) : Self.created($0) < Self.created($1) }
        let rsClient = client.resource(AppsV1.ReplicaSet.self)
        for rs in ordered.prefix(excess) {
            if (rs.status?.replicas ?? 0) != 0 || Self.replicas(rs) != 0 || (rs.metadata.generation ?? 0) > (rs.status?.observedGeneration ?? 0) { continue }
            do {
                try await rsClient.delete(rs.metadata.name ?? "", namespace: rs.metadata.namespace, options: DeleteOptions(preconditionUID: rs.metadata.uid))
            } catch let error as StatusError where error.code == 404 {
            }
        }
    }

    // MARK: Status

    /// The status the ReplicaSets add up to, with the Available condition.
    func calculateStatus(_ d: AppsV1.Deployment, all: [AppsV1.ReplicaSet], newRS: AppsV1.ReplicaSet?) -> AppsV1.DeploymentStatus {
        let available = all.map { $0.status?.availableReplicas ?? 0 }.reduce(0, +)
        let total = all.map(Self.replicas).reduce(0, +)
        var status = AppsV1.DeploymentStatus(
            availableReplicas: available, collisionCount: d.status?.collisionCount, conditions: d.status?.conditions,
            observedGeneration: d.metadata.generation, readyReplicas: all.map { $0.status?.readyReplicas ?? 0 }.reduce(0, +),
            replicas: all.map { $0.status?.replicas ?? 0 }.reduce(0, +), unavailableReplicas: max(0, total - available),
            updatedReplicas: newRS?.status?.replicas ?? 0)
        let now = context.now()
        if available >= desired(d) - fenceposts(d).unavailable {
            DeploymentConditions.set(&status, DeploymentConditions.make(DeploymentConditions.available, "True", reason: DeploymentConditions.minimumReplicasAvailable, message: "Deployment has minimum availability.", now: now))
        } else {
            DeploymentConditions.set(&status, DeploymentConditions.make(DeploymentConditions.available, "False", reason: DeploymentConditions.minimumReplicasUnavailable, message: "Deployment does not have minimum availability.", now: now))
        }
        return status
    }

    func syncStatusOnly(_ d: inout AppsV1.Deployment, all: [AppsV1.ReplicaSet], newRS: AppsV1.ReplicaSet?) async throws {
        let status = calculateStatus(d, all: all, newRS: newRS)
        guard !Self.sameStatus(status, d.status) else { return }
        d.status = status
        try await writeStatus(&d)
    }

    /// The status plus the Progressing (complete, progressing, timed out) and ReplicaFailure conditions.
    func syncRolloutStatus(_ d: inout AppsV1.Deployment, all: [AppsV1.ReplicaSet], newRS: AppsV1.ReplicaSet?) async throws {
        var status = calculateStatus(d, all: all, newRS: newRS)
        let deadline = d.spec?.progressDeadlineSeconds
        if deadline == nil { DeploymentConditions.remove(&status, DeploymentConditions.progressing) }
        let current = DeploymentConditions.get(status, DeploymentConditions.progressing)
        let alreadyComplete = status.replicas == status.updatedReplicas && current?.reason == DeploymentConditions.newReplicaSetAvailable
        let now = context.now()
        let subject = newRS.map { "ReplicaSet \"\($0.metadata.name ?? "")\"" } ?? "Deployment \"\(d.metadata.name ?? "")\""
        if deadline != nil && !alreadyComplete {
            if DeploymentConditions.isComplete(desired: desired(d), generation: d.metadata.generation ?? 0, status) {
                DeploymentConditions.set(&status, DeploymentConditions.make(DeploymentConditions.progressing, "True", reason: DeploymentConditions.newReplicaSetAvailable, message: "\(subject) has successfully progressed.", now: now))
            } else if DeploymentConditions.isProgressing(old: d.status, new: status) {
                var condition = DeploymentConditions.make(DeploymentConditions.progressing, "True", reason: DeploymentConditions.replicaSetUpdated, message: "\(subject) is progressing.", now: now)
                if let current {
                    if current.status == "True" { condition.lastTransitionTime = current.lastTransitionTime }
                    DeploymentConditions.remove(&status, DeploymentConditions.progressing)
                }
                status.conditions = (status.conditions ?? []) + [condition]
            } else if DeploymentConditions.isTimedOut(status, deadline: deadline, now: now) {
                DeploymentConditions.set(&status, DeploymentConditions.make(DeploymentConditions.progressing, "False", reason: DeploymentConditions.progressDeadlineExceeded, message: "\(subject) has timed out progressing.", now: now))
            }
        }
        let failure = ([newRS].compactMap { $0 } + all).lazy.compactMap { $0.status?.conditions?.first { $0.type == "ReplicaFailure" } }.first
        if let failure {
            DeploymentConditions.set(&status, DeploymentConditions.make(DeploymentConditions.replicaFailure, failure.status ?? "True", reason: failure.reason ?? "", message: failure.message ?? "", now: now))
        } else {
            DeploymentConditions.remove(&status, DeploymentConditions.replicaFailure)
        }
        if Self.sameStatus(status, d.status) {
            requeueIfStuck(d, status: status)
            return
        }
        d.status = status
        try await writeStatus(&d)
        requeueIfStuck(d, status: status)
    }

    /// Queues the Deployment again when its progress deadline would pass.
    func requeueIfStuck(_ d: AppsV1.Deployment, status: AppsV1.DeploymentStatus) {
        guard let deadline = d.spec?.progressDeadlineSeconds,
            let current = DeploymentConditions.get(status, DeploymentConditions.progressing),
            current.reason != DeploymentConditions.progressDeadlineExceeded,
            !DeploymentConditions.isComplete(desired: desired(d), generation: d.metadata.generation ?? 0, status),
            let since = current.lastUpdateTime
        else { return }
        let remaining = since.secondsSinceEpoch + Int64(deadline) - Int64(context.now().timeIntervalSince1970)
        queue.addAfter(objectKey(d.metadata), .seconds(max(1, remaining + 1)))
    }
}
