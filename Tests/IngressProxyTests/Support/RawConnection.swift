import NIOCore
import NIOPosix
import NIOSSL

/// A plain TCP connection to 127.0.0.1 for tests that speak raw bytes (upgrades, interim
/// answers).
final class RawConnection {
    private var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private var received = ""

    private init(iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator, outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>) {
        self.iterator = iterator
        self.outbound = outbound
    }

    struct Closed: Error {}

    /// Connects, runs `body`, closes.
    /// With `serverName`, the connection speaks TLS (HTTP/1.1 by ALPN, any certificate).
    static func with<T: Sendable>(port: Int, serverName: String? = nil, _ body: (RawConnection) async throws -> T) async throws -> T {
        let context = try serverName.map { _ in try TestTLS.clientContext() }
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let context {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: context, serverHostname: serverName))
                    }
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            try await body(RawConnection(iterator: inbound.makeAsyncIterator(), outbound: outbound))
        }
    }

    func write(_ text: String) async throws {
        try await outbound.write(ByteBuffer(string: text))
    }

    /// Everything received up to and including the first `marker` (the rest stays for the next
    /// read).
    func read(until marker: String) async throws -> String {
        while received.range(of: marker) == nil {
            guard let chunk = try await iterator.next() else { throw Closed() }
            received += String(buffer: chunk)
        }
        let end = received.range(of: marker)!.upperBound
        defer { received = String(received[end...]) }
        return String(received[..<end])
    }
}
