@testable import APIServer
import ClusterTesting
import Foundation
import KubeAPI
import Testing

@Suite("Proxy: pods/log from the kubelet", .serialized)
struct ProxyLogTests {
    private func followingCurl(_ server: ProxyTestServer, path: String, http2: Bool) -> CurlProcess {
        let pki = TestPKI.shared
        return CurlProcess(arguments: [
            "--silent", "--show-error", "--no-buffer", "--max-time", "60", http2 ? "--http2" : "--http1.1",
            "--cacert", pki.caFile, "-H", "Authorization: Bearer \(ProxyTestServer.adminToken)",
            "https://127.0.0.1:\(server.port)\(path)",
        ])
    }

    @Test("follow=true streams the kubelet's log as it arrives until the kubelet ends it", arguments: [false, true])
    func followStreams(http2: Bool) async throws {
        try await FakeKubelet.with { kubelet, kubeletPort in
            try await ProxyTestServer.with { server in
                try await server.createNode("node-a", kubeletPort: kubeletPort)
                try await server.createPod("web", containers: ["app"], node: "node-a")
                let client = followingCurl(server, path: "/api/v1/namespaces/default/pods/web/log?follow=true&tailLines=5&timestamps=true", http2: http2)
                try client.start(streaming: true)
                defer { client.terminate() }

                #expect(try await client.awaitOutput(atLeast: 7) == Array("line 1\n".utf8))
                let log = try await kubelet.firstLog()
                log.continuation.yield(Array("line 2\n".utf8))
                #expect(try await client.awaitOutput(atLeast: 14) == Array("line 1\nline 2\n".utf8))
                log.continuation.finish()
                #expect(try await client.awaitExit() == 0)

                let request = try #require(kubelet.recorded.first)
                #expect(request.path == "/containerLogs/default/web/app")
                #expect(request.queryValue("follow") == "true")
                #expect(request.queryValue("tailLines") == "5")
                #expect(request.queryValue("timestamps") == "true")
                #expect(request.clientCertificate?.commonName == "alice", "the kubelet client certificate is presented")
                #expect(request.headers[.authorization] == nil, "the client's credentials stay at the API server")
            }
        }
    }

    @Test("a log client that goes away closes the kubelet stream")
    func clientGoneClosesKubeletStream() async throws {
        try await FakeKubelet.with { kubelet, kubeletPort in
            try await ProxyTestServer.with { server in
                try await server.createNode("node-a", kubeletPort: kubeletPort)
                try await server.createPod("web", containers: ["app"], node: "node-a")
                let client = followingCurl(server, path: "/api/v1/namespaces/default/pods/web/log?follow=true", http2: false)
                try client.start(streaming: true)
                _ = try await client.awaitOutput(atLeast: 7)
                let log = try await kubelet.firstLog()
                client.terminate()
                try await withDeadline(.seconds(20), "the kubelet's log stream ending") { await log.terminated.wait() }
            }
        }
    }

    @Test("a finished log comes back whole as text/plain; the kubelet's errors come back as a Status")
    func wholeLogAndKubeletError() async throws {
        try await FakeKubelet.with { kubelet, kubeletPort in
            try await ProxyTestServer.with { server in
                try await server.createNode("node-a", kubeletPort: kubeletPort)
                try await server.createPod("web", containers: ["app"], node: "node-a")
                try await server.createPod("broken", containers: ["app"], node: "node-a")
                let task = Task { try await server.curl("/api/v1/namespaces/default/pods/web/log?container=app&limitBytes=100") }
                try await kubelet.firstLog().continuation.finish()
                let whole = try await task.value
                #expect(whole.status == 200)
                #expect(whole.text == "line 1\n")
                #expect(whole.headers["content-type"] == "text/plain")
                #expect(kubelet.recorded.first?.queryValue("limitBytes") == "100")

                let failed = try await server.curl("/api/v1/namespaces/default/pods/broken/log", http2: true)
                #expect(failed.status == 404)
                let status = try JSONValue(parsing: failed.body)
                #expect(status["kind"]?.stringValue == "Status")
                #expect(status["message"]?.stringValue == #"container "app" not found"#)
            }
        }
    }

    @Test("a pod not bound to a node has an empty log; bad options are refused")
    func unboundPodAndBadOptions() async throws {
        try await ProxyTestServer.with { server in
            try await server.createPod("pending", containers: ["app"], node: nil)
            let empty = await server.send(.get, "/api/v1/namespaces/default/pods/pending/log")
            #expect(empty.status.code == 200)
            #expect(empty.bodyText.isEmpty)
            let badTail = await server.send(.get, "/api/v1/namespaces/default/pods/pending/log?tailLines=x")
            #expect(badTail.status.code == 400)
            let negative = await server.send(.get, "/api/v1/namespaces/default/pods/pending/log?tailLines=-1")
            #expect(negative.status.code == 422)
            let post = await server.send(.post, "/api/v1/namespaces/default/pods/pending/log")
            #expect(post.status.code == 405)
        }
    }
}
