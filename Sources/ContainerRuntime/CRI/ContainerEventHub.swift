import Kubelet
import Synchronization

/// Publishes container events to every subscriber, each event once and in lifecycle order.
///
/// Several sources report the same changes: the client's own calls (at once), the runtime's
/// event stream or the listing poller (for exits and for other clients' changes). The hub keeps
/// how far each container got (created, started, stopped, deleted) and publishes only steps
/// forward, filling in steps a source skipped (a poll that first sees a container exited
/// publishes created, started and stopped).
final class ContainerEventHub: Sendable {
    private struct Tracked {
        var sandboxID: String
        var pod: CRI.PodSandboxMetadata
        var reached: Int
        /// The hub's sequence number of the last change (see ``sequence``).
        var changedAt: UInt64
    }

    private struct State {
        var subscribers: [Int: AsyncStream<CRI.ContainerEvent>.Continuation] = [:]
        var nextSubscriber = 0
        var tracked: [String: Tracked] = [:]
        /// Containers already deleted, so a late report cannot bring them back (bounded).
        var deleted: Set<String> = []
        var deletedOrder: [String] = []
        var sequence: UInt64 = 0
        var finished = false
    }

    private static let order: [CRI.ContainerEventType] = [.created, .started, .stopped, .deleted]
    private static let deletedMemory = 4096
    private let state = Mutex(State())

    /// A new subscription from now on.
    func subscribe() -> AsyncStream<CRI.ContainerEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: CRI.ContainerEvent.self, bufferingPolicy: .unbounded)
        let key: Int? = state.withLock { state in
            guard !state.finished else { return nil }
            let key = state.nextSubscriber
            state.nextSubscriber += 1
            state.subscribers[key] = continuation
            return key
        }
        guard let key else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: key) }
        }
        return stream
    }

    /// Whether anyone listens.
    var hasSubscribers: Bool { state.withLock { !$0.subscribers.isEmpty } }

    /// A counter that grows with every change; a poll notes it before listing, so containers
    /// created meanwhile are not mistaken for deleted ones.
    var sequence: UInt64 { state.withLock { $0.sequence } }

    /// Ends every subscription.
    func finish() {
        let subscribers = state.withLock { state in
            state.finished = true
            defer { state.subscribers = [:] }
            return Array(state.subscribers.values)
        }
        for subscriber in subscribers { subscriber.finish() }
    }

    /// Records that a container (with its sandbox and pod) reached `step`, publishing the steps
    /// between. A report about a deleted container, or one behind what is known, changes nothing.
    func publish(containerID: String, sandboxID: String, pod: CRI.PodSandboxMetadata, reached step: CRI.ContainerEventType, at time: Int64) {
        let target = Self.order.firstIndex(of: step)!
        let (events, subscribers) = state.withLock { state -> ([CRI.ContainerEvent], [AsyncStream<CRI.ContainerEvent>.Continuation]) in
            guard !state.deleted.contains(containerID) else { return ([], []) }
            let previous = state.tracked[containerID]
            let from = (previous?.reached ?? -1) + 1
            guard from <= target else { return ([], []) }
            state.sequence += 1
            let entry = Tracked(sandboxID: sandboxID, pod: previous?.pod ?? pod, reached: target, changedAt: state.sequence)
            if target == Self.order.count - 1 {
                state.tracked[containerID] = nil
                state.deleted.insert(containerID)
                state.deletedOrder.append(containerID)
                if state.deletedOrder.count > Self.deletedMemory {
                    state.deleted.remove(state.deletedOrder.removeFirst())
                }
            } else {
                state.tracked[containerID] = entry
            }
            let events = (from...target).map {
                CRI.ContainerEvent(containerID: containerID, type: Self.order[$0], createdAt: time, podSandboxID: entry.sandboxID, pod: entry.pod)
            }
            return (events, Array(state.subscribers.values))
        }
        for subscriber in subscribers {
            for event in events { subscriber.yield(event) }
        }
    }

    /// Records that a container the hub already tracks reached `step`; unknown containers are
    /// left to the event source (which learns their sandbox).
    func advance(containerID: String, to step: CRI.ContainerEventType, at time: Int64) {
        guard let known = state.withLock({ $0.tracked[containerID] }) else { return }
        publish(containerID: containerID, sandboxID: known.sandboxID, pod: known.pod, reached: step, at: time)
    }

    /// Notes containers that exist without publishing anything (a poller's first listing: events
    /// are only for changes from the subscription on).
    func baseline(_ containers: [(id: String, sandboxID: String, pod: CRI.PodSandboxMetadata, reached: CRI.ContainerEventType)]) {
        state.withLock { state in
            for container in containers where state.tracked[container.id] == nil && !state.deleted.contains(container.id) {
                state.sequence += 1
                state.tracked[container.id] = Tracked(
                    sandboxID: container.sandboxID, pod: container.pod,
                    reached: Self.order.firstIndex(of: container.reached)!, changedAt: state.sequence)
            }
        }
    }

    /// The tracked containers that did not change after `sequence` and are not in `present`:
    /// those a listing taken after `sequence` shows as gone.
    func vanished(notIn present: Set<String>, unchangedSince sequence: UInt64) -> [String] {
        state.withLock { state in
            state.tracked.filter { !present.contains($0.key) && $0.value.changedAt <= sequence }.map(\.key)
        }
    }
}
