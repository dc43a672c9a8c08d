import HTTPTypes
import KubeAPI
import KubeClient
import NIOCore
import NIOHTTPTypes

extension HTTPSServer {
    typealias RequestParts = NIOAsyncChannelInboundStream<HTTPRequestPart>.AsyncIterator
    typealias ResponseWriter = NIOAsyncChannelOutboundWriter<HTTPResponsePart>

    /// Serves the requests of one HTTP/1.1 connection in order until the client closes it, asks
    /// for `Connection: close`, or a request cannot be answered in a way that keeps the stream of
    /// bytes in sync.
    func serveHTTP1(_ connection: HTTP1Connection) async {
        do {
            try await connection.channel.executeThenClose { inbound, outbound in
                var parts = inbound.makeAsyncIterator()
                while let part = try await parts.next() {
                    guard case .head(let head) = part else { continue }
                    let reusable = try await exchange(
                        head: head, parts: &parts, outbound: outbound,
                        channel: connection.channel.channel, context: connection.context, isHTTP1: true)
                    if !reusable || shutdownLatch.isOpen { break }
                }
            }
        } catch {
            logger.trace("HTTP/1.1 connection ended", metadata: ["error": "\(error)"])
        }
    }

    /// Serves every stream of one HTTP/2 connection concurrently until the connection closes.
    func serveHTTP2(_ connection: HTTP2Connection) async {
        await withDiscardingTaskGroup { group in
            do {
                for try await stream in connection.streams.inbound {
                    group.addTask { await self.serveHTTP2Stream(stream, context: connection.context) }
                }
            } catch {
                logger.trace("HTTP/2 connection ended", metadata: ["error": "\(error)"])
            }
        }
        connection.channel.close(promise: nil)
    }

    private func serveHTTP2Stream(_ stream: RequestChannel, context: ConnectionContext) async {
        do {
            try await stream.executeThenClose { inbound, outbound in
                var parts = inbound.makeAsyncIterator()
                guard let first = try await parts.next(), case .head(let head) = first else { return }
                _ = try await exchange(
                    head: head, parts: &parts, outbound: outbound,
                    channel: stream.channel, context: context, isHTTP1: false)
                await drained(stream.channel)
            }
        } catch {
            logger.trace("HTTP/2 stream ended", metadata: ["error": "\(error)"])
        }
    }

