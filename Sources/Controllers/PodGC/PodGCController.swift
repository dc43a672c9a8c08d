import KubeAPI
import KubeClient
import Logging
import Synchronization

/// The pod garbage collector (`pod-garbage-collector`): periodically force-deletes
/// (grace 0) pods bound to nodes that no longer exist (missing from the cache for the whole
/// quarantine, 40 s as upstream, then confirmed with a live read of the node) and terminating
/// pods that were never scheduled, and deletes the oldest finished pods beyond the
/// terminated-pod threshold.
public final class PodGCController: Controller, IdentifiedController {
    /// `pod-garbage-collector`.
    public var name: String { identity.name }
    let identity: ControllerIdentity
    let period: Duration
    let terminatedThreshold: Int
    private let quarantine: Mutex<NodeQuarantine>

    /// Upstream's quarantine for a node missing from the cache.
    public static let defaultQuarantine = Duration.seconds(40)

    /// Creates the collector, running every 20 seconds with upstream's threshold and quarantine.
    public convenience init(context: ControllerContext) {
        self.init(context: context, period: .seconds(20), terminatedThreshold: PodGCDecision.defaultTerminatedThreshold)
    }

    /// Creates the collector with its own period, threshold (`0` disables terminated-pod
    /// collection) and quarantine for missing nodes.
    public init(context: ControllerContext, period: Duration, terminatedThreshold: Int, quarantine: Duration = defaultQuarantine) {
        self.identity = ControllerIdentity("pod-garbage-collector", context: context)
        self.period = period
        self.terminatedThreshold = terminatedThreshold
        self.quarantine = Mutex(NodeQuarantine(duration: quarantine))
    }

    /// Collects until cancelled.
    public func run() async throws {
        let pods = context.informers.informer(CoreV1.Pod.self)
        let nodes = context.informers.informer(CoreV1.Node.self)
        await ControllerLoop.run(
            waitingFor: [context.informers],
            .every(period) { await self.collect(pods: pods.lister.list(), nodes: nodes.lister) })
    }

    func collect(pods: [CoreV1.Pod], nodes: Lister<CoreV1.Node>) async {
        let api = client.resource(CoreV1.Pod.self)
        for pod in PodGCDecision.terminatedToDelete(pods, threshold: terminatedThreshold) {
            await delete(pod, api: api, force: false)
        }
        // A node missing from the cache for the whole quarantine is confirmed gone with a live
        // read before its pods go.
        var missing: Set<String> = []
        for pod in pods {
            if let node = pod.spec?.nodeName, !node.isEmpty, nodes.get(node) == nil { missing.insert(node) }
        }
        let now = ContinuousClock.now
        let expired = quarantine.withLock { $0.expired(missing: missing, now: now) }
        var confirmedGone: [String: Bool] = [:]
        for node in expired {
            do {
                _ = try await client.resource(CoreV1.Node.self).get(node)
                confirmedGone[node] = false
            } catch let error as StatusError where error.code == 404 {
                confirmedGone[node] = true
            } catch {
                confirmedGone[node] = false
            }
        }
        for pod in PodGCDecision.orphaned(pods, nodeExists: { confirmedGone[$0] != true }) {
            logger.info("deleting pod of a deleted node", metadata: ["pod": "\(objectKey(pod.metadata))", "node": "\(pod.spec?.nodeName ?? "")"])
            await delete(pod, api: api, force: true)
        }
        for pod in PodGCDecision.unscheduledTerminating(pods) {
            await delete(pod, api: api, force: true)
        }
    }

    func delete(_ pod: CoreV1.Pod, api: ResourceClient<CoreV1.Pod>, force: Bool) async {
        guard let name = pod.metadata.name, let namespace = pod.metadata.namespace else { return }
        do {
            try await api.delete(name, namespace: namespace, options: DeleteOptions(gracePeriodSeconds: force ? 0 : nil, preconditionUID: pod.metadata.uid))
        } catch {
            logger.debug("pod not deleted", metadata: ["pod": "\(namespace)/\(name)", "error": "\(error)"])
        }
    }
}
