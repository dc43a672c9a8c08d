import Synchronization

/// A keyed work queue for pod syncs: a key is queued at most once, never handed out while it is
/// being processed (an add during processing queues it again once `done` is called), and can be
/// added after a delay on the kubelet's clock. One consumer calls `next()`.
final class PodWorkQueue: Sendable {
    private struct State {
        var order: [String] = []
        var head = 0
        var queued: Set<String> = []
        var processing: Set<String> = []
        var dirty: Set<String> = []
        var timers: [String: Duration] = [:]
        var waiter: CheckedContinuation<String?, Never>?
        var isShutDown = false
    }

    private let state = Mutex(State())
    private let clock: KubeletClock

    init(clock: KubeletClock) {
        self.clock = clock
    }

    /// Queues `key` unless it is already queued.
    func add(_ key: String) {
        let waiter = state.withLock { state -> CheckedContinuation<String?, Never>? in
            guard !state.isShutDown else { return nil }
            if state.processing.contains(key) {
                state.dirty.insert(key)
                return nil
            }
            guard state.queued.insert(key).inserted else { return nil }
            if let waiter = state.waiter {
                state.waiter = nil
                state.queued.remove(key)
                state.processing.insert(key)
                return waiter
            }
            state.order.append(key)
            return nil
        }
        waiter?.resume(returning: key)
    }

    /// Queues `key` once the clock reaches `deadline` (elapsed time); an earlier pending timer for
    /// the same key wins.
    func add(_ key: String, at deadline: Duration) {
        let schedule = state.withLock { state -> Bool in
            if let existing = state.timers[key], existing <= deadline { return false }
            state.timers[key] = deadline
            return true
        }
        guard schedule else { return }
        let clock = self.clock
        Task { [weak self] in
            try? await clock.sleep(until: deadline)
            guard let self else { return }
            let fire = self.state.withLock { state -> Bool in
                guard state.timers[key] == deadline else { return false }
                state.timers[key] = nil
                return true
            }
            if fire { self.add(key) }
        }
    }

    /// The next key to process, `nil` after shutdown. The caller must call `done` for it.
    func next() async -> String? {
        await withCheckedContinuation { (continuation: CheckedContinuation<String?, Never>) in
            let immediate = state.withLock { state -> String?? in
                if state.isShutDown { return .some(nil) }
                if state.head < state.order.count {
                    let key = state.order[state.head]
                    state.head += 1
                    if state.head > 1024 && state.head * 2 > state.order.count {
                        state.order.removeFirst(state.head)
                        state.head = 0
                    }
                    state.queued.remove(key)
                    state.processing.insert(key)
                    return .some(key)
                }
                state.waiter = continuation
                return nil
            }
            if let immediate { continuation.resume(returning: immediate) }
        }
    }

    /// Marks `key` processed; queues it again if it was added meanwhile.
    func done(_ key: String) {
        let again = state.withLock { state -> Bool in
            state.processing.remove(key)
            return state.dirty.remove(key) != nil
        }
        if again { add(key) }
    }

    /// Stops handing out keys; a waiting `next()` returns `nil`.
    func shutdown() {
        let waiter = state.withLock { state -> CheckedContinuation<String?, Never>? in
            state.isShutDown = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: nil)
    }
}
