import KubeAPI
import KubeClient
import Logging

extension Kubelet {
    /// The namespace of node leases.
    static let leaseNamespace = "kube-node-lease"

    /// Registers until it succeeds, retrying failures with a growing pause (real time).
    func registerUntilDone() async throws {
        var attempt = 0
        while true {
            do {
                try await register()
                return
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                attempt += 1
                logger.warning("node registration failed, retrying", metadata: ["error": "\(error)", "attempt": "\(attempt)"])
                try await Task.sleep(for: .milliseconds(min(100 << min(attempt, 7), 7_000)))
            }
        }
    }

    /// Creates the Node (or reconciles an existing one) with its full status, then its Lease.
    /// One create for each on a fresh cluster.
    public func register() async throws {
        let version = try await runtime.version()
        if let cidr = configuration.podCIDR {
            try await runtime.updateRuntimeConfig(CRI.RuntimeConfig(podCIDR: cidr))
        }
        let images = configuration.nodeResources.host == nil ? nil : try? await runtime.listImages()
        let builder = nodeStatusBuilder(version: version, images: images)
        let readiness = builder.readiness(runtime: try? await runtime.status())
        let now = clock.now
        let wanted = builder.node(readiness: readiness, now: now)
        let nodes = client.resource(CoreV1.Node.self)
        var node: CoreV1.Node
        do {
            node = try await nodes.create(wanted)
        } catch let error as StatusError where error.code == 409 {
            node = try await reconcileExistingNode(wanted, builder: builder, readiness: readiness, now: now)
        }
        let cidr = node.spec?.podCIDRs?.joined(separator: ",") ?? node.spec?.podCIDR
        if configuration.podCIDR == nil, let cidr, !cidr.isEmpty {
            try await runtime.updateRuntimeConfig(CRI.RuntimeConfig(podCIDR: cidr))
        }
        // With jitter, pretend the last report was a random part of the interval ago.
        let reportOffset = configuration.heartbeatJitter ? configuration.nodeStatusReportInterval * Double.random(in: 0..<1) : .zero
        let elapsed = clock.elapsed
        state.withLock { state in
            state.node = node
            state.podCIDR = cidr
            state.runtimeVersion = version
            state.reportedConditions = node.status?.conditions
            state.lastReport = elapsed - reportOffset
        }
        resources.withLock { $0.reportedImages = node.status?.images }
        try await renewLease()
        state.withLock { $0.registered = true }
        logger.debug("node registered")
    }

    private func reconcileExistingNode(
        _ wanted: CoreV1.Node, builder: NodeStatusBuilder, readiness: NodeStatusBuilder.Readiness, now: Time
    ) async throws -> CoreV1.Node {
        let nodes = client.resource(CoreV1.Node.self)
        var existing = try await nodes.get(nodeName)
        var updated = existing
        var labels = existing.metadata.labels ?? [:]
        labels.merge(wanted.metadata.labels ?? [:]) { _, new in new }
        updated.metadata.labels = labels
        var annotations = existing.metadata.annotations ?? [:]
        annotations.merge(wanted.metadata.annotations ?? [:]) { _, new in new }
        updated.metadata.annotations = annotations
        if updated.spec?.podCIDR == nil, let cidr = configuration.podCIDR {
            updated.spec = updated.spec ?? CoreV1.NodeSpec()
            updated.spec?.podCIDR = cidr
            updated.spec?.podCIDRs = cidr.split(separator: ",").map(String.init)
        }
        if updated != existing {
            existing = try await nodes.update(updated)
        }
        let status = builder.status(readiness: readiness, old: existing.status?.conditions, now: now)
        return try await nodes.patch(
            nodeName, type: .strategicMerge, body: ["status": try JSONValue(encoding: status)], subresource: "status")
    }

