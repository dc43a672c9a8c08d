import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A closed-loop HTTP/1.1 load generator: `connections` keep-alive clients, each sending the
/// next `GET` as soon as the previous answer ends, for a fixed time; reports requests per
/// second and latency percentiles. Used by `k3s-bench ingress` against the built-in proxy and
/// against nginx alike.
public struct HTTPLoadGenerator: Sendable {
    /// What a run measured.
    public struct Result: Sendable {
        /// Answered requests (any status).
        public var requests: Int
        /// Answers that were not 2xx, and connections that failed.
        public var errors: Int
        /// The measured time.
        public var seconds: Double
        /// Every request's latency in microseconds, sorted.
        public var latencies: [UInt32]

        /// Answered requests per second.
        public var requestsPerSecond: Double { seconds > 0 ? Double(requests) / seconds : 0 }

        /// The latency at `fraction` (0.99: p99), in milliseconds.
        public func percentileMilliseconds(_ fraction: Double) -> Double {
            guard !latencies.isEmpty else { return 0 }
            let index = min(latencies.count - 1, Int((Double(latencies.count) * fraction).rounded(.up)) - 1)
            return Double(latencies[max(0, index)]) / 1000
        }
    }

    /// The server to load.
    public var target: SocketAddress
    /// The `Host` header.
    public var host: String
    /// The request target.
    public var path: String
    /// Concurrent keep-alive connections.
    public var connections: Int

    /// Creates a generator.
    public init(target: SocketAddress, host: String, path: String = "/", connections: Int = 16) {
        self.target = target
        self.host = host
        self.path = path
        self.connections = connections
    }

    /// Runs for `duration` on `group` (its own threads, so the generator does not share the
    /// server's loops).
    public func run(duration: Duration, group: any EventLoopGroup) async throws -> Result {
        let start = NIODeadline.now()
        let deadline = start + .nanoseconds(Int64(duration.components.seconds) * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
        var futures: [EventLoopFuture<ClientStats>] = []
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: HTTPHeaders([("host", host), ("user-agent", "k3s-bench")]))
        for _ in 0..<connections {
            let loop = group.next()
            let promise = loop.makePromise(of: ClientStats.self)
            let connect = ClientBootstrap(group: loop)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        try channel.pipeline.syncOperations.addHandler(LoadClientHandler(head: head, deadline: deadline, promise: promise))
                    }
                }
                .connect(to: target)
            connect.whenFailure { error in promise.succeed(ClientStats(errors: 1)) }
            futures.append(promise.futureResult)
        }
        var requests = 0
        var errors = 0
        var latencies: [UInt32] = []
        for future in futures {
            let stats = try await future.get()
            requests += stats.requests
            errors += stats.errors
            latencies += stats.latencies
        }
        latencies.sort()
        let elapsed = Double((NIODeadline.now() - start).nanoseconds) / 1e9
        return Result(requests: requests, errors: errors, seconds: elapsed, latencies: latencies)
    }
}

/// What one connection measured.
struct ClientStats: Sendable {
    var requests = 0
    var errors = 0
    var latencies: [UInt32] = []
}

/// Sends a request, waits for the whole answer, records the time, and sends the next until the
/// deadline.
final class LoadClientHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private let head: HTTPRequestHead
    private let deadline: NIODeadline
    private let promise: EventLoopPromise<ClientStats>
    private var stats = ClientStats()
    private var sent = NIODeadline.now()
    private var finished = false

    init(head: HTTPRequestHead, deadline: NIODeadline, promise: EventLoopPromise<ClientStats>) {
        self.head = head
        self.deadline = deadline
        self.promise = promise
        stats.latencies.reserveCapacity(1 << 16)
    }

    func channelActive(context: ChannelHandlerContext) {
        send(context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let response):
            if !(200..<300).contains(response.status.code) { stats.errors += 1 }
        case .body:
            break
        case .end:
            let now = NIODeadline.now()
            stats.requests += 1
            stats.latencies.append(UInt32(clamping: (now - sent).nanoseconds / 1000))
            if now < deadline {
                send(context)
            } else {
                finish()
                context.close(promise: nil)
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !finished {
            stats.errors += 1
            finish()
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func send(_ context: ChannelHandlerContext) {
        sent = .now()
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    private func finish() {
        guard !finished else { return }
        finished = true
        promise.succeed(stats)
    }
}
