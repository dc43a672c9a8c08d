import NIOCore

/// What one half of a tunnel tells the other. Fired into the peer channel's pipeline (safe from
/// any thread), so each message is handled on the peer's own event loop, in order.
enum TunnelEvent: Sendable {
    /// The client half is in place: start relaying to this channel.
    case attach(any Channel)
    /// Bytes to write.
    case data(ByteBuffer)
    /// Flush what was written.
    case flush
    /// Whether the peer can take more bytes (backpressure: reading pauses while it cannot).
    case peerWritable(Bool)
    /// The peer's input ended (half-close): close this side's output once written.
    case peerInputClosed
    /// The peer closed: close this side once written.
    case peerClosed
}

/// One half of a byte tunnel between two channels on possibly different event loops: the
/// client connection (placed right after its TLS handler, so the HTTP handlers see nothing
/// more) and the backend connection. Bytes read on one side are written to the other; reading
/// pauses while the other side is not writable; an end of input closes the other side's output,
/// a close closes the other side once everything read was written.
///
/// The backend half starts in the response phase: it passes the request through, reads the
/// response head (and, for anything but `101`, the body) and completes `response`; after a
/// `101` it holds further bytes until the client half attaches.
final class TunnelHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum Phase {
        case response(BackendResponseReader, EventLoopPromise<BackendResponse>)
        case held
        case relaying
        case done
    }

    private var phase: Phase
    private var peer: (any Channel)?
    private var held: [ByteBuffer] = []
    private var heldInputClosed = false
    private var heldClosed = false
    private var peerWritable = true
    private var readPending = false
    private var unflushed = false
    private var lastWrite: EventLoopFuture<Void>?

    /// The client half, relaying to `backend` (whose half is held after its `101`).
    init(backend: any Channel) {
        self.peer = backend
        self.phase = .relaying
    }

    /// The backend half, reading the response to the request written through it.
    init(response: EventLoopPromise<BackendResponse>, bodyLimit: Int) {
        self.phase = .response(BackendResponseReader(bodyLimit: bodyLimit), response)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        guard case .relaying = phase, let peer else { return }
        peer.pipeline.fireUserInboundEventTriggered(TunnelEvent.attach(context.channel))
        if context.channel.isActive { context.read() }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        switch phase {
        case .response(var reader, let promise):
            let outcome: BackendResponseReader.Outcome
            do {
                outcome = try reader.feed(buffer)
            } catch {
                phase = .done
                promise.fail(error)
                context.close(promise: nil)
                return
            }
            switch outcome {
            case .needMore:
                phase = .response(reader, promise)
            case .switching(let head, let leftover):
                phase = .held
                if leftover.readableBytes > 0 { held.append(leftover) }
                promise.succeed(head)
            case .complete(let response):
                phase = .done
                promise.succeed(response)
                context.close(promise: nil)
            }
        case .held:
            held.append(buffer)
        case .relaying:
            peer?.pipeline.fireUserInboundEventTriggered(TunnelEvent.data(buffer))
            unflushed = true
        case .done:
            break
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        switch phase {
        case .response:
            context.read()
        case .relaying:
            if unflushed {
                unflushed = false
                peer?.pipeline.fireUserInboundEventTriggered(TunnelEvent.flush)
            }
            if peerWritable { context.read() } else { readPending = true }
        case .held, .done:
            break
        }
    }

    func read(context: ChannelHandlerContext) {
        switch phase {
        case .response:
            context.read()
        case .relaying where peerWritable:
            context.read()
        case .held, .relaying, .done:
            readPending = true
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        peer?.pipeline.fireUserInboundEventTriggered(TunnelEvent.peerWritable(context.channel.isWritable))
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        switch phase {
        case .response(var reader, let promise):
            phase = .done
            Self.complete(promise, with: &reader)
        case .held:
            heldClosed = true
        case .relaying:
            phase = .done
            peer?.pipeline.fireUserInboundEventTriggered(TunnelEvent.peerClosed)
        case .done:
            break
        }
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TunnelEvent {
            handle(event, context: context)
            return
        }
        // The HTTP handlers above are idle for good: a graceful shutdown leaves a tunnel open
        // until its grace period ends (the transport then closes the connection).
        if event is ChannelShouldQuiesceEvent { return }
        if let event = event as? ChannelEvent, event == .inputClosed {
            switch phase {
            case .held: heldInputClosed = true
            case .relaying: peer?.pipeline.fireUserInboundEventTriggered(TunnelEvent.peerInputClosed)
            case .response(var reader, let promise):
                phase = .done
                Self.complete(promise, with: &reader)
                context.close(promise: nil)
            case .done: break
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if case .response(_, let promise) = phase {
            phase = .done
            promise.fail(error)
        }
        context.close(promise: nil)
    }

    private func handle(_ event: TunnelEvent, context: ChannelHandlerContext) {
        switch event {
        case .attach(let client):
            guard case .held = phase else {
                // The backend half is gone already: nothing will be relayed.
                client.pipeline.fireUserInboundEventTriggered(TunnelEvent.peerClosed)
                return
            }
            peer = client
            phase = .relaying
            for buffer in held { client.pipeline.fireUserInboundEventTriggered(TunnelEvent.data(buffer)) }
            if !held.isEmpty { client.pipeline.fireUserInboundEventTriggered(TunnelEvent.flush) }
            held = []
            if heldClosed {
                phase = .done
                client.pipeline.fireUserInboundEventTriggered(TunnelEvent.peerClosed)
                return
            }
            if heldInputClosed { client.pipeline.fireUserInboundEventTriggered(TunnelEvent.peerInputClosed) }
            readPending = false
            context.read()
        case .data(let buffer):
            let promise = context.eventLoop.makePromise(of: Void.self)
            context.write(wrapOutboundOut(buffer), promise: promise)
            lastWrite = promise.futureResult
        case .flush:
            context.flush()
        case .peerWritable(let writable):
            peerWritable = writable
            if writable, readPending, case .relaying = phase {
                readPending = false
                context.read()
            }
        case .peerInputClosed:
            context.flush()
            let closing = context.eventLoop.makePromise(of: Void.self)
            let channel = context.channel
            // Without half-close support the whole connection closes.
            closing.futureResult.whenFailure { _ in channel.close(promise: nil) }
            afterWrites(context: context) { context.close(mode: .output, promise: closing) }
        case .peerClosed:
            context.flush()
            afterWrites(context: context) { context.close(promise: nil) }
        }
    }

    /// Completes the response with what the reader has at the end of the input.
    private static func complete(_ promise: EventLoopPromise<BackendResponse>, with reader: inout BackendResponseReader) {
        do {
            promise.succeed(try reader.finish())
        } catch {
            promise.fail(error)
        }
    }

    /// Runs `body` once the last relayed write has gone out (or failed).
    private func afterWrites(context: ChannelHandlerContext, _ body: @escaping () -> Void) {
        guard let lastWrite else {
            body()
            return
        }
        let loopBound = NIOLoopBound(body, eventLoop: context.eventLoop)
        lastWrite.whenComplete { _ in loopBound.value() }
    }
}
