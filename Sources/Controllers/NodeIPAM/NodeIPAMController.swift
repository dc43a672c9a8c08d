import KubeAPI
import KubeClient
import Logging
import Synchronization

/// Node IPAM (upstream's range allocator, running as `node-controller`): gives each Node a
/// `spec.podCIDR`/`podCIDRs` cut from the cluster CIDR, never the same one twice, and frees
/// it when the node is deleted. Ranges nodes already have are taken over at start. When the
/// range is exhausted the node gets a `CIDRNotAvailable` event and is retried with backoff.
public final class NodeIPAMController: Controller {
    /// `node-controller` (the identity upstream's IPAM runs as).
    public let name = "node-controller"
    struct State {
        var allocator: CIDRAllocator
        /// Ranges handed out but not yet seen on the node.
        var assigned: [String: String] = [:]
    }

    let context: ControllerContext
    let client: KubeClient
    let state: Mutex<State>
    let configurationError: CIDRAllocatorError?
    let queue = WorkQueue<String>(name: "node_ipam")
    let recorder: EventRecorder
    let logger: Logger

    /// Creates the controller from the context's `clusterCIDR` and `nodeCIDRMaskSize`.
    public init(context: ControllerContext) {
        self.context = context
        self.client = context.client(for: "node-controller")
        do {
            state = Mutex(State(allocator: try CIDRAllocator(clusterCIDR: context.options.clusterCIDR, nodeMaskSize: context.options.nodeCIDRMaskSize)))
            configurationError = nil
        } catch {
            state = Mutex(State(allocator: CIDRAllocator()))
            configurationError = error
        }
        recorder = EventRecorder(client: client, component: "cidrAllocator", logger: context.logger)
        var logger = context.logger
        logger[metadataKey: "controller"] = "node-ipam-controller"
        self.logger = logger
    }

    /// Assigns ranges until cancelled.
    ///
    /// - Throws: ``CIDRAllocatorError`` when the configured cluster CIDR or mask size is invalid.
    public func run() async throws {
        if let configurationError { throw configurationError }
        let nodes = context.informers.informer(CoreV1.Node.self)
        nodes.addHandler(InformerHandler(
            onAdd: { self.queue.add($0.metadata.name ?? "") },
            onUpdate: { _, new in if (new.spec?.podCIDRs ?? []).isEmpty && new.spec?.podCIDR == nil { self.queue.add(new.metadata.name ?? "") } },
            onDelete: { node in
                self.state.withLock { state in
                    let name = node.metadata.name ?? ""
                    var cidrs = Set(node.spec?.podCIDRs ?? [])
                    if let cidr = node.spec?.podCIDR { cidrs.insert(cidr) }
                    if let pending = state.assigned.removeValue(forKey: name) { cidrs.insert(pending) }
                    for cidr in cidrs { try? state.allocator.release(cidr) }
                }
                // A freed range may unblock nodes waiting for one.
                for waiting in nodes.lister.list() where waiting.spec?.podCIDR == nil && (waiting.spec?.podCIDRs ?? []).isEmpty {
                    self.queue.add(waiting.metadata.name ?? "")
                }
            }))
        await ControllerLoop.run(
            recorders: [recorder], waitingFor: [nodes], onSynced: { self.occupyExisting(nodes) },
            .queue(queue, workers: 1) { try await self.sync($0, nodes: nodes.lister) })
    }

    /// Takes over the ranges `nodes` already have, so they are never handed out again.
    func occupyExisting(_ nodes: Informer<CoreV1.Node>) {
        self.state.withLock { state in
            for node in nodes.lister.list() {
                for cidr in Set((node.spec?.podCIDRs ?? []) + [node.spec?.podCIDR].compactMap { $0 }) {
                    do { try state.allocator.occupy(cidr) } catch {
                        logger.warning("node has a pod CIDR outside the cluster range", metadata: ["node": "\(node.metadata.name ?? "")", "cidr": "\(cidr)"])
                    }
                }
            }
        }
    }

    func sync(_ name: String, nodes: Lister<CoreV1.Node>) async throws {
        guard let node = nodes.get(name), node.metadata.deletionTimestamp == nil else { return }
        if let existing = node.spec?.podCIDR ?? node.spec?.podCIDRs?.first {
            state.withLock { state in
                _ = try? state.allocator.occupy(existing)
                state.assigned[name] = nil
            }
            return
        }
        let cidr: String
        do {
            cidr = try state.withLock { state throws(CIDRAllocatorError) -> String in
                if let pending = state.assigned[name] { return pending }
                let cidr = try state.allocator.allocate()
                state.assigned[name] = cidr
                return cidr
            }
        } catch {
            recorder.record(node, type: .normal, reason: "CIDRNotAvailable", message: "Node \(name) status is now: CIDRNotAvailable")
            logger.error("no pod CIDR left for node", metadata: ["node": "\(name)", "error": "\(error)"])
            throw error
        }
        do {
            _ = try await client.resource(CoreV1.Node.self).patch(
                name, type: .merge, body: ["spec": ["podCIDR": .string(cidr), "podCIDRs": [.string(cidr)]]])
            logger.info("assigned pod CIDR", metadata: ["node": "\(name)", "cidr": "\(cidr)"])
        } catch let error as StatusError where error.code == 404 {
            state.withLock { state in
                state.assigned[name] = nil
                try? state.allocator.release(cidr)
            }
        }
    }
}
