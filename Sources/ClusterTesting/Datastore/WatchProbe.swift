import Datastore
import Synchronization

/// Consumes a `WatchStream` on its own task and lets a test await what arrived, each wait
/// bounded by a deadline (so a missing event fails the test instead of hanging it).
public final class WatchProbe: Sendable {
    private struct Waiter {
        var id: UInt64
        var isReady: @Sendable ([WatchEvent], Bool) -> Bool
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var events: [WatchEvent] = []
        var ended = false
        var endError: (any Error)?
        var nextID: UInt64 = 1
        var waiters: [Waiter] = []
        /// Waits whose deadline passed before they were registered.
        var expired: Set<UInt64> = []
    }

    private let state = Mutex(State())
    private let consumer = Mutex<Task<Void, Never>?>(nil)

    /// Starts consuming `stream`.
    public init(_ stream: WatchStream) {
        let task = Task { [weak self] in
            do {
                for try await event in stream {
                    self?.update { $0.events.append(event) }
                }
                self?.update { $0.ended = true }
            } catch {
                self?.update {
                    $0.ended = true
                    $0.endError = error
                }
            }
        }
        consumer.withLock { $0 = task }
    }

    /// Every event received so far.
    public var received: [WatchEvent] {
        state.withLock { $0.events }
    }

    /// Whether the stream has ended.
    public var hasEnded: Bool {
        state.withLock { $0.ended }
    }

    /// Cancels the consuming task (as a client going away would).
    public func cancel() {
        consumer.withLock { $0?.cancel() }
    }

    /// Waits until at least `count` events arrived and returns the first `count`.
    ///
    /// - Throws: ``DeadlineExceeded`` after `deadline`, or when the stream ends first.
    public func events(count: Int, within deadline: Duration = .seconds(10)) async throws -> [WatchEvent] {
        try await wait(within: deadline, what: "\(count) events") { events, ended in events.count >= count || ended }
        let (events, ended, error) = state.withLock { ($0.events, $0.ended, $0.endError) }
        guard events.count >= count else {
            throw DeadlineExceeded(
                description: "watch ended after \(events.count) of \(count) events"
                    + (ended ? " with \(error.map { "\($0)" } ?? "no error")" : "")
            )
        }
        return Array(events.prefix(count))
    }

    /// Waits until the stream ends; returns the error it ended with (`nil` for a normal end).
    ///
    /// - Throws: ``DeadlineExceeded`` if it is still open after `deadline`.
    public func end(within deadline: Duration = .seconds(10)) async throws -> (any Error)? {
        try await wait(within: deadline, what: "the end of the watch") { _, ended in ended }
        return state.withLock { $0.endError }
    }

    private func wait(
        within deadline: Duration,
        what: String,
        until isReady: @escaping @Sendable ([WatchEvent], Bool) -> Bool
    ) async throws {
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
        let timer = Task {
            try? await Task.sleep(for: deadline)
            guard !Task.isCancelled else { return }
            let timedOut: (Waiter, Int)? = self.state.withLock { state in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else {
                    state.expired.insert(id)
                    return nil
                }
                return (state.waiters.remove(at: index), state.events.count)
            }
            if let (waiter, received) = timedOut {
                waiter.continuation.resume(throwing: DeadlineExceeded(
                    description: "waited \(deadline) for \(what); received \(received) events"
                ))
            }
        }
        defer { timer.cancel() }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let outcome: Bool? = state.withLock { state in
                if isReady(state.events, state.ended) { return true }
                if state.expired.remove(id) != nil { return false }
                state.waiters.append(Waiter(id: id, isReady: isReady, continuation: continuation))
                return nil
            }
            switch outcome {
            case true?: continuation.resume()
            case false?: continuation.resume(throwing: DeadlineExceeded(description: "waited \(deadline) for \(what)"))
            case nil: break
            }
        }
    }

    private func update(_ change: (inout State) -> Void) {
        let ready: [Waiter] = state.withLock { state in
            change(&state)
            var ready: [Waiter] = []
            state.waiters.removeAll { waiter in
                if waiter.isReady(state.events, state.ended) {
                    ready.append(waiter)
                    return true
                }
                return false
            }
            return ready
        }
        for waiter in ready {
            waiter.continuation.resume()
        }
    }

    deinit {
        consumer.withLock { $0?.cancel() }
    }
}
