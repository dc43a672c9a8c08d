import HTTPTypes
import NIOCore
import NIOHTTPTypes
import Synchronization

/// A ``WatchOutput`` writing straight to an HTTP/1.1 connection's or HTTP/2 stream's channel.
///
/// Lines the producer queues are written on the channel's event loop by its ``WatchFlushQueue``:
/// everything pending for the channel in one go, then one flush. No task runs per watch. The
/// bytes queued and not yet written to the socket are bounded: a client that falls more than
/// the bound behind has its response cut off (see ``Outcome/overflow``), as a watcher that
/// cannot keep up is ended upstream, instead of the server's memory growing without limit.
final class ChannelWatchOutput: WatchOutput {
    /// How a watch response ended.
    enum Outcome: Sendable {
        /// The producer finished and everything it queued was handed to the channel.
        case finished
        /// The client fell more than the bound behind.
        case overflow
    }

    private struct State {
        var pending: [ByteBuffer] = []
        /// Pending bytes plus bytes handed to the channel whose write has not completed.
        var queued = 0
        /// Exempt bytes seen (they raise the bound).
        var allowance = 0
        /// Set by ``open(head:)``: from then on the queue drains.
        var open = false
        /// The response head, written by the first drain (on the loop, before any line).
        var head: HTTPResponse?
        var scheduled = false
        var finishing = false
        var outcome: Outcome?
        var waiter: CheckedContinuation<Outcome?, Never>?
    }

    let channel: any Channel
    private let limit: Int
    private let queue: WatchFlushQueue
    private let state = Mutex(State())
    private let termination = TerminationHandlers()

    init(channel: any Channel, limit: Int, queue: WatchFlushQueue) {
        self.channel = channel
        self.limit = limit
        self.queue = queue
    }

    func write(_ bytes: ByteBuffer, exempt: Bool) -> Bool {
        let (accepted, schedule, overflowed) = state.withLock { state -> (Bool, Bool, CheckedContinuation<Outcome?, Never>?) in
            guard state.outcome == nil, !state.finishing else { return (false, false, nil) }
            let count = bytes.readableBytes
            if exempt { state.allowance += count }
            if state.queued + count > limit + state.allowance {
                state.outcome = .overflow
                state.pending = []
                defer { state.waiter = nil }
                return (false, false, state.waiter)
            }
            state.queued += count
            state.pending.append(bytes)
            guard state.open, !state.scheduled else { return (true, false, nil) }
            state.scheduled = true
            return (true, true, nil)
        }
        overflowed?.resume(returning: .overflow)
        if schedule { queue.enqueue(self) }
        return accepted
    }

    func finish() {
        let schedule = state.withLock { state -> Bool in
            guard state.outcome == nil, !state.finishing else { return false }
            state.finishing = true
            guard state.open, !state.scheduled else { return false }
            state.scheduled = true
            return true
        }
        if schedule { queue.enqueue(self) }
    }

    func onTermination(_ handler: @escaping @Sendable () -> Void) {
        termination.add(handler)
    }

    /// Starts the response: the next drain writes `head`, then what is pending.
    func open(head: HTTPResponse) {
        let schedule = state.withLock { state -> Bool in
            state.open = true
            state.head = head
            guard !state.scheduled else { return false }
            state.scheduled = true
            return true
        }
        if schedule { queue.enqueue(self) }
    }

    /// Waits until the producer finished (and its bytes were handed to the channel) or the
    /// client fell behind; `nil` when the waiting task is cancelled.
    func outcome() async -> Outcome? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Outcome?, Never>) in
                let now = state.withLock { state -> Outcome?? in
                    if let outcome = state.outcome { return .some(outcome) }
                    if Task.isCancelled { return .some(nil) }
                    state.waiter = continuation
                    return nil
                }
                if let now { continuation.resume(returning: now) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Outcome?, Never>? in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume(returning: nil)
        }
    }

    /// Ends the output (whatever the reason) and runs the termination handlers.
    func terminate() {
        state.withLock { state in
            if state.outcome == nil { state.outcome = .finished }
            state.pending = []
        }
        termination.run()
    }

    /// Writes everything pending and flushes once. Runs on the channel's event loop.
    func drain() {
        let (head, lines, done) = state.withLock { state -> (HTTPResponse?, [ByteBuffer], CheckedContinuation<Outcome?, Never>??) in
            state.scheduled = false
            guard state.outcome == nil else { return (nil, [], nil) }
            let head = state.head
            state.head = nil
            let lines = state.pending
            state.pending = []
            guard state.finishing else { return (head, lines, nil) }
            state.outcome = .finished
            defer { state.waiter = nil }
            return (head, lines, .some(state.waiter))
        }
        if let head {
            if lines.isEmpty {
                channel.writeAndFlush(HTTPResponsePart.head(head), promise: nil)
            } else {
                channel.write(HTTPResponsePart.head(head), promise: nil)
            }
        }
        if !lines.isEmpty {
            var total = 0
            for line in lines.dropLast() {
                total += line.readableBytes
                channel.write(HTTPResponsePart.body(line), promise: nil)
            }
            let last = lines[lines.count - 1]
            total += last.readableBytes
            let written = channel.eventLoop.makePromise(of: Void.self)
            channel.writeAndFlush(HTTPResponsePart.body(last), promise: written)
            written.futureResult.whenComplete { [self, total] _ in
                state.withLock { $0.queued -= total }
            }
        }
        if let done { done?.resume(returning: .finished) }
    }
}
