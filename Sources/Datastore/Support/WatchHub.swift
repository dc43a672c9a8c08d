import Synchronization

/// Fans committed changes out to watchers: the live half of `Datastore.watch`.
///
/// A store publishes every committed change exactly once, in revision order, with no gaps
/// (``publish(_:)-(WatchEvent)``). To start a watch it first calls ``register(prefix:fromRevision:)``;
/// from then on the watcher collects every published change above `fromRevision`. The
/// registration's ``WatchRegistration/replayThrough`` names the last revision published before
/// it; the store reads its history in `(fromRevision, replayThrough]` and passes it to
/// ``WatchRegistration/start(history:)``, which returns the stream: the history first, then
/// whatever was published meanwhile, then live changes. Nothing is lost or repeated.
///
/// Each watcher has a bounded buffer (``bufferLimit`` events on top of its history); a consumer
/// that falls further behind is dropped with `DatastoreError.watcherTooSlow`. Cancelling the
/// consuming task removes its watcher. ``close()`` ends every stream with `DatastoreError.closed`.
///
/// Publishing never blocks and never waits for a consumer: it hands each event to the matching
/// watchers' stream continuations directly.
public final class WatchHub: Sendable {
    /// The default number of undelivered events a watcher may hold before it is dropped.
    public static let defaultBufferLimit = 100_000

    /// The most undelivered live events one watcher may hold.
    public let bufferLimit: Int

    private let state: Mutex<State>

    /// Creates a hub for a store whose latest committed revision is `currentRevision`.
    ///
    /// - Parameters:
    ///   - currentRevision: The revision already committed when the hub starts (0 for an empty
    ///     store); the first published event must be the next one.
    ///   - bufferLimit: How many undelivered live events a watcher may hold before it is dropped.
    public init(currentRevision: Int64 = 0, bufferLimit: Int = WatchHub.defaultBufferLimit) {
        self.bufferLimit = max(1, bufferLimit)
        self.state = Mutex(State(lastPublished: currentRevision))
    }

    /// The revision of the last event published (or the starting revision).
    public var lastPublishedRevision: Int64 {
        state.withLock { $0.lastPublished }
    }

    /// How many watchers are registered (pending or streaming).
    public var watcherCount: Int {
        state.withLock { $0.watchers.count }
    }

    /// Registers a watcher of keys under `prefix` that receives changes above `fromRevision`.
    ///
    /// Call this before reading history, then read the history in
    /// `(fromRevision, registration.replayThrough]` and call `start(history:)`; call `cancel()`
    /// (or drop the registration) if reading the history fails.
    ///
    /// - Throws: `DatastoreError.closed` once the hub is closed.
    public func register(prefix: String, fromRevision: Int64) throws(DatastoreError) -> WatchRegistration {
        let result: (UInt64, Int64)? = state.withLock { state in
            guard !state.closed else { return nil }
            let id = state.nextID
            state.nextID += 1
            state.watchers[id] = Watcher(
                prefix: Array(prefix.utf8),
                fromRevision: fromRevision,
                lastRevision: max(fromRevision, state.lastPublished),
                phase: .pending([], overflowed: false)
            )
            return (id, state.lastPublished)
        }
        guard let (id, through) = result else { throw .closed }
        return WatchRegistration(hub: self, id: id, prefix: prefix, fromRevision: fromRevision, replayThrough: through)
    }

    /// Publishes one committed change. Events must come in revision order.
    public func publish(_ event: WatchEvent) {
        let finished: [Finish] = state.withLock { state in
            var finished: [Finish] = []
            state.deliver(event, limit: bufferLimit, finished: &finished)
            return finished
        }
        finish(finished)
    }

    /// Publishes committed changes, in revision order.
    public func publish(_ events: some Sequence<WatchEvent>) {
        let finished: [Finish] = state.withLock { state in
            var finished: [Finish] = []
            for event in events {
                state.deliver(event, limit: bufferLimit, finished: &finished)
            }
            return finished
        }
        finish(finished)
    }

    /// Ends every watch with `DatastoreError.closed`; later registrations fail with `closed`.
    public func close() {
        let finished: [Finish] = state.withLock { state in
            state.closed = true
            var finished: [Finish] = []
            for (_, watcher) in state.watchers {
                if case .live(let continuation) = watcher.phase {
                    finished.append(Finish(continuation: continuation, error: .closed))
                }
            }
            // Pending watchers learn about the close when they start.
            state.watchers = state.watchers.filter { $0.value.isPending }
            return finished
        }
        finish(finished)
    }

    // MARK: - Registration support

