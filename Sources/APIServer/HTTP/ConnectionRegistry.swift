import NIOCore
import Synchronization

/// The server's open connections, so a graceful shutdown can ask each one to wind down.
final class ConnectionRegistry: Sendable {
    private struct State {
        var quiescing = false
        var channels: [ObjectIdentifier: any Channel] = [:]
    }

    private let state = Mutex(State())

    init() {}

    /// Tracks `channel` until it closes; `false` (and nothing tracked) once quiescing began.
    func register(_ channel: any Channel) -> Bool {
        let id = ObjectIdentifier(channel)
        let accepted = state.withLock { state -> Bool in
            guard !state.quiescing else { return false }
            state.channels[id] = channel
            return true
        }
        guard accepted else { return false }
        channel.closeFuture.whenComplete { _ in
            _ = self.state.withLock { $0.channels.removeValue(forKey: id) }
        }
        return true
    }

    /// The number of tracked connections.
    var count: Int {
        state.withLock { $0.channels.count }
    }

    /// Asks every tracked connection to finish its current work and close (HTTP/1.1 closes when
    /// idle or after the response in flight; HTTP/2 sends GOAWAY), and refuses new ones.
    func quiesce() {
        let channels = state.withLock { state -> [any Channel] in
            state.quiescing = true
            return Array(state.channels.values)
        }
        for channel in channels {
            channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
    }
}
