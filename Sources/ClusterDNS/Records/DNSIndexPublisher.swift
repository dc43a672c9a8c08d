import Synchronization

/// Holds the latest index and hands it to every subscriber (the shared part of the sources).
final class DNSIndexPublisher: Sendable {
    private struct State {
        var index: DNSRecordIndex
        var subscribers: [Int: AsyncStream<DNSRecordIndex>.Continuation] = [:]
        var nextID = 0
    }

    private let state: Mutex<State>

    init(_ index: DNSRecordIndex) {
        state = Mutex(State(index: index))
    }

    var current: DNSRecordIndex { state.withLock { $0.index } }

    /// Publishes the index that `change` makes of the current one.
    func update(_ change: (inout DNSRecordIndex) -> Void) {
        state.withLock { state in
            change(&state.index)
            for subscriber in state.subscribers.values { subscriber.yield(state.index) }
        }
    }

    func subscribe() -> AsyncStream<DNSRecordIndex> {
        let (stream, continuation) = AsyncStream<DNSRecordIndex>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let id = state.withLock { state in
            state.nextID += 1
            state.subscribers[state.nextID] = continuation
            continuation.yield(state.index)
            return state.nextID
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }
}