    func start(_ registration: WatchRegistration, history: [WatchEvent]) -> WatchStream {
        let prefixBytes = Array(registration.prefix.utf8)
        let relevant = history.filter {
            $0.revision > registration.fromRevision && $0.revision <= registration.replayThrough
                && ByteOrder.hasPrefix($0.key, bytes: prefixBytes)
        }
        let (stream, continuation) = WatchStream.makeStream(
            of: WatchEvent.self,
            throwing: (any Error).self,
            bufferingPolicy: .bufferingOldest(Self.capacity(bufferLimit, plus: relevant.count))
        )
        let id = registration.id
        continuation.onTermination = { [weak self] _ in
            self?.remove(id)
        }
        for event in relevant {
            continuation.yield(event)
        }
        let lastHistoryRevision = relevant.last?.revision
        let ending: DatastoreError? = state.withLock { state in
            guard var watcher = state.watchers[id], case .pending(let pending, let overflowed) = watcher.phase else {
                // Cancelled or the hub closed before starting.
                return .closed
            }
            if let lastHistoryRevision { watcher.lastRevision = max(watcher.lastRevision, lastHistoryRevision) }
            for event in pending {
                continuation.yield(event)
                watcher.lastRevision = event.revision
            }
            if state.closed {
                state.watchers[id] = nil
                return .closed
            }
            if overflowed {
                state.watchers[id] = nil
                return .watcherTooSlow(lastDeliveredRevision: watcher.lastRevision)
            }
            watcher.phase = .live(continuation)
            state.watchers[id] = watcher
            return nil
        }
        if let ending {
            continuation.finish(throwing: ending)
        }
        return stream
    }

    /// `limit + history`, saturating instead of overflowing.
    static func capacity(_ limit: Int, plus history: Int) -> Int {
        let (sum, overflow) = limit.addingReportingOverflow(history)
        return overflow ? Int.max : sum
    }

    func remove(_ id: UInt64) {
        // Take the watcher out under the lock but release it (and its continuation) outside.
        let removed = state.withLock { $0.watchers.removeValue(forKey: id) }
        _ = removed
    }

    func removeIfPending(_ id: UInt64) {
        let removed: Watcher? = state.withLock { state in
            guard let watcher = state.watchers[id], watcher.isPending else { return nil }
            return state.watchers.removeValue(forKey: id)
        }
        _ = removed
    }

    private func finish(_ finished: [Finish]) {
        for item in finished {
            item.continuation.finish(throwing: item.error)
        }
    }

    // MARK: - State

    struct Finish {
        var continuation: WatchStream.Continuation
        var error: DatastoreError
    }

    struct Watcher {
        enum Phase {
            case pending([WatchEvent], overflowed: Bool)
            case live(WatchStream.Continuation)
        }

        var prefix: [UInt8]
        var fromRevision: Int64
        /// The revision of the last event handed to the consumer (or its starting point).
        var lastRevision: Int64
        var phase: Phase

        var isPending: Bool {
            if case .pending = phase { return true }
            return false
        }
    }

    struct State {
        var lastPublished: Int64
        var closed = false
        var nextID: UInt64 = 1
        var watchers: [UInt64: Watcher] = [:]

        init(lastPublished: Int64) {
            self.lastPublished = lastPublished
        }

        mutating func deliver(_ event: WatchEvent, limit: Int, finished: inout [Finish]) {
            lastPublished = max(lastPublished, event.revision)
            guard !watchers.isEmpty else { return }
            var dropped: [UInt64] = []
            var index = watchers.values.startIndex
            while index != watchers.values.endIndex {
                defer { index = watchers.values.index(after: index) }
                guard event.revision > watchers.values[index].fromRevision,
                      ByteOrder.hasPrefix(event.key, bytes: watchers.values[index].prefix)
                else { continue }
                switch watchers.values[index].phase {
                case .live(let continuation):
                    switch continuation.yield(event) {
                    case .enqueued:
                        watchers.values[index].lastRevision = event.revision
                    case .dropped:
                        finished.append(Finish(
                            continuation: continuation,
                            error: .watcherTooSlow(lastDeliveredRevision: watchers.values[index].lastRevision)
                        ))
                        dropped.append(watchers.keys[index])
                    case .terminated:
                        dropped.append(watchers.keys[index])
                    @unknown default:
                        dropped.append(watchers.keys[index])
                    }
                case .pending(var pending, let overflowed):
                    guard !overflowed else { continue }
                    watchers.values[index].phase = .pending([], overflowed: false)
                    if pending.count >= limit {
                        watchers.values[index].phase = .pending(pending, overflowed: true)
                    } else {
                        pending.append(event)
                        watchers.values[index].phase = .pending(pending, overflowed: false)
                    }
                }
            }
            for id in dropped {
                watchers[id] = nil
            }
        }
    }
}

/// A watcher registered with a ``WatchHub`` that has not started streaming yet.
///
/// Dropping it (or calling ``cancel()``) before ``start(history:)`` unregisters the watcher.
public final class WatchRegistration: Sendable {
    let hub: WatchHub
    let id: UInt64
    /// The prefix being watched.
    public let prefix: String
    /// Changes above this revision are streamed.
    public let fromRevision: Int64
    /// The last revision published before registering: the store must replay its history in
    /// `(fromRevision, replayThrough]`; later changes arrive live.
    public let replayThrough: Int64

    init(hub: WatchHub, id: UInt64, prefix: String, fromRevision: Int64, replayThrough: Int64) {
        self.hub = hub
        self.id = id
        self.prefix = prefix
        self.fromRevision = fromRevision
        self.replayThrough = replayThrough
    }

    /// Starts the stream with `history` (the changes under the prefix in
    /// `(fromRevision, replayThrough]`, in revision order; others are ignored), followed by the
    /// changes published since registering and then live ones. Call it once.
    public func start(history: [WatchEvent]) -> WatchStream {
        hub.start(self, history: history)
    }

    /// Unregisters the watcher without starting it (when reading the history failed).
    public func cancel() {
        hub.removeIfPending(id)
    }

    deinit {
        hub.removeIfPending(id)
    }
}
