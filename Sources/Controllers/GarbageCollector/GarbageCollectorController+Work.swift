import KubeAPI
import KubeClient

extension GarbageCollectorController {
    /// The live state of an object read by name: `nil` when it is gone or has another UID.
    struct LiveObject {
        var meta: MetaV1.ObjectMeta
        var client: DynamicResourceClient
        var namespace: String?

        var beingDeleted: Bool { meta.deletionTimestamp != nil }
        var finalizers: [String] { meta.finalizers ?? [] }
    }

    func live(apiVersion: String, kind: String, namespace: String, name: String, uid: String) async throws -> LiveObject? {
        guard let mapping = await mapper.mapping(apiVersion: apiVersion, kind: kind) else {
            throw KubeClientError("no resource serves \(kind) in \(apiVersion)")
        }
        let dynamic = client.dynamic(mapping.resource, namespaced: mapping.namespaced)
        let ns = mapping.namespaced ? namespace : nil
        do {
            let object = try await dynamic.get(name, namespace: ns)
            let meta = try (object["metadata"] ?? .object([:])).decode(MetaV1.ObjectMeta.self)
            guard meta.uid == uid else { return nil }
            return LiveObject(meta: meta, client: dynamic, namespace: ns)
        } catch let error as StatusError where error.code == 404 {
            return nil
        }
    }

    /// Checks one object: deletes it when every owner is gone, drops references to gone
    /// owners, or (for an owner deleted in the foreground) waits for its blocking dependents.
    func attemptToDelete(_ uid: String) async throws {
        guard let node = graph.withLock({ $0.objects[uid] }) else { return }
        // Fast path: every owner is observed and none waits for its dependents.
        let settled = graph.withLock { graph in
            !node.beingDeleted && node.owners.allSatisfy { owner in
                graph.objects[owner.uid ?? ""].map { !$0.deletingDependents } ?? false
            }
        }
        if settled { return }
        guard let object = try await live(apiVersion: node.apiVersion, kind: node.kind, namespace: node.namespace, name: node.name, uid: uid) else {
            return
        }
        if object.beingDeleted {
            guard object.finalizers.contains(OwnerGraph.foregroundFinalizer) else { return }
            try await processDeletingDependents(object, uid: uid)
            return
        }
        let owners = object.meta.ownerReferences ?? []
        guard !owners.isEmpty else { return }
        var states: [String: OwnerState] = [:]
        for owner in owners {
            states[owner.uid ?? ""] = try await ownerState(owner, dependentNamespace: node.namespace)
        }
        let hasDependents = graph.withLock { !($0.dependents[uid] ?? []).isEmpty }
        let decision = OwnerDecision.decide(
            owners: owners, state: { states[$0.uid ?? ""] ?? .present }, finalizers: object.finalizers, hasDependents: hasDependents)
        switch decision {
        case .keep:
            return
        case .removeOwnerReferences(let gone):
            let remaining = owners.filter { !gone.contains($0.uid ?? "") }
            logger.debug("removing owner references", metadata: ["object": "\(node.kind) \(node.namespace)/\(node.name)", "owners": "\(gone)"])
            _ = try await object.client.patch(
                node.name, namespace: object.namespace, type: .merge,
                body: ["metadata": ["ownerReferences": try JSONValue(encoding: remaining), "resourceVersion": .string(object.meta.resourceVersion ?? "")]])
        case .delete(let policy):
            logger.debug("deleting dependent", metadata: ["object": "\(node.kind) \(node.namespace)/\(node.name)", "policy": "\(policy.rawValue)"])
            do {
                try await object.client.delete(node.name, namespace: object.namespace, options: DeleteOptions(propagationPolicy: policy, preconditionUID: uid))
            } catch let error as StatusError where error.code == 404 {
                return
            }
        }
    }

    /// An owner deleted in the foreground: once no dependent blocks it, its
    /// `foregroundDeletion` finalizer goes; until then its blocking dependents are re-checked.
    func processDeletingDependents(_ object: LiveObject, uid: String) async throws {
        let blocking = graph.withLock { $0.blockingDependents(of: uid) }
        if blocking.isEmpty {
            try await removeFinalizer(OwnerGraph.foregroundFinalizer, from: object)
            return
        }
        for dependent in blocking where !dependent.beingDeleted || dependent.deletingDependents {
            deleteQueue.add(dependent.uid)
        }
    }

    /// What one owner reference points at.
    func ownerState(_ owner: MetaV1.OwnerReference, dependentNamespace: String) async throws -> OwnerState {
        let uid = owner.uid ?? ""
        if absentOwners.withLock({ $0.contains(uid) }) { return .absent }
        if let observed = graph.withLock({ $0.objects[uid] }) {
            return observed.deletingDependents ? .waitingForDependents : .present
        }
        guard let live = try await live(
            apiVersion: owner.apiVersion ?? "", kind: owner.kind ?? "", namespace: dependentNamespace, name: owner.name ?? "", uid: uid)
        else {
            absentOwners.withLock { absent in
                if absent.count > 10_000 { absent.removeAll() }
                absent.insert(uid)
            }
            return .absent
        }
        return live.beingDeleted && live.finalizers.contains(OwnerGraph.foregroundFinalizer) ? .waitingForDependents : .present
    }

    /// An owner deleted with `propagationPolicy=Orphan`: its dependents lose their reference
    /// to it, then its `orphan` finalizer goes.
    func attemptToOrphan(_ uid: String) async throws {
        guard let node = graph.withLock({ $0.objects[uid] }) else { return }
        guard let owner = try await live(apiVersion: node.apiVersion, kind: node.kind, namespace: node.namespace, name: node.name, uid: uid),
              owner.beingDeleted, owner.finalizers.contains(OwnerGraph.orphanFinalizer) else { return }
        for dependent in graph.withLock({ $0.dependentObjects(of: uid) }) {
            guard let object = try await live(
                apiVersion: dependent.apiVersion, kind: dependent.kind, namespace: dependent.namespace, name: dependent.name, uid: dependent.uid)
            else { continue }
            let owners = object.meta.ownerReferences ?? []
            guard owners.contains(where: { $0.uid == uid }) else { continue }
            let remaining = owners.filter { $0.uid != uid }
            _ = try await object.client.patch(
                dependent.name, namespace: object.namespace, type: .merge,
                body: ["metadata": ["ownerReferences": remaining.isEmpty ? .null : try JSONValue(encoding: remaining),
                                    "resourceVersion": .string(object.meta.resourceVersion ?? "")]])
        }
        try await removeFinalizer(OwnerGraph.orphanFinalizer, from: owner)
    }

    func removeFinalizer(_ finalizer: String, from object: LiveObject) async throws {
        let remaining = object.finalizers.filter { $0 != finalizer }
        do {
            _ = try await object.client.patch(
                object.meta.name ?? "", namespace: object.namespace, type: .merge,
                body: ["metadata": ["finalizers": remaining.isEmpty ? .null : .array(remaining.map { .string($0) }),
                                    "resourceVersion": .string(object.meta.resourceVersion ?? "")]])
        } catch let error as StatusError where error.code == 404 {
            return
        }
    }
}
