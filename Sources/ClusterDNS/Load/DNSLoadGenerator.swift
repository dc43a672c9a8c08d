import NIOCore
import NIOPosix
import Synchronization

/// A UDP load generator for DNS servers (the `dns_qps` benchmark): `senders` sockets, each
/// keeping `window` queries in flight (a lost answer is made up by re-sending a window when a
/// socket hears nothing for 100 ms), counting answers with the query's ID.
public struct DNSLoadGenerator: Sendable {
    /// What a run measured.
    public struct Result: Sendable {
        /// Queries sent.
        public var sent: Int
        /// Answers received during the measured time.
        public var answers: Int
        /// Answers whose response code was not NOERROR.
        public var errors: Int
        /// The measured time.
        public var duration: Duration
        /// Answers per second.
        public var answersPerSecond: Double {
            let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
            return seconds > 0 ? Double(answers) / seconds : 0
        }
    }

    /// The server.
    public var server: SocketAddress
    /// The question every query asks.
    public var question: DNSQuestion
    /// Concurrent sockets.
    public var senders: Int
    /// Queries in flight per socket.
    public var window: Int

    /// Creates a generator.
    public init(server: SocketAddress, question: DNSQuestion, senders: Int = 8, window: Int = 16) {
        self.server = server
        self.question = question
        self.senders = senders
        self.window = window
    }

    /// Sends for `warmUp`, then counts answers for `duration`.
    public func run(duration: Duration, warmUp: Duration = .milliseconds(300), group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> Result {
        let query = try DNSMessage(id: 0, recursionDesired: true, questions: [question]).encode()
        let counters = LoadCounters()
        var channels: [any Channel] = []
        for _ in 0..<senders {
            let server = server
            let window = window
            let channel = try await DatagramBootstrap(group: group)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(LoadSenderHandler(server: server, query: query, window: window, counters: counters))
                    }
                }
                .bind(host: server.protocol == .inet6 ? "::" : "0.0.0.0", port: 0).get()
            channels.append(channel)
        }
        for channel in channels { channel.pipeline.fireUserInboundEventTriggered(LoadSenderHandler.Start()) }
        let clock = ContinuousClock()
        try await Task.sleep(for: warmUp)
        let startAnswers = counters.answers.load(ordering: .relaxed)
        let startErrors = counters.errors.load(ordering: .relaxed)
        let start = clock.now
        try await Task.sleep(for: duration)
        let answers = counters.answers.load(ordering: .relaxed) - startAnswers
        let errors = counters.errors.load(ordering: .relaxed) - startErrors
        let elapsed = clock.now - start
        counters.stopped.store(true, ordering: .relaxed)
        for channel in channels { try? await channel.close() }
        return Result(sent: counters.sent.load(ordering: .relaxed), answers: answers, errors: errors, duration: elapsed)
    }
}

/// Counters shared by the sender sockets.
final class LoadCounters: Sendable {
    let sent = Atomic<Int>(0)
    let answers = Atomic<Int>(0)
    let errors = Atomic<Int>(0)
    let stopped = Atomic<Bool>(false)
}

/// One sender socket: a window of queries, one more per answer.
final class LoadSenderHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    struct Start {}

    let server: SocketAddress
    let query: [UInt8]
    let window: Int
    let counters: LoadCounters
    var nextID: UInt16 = 0
    var answeredSinceTick = false
    var timer: RepeatedTask?

    init(server: SocketAddress, query: [UInt8], window: Int, counters: LoadCounters) {
        self.server = server
        self.query = query
        self.window = window
        self.counters = counters
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is Start else { return }
        sendWindow(context)
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleRepeatedTask(initialDelay: .milliseconds(100), delay: .milliseconds(100)) { _ in
            let (handler, context) = bound.value
            if !handler.answeredSinceTick { handler.sendWindow(context) }
            handler.answeredSinceTick = false
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        guard envelope.data.readableBytes >= 12 else { return }
        counters.answers.add(1, ordering: .relaxed)
        if let flags = envelope.data.getInteger(at: envelope.data.readerIndex + 2, as: UInt16.self), flags & 0x0F != 0 {
            counters.errors.add(1, ordering: .relaxed)
        }
        answeredSinceTick = true
        send(context)
        context.flush()
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {}

    func sendWindow(_ context: ChannelHandlerContext) {
        for _ in 0..<window { send(context) }
        context.flush()
    }

    func send(_ context: ChannelHandlerContext) {
        guard !counters.stopped.load(ordering: .relaxed) else { return }
        nextID &+= 1
        var buffer = context.channel.allocator.buffer(capacity: query.count)
        buffer.writeInteger(nextID)
        buffer.writeBytes(query.dropFirst(2))
        context.write(wrapOutboundOut(AddressedEnvelope(remoteAddress: server, data: buffer)), promise: nil)
        counters.sent.add(1, ordering: .relaxed)
    }
}
