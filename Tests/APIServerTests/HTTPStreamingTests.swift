@testable import APIServer
import ClusterTesting
import Foundation
import Testing

@Suite("HTTPS transport: streamed responses")
struct HTTPStreamingTests {
    private func streamingCurl(port: Int, http2: Bool) -> CurlProcess {
        let pki = TestPKI.shared
        return CurlProcess(arguments: [
            "--silent", "--show-error", "--no-buffer", "--max-time", "60",
            http2 ? "--http2" : "--http1.1",
            "--cacert", pki.caFile, "--cert", pki.clientCertFile, "--key", pki.clientKeyFile,
            "https://127.0.0.1:\(port)/stream",
        ])
    }

    @Test("chunks arrive as they are produced and the response ends with the stream", arguments: [false, true])
    func chunksArriveLive(http2: Bool) async throws {
        let handler = RecordingHandler()
        try await withTestServer(handler: handler) { _, port in
            let client = streamingCurl(port: port, http2: http2)
            try client.start(streaming: true)
            defer { client.terminate() }

            // The first chunk arrives while the stream is still open.
            #expect(try await client.awaitOutput(atLeast: 6) == Array("first\n".utf8))
            let stream = try await handler.firstStream()
            stream.continuation.yield(Array("second\n".utf8))
            #expect(try await client.awaitOutput(atLeast: 13) == Array("first\nsecond\n".utf8))

            stream.continuation.finish()
            #expect(try await client.awaitExit() == 0)
        }
    }

    @Test("a client that goes away ends the stream's iteration", arguments: [false, true])
    func disconnectTerminatesStream(http2: Bool) async throws {
        let handler = RecordingHandler()
        try await withTestServer(handler: handler) { _, port in
            let client = streamingCurl(port: port, http2: http2)
            try client.start(streaming: true)
            defer { client.terminate() }
            _ = try await client.awaitOutput(atLeast: 6)
            let stream = try await handler.firstStream()
            #expect(!stream.terminated.isOpen)

            client.terminate()
            try await withDeadline(.seconds(20), "the stream's onTermination") {
                await stream.terminated.wait()
            }
        }
    }

    @Test("graceful shutdown ends open streams cleanly and run() returns", arguments: [false, true])
    func shutdownEndsStreams(http2: Bool) async throws {
        let handler = RecordingHandler()
        var configuration = HTTPSServer.Configuration(host: "127.0.0.1", port: 0, tls: TestPKI.shared.credentials)
        configuration.shutdownGracePeriod = .seconds(10)
        let server = try HTTPSServer(configuration: configuration, handler: handler, logger: .init(label: "test"))
        let port = try await server.bind()
        let running = Task { try await server.run() }
        defer {
            server.shutdown()
            running.cancel()
        }
        let client = streamingCurl(port: port, http2: http2)
        try client.start(streaming: true)
        defer { client.terminate() }
        _ = try await client.awaitOutput(atLeast: 6)
        let stream = try await handler.firstStream()

        server.shutdown()
        try await withDeadline(.seconds(8), "run() after shutdown") { try await running.value }
        try await withDeadline(.seconds(5), "the stream's onTermination") { await stream.terminated.wait() }
        #expect(try await client.awaitExit() == 0)

        // Nothing listens any more.
        let refused = try await curl(port: port, path: "/", http2: http2)
        #expect(refused.exitCode != 0)
        #expect(refused.status == 0)
    }

    @Test("cancelling run() stops the server")
    func cancellationStops() async throws {
        let handler = RecordingHandler()
        let configuration = HTTPSServer.Configuration(host: "127.0.0.1", port: 0, tls: TestPKI.shared.credentials)
        let server = try HTTPSServer(configuration: configuration, handler: handler, logger: .init(label: "test"))
        let port = try await server.bind()
        let running = Task { try await server.run() }
        let client = streamingCurl(port: port, http2: true)
        try client.start(streaming: true)
        defer { client.terminate() }
        _ = try await client.awaitOutput(atLeast: 6)
        let stream = try await handler.firstStream()

        running.cancel()
        try await withDeadline(.seconds(10), "run() after cancellation") { _ = await running.result }
        try await withDeadline(.seconds(5), "the stream's onTermination") { await stream.terminated.wait() }
    }
}
