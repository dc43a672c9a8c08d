import KubeAPI
import KubeClient

extension Scheduler {
    /// Feeds claims, volumes and storage classes into the snapshot's ``VolumeCatalog``; any
    /// change may make a waiting pod schedulable, so each one moves the unschedulable pods back,
    /// and a claim change wakes the bindings waiting for claims.
    func watchVolumes() -> [@Sendable () async -> Void] {
        let claims = informers.informer(CoreV1.PersistentVolumeClaim.self)
        let volumes = informers.informer(CoreV1.PersistentVolume.self)
        let classes = informers.informer(StorageV1.StorageClass.self)
        claims.addHandler(InformerHandler(
            onAdd: { [self] claim in volumesChanged { $0.upsert(claim) }; claimChanged() },
            onUpdate: { [self] _, claim in volumesChanged { $0.upsert(claim) }; claimChanged() },
            onDelete: { [self] claim in volumesChanged { $0.remove(claim) }; claimChanged() }))
        volumes.addHandler(InformerHandler(
            onAdd: { [self] volume in volumesChanged { $0.upsert(volume) } },
            onUpdate: { [self] _, volume in volumesChanged { $0.upsert(volume) } },
            onDelete: { [self] volume in volumesChanged { $0.remove(volume) } }))
        classes.addHandler(InformerHandler(
            onAdd: { [self] storageClass in volumesChanged { $0.upsert(storageClass) } },
            onUpdate: { [self] _, storageClass in volumesChanged { $0.upsert(storageClass) } },
            onDelete: { [self] storageClass in volumesChanged { $0.remove(storageClass) } }))
        return [{ await claims.waitForSync() }, { await volumes.waitForSync() }, { await classes.waitForSync() }]
    }

    private func volumesChanged(_ change: (inout VolumeCatalog) -> Void) {
        state.withLock { state in
            change(&state.snapshot.volumes)
            state.queue.moveAllToActiveOrBackoff(now: now)
        }
        wake()
    }

    private func claimChanged() {
        claimWaiters.withLock { waiters in
            for continuation in waiters.waiting.values { continuation.yield() }
        }
    }

    /// Whether every claim is bound (it names its volume and its phase is `Bound`).
    private func claimsBound(_ keys: [String]) -> Bool {
        state.withLock { state in keys.allSatisfy { state.snapshot.volumes.claims[$0]?.isBound ?? false } }
    }

    /// Upstream's PreBind step: annotates each claim with the chosen node
    /// (`volume.kubernetes.io/selected-node`), then waits until the binder and the provisioner
    /// have bound them all.
    ///
    /// - Throws: the API error of an annotation, ``VolumeBindingTimeout`` after the bind timeout,
    ///   `CancellationError` when the scheduler stops meanwhile.
    func bindVolumes(_ keys: [String], to node: String) async throws {
        for key in keys {
            let (namespace, name) = splitObjectKey(key)
            let current = state.withLock { $0.snapshot.volumes.claims[key] }
            guard current?.selectedNode != node else { continue }
            _ = try await client.resource(CoreV1.PersistentVolumeClaim.self).patch(
                name, namespace: namespace, type: .merge,
                body: ["metadata": ["annotations": [VolumeBindingNames.selectedNode: .string(node)]]])
        }
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let id = claimWaiters.withLock { waiters in
            waiters.next += 1
            waiters.waiting[waiters.next] = continuation
            return waiters.next
        }
        let timeout = volumeBindTimeout
        let timer = Task { [clock] in
            try? await clock.sleep(for: timeout)
            continuation.finish()
        }
        defer {
            timer.cancel()
            _ = claimWaiters.withLock { $0.waiting.removeValue(forKey: id) }
            continuation.finish()
        }
        try await withTaskCancellationHandler {
            var changes = stream.makeAsyncIterator()
            while !claimsBound(keys) {
                let changed = await changes.next() != nil
                try Task.checkCancellation()
                guard changed else { throw VolumeBindingTimeout() }
            }
        } onCancel: {
            continuation.finish()
        }
    }
}

/// The claims of a pod were not bound within the scheduler's bind timeout.
struct VolumeBindingTimeout: Error, CustomStringConvertible {
    var description: String { "timed out waiting for the condition" }
}