    /// Renews (or creates) the node's Lease with the current time.
    func renewLease() async throws {
        let leases = client.resource(CoordinationV1.Lease.self)
        let now = clock.nowMicro
        let current = state.withLock { $0.lease }
        if var lease = current {
            lease.spec = lease.spec ?? CoordinationV1.LeaseSpec()
            lease.spec?.renewTime = now
            lease.spec?.holderIdentity = nodeName
            lease.spec?.leaseDurationSeconds = configuration.leaseDurationSeconds
            do {
                let renewed = try await leases.update(lease)
                state.withLock { $0.lease = renewed }
                return
            } catch let error as StatusError where error.code == 409 || error.code == 404 {
                state.withLock { $0.lease = nil }
            }
        }
        var owner: [MetaV1.OwnerReference]?
        if let uid = state.withLock({ $0.node?.metadata.uid }) {
            owner = [MetaV1.OwnerReference(apiVersion: "v1", kind: "Node", name: nodeName, uid: uid)]
        }
        let fresh = CoordinationV1.Lease(
            metadata: MetaV1.ObjectMeta(name: nodeName, namespace: Self.leaseNamespace, ownerReferences: owner),
            spec: CoordinationV1.LeaseSpec(holderIdentity: nodeName, leaseDurationSeconds: configuration.leaseDurationSeconds, renewTime: now))
        do {
            let created = try await leases.create(fresh)
            state.withLock { $0.lease = created }
        } catch let error as StatusError where error.code == 409 {
            var existing = try await leases.get(nodeName, namespace: Self.leaseNamespace)
            existing.spec = fresh.spec
            let renewed = try await leases.update(existing)
            state.withLock { $0.lease = renewed }
        }
    }

    /// Renews the lease every `leaseRenewInterval` until cancelled.
    func runLease() async {
        let interval = configuration.leaseRenewInterval
        var next = clock.elapsed + interval + (configuration.heartbeatJitter ? interval * Double.random(in: 0..<1) : .zero)
        while !Task.isCancelled {
            do {
                try await clock.sleep(until: next)
            } catch {
                return
            }
            next = clock.elapsed + configuration.leaseRenewInterval
            do {
                try await renewLease()
            } catch {
                logger.warning("lease renewal failed", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Checks node conditions every `nodeStatusUpdateInterval` and reports them when they changed
    /// or `nodeStatusReportInterval` has passed since the last report.
    func runNodeStatus() async {
        while !Task.isCancelled {
            do {
                try await clock.sleep(for: configuration.nodeStatusUpdateInterval)
            } catch {
                return
            }
            await reportNodeStatus(force: false)
        }
    }

    /// Patches `status.conditions` (strategic merge, by type) when they changed, when the report
    /// interval has passed, or when `force` is set.
    func reportNodeStatus(force: Bool) async {
        do {
            let (version, old, last) = state.withLock { ($0.runtimeVersion, $0.reportedConditions, $0.lastReport) }
            let builder = nodeStatusBuilder(version: version, images: nil)
            let readiness = builder.readiness(runtime: try? await runtime.status())
            let elapsed = clock.elapsed
            let conditions = builder.conditions(readiness: readiness, old: old, now: clock.now)
            let due = elapsed - last >= configuration.nodeStatusReportInterval
            let images = await changedNodeImages()
            guard force || due || images != nil || NodeStatusBuilder.conditionsChanged(old, conditions) else { return }
            let encodedConditions = try JSONValue(encoding: conditions)
            let status: JSONValue = try images.map { ["conditions": encodedConditions, "images": try JSONValue(encoding: $0)] }
                ?? ["conditions": encodedConditions]
            let patched = try await client.resource(CoreV1.Node.self).patch(
                nodeName, type: .strategicMerge, body: ["status": status], subresource: "status")
            if images != nil { resources.withLock { $0.reportedImages = patched.status?.images ?? images } }
            state.withLock { state in
                state.node = patched
                state.reportedConditions = patched.status?.conditions ?? conditions
                state.lastReport = elapsed
            }
        } catch {
            logger.warning("node status update failed", metadata: ["error": "\(error)"])
        }
    }
}
