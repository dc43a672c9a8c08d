@testable import APIServer
import ClusterTesting
import Foundation
import KubeAPI
import Testing

/// Watches served over real TLS connections: the transport writes the watch cache's shared
/// event lines straight to each connection.
@Suite("HTTPS transport: watches")
struct HTTPWatchTests {
    static let configMaps = "/api/v1/namespaces/default/configmaps"

    private func watchCurl(port: Int, http2: Bool, accept: String? = nil) -> CurlProcess {
        let pki = TestPKI.shared
        var arguments = [
            "--silent", "--show-error", "--no-buffer", "--max-time", "300",
            http2 ? "--http2" : "--http1.1",
            "--cacert", pki.caFile, "--cert", pki.clientCertFile, "--key", pki.clientKeyFile,
        ]
        if let accept { arguments += ["-H", "Accept: \(accept)"] }
        arguments.append("https://127.0.0.1:\(port)\(Self.configMaps)?watch=true")
        return CurlProcess(arguments: arguments)
    }

    /// Waits until the cache has `count` watchers.
    private func awaitWatchers(_ fixture: RESTFixture, _ count: Int) async throws {
        let cache = fixture.registry.cache
        try await withDeadline(.seconds(20), "\(count) registered watchers") {
            while cache.watcherCount != count { try await Task.sleep(for: .milliseconds(5)) }
        }
    }

    /// Waits until `client` printed at least `count` complete lines; returns them parsed.
    private func awaitLines(_ client: CurlProcess, _ count: Int, within deadline: Duration = .seconds(20)) async throws -> [JSONValue] {
        try events(await awaitLineCount(client, count, within: deadline))
    }

    /// Waits until `client` printed at least `count` complete lines; returns its output.
    private func awaitLineCount(_ client: CurlProcess, _ count: Int, within deadline: Duration = .seconds(20)) async throws -> [UInt8] {
        var output = try await client.awaitOutput(atLeast: 1, within: deadline)
        var scanned = 0
        var lines = 0
        while true {
            lines += output[scanned...].count(of: UInt8(ascii: "\n"))
            scanned = output.count
            if lines >= count { return output }
            output = try await client.awaitOutput(atLeast: output.count + 1, within: deadline)
        }
    }

    /// The complete lines of `bytes`, parsed.
    private func events(_ bytes: [UInt8]) throws -> [JSONValue] {
        try bytes.split(separator: UInt8(ascii: "\n")).map { try JSONValue(parsing: Array($0)) }
    }

    @Test("watchers asking for different representations each get theirs", arguments: [false, true])
    func representations(http2: Bool) async throws {
        let f = try await RESTFixture()
        try await withTestServer(handler: f.handler) { _, port in
            let plain = watchCurl(port: port, http2: http2)
            let metadata = watchCurl(port: port, http2: http2, accept: "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1")
            let plainToo = watchCurl(port: port, http2: http2)
            for client in [plain, metadata, plainToo] { try client.start(streaming: true) }
            defer { for client in [plain, metadata, plainToo] { client.terminate() } }
            try await awaitWatchers(f, 3)

            #expect(await f.send(.post, Self.configMaps, body: RESTFixture.configMap("shared", data: ["k": "v"])).status == 201)
            #expect(await f.send(.delete, Self.configMaps + "/shared").status == 200)

            let full = try await awaitLines(plain, 2)
            #expect(full.map { $0["type"] } == ["ADDED", "DELETED"])
            #expect(full.first?[path: "object", "kind"] == "ConfigMap")
            #expect(full.first?[path: "object", "data", "k"] == "v")
            #expect(full.first?[path: "object", "metadata", "name"] == "shared")

            let meta = try await awaitLines(metadata, 2)
            #expect(meta.map { $0["type"] } == ["ADDED", "DELETED"])
            #expect(meta.first?[path: "object", "kind"] == "PartialObjectMetadata")
            #expect(meta.first?[path: "object", "apiVersion"] == "meta.k8s.io/v1")
            #expect(meta.first?[path: "object", "data"] == nil)
            #expect(meta.first?[path: "object", "metadata", "name"] == "shared")

            // The two plain watchers got the same bytes.
            let again = try await awaitLines(plainToo, 2)
            #expect(again == full)
        }
    }

    @Test("a watcher that stops reading is cut off without holding up the others", arguments: [false, true])
    func stalledWatcherIsEnded(http2: Bool) async throws {
        let f = try await RESTFixture()
        try await withTestServer(handler: f.handler, configure: { $0.maxWatchBacklogBytes = 1024 * 1024 }) { _, port in
            // curl writes to a pipe nobody reads: once it is full, curl stops reading the socket.
            let stalled = watchCurl(port: port, http2: http2)
            let healthy = watchCurl(port: port, http2: http2)
            try stalled.start(streaming: false)
            try healthy.start(streaming: true)
            defer {
                stalled.terminate()
                healthy.terminate()
            }
            try await awaitWatchers(f, 2)

            // 80 objects of 100 kB: far more than the pipe, both sockets' buffers and the
            // bound. Each is written once the healthy watcher has the previous one, so only the
            // stalled watcher falls behind.
            let filler = String(repeating: "x", count: 100_000)
            for i in 0..<80 {
                #expect(await f.send(.post, Self.configMaps, body: RESTFixture.configMap("big-\(i)", data: ["k": filler])).status == 201)
                _ = try await awaitLineCount(healthy, i + 1)
            }
            let seen = try await awaitLines(healthy, 80)
            #expect(seen.count == 80)
            #expect(seen.last?[path: "object", "metadata", "name"] == "big-79")
            // The stalled watch was dropped from the cache.
            try await awaitWatchers(f, 1)
        }
    }
}

extension RandomAccessCollection where Element == UInt8 {
    /// How many times `byte` occurs.
    func count(of byte: UInt8) -> Int {
        reduce(0) { $0 + ($1 == byte ? 1 : 0) }
    }
}
