#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KubeAPI
import KubeClient
import Logging
import Synchronization

/// The node lifecycle controller (`node-controller`): watches each node's Lease in
/// `kube-node-lease` and its `Ready` heartbeat; a node silent for longer than
/// ``ControllerOptions/nodeMonitorGracePeriod`` gets its conditions set to `Unknown` and its
/// pods marked not ready; nodes are tainted from their conditions (`unreachable`,
/// `not-ready`, pressure), and pods on `NoExecute`-tainted nodes are evicted once their
/// tolerations run out. Time comes from the context's clock; checks run every `monitorPeriod`.
public final class NodeLifecycleController: Controller, IdentifiedController {
    /// `node-controller`.
    public var name: String { identity.name }
    struct Heard {
        var signature: String
        var at: Date
    }

    let identity: ControllerIdentity
    let monitorPeriod: Duration
    let heard = Mutex<[String: Heard]>([:])
    let recorder: EventRecorder
    let evictionRecorder: EventRecorder

    /// Creates the controller, checking every 5 seconds.
    public convenience init(context: ControllerContext) {
        self.init(context: context, monitorPeriod: .seconds(5))
    }

    /// Creates the controller with its own check period (tests use a short one).
    public init(context: ControllerContext, monitorPeriod: Duration) {
        let identity = ControllerIdentity("node-controller", context: context, logLabel: "node-lifecycle-controller")
        self.identity = identity
        self.monitorPeriod = monitorPeriod
        recorder = identity.recorder()
        evictionRecorder = identity.recorder(component: "taint-eviction-controller")
    }

    /// Monitors nodes until cancelled.
    public func run() async throws {
        let nodes = context.informers.informer(CoreV1.Node.self)
        let leases = context.informers.informer(CoordinationV1.Lease.self, namespace: "kube-node-lease")
        let pods = context.informers.informer(CoreV1.Pod.self)
        pods.addIndex("nodeName") { [$0.spec?.nodeName ?? ""] }
        nodes.addHandler(InformerHandler(onDelete: { node in _ = self.heard.withLock { $0.removeValue(forKey: node.metadata.name ?? "") } }))
        await ControllerLoop.run(
            recorders: [recorder, evictionRecorder], waitingFor: [context.informers],
            .every(monitorPeriod) { await self.monitor(nodes: nodes.lister, leases: leases.lister, pods: pods.lister) })
    }

    /// One pass over every node.
    func monitor(nodes: Lister<CoreV1.Node>, leases: Lister<CoordinationV1.Lease>, pods: Lister<CoreV1.Pod>) async {
        let now = context.now()
        for node in nodes.list() {
            guard let name = node.metadata.name else { continue }
            do {
                try await check(node, name: name, lease: leases.get(name, namespace: "kube-node-lease"), pods: pods.byIndex("nodeName", name), now: now)
            } catch {
                logger.debug("node check failed", metadata: ["node": "\(name)", "error": "\(error)"])
            }
        }
    }

    func check(_ node: CoreV1.Node, name: String, lease: CoordinationV1.Lease?, pods: [CoreV1.Pod], now: Date) async throws {
        // The last sign of life: a new lease renewal or a new Ready heartbeat, timed by our clock.
        let ready = node.status?.conditions?.first { $0.type == "Ready" }
        let signature = "\(lease?.spec?.renewTime?.description ?? "")|\(ready?.lastHeartbeatTime?.description ?? "")"
        let lastHeard = heard.withLock { heard -> Date in
            if let previous = heard[name], previous.signature == signature { return previous.at }
            heard[name] = Heard(signature: signature, at: now)
            return now
        }
        let api = client.resource(CoreV1.Node.self)
        var current = node
        if let conditions = NodeHealth.silentConditions(of: node, lastHeard: lastHeard, now: now, gracePeriod: context.options.nodeMonitorGracePeriod) {
            var updated = node
            if updated.status == nil { updated.status = CoreV1.NodeStatus() }
            updated.status?.conditions = conditions
            current = try await api.updateStatus(updated)
            logger.info("node stopped posting status", metadata: ["node": "\(name)"])
            recorder.record(node, type: .normal, reason: "NodeNotReady", message: "Node \(name) status is now: NodeNotReady")
        }
        let taints = NodeHealth.desiredTaints(of: current, now: now)
        if !NodeHealth.sameTaints(taints, current.spec?.taints ?? []) {
            if current.spec == nil { current.spec = CoreV1.NodeSpec() }
            current.spec?.taints = taints.isEmpty ? nil : taints
            current = try await api.update(current)
        }
        if current.status?.conditions?.first(where: { $0.type == "Ready" })?.status == "Unknown" {
            try await markPodsNotReady(pods, now: now)
        }
        try await evict(pods, taints: current.spec?.taints ?? [], now: now)
    }

    /// Sets `Ready=False` on the node's pods that still claim to be ready.
    func markPodsNotReady(_ pods: [CoreV1.Pod], now: Date) async throws {
        let api = client.resource(CoreV1.Pod.self)
        for pod in pods {
            guard var conditions = pod.status?.conditions,
                  let index = conditions.firstIndex(where: { $0.type == "Ready" && $0.status == "True" }) else { continue }
            conditions[index].status = "False"
            conditions[index].lastTransitionTime = Time(now)
            var updated = pod
            updated.status?.conditions = conditions
            do {
                _ = try await api.updateStatus(updated)
            } catch let error as StatusError where error.code == 404 || error.code == 409 {}
        }
    }

    /// Deletes the pods whose tolerations of the node's `NoExecute` taints have run out.
    func evict(_ pods: [CoreV1.Pod], taints: [CoreV1.Taint], now: Date) async throws {
        guard taints.contains(where: { $0.effect == "NoExecute" }) else { return }
        let api = client.resource(CoreV1.Pod.self)
        for pod in pods where pod.metadata.deletionTimestamp == nil {
            guard let due = TaintEviction.evictionTime(of: pod, taints: taints, now: now), due <= now,
                  let name = pod.metadata.name, let namespace = pod.metadata.namespace else { continue }
            evictionRecorder.record(pod, type: .normal, reason: "TaintManagerEviction", message: "Marking for deletion Pod \(namespace)/\(name)")
            do {
                try await api.delete(name, namespace: namespace, options: DeleteOptions(preconditionUID: pod.metadata.uid))
            } catch let error as StatusError where error.code == 404 || error.code == 409 {}
        }
    }
}
