import KubeAPI
import NIOCore
import NIOHTTP1
import Synchronization

/// The answer side of one request: a whole response, a streamed one (chunked), or a hand-over
/// of the connection to the upgrade proxy. Safe to use from any task.
final class KubeletExchange: Sendable {
    let channel: any Channel
    /// Whether the connection may serve another request after this one.
    let keepAlive: Bool
    /// The request was a HEAD: responses carry headers only.
    let headRequest: Bool

    struct State {
        var headWritten = false
        var complete = false
        var upgraded = false
    }

    let state = Mutex(State())

    init(channel: any Channel, keepAlive: Bool, headRequest: Bool = false) {
        self.channel = channel
        self.keepAlive = keepAlive
        self.headRequest = headRequest
    }

    /// Whether the response was sent in full.
    var isComplete: Bool { state.withLock { $0.complete } }
    /// Whether the connection was handed to the upgrade proxy.
    var isUpgraded: Bool { state.withLock { $0.upgraded } }
    /// Whether the response has started (its head was written).
    var hasStarted: Bool { state.withLock { $0.headWritten } }

    /// Sends a whole response.
    func send(_ response: KubeletResponse) async {
        var headers = response.headers
        headers.replaceOrAdd(name: "content-length", value: String(response.body.count))
        if !keepAlive { headers.replaceOrAdd(name: "connection", value: "close") }
        guard markHead() else { return }
        channel.write(HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: response.status, headers: headers)), promise: nil)
        if !response.body.isEmpty, !headRequest {
            channel.write(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(bytes: response.body))), promise: nil)
        }
        do {
            try await channel.writeAndFlush(HTTPServerResponsePart.end(nil))
            state.withLock { $0.complete = true }
        } catch {}
    }

    /// Starts a streamed (chunked) response.
    func startStream(status: HTTPResponseStatus = .ok, headers: HTTPHeaders) async throws {
        var headers = headers
        headers.replaceOrAdd(name: "transfer-encoding", value: "chunked")
        guard markHead() else { return }
        try await channel.writeAndFlush(HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers)))
    }

    /// Sends a piece of a streamed response; returns when it was written (so a slow client slows
    /// the producer). Throws when the connection is gone.
    func write(_ bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(bytes: bytes))))
    }

    /// Ends a streamed response.
    func finishStream() async {
        do {
            try await channel.writeAndFlush(HTTPServerResponsePart.end(nil))
            state.withLock { $0.complete = true }
        } catch {}
    }

    /// Records that the connection now belongs to the upgrade proxy.
    func markUpgraded() {
        state.withLock {
            $0.upgraded = true
            $0.headWritten = true
        }
    }

    private func markHead() -> Bool {
        state.withLock { state in
            guard !state.headWritten else { return false }
            state.headWritten = true
            return true
        }
    }
}
