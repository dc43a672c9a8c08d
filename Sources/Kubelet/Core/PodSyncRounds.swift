import Synchronization

/// Times the kubelet's periodic full sync: a round queues every pod it knows and ends when each
/// of them went through a sync that started after the round began (a sync already under way
/// when the round starts does not count: it may have read older runtime state).
///
/// One round runs at a time. The figures are what the kubelet API's `/metrics` serves as
/// `kubelet_pod_sync_round_*`.
public final class PodSyncRounds: Sendable {
    /// The rounds finished so far.
    public struct Figures: Sendable, Equatable {
        /// How many rounds finished.
        public var rounds = 0
        /// Their total duration.
        public var total: Duration = .zero
        /// The last round's duration.
        public var last: Duration = .zero
        /// How many pods the last round synced.
        public var lastPods = 0
    }

    private struct Round {
        var start: Duration
        var pending: Set<String>
        var continuation: CheckedContinuation<Void, Never>?
    }

    private struct State {
        var round: Round?
        var figures = Figures()
    }

    private let state = Mutex(State())

    /// Creates a tracker with no rounds.
    public init() {}

    /// The figures of the rounds finished so far.
    public var figures: Figures { state.withLock { $0.figures } }

    /// Runs one round over `pods` starting at `start`: calls `enqueue` once the round is set up,
    /// then waits until every pod was reported by ``synced(_:startedAt:)`` with a start at or
    /// after `start` (or until the task is cancelled), and records the round as ending at `now()`.
    /// - Returns: the round's duration, `nil` when it was cancelled.
    @discardableResult
    func run(pods: Set<String>, start: Duration, now: () -> Duration, enqueue: () -> Void) async -> Duration? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resume = state.withLock { state -> Bool in
                    if pods.isEmpty || Task.isCancelled { return true }
                    state.round = Round(start: start, pending: pods, continuation: continuation)
                    return false
                }
                if resume { continuation.resume() } else { enqueue() }
            }
        } onCancel: {
            let continuation = state.withLock { state -> CheckedContinuation<Void, Never>? in
                defer { state.round = nil }
                return state.round?.continuation
            }
            continuation?.resume()
        }
        guard !Task.isCancelled else { return nil }
        let took = now() - start
        state.withLock { state in
            state.figures.rounds += 1
            state.figures.total += took
            state.figures.last = took
            state.figures.lastPods = pods.count
        }
        return took
    }

    /// Notes that the pod with `uid` finished a sync that began at `startedAt`.
    func synced(_ uid: String, startedAt: Duration) {
        let continuation = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard var round = state.round, startedAt >= round.start, round.pending.remove(uid) != nil else { return nil }
            if round.pending.isEmpty {
                state.round = nil
                return round.continuation
            }
            state.round = round
            return nil
        }
        continuation?.resume()
    }
}
