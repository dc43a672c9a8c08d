import NIOCore
import Synchronization

/// Batches the watch outputs of one event loop that have bytes pending, so an event fanned
/// out to many watchers costs one hop to the loop rather than one per watcher.
final class WatchFlushQueue: Sendable {
    /// One queue per event loop, made on first use.
    final class Registry: Sendable {
        private let queues = Mutex<[ObjectIdentifier: WatchFlushQueue]>([:])

        init() {}

        /// The queue of `eventLoop`.
        func queue(for eventLoop: any EventLoop) -> WatchFlushQueue {
            queues.withLock { queues in
                if let queue = queues[ObjectIdentifier(eventLoop)] { return queue }
                let queue = WatchFlushQueue(eventLoop: eventLoop)
                queues[ObjectIdentifier(eventLoop)] = queue
                return queue
            }
        }
    }

    private let eventLoop: any EventLoop
    private let state = Mutex<(outputs: [ChannelWatchOutput], scheduled: Bool)>(([], false))

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    /// Drains `output` on the loop soon (with every other output enqueued until then).
    func enqueue(_ output: ChannelWatchOutput) {
        let schedule = state.withLock { state -> Bool in
            state.outputs.append(output)
            if state.scheduled { return false }
            state.scheduled = true
            return true
        }
        if schedule { eventLoop.execute { self.run() } }
    }

    private func run() {
        let outputs = state.withLock { state -> [ChannelWatchOutput] in
            state.scheduled = false
            defer { state.outputs = [] }
            return state.outputs
        }
        for output in outputs { output.drain() }
    }
}
