/// Why no node could take a pod: each rejected node's failure, and what preemption found.
public struct FitError: Sendable, Error, Hashable {
    /// How many nodes the snapshot had.
    public var numAllNodes: Int
    /// The failure of every rejected node, by node name.
    public var failures: [String: FilterFailure]
    /// What preemption reported (`preemption: ...`), appended to the message.
    public var preemptionMessage: String?
    /// Why the pod was rejected before any node was tried; the message then gives it instead
    /// of counting nodes per reason.
    public var preFilterMessage: String?

    /// Creates a fit error.
    public init(numAllNodes: Int, failures: [String: FilterFailure], preemptionMessage: String? = nil, preFilterMessage: String? = nil) {
        self.numAllNodes = numAllNodes
        self.failures = failures
        self.preemptionMessage = preemptionMessage
        self.preFilterMessage = preFilterMessage
    }

    /// The event and condition message, in upstream's shape:
    /// `0/3 nodes are available: 1 Too many pods, 2 Insufficient cpu. preemption: ...`, or with
    /// a PreFilter rejection `0/3 nodes are available: <its message>. preemption: ...`.
    public var message: String {
        let base = preFilterMessage.map { "0/\(numAllNodes) nodes are available: \($0)." }
            ?? Self.histogram(numAllNodes: numAllNodes, reasons: failures.values.map(\.reasons))
        guard let preemptionMessage else { return base }
        return base + " " + preemptionMessage
    }

    /// `0/N nodes are available: ` followed by `count reason` entries (sorted as strings, joined
    /// by `, `) and a full stop. Each node counts once per distinct reason.
    public static func histogram(numAllNodes: Int, reasons: [[String]]) -> String {
        var counts: [String: Int] = [:]
        for nodeReasons in reasons {
            for reason in Set(nodeReasons) { counts[reason, default: 0] += 1 }
        }
        let entries = counts.map { "\($0.value) \($0.key)" }.sorted()
        return "0/\(numAllNodes) nodes are available: " + entries.joined(separator: ", ") + "."
    }
}

/// Why a scheduling attempt produced no node.
public enum SchedulingError: Error, Sendable, Hashable {
    /// The cluster has no nodes.
    case noNodesAvailable
    /// The pod's scheduling constraints cannot be evaluated (an invalid selector, for example).
    case invalidPod(String)
    /// Every node was rejected.
    case unschedulable(FitError)

    /// The message recorded in the `FailedScheduling` event and the `PodScheduled` condition.
    public var message: String {
        switch self {
        case .noNodesAvailable: return "no nodes available to schedule pods"
        case .invalidPod(let reason): return reason
        case .unschedulable(let fit): return fit.message
        }
    }
}
