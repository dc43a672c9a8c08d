import Synchronization

/// A one-shot event that any number of tasks can wait for: once `signal()` is called every
/// current and future `wait()` returns. A waiting task that is cancelled returns early.
final class AsyncLatch: Sendable {
    private struct State {
        var signalled = false
        var nextID: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = Mutex(State())

    init() {}

    /// Whether `signal()` has been called.
    var isSignalled: Bool {
        state.withLock { $0.signalled }
    }

    /// Releases every waiter, now and later. Calling it again does nothing.
    func signal() {
        let waiters: [CheckedContinuation<Void, Never>] = state.withLock { state in
            guard !state.signalled else { return [] }
            state.signalled = true
            let waiters = Array(state.waiters.values)
            state.waiters.removeAll()
            return waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once the latch is signalled, or as soon as the calling task is cancelled.
    func wait() async {
        let id: UInt64? = state.withLock { state in
            if state.signalled { return nil }
            state.nextID &+= 1
            return state.nextID
        }
        guard let id else { return }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.signalled || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume()
        }
    }
}
