@testable import APIServer
import NIOCore
import NIOEmbedded
import Testing

@Suite("HTTPS transport: small writes joined before TLS")
struct HTTPWriteCoalescingTests {
    private func channel() throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(WriteCoalescingHandler())
        return channel
    }

    private func buffer(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

    private func outbound(_ channel: EmbeddedChannel) throws -> [String] {
        var writes: [String] = []
        while let data = try channel.readOutbound(as: IOData.self) {
            guard case .byteBuffer(let buffer) = data else { writes.append("<file>"); continue }
            writes.append(String(buffer: buffer))
        }
        return writes
    }

    @Test func writesBetweenTwoFlushesLeaveAsOneBuffer() throws {
        let channel = try channel()
        defer { _ = try? channel.finish() }
        let promises = (0..<3).map { _ in channel.eventLoop.makePromise(of: Void.self) }
        channel.write(IOData.byteBuffer(buffer("1a\r\n")), promise: promises[0])
        channel.write(IOData.byteBuffer(buffer("{\"type\":\"ADDED\"}\n")), promise: promises[1])
        channel.write(IOData.byteBuffer(buffer("\r\n")), promise: promises[2])
        #expect(try outbound(channel).isEmpty, "nothing leaves before the flush")
        channel.flush()
        #expect(try outbound(channel) == ["1a\r\n{\"type\":\"ADDED\"}\n\r\n"])
        for promise in promises { #expect(throws: Never.self) { try promise.futureResult.wait() } }

        channel.writeAndFlush(IOData.byteBuffer(buffer("next")), promise: nil)
        #expect(try outbound(channel) == ["next"])
    }

    @Test func aLargeWriteIsPassedOnUncopiedAfterWhatIsPending() throws {
        let channel = try channel()
        defer { _ = try? channel.finish() }
        let large = String(repeating: "x", count: WriteCoalescingHandler.passThroughSize)
        channel.write(IOData.byteBuffer(buffer("head")), promise: nil)
        channel.write(IOData.byteBuffer(buffer(large)), promise: nil)
        channel.write(IOData.byteBuffer(buffer("tail")), promise: nil)
        channel.flush()
        #expect(try outbound(channel) == ["head", large, "tail"])
    }

    @Test func aFailedWriteFailsEveryPromiseItCarried() throws {
        let channel = EmbeddedChannel()
        defer { _ = try? channel.finish() }
        try channel.pipeline.syncOperations.addHandler(FailingWrites())
        try channel.pipeline.syncOperations.addHandler(WriteCoalescingHandler())
        let first = channel.eventLoop.makePromise(of: Void.self)
        let second = channel.eventLoop.makePromise(of: Void.self)
        channel.write(IOData.byteBuffer(buffer("a")), promise: first)
        channel.write(IOData.byteBuffer(buffer("b")), promise: second)
        channel.flush()
        #expect(throws: FailingWrites.Refused.self) { try first.futureResult.wait() }
        #expect(throws: FailingWrites.Refused.self) { try second.futureResult.wait() }
    }
}

/// Fails every write that reaches it (stands in for a connection that broke).
private final class FailingWrites: ChannelOutboundHandler {
    typealias OutboundIn = IOData
    struct Refused: Error {}

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        promise?.fail(Refused())
    }
}
