import DequeModule
import Synchronization

/// A controller's work queue: keys to reconcile, deduplicated while waiting, never handed to
/// two workers at once, with delayed and rate-limited re-adds.
///
/// A worker loops `while let key = await queue.next() { ...; queue.done(key) }`. A key added
/// while a worker holds it is queued again when the worker calls ``done(_:)``.
public final class WorkQueue<Key: Hashable & Sendable>: Sendable {
    private struct State {
        var queue: Deque<Key> = []
        var dirty: Set<Key> = []
        var processing: Set<Key> = []
        var waiters: Deque<(id: Int, continuation: CheckedContinuation<Key?, Never>)> = []
        var nextWaiter = 0
        var failures: [Key: Int] = [:]
        var bucket: TokenBucket
        var shutDown = false
    }

    /// The queue's name, for logs and metrics.
    public let name: String
    /// How failed keys are delayed.
    public let rateLimiter: RateLimiter
    private let state: Mutex<State>
    private let sleep: @Sendable (Duration) async throws -> Void

    /// Creates a queue. `sleep` waits for delayed adds (inject one to control time in tests).
    public init(
        name: String, rateLimiter: RateLimiter = .default,
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        self.name = name
        self.rateLimiter = rateLimiter
        self.sleep = sleep
        self.state = Mutex(State(bucket: TokenBucket(tokens: Double(rateLimiter.burst), last: .now)))
    }

    /// Queues `key` unless it is already waiting.
    public func add(_ key: Key) {
        let handoff = state.withLock { state -> CheckedContinuation<Key?, Never>? in
            guard !state.shutDown, !state.dirty.contains(key) else { return nil }
            state.dirty.insert(key)
            if state.processing.contains(key) { return nil }
            if let waiter = state.waiters.popFirst() {
                state.dirty.remove(key)
                state.processing.insert(key)
                return waiter.continuation
            }
            state.queue.append(key)
            return nil
        }
        handoff?.resume(returning: key)
    }

    /// Queues `key` after `delay`.
    public func addAfter(_ key: Key, _ delay: Duration) {
        guard delay > .zero else { return add(key) }
        Task {
            try? await sleep(delay)
            self.add(key)
        }
    }

    /// Queues `key` after its backoff: call when reconciling it failed.
    public func addRateLimited(_ key: Key) {
        let delay = state.withLock { state -> Duration in
            let failures = state.failures[key, default: 0]
            state.failures[key] = failures + 1
            let overall = state.bucket.reserve(now: .now, limiter: rateLimiter)
            return max(rateLimiter.backoff(failures: failures), overall)
        }
        addAfter(key, delay)
    }

    /// Clears `key`'s failure count: call when reconciling it succeeded.
    public func forget(_ key: Key) {
        _ = state.withLock { $0.failures.removeValue(forKey: key) }
    }

    /// How many times `key` failed since it was last forgotten.
    public func failures(_ key: Key) -> Int {
        state.withLock { $0.failures[key, default: 0] }
    }

    /// The next key to work on; waits while the queue is empty. `nil` once the queue is shut
    /// down or the calling task is cancelled.
    public func next() async -> Key? {
        let id = state.withLock { state -> Int in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Key?, Never>) in
                let immediate = state.withLock { state -> Key?? in
                    if let key = state.queue.popFirst() {
                        state.dirty.remove(key)
                        state.processing.insert(key)
                        return .some(key)
                    }
                    if state.shutDown || Task.isCancelled { return .some(nil) }
                    state.waiters.append((id, continuation))
                    return .none
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Key?, Never>? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index).continuation
            }
            waiter?.resume(returning: nil)
        }
    }

    /// Marks `key` finished; if it was added meanwhile, it is queued again.
    public func done(_ key: Key) {
        let handoff = state.withLock { state -> CheckedContinuation<Key?, Never>? in
            state.processing.remove(key)
            guard state.dirty.contains(key), !state.shutDown else { return nil }
            if let waiter = state.waiters.popFirst() {
                state.dirty.remove(key)
                state.processing.insert(key)
                return waiter.continuation
            }
            state.queue.append(key)
            return nil
        }
        handoff?.resume(returning: key)
    }

    /// Stops the queue: waiting and later ``next()`` calls return `nil`; adds are ignored.
    public func shutdown() {
        let waiters = state.withLock { state -> [CheckedContinuation<Key?, Never>] in
            state.shutDown = true
            defer { state.waiters = [] }
            return state.waiters.map(\.continuation)
        }
        for waiter in waiters { waiter.resume(returning: nil) }
    }

    /// Keys waiting (not counting those being processed).
    public var count: Int { state.withLock { $0.queue.count } }

    /// Runs `workers` concurrent loops that take keys and call `reconcile`; a thrown error
    /// re-adds the key with backoff, success forgets its failures. Returns when the queue shuts
    /// down or the task is cancelled.
    public func run(workers: Int, _ reconcile: @escaping @Sendable (Key) async throws -> Void) async {
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<max(1, workers) {
                group.addTask {
                    while let key = await self.next() {
                        do {
                            try await reconcile(key)
                            self.forget(key)
                        } catch is CancellationError {
                            self.done(key)
                            return
                        } catch {
                            self.addRateLimited(key)
                        }
                        self.done(key)
                    }
                }
            }
        }
    }
}
