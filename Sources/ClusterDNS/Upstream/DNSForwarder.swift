import Logging
import NIOCore
import NIOPosix

/// Sends queries to upstream resolvers (CoreDNS's `forward . /etc/resolv.conf`): each query on
/// its own socket with a fresh ID, the servers tried in order, each for at most `attemptTimeout`.
/// A query no server answers fails (the server then answers SERVFAIL).
public struct DNSForwarder: Sendable {
    /// The upstream servers, in the order they are tried.
    public let servers: [SocketAddress]
    /// How long one server has to answer.
    public let attemptTimeout: TimeAmount

    /// Why a forwarded query failed.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Creates a forwarder.
    public init(servers: [SocketAddress], attemptTimeout: TimeAmount = .seconds(2)) {
        self.servers = servers
        self.attemptTimeout = attemptTimeout
    }

    /// The upstream's answer to `query` (wire format), with the query's own ID; over TCP when
    /// `tcp`, else UDP. Runs on `eventLoop`.
    public func exchange(_ query: [UInt8], tcp: Bool, on eventLoop: EventLoop) -> EventLoopFuture<[UInt8]> {
        guard query.count >= 12 else { return eventLoop.makeFailedFuture(Failure(description: "query shorter than a header")) }
        guard !servers.isEmpty else { return eventLoop.makeFailedFuture(Failure(description: "no upstream resolver")) }
        let clientID = [query[0], query[1]]
        let servers = servers
        let attemptTimeout = attemptTimeout
        @Sendable func attempt(_ position: Int, _ lastError: (any Error)?) -> EventLoopFuture<[UInt8]> {
            guard position < servers.count else {
                return eventLoop.makeFailedFuture(lastError ?? Failure(description: "no upstream answered"))
            }
            var outgoing = query
            let id = UInt16.random(in: 0...UInt16.max)
            outgoing[0] = UInt8(id >> 8)
            outgoing[1] = UInt8(id & 0xFF)
            let server = servers[position]
            let answer = tcp
                ? Self.exchangeTCP(outgoing, id: id, server: server, timeout: attemptTimeout, on: eventLoop)
                : Self.exchangeUDP(outgoing, id: id, server: server, timeout: attemptTimeout, on: eventLoop)
            return answer.map { reply in
                var reply = reply
                reply[0] = clientID[0]
                reply[1] = clientID[1]
                return reply
            }.flatMapError { error in attempt(position + 1, error) }
        }
        return attempt(0, nil)
    }

    /// The answer to a query this process makes (an ExternalName's target), decoded.
    public func lookup(_ name: DNSName, type: DNSRecordType, on eventLoop: EventLoop) -> EventLoopFuture<DNSMessage> {
        let query = DNSMessage.query(id: 0, name: name, type: type, edns: DNSEDNS(udpPayloadSize: 1232))
        let bytes: [UInt8]
        do { bytes = try query.encode() } catch { return eventLoop.makeFailedFuture(error) }
        return exchange(bytes, tcp: false, on: eventLoop).flatMapThrowing { try DNSMessage.decode($0) }
    }

    static func exchangeUDP(_ query: [UInt8], id: UInt16, server: SocketAddress, timeout: TimeAmount, on eventLoop: EventLoop) -> EventLoopFuture<[UInt8]> {
        let promise = eventLoop.makePromise(of: [UInt8].self)
        let bound = DatagramBootstrap(group: eventLoop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(UpstreamUDPHandler(promise: promise, id: id, server: server))
                }
            }
            .bind(host: server.protocol == .inet6 ? "::" : "0.0.0.0", port: 0)
        bound.whenSuccess { channel in
            var buffer = channel.allocator.buffer(capacity: query.count)
            buffer.writeBytes(query)
            channel.writeAndFlush(AddressedEnvelope(remoteAddress: server, data: buffer)).whenFailure { promise.fail($0) }
            let timer = eventLoop.scheduleTask(in: timeout) { promise.fail(Failure(description: "no answer from \(server) in \(timeout)")) }
            promise.futureResult.whenComplete { _ in
                timer.cancel()
                channel.close(promise: nil)
            }
        }
        bound.whenFailure { promise.fail($0) }
        return promise.futureResult
    }

    static func exchangeTCP(_ query: [UInt8], id: UInt16, server: SocketAddress, timeout: TimeAmount, on eventLoop: EventLoop) -> EventLoopFuture<[UInt8]> {
        let promise = eventLoop.makePromise(of: [UInt8].self)
        let timer = eventLoop.scheduleTask(in: timeout) { promise.fail(Failure(description: "no answer from \(server) in \(timeout)")) }
        let connected = ClientBootstrap(group: eventLoop)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(DNSTCPFrameDecoder()))
                    try channel.pipeline.syncOperations.addHandler(UpstreamTCPHandler(promise: promise, id: id))
                }
            }
            .connect(to: server)
        connected.whenSuccess { channel in
            var buffer = channel.allocator.buffer(capacity: query.count + 2)
            buffer.writeInteger(UInt16(query.count))
            buffer.writeBytes(query)
            channel.writeAndFlush(buffer).whenFailure { promise.fail($0) }
            promise.futureResult.whenComplete { _ in channel.close(promise: nil) }
        }
        connected.whenFailure { promise.fail($0) }
        promise.futureResult.whenComplete { _ in timer.cancel() }
        return promise.futureResult
    }
}

/// Takes the one datagram from the upstream that answers the query's ID.
final class UpstreamUDPHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    let promise: EventLoopPromise<[UInt8]>
    let id: UInt16
    let server: SocketAddress

    init(promise: EventLoopPromise<[UInt8]>, id: UInt16, server: SocketAddress) {
        self.promise = promise
        self.id = id
        self.server = server
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        guard envelope.remoteAddress == server, let bytes = envelope.data.getBytes(at: envelope.data.readerIndex, length: envelope.data.readableBytes),
            bytes.count >= 12, UInt16(bytes[0]) << 8 | UInt16(bytes[1]) == id
        else { return }
        promise.succeed(bytes)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error)
    }
}

/// Takes the first framed answer with the query's ID.
final class UpstreamTCPHandler: ChannelInboundHandler {
    typealias InboundIn = [UInt8]
    let promise: EventLoopPromise<[UInt8]>
    let id: UInt16

    init(promise: EventLoopPromise<[UInt8]>, id: UInt16) {
        self.promise = promise
        self.id = id
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        guard bytes.count >= 12, UInt16(bytes[0]) << 8 | UInt16(bytes[1]) == id else { return }
        promise.succeed(bytes)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(DNSForwarder.Failure(description: "upstream closed the connection"))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error)
    }
}
