import Datastore
import Logging
import Synchronization

extension HealthCheck {
    /// How long a check that waits on something may take before it counts as failed.
    public static let defaultDeadline: Duration = .seconds(2)

    /// `etcd` (upstream's name for the storage check): a read from the datastore answers
    /// within `deadline`, on every probe.
    public static func datastore(_ datastore: any Datastore, deadline: Duration = defaultDeadline) -> HealthCheck {
        let key = datastore.keyPrefix + "health"
        return HealthCheck(name: "etcd") {
            await withinDeadline(deadline) {
                do {
                    _ = try await datastore.get(key: key, revision: nil)
                    return true
                } catch {
                    return false
                }
            }
        }
    }

    /// `log`: writing a (trace-level) message through `logger` returns within `deadline`, so
    /// the process is not stuck on a blocked log output. On every probe.
    public static func log(_ logger: Logger, deadline: Duration = defaultDeadline) -> HealthCheck {
        HealthCheck(name: "log") {
            await withinDeadline(deadline) {
                logger.trace("health check")
                return true
            }
        }
    }

    /// `informer-sync` (`/readyz` only): the watch cache has loaded every resource and follows
    /// the datastore.
    public static func informerSync(_ cache: WatchCache) -> HealthCheck {
        HealthCheck(name: "informer-sync", probes: [.readyz]) { cache.isSynced }
    }

    /// Runs `operation` and returns its answer, or `false` once `deadline` passes first (the
    /// operation is then cancelled and its answer ignored).
    static func withinDeadline(_ deadline: Duration, _ operation: @escaping @Sendable () async -> Bool) async -> Bool {
        let answer = OneAnswer()
        return await withCheckedContinuation { continuation in
            answer.set(continuation)
            let work = Task {
                answer.give(await operation())
            }
            let timer = Task {
                try? await Task.sleep(for: deadline)
                answer.give(false)
                work.cancel()
            }
            answer.onAnswer { timer.cancel() }
        }
    }
}

/// The first of several answers to one waiting continuation; later ones are dropped.
private final class OneAnswer: Sendable {
    private struct State {
        var continuation: CheckedContinuation<Bool, Never>?
        var answered = false
        var cleanup: (@Sendable () -> Void)?
    }
    private let state = Mutex(State())

    func set(_ continuation: CheckedContinuation<Bool, Never>) {
        state.withLock { $0.continuation = continuation }
    }

    /// Runs `cleanup` once answered (at once when already answered).
    func onAnswer(_ cleanup: @escaping @Sendable () -> Void) {
        let now = state.withLock { state -> Bool in
            if state.answered { return true }
            state.cleanup = cleanup
            return false
        }
        if now { cleanup() }
    }

    func give(_ value: Bool) {
        let (continuation, cleanup) = state.withLock { state -> (CheckedContinuation<Bool, Never>?, (@Sendable () -> Void)?) in
            guard !state.answered else { return (nil, nil) }
            state.answered = true
            defer { state.continuation = nil; state.cleanup = nil }
            return (state.continuation, state.cleanup)
        }
        continuation?.resume(returning: value)
        cleanup?()
    }
}
