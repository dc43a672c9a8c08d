import DequeModule
import Synchronization

/// A work queue of keys to reconcile (a controller's objects, a kubelet's pods): deduplicated
/// while waiting, never handed to two workers at once, with delayed and rate-limited re-adds.
///
/// A worker loops `while let key = await queue.next() { ...; queue.done(key) }`. A key added
/// while a worker holds it is queued again when the worker calls ``done(_:)``.
///
/// Delayed adds keep at most one timer per key: of several pending delayed adds of a key, only
/// the one due first fires (a later one is dropped, an earlier one replaces it).
public final class WorkQueue<Key: Hashable & Sendable>: Sendable {
    private struct State {
        var queue: Deque<Key> = []
        var dirty: Set<Key> = []
        var processing: Set<Key> = []
        var waiters: Deque<(id: Int, continuation: CheckedContinuation<Key?, Never>)> = []
        var nextWaiter = 0
        var failures: [Key: Int] = [:]
        var bucket: TokenBucket
        /// The pending delayed add of each key: when it is due (on the queue's clock) and its timer.
        var timers: [Key: (deadline: Duration, id: Int, task: Task<Void, Never>)] = [:]
        var nextTimer = 0
        var shutDown = false
    }

    /// The queue's name, for logs and metrics.
    public let name: String
    /// How failed keys are delayed.
    public let rateLimiter: RateLimiter
    private let state: Mutex<State>
    /// Time elapsed on the queue's clock since the queue was made.
    private let elapsed: @Sendable () -> Duration
    /// Waits out a delayed add: given its delay and its deadline on ``elapsed``'s timeline.
    private let wait: @Sendable (_ delay: Duration, _ deadline: Duration) async throws -> Void

    /// Creates a queue. `sleep` waits for delayed adds (inject one to control time in tests);
    /// deadlines are measured on the continuous clock.
    public convenience init(
        name: String, rateLimiter: RateLimiter = .default,
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        let origin = ContinuousClock.now
        self.init(
            name: name, rateLimiter: rateLimiter, elapsed: { origin.duration(to: .now) },
            wait: { delay, _ in try await sleep(delay) })
    }

    /// Creates a queue whose delayed adds wait on `clock` (a test's manual clock, or the clock
    /// a kubelet runs on).
    public convenience init<C: Clock>(name: String, rateLimiter: RateLimiter = .default, clock: C) where C.Duration == Duration {
        let origin = clock.now
        self.init(
            name: name, rateLimiter: rateLimiter, elapsed: { origin.duration(to: clock.now) },
            wait: { _, deadline in try await clock.sleep(until: origin.advanced(by: deadline), tolerance: nil) })
    }

    private init(
        name: String, rateLimiter: RateLimiter, elapsed: @escaping @Sendable () -> Duration,
        wait: @escaping @Sendable (_ delay: Duration, _ deadline: Duration) async throws -> Void
    ) {
        self.name = name
        self.rateLimiter = rateLimiter
        self.elapsed = elapsed
        self.wait = wait
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

    /// Queues `key` after `delay` (at once when `delay` is not positive). When `key` already has
    /// a delayed add pending, the one due first is kept and the other dropped.
    public func addAfter(_ key: Key, _ delay: Duration) {
        guard delay > .zero else { return add(key) }
        let deadline = elapsed() + delay
        let replaced = state.withLock { state -> Task<Void, Never>? in
            guard !state.shutDown else { return nil }
            if let pending = state.timers[key], pending.deadline <= deadline { return nil }
            state.nextTimer += 1
            let id = state.nextTimer
            let task = Task { [wait] in
                try? await wait(delay, deadline)
                self.fire(key, timer: id)
            }
            return state.timers.updateValue((deadline, id, task), forKey: key)?.task
        }
        replaced?.cancel()
    }

    /// Keys with a delayed add pending.
    public var delayedCount: Int { state.withLock { $0.timers.count } }

    /// Adds `key` if timer `id` is still its pending delayed add.
    private func fire(_ key: Key, timer id: Int) {
        let due = state.withLock { state -> Bool in
            guard state.timers[key]?.id == id else { return false }
            state.timers[key] = nil
            return true
        }
        if due { add(key) }
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

    /// Stops the queue: waiting and later ``next()`` calls return `nil`; adds are ignored and
    /// pending delayed adds are cancelled.
    public func shutdown() {
        let (waiters, timers) = state.withLock { state -> ([CheckedContinuation<Key?, Never>], [Task<Void, Never>]) in
            state.shutDown = true
            defer {
                state.waiters = []
                state.timers = [:]
            }
            return (state.waiters.map(\.continuation), state.timers.values.map(\.task))
        }
        for timer in timers { timer.cancel() }
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
