#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import NIOPosix
import Synchronization

/// Tells followers of log files when something in a directory changed, with one inotify
/// instance and one thread for the whole kubelet (no polling).
///
/// Each ``watch(directory:)`` returns a stream that yields whenever an entry of the directory is
/// modified, created, moved or deleted (a rotated log file is renamed and a new one created in
/// the same directory). Watches of one directory share one inotify watch.
public final class LogFileWatcher: Sendable {
    struct Subscriber {
        var directory: String
        var descriptor: Int32
        var continuation: AsyncStream<Void>.Continuation
    }

    struct State {
        var inotify: Int32 = -1
        /// The read and write ends of the pipe that stops the thread.
        var wake: (read: Int32, write: Int32) = (-1, -1)
        var pool: NIOThreadPool?
        var subscribers: [Int: Subscriber] = [:]
        var nextID = 0
        var closed = false
    }

    let state = Mutex(State())

    /// The inotify events a directory watch asks for.
    static let mask = UInt32(IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CLOSE_WRITE | IN_DELETE_SELF | IN_MOVE_SELF)

    /// Creates a watcher; the inotify instance and its thread start with the first watch and run
    /// until ``shutdown()``, which the owner must call.
    public init() {}

    /// Watches `directory` until the returned subscription is cancelled (or the directory goes
    /// away, which finishes its stream).
    ///
    /// - Throws: ``LogFileWatcherError`` when inotify cannot be set up or the directory cannot be
    ///   watched (it does not exist, say).
    public func watch(directory: String) throws(LogFileWatcherError) -> LogFileSubscription {
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let id = try state.withLock { state throws(LogFileWatcherError) -> Int in
            guard !state.closed else { throw LogFileWatcherError("the log file watcher is shut down") }
            if state.inotify < 0 { try Self.start(&state, watcher: self) }
            let descriptor = inotify_add_watch(state.inotify, directory, Self.mask)
            guard descriptor >= 0 else {
                throw LogFileWatcherError("cannot watch \(directory): \(String(cString: strerror(errno)))")
            }
            let id = state.nextID
            state.nextID += 1
            state.subscribers[id] = Subscriber(directory: directory, descriptor: descriptor, continuation: continuation)
            return id
        }
        continuation.onTermination = { [weak self] _ in self?.unsubscribe(id) }
        return LogFileSubscription(changes: stream, cancel: { continuation.finish() })
    }

    /// Stops the thread and finishes every stream. Idempotent.
    public func shutdown() async {
        let (pool, wake) = state.withLock { state -> (NIOThreadPool?, Int32) in
            state.closed = true
            let subscribers = state.subscribers.values
            state.subscribers = [:]
            for subscriber in subscribers { subscriber.continuation.finish() }
            defer { state.pool = nil }
            return (state.pool, state.wake.write)
        }
        guard let pool else { return }
        _ = write(wake, "x", 1)
        try? await pool.shutdownGracefully()
        state.withLock { state in
            for fd in [state.inotify, state.wake.read, state.wake.write] where fd >= 0 { close(fd) }
            state.inotify = -1
            state.wake = (-1, -1)
        }
    }

    private func unsubscribe(_ id: Int) {
        state.withLock { state in
            guard let subscriber = state.subscribers.removeValue(forKey: id) else { return }
            let shared = state.subscribers.values.contains { $0.descriptor == subscriber.descriptor }
            if !shared, state.inotify >= 0 { inotify_rm_watch(state.inotify, subscriber.descriptor) }
        }
    }

    private static func start(_ state: inout State, watcher: LogFileWatcher) throws(LogFileWatcherError) {
        let fd = inotify_init1(Int32(IN_CLOEXEC))
        guard fd >= 0 else { throw LogFileWatcherError("inotify_init1: \(String(cString: strerror(errno)))") }
        var pipeFDs: [Int32] = [-1, -1]
        guard pipe(&pipeFDs) == 0 else {
            close(fd)
            throw LogFileWatcherError("pipe: \(String(cString: strerror(errno)))")
        }
        state.inotify = fd
        state.wake = (pipeFDs[0], pipeFDs[1])
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        state.pool = pool
        let wakeFD = pipeFDs[0]
        pool.submit { [weak watcher] _ in
            guard let watcher else { return }
            watcher.readLoop(inotify: fd, wake: wakeFD)
        }
    }

    /// Blocks in `poll` on the inotify descriptor and the wake pipe; dispatches each event to
    /// the subscribers of its watch. Runs on the watcher's own thread.
    private func readLoop(inotify fd: Int32, wake: Int32) {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: wake, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&fds, 2, -1)
            if ready < 0 {
                if errno == EINTR { continue }
                return
            }
            if fds[1].revents != 0 { return }
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                return
            }
            var changed = Set<Int32>()
            var removed = Set<Int32>()
            var offset = 0
            let headerSize = MemoryLayout<inotify_event>.size
            while offset + headerSize <= count {
                let (descriptor, mask, length) = buffer.withUnsafeBytes { raw -> (Int32, UInt32, UInt32) in
                    let event = raw.loadUnaligned(fromByteOffset: offset, as: inotify_event.self)
                    return (event.wd, event.mask, event.len)
                }
                if mask & UInt32(IN_IGNORED) != 0 { removed.insert(descriptor) } else { changed.insert(descriptor) }
                offset += headerSize + Int(length)
            }
            state.withLock { state in
                for (id, subscriber) in state.subscribers {
                    if removed.contains(subscriber.descriptor) {
                        state.subscribers[id] = nil
                        subscriber.continuation.finish()
                    } else if changed.contains(subscriber.descriptor) {
                        subscriber.continuation.yield()
                    }
                }
            }
        }
    }
}

/// One follower's watch of a directory: ``changes`` yields after each change; ``cancel()`` ends it.
public struct LogFileSubscription: Sendable {
    /// Yields whenever an entry of the directory changed (coalesced while not consumed); finishes
    /// when cancelled, when the directory goes away or when the watcher shuts down.
    public let changes: AsyncStream<Void>
    let cancelAction: @Sendable () -> Void

    init(changes: AsyncStream<Void>, cancel: @escaping @Sendable () -> Void) {
        self.changes = changes
        self.cancelAction = cancel
    }

    /// Ends the watch.
    public func cancel() { cancelAction() }
}

/// A log file watch that could not be set up.
public struct LogFileWatcherError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    public var description: String

    init(_ description: String) {
        self.description = description
    }
}