    /// Waits until a stream whose response was handed to it has closed by itself (both ends
    /// sent END_STREAM, or the client reset it), at most `http2StreamDrainTimeout`, and not
    /// past the start of a shutdown.
    ///
    /// The last part of a response can still be queued in the stream, waiting for the client
    /// to open its flow-control window (a Go client opens 4 MiB at first). Closing the stream
    /// then would reset it and cut a large LIST short, so the close waits for the bytes to go.
    private func drained(_ channel: any Channel) async {
        let shutdown = shutdownLatch
        guard !shutdown.isOpen else { return }
        let closed = Latch()
        channel.closeFuture.whenComplete { _ in closed.open() }
        let deadline = channel.eventLoop.scheduleTask(in: .seconds(Self.http2StreamDrainTimeout)) {
            channel.close(promise: nil)
        }
        defer { deadline.cancel() }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await closed.wait() }
            group.addTask { await shutdown.wait() }
            await group.next()
            group.cancelAll()
        }
    }

    /// How long a finished HTTP/2 response may wait for a slow reader before its stream is reset.
    static let http2StreamDrainTimeout: Int64 = 60

    /// Reads the body after `head`, calls the handler and writes its response. Returns whether
    /// the connection can carry another request (HTTP/1.1).
    func exchange(
        head: HTTPRequest,
        parts: inout RequestParts,
        outbound: ResponseWriter,
        channel: any Channel,
        context: ConnectionContext,
        isHTTP1: Bool
    ) async throws -> Bool {
        guard let rawTarget = head.path, let target = RequestTarget(rawTarget) else {
            let error = StatusError.badRequest("malformed request path")
            try await writeStatus(error, outbound: outbound, channel: channel, close: isHTTP1)
            return false
        }

        let limit = configuration.maxRequestBodySize
        let declaredLength = head.headerFields[.contentLength].flatMap { Int($0) }
        let expectsContinue = head.headerFields[.expect].map { $0.lowercased() == "100-continue" } ?? false
        if let declaredLength, declaredLength > limit {
            try await writeTooLarge(outbound: outbound, channel: channel, close: isHTTP1)
            // An HTTP/1.1 client that waits for 100-continue sends nothing more; every other
            // client is already sending the body, which is drained so the exchange ends
            // cleanly (HTTP/2: without resetting a stream the client is still writing to).
            if !isHTTP1 || !expectsContinue { try await discardBody(&parts) }
            return false
        }
        if expectsContinue {
            try await outbound.write(.head(HTTPResponse(status: .continue)))
        }

        var body: [UInt8] = []
        if let declaredLength, declaredLength > 0 { body.reserveCapacity(declaredLength) }
        reading: while true {
            guard let part = try await parts.next() else { return false }
            switch part {
            case .head:
                return false
            case .body(let buffer):
                guard body.count + buffer.readableBytes <= limit else {
                    try await writeTooLarge(outbound: outbound, channel: channel, close: isHTTP1)
                    try await discardBody(&parts)
                    return false
                }
                body.append(contentsOf: buffer.readableBytesView)
            case .end:
                break reading
            }
        }

        let request = APIRequest(
            method: head.method,
            path: target.path,
            query: target.query,
            headers: head.headerFields,
            body: body,
            clientCertificate: context.clientCertificate,
            remoteAddress: context.remoteAddress)
        let response = await handler.handle(request)
        if let upgrade = response.upgrade {
            return try await runUpgrade(response, upgrade: upgrade, outbound: outbound, channel: channel, isHTTP1: isHTTP1)
        }
        let close = isHTTP1 && Self.wantsClose(head)
        let completed = try await write(response, isHead: head.method == .head, outbound: outbound, channel: channel, close: close)
        return completed && !close
    }

    /// Whether an HTTP/1.1 request asked to close the connection after its response.
    static func wantsClose(_ head: HTTPRequest) -> Bool {
        guard let connection = head.headerFields[.connection] else { return false }
        return connection.split(separator: ",").contains { token in
            token.lowercased().filter { $0 != " " && $0 != "\t" } == "close"
        }
    }

    /// Reads and drops the rest of a refused body (so the client sees the response instead of a
    /// reset), up to a few times the limit; past that the connection (HTTP/1.1) or stream
    /// (HTTP/2) is closed.
    private func discardBody(_ parts: inout RequestParts) async throws {
        var budget = 4 * configuration.maxRequestBodySize
        while budget > 0, let part = try await parts.next() {
            switch part {
            case .body(let buffer): budget -= buffer.readableBytes
            case .head, .end: return
            }
        }
    }

    private func writeTooLarge(outbound: ResponseWriter, channel: any Channel, close: Bool) async throws {
        let error = StatusError.requestEntityTooLarge("limit is \(configuration.maxRequestBodySize)")
        try await writeStatus(error, outbound: outbound, channel: channel, close: close)
    }

    private func writeStatus(_ error: StatusError, outbound: ResponseWriter, channel: any Channel, close: Bool) async throws {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        let response = APIResponse(
            status: HTTPResponse.Status(code: error.code),
            headers: headers,
            body: .bytes(ResponseEncoding.document(error.statusJSON())))
        _ = try await write(response, isHead: false, outbound: outbound, channel: channel, close: close)
    }

    /// Writes a response. Complete bodies go out in one flush with `Content-Length`; streams are
    /// written chunk by chunk until they end, the client goes away, or the server shuts down.
    /// Returns whether the response was written completely.
    func write(
        _ response: APIResponse,
        isHead: Bool,
        outbound: ResponseWriter,
        channel: any Channel,
        close: Bool
    ) async throws -> Bool {
        var fields = response.headers
        if close { fields[.connection] = "close" }
        let code = response.status.code
        let bodyAllowed = code >= 200 && code != 204 && code != 304

        switch response.body {
        case .bytes(let bytes):
            if bodyAllowed {
                fields[.contentLength] = String(bytes.count)
            } else {
                fields[.contentLength] = nil
            }
            let head = HTTPResponse(status: response.status, headerFields: fields)
            if bytes.isEmpty || isHead || !bodyAllowed {
                try await outbound.write(contentsOf: [.head(head), .end(nil)])
            } else {
                let buffer = channel.allocator.buffer(bytes: bytes)
                try await outbound.write(contentsOf: [.head(head), .body(buffer), .end(nil)])
            }
            return true

        case .stream(let stream):
            fields[.contentLength] = nil
            try await outbound.write(.head(HTTPResponse(status: response.status, headerFields: fields)))
            return await pump(stream, outbound: outbound, channel: channel)

        case .watch(let body):
            fields[.contentLength] = nil
            return try await serveWatch(body, head: HTTPResponse(status: response.status, headerFields: fields), outbound: outbound, channel: channel)
        }
    }

    /// Serves a watch: the producer writes its lines straight to the channel through a
    /// ``ChannelWatchOutput`` until it finishes (the response is ended), the client goes away,
    /// falls too far behind (the stream or connection is closed), or the server shuts down
    /// (the response is ended).
    private func serveWatch(_ body: WatchBody, head: HTTPResponse, outbound: ResponseWriter, channel: any Channel) async throws -> Bool {
        let output = ChannelWatchOutput(
            channel: channel, limit: configuration.maxWatchBacklogBytes,
            queue: flushQueues.queue(for: channel.eventLoop))
        defer { output.terminate() }
        body.attach(output)
        // The head goes out through the output too, so it is on the channel before any line.
        output.open(head: head)

        let outcome = await untilClosedOrShutdown(channel) {
            switch await output.outcome() {
            case .finished?: return .finished
            case .overflow?: return .overflow
            case nil: return .clientGone
            }
        }
        output.terminate()
        switch outcome {
        case .finished:
            try await outbound.write(.end(nil))
            return true
        case .shuttingDown:
            try? await outbound.write(.end(nil))
            return false
        case .overflow:
            logger.info("watch client fell too far behind; closing its stream", metadata: ["limit": "\(configuration.maxWatchBacklogBytes)"])
            try? await channel.close()
            return false
        case .clientGone:
            return false
        }
    }

    private enum PumpOutcome: Sendable {
        case finished
        case clientGone
        case shuttingDown
        case overflow
    }

    /// Runs `body` until it returns, the channel closes (`.clientGone`) or the server shuts down
    /// (`.shuttingDown`), whichever comes first; the others are cancelled.
    private func untilClosedOrShutdown(_ channel: any Channel, _ body: @escaping @Sendable () async -> PumpOutcome) async -> PumpOutcome {
        let closed = Latch()
        channel.closeFuture.whenComplete { _ in closed.open() }
        let shutdown = shutdownLatch
        return await withTaskGroup(of: PumpOutcome.self) { group in
            group.addTask { await body() }
            group.addTask {
                await closed.wait()
                return .clientGone
            }
            group.addTask {
                await shutdown.wait()
                return .shuttingDown
            }
            let first = await group.next() ?? .clientGone
            group.cancelAll()
            return first
        }
    }

    /// Copies a stream to the client, flushing every chunk, until the stream ends (the response
    /// is ended), the channel closes, or the server shuts down (the response is ended). Either
    /// of the last two cancels the iteration, so the stream's `onTermination` runs.
    private func pump(_ stream: AsyncStream<[UInt8]>, outbound: ResponseWriter, channel: any Channel) async -> Bool {
        let allocator = channel.allocator
        let outcome = await untilClosedOrShutdown(channel) {
            do {
                for await chunk in stream where !chunk.isEmpty {
                    try await outbound.write(.body(allocator.buffer(bytes: chunk)))
                }
                if Task.isCancelled { return .clientGone }
                try await outbound.write(.end(nil))
                return .finished
            } catch {
                return .clientGone
            }
        }

        switch outcome {
        case .finished:
            return true
        case .shuttingDown:
            try? await outbound.write(.end(nil))
            return false
        case .clientGone, .overflow:
            return false
        }
    }
}
