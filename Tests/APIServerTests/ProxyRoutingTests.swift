@testable import APIServer
import ClusterTesting
import Foundation
import KubeAPI
import NIOCore
import NIOPosix
import Testing

@Suite("Proxy: checks, node addresses, nodes/pods/services proxy", .serialized)
struct ProxyRoutingTests {
    @Test("missing pods are 404, containers must be named when there are several, unknown ones are refused")
    func podAndContainerChecks() async throws {
        try await ProxyTestServer.with { server in
            try await server.createNode("node-a", kubeletPort: 1)
            try await server.createPod("multi", containers: ["a", "b"], node: "node-a")
            try await server.createPod("pending", containers: ["app"], node: nil)

            let missing = await server.send(.get, "/api/v1/namespaces/default/pods/nope/log")
            #expect(missing.status.code == 404)
            #expect(missing.bodyText.contains(#""reason":"NotFound""#))

            for path in ["/api/v1/namespaces/default/pods/multi/log", "/api/v1/namespaces/default/pods/multi/exec?command=sh"] {
                let unnamed = await server.send(path.contains("exec") ? .post : .get, path)
                #expect(unnamed.status.code == 400)
                let message = try JSONValue(parsing: Array(unnamed.bodyText.utf8))["message"]?.stringValue
                #expect(message == "a container name must be specified for pod multi, choose one of: [a b]")
            }
            let unknown = await server.send(.post, "/api/v1/namespaces/default/pods/multi/exec?command=sh&container=zzz")
            #expect(unknown.status.code == 400)
            #expect(unknown.bodyText.contains("container zzz is not valid for pod multi"))

            let unbound = await server.send(.post, "/api/v1/namespaces/default/pods/pending/exec?command=sh")
            #expect(unbound.status.code == 400)
            #expect(unbound.bodyText.contains("pod pending does not have a host assigned"))

            let noCommand = await server.send(.post, "/api/v1/namespaces/default/pods/multi/exec?container=a")
            #expect(noCommand.status.code == 400)
        }
    }

    @Test("a node without a usable address is a 500 naming the known addresses; an unreachable kubelet is a 500")
    func nodeAddressFailures() async throws {
        try await ProxyTestServer.with { server in
            try await server.createNode("bare", kubeletPort: 10250, address: nil)
            try await server.createPod("web", containers: ["app"], node: "bare")
            let noAddress = await server.send(.get, "/api/v1/namespaces/default/pods/web/log")
            #expect(noAddress.status.code == 500)
            #expect(noAddress.bodyText.contains("no preferred addresses found; known addresses: []"))

            // A port nothing listens on: bind one, note it, close it.
            let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
            let closedPort = try #require(listener.localAddress?.port)
            try await listener.close()
            try await server.createNode("gone", kubeletPort: closedPort)
            try await server.createPod("lost", containers: ["app"], node: "gone")
            let unreachable = await server.send(.get, "/api/v1/namespaces/default/pods/lost/log")
            #expect(unreachable.status.code == 500)
            #expect(unreachable.bodyText.contains("error dialing backend"))
        }
    }

    @Test("the node address follows the preference list and the kubelet port defaults to 10250")
    func kubeletAddressPreference() throws {
        let node: JSONValue = [
            "status": ["addresses": [
                ["type": "Hostname", "address": "n1"], ["type": "ExternalIP", "address": "203.0.113.5"],
                ["type": "InternalIP", "address": "10.0.0.5"],
            ]],
        ]
        let types = ["InternalIP", "ExternalIP", "Hostname"]
        let (host, port) = try SubresourceProxyHandler.kubeletAddress(of: node, preferring: types, defaultPort: 10250)
        #expect(host == "10.0.0.5")
        #expect(port == 10250)
        var external = node
        external.setMember("status", [
            "addresses": [["type": "Hostname", "address": "n1"], ["type": "ExternalIP", "address": "203.0.113.5"]],
            "daemonEndpoints": ["kubeletEndpoint": ["Port": 11250]],
        ])
        let (otherHost, otherPort) = try SubresourceProxyHandler.kubeletAddress(of: external, preferring: types, defaultPort: 10250)
        #expect(otherHost == "203.0.113.5")
        #expect(otherPort == 11250)
    }

    @Test("nodes/proxy relays any path, query and method to the kubelet, never the client's credentials", arguments: [false, true])
    func nodeProxy(http2: Bool) async throws {
        try await FakeKubelet.with { _, kubeletPort in
            try await ProxyTestServer.with { server in
                try await server.createNode("node-a", kubeletPort: kubeletPort)
                let result = try await server.curl("/api/v1/nodes/node-a/proxy/stats/summary?only_cpu_and_memory=true", http2: http2)
                #expect(result.status == 200)
                let echo = try JSONValue(parsing: result.body)
                #expect(echo["path"]?.stringValue == "/stats/summary")
                #expect(echo["query"]?.stringValue == "only_cpu_and_memory=true")
                #expect(echo["client"]?.stringValue == "alice")
                #expect(echo["authorization"]?.stringValue == "")

                let posted = try await server.curl("/api/v1/nodes/node-a/proxy/runningpods/", http2: http2, extra: ["-X", "POST", "--data", "hello"])
                let postEcho = try JSONValue(parsing: posted.body)
                #expect(postEcho["method"]?.stringValue == "POST")
                #expect(postEcho["path"]?.stringValue == "/runningpods/")
                #expect(postEcho["body"]?.stringValue == "hello")

                let root = try await server.curl("/api/v1/nodes/node-a/proxy", http2: http2)
                #expect(try JSONValue(parsing: root.body)["path"]?.stringValue == "/")

                let bob = try await server.curl("/api/v1/nodes/node-a/proxy/pods", http2: http2, user: true)
                #expect(bob.status == 403)
            }
        }
    }

    @Test("pods/proxy and services/proxy reach the pod IP and a ready endpoint")
    func podAndServiceProxy() async throws {
        try await FakeKubelet.with { _, backendPort in
            try await ProxyTestServer.with { server in
                try await server.createPod("web", containers: ["app"], node: nil, podIP: "127.0.0.1")
                let viaPod = try await server.curl("/api/v1/namespaces/default/pods/https:web:\(backendPort)/proxy/hello?x=1")
                #expect(viaPod.status == 200)
                let podEcho = try JSONValue(parsing: viaPod.body)
                #expect(podEcho["path"]?.stringValue == "/hello")
                #expect(podEcho["query"]?.stringValue == "x=1")

                let service: JSONValue = [
                    "apiVersion": "v1", "kind": "Service", "metadata": ["name": "svc"],
                    "spec": ["ports": [["name": "web", "port": 443, "targetPort": .int(Int64(backendPort))]]],
                ]
                try ProxyTestServer.expectSuccess(await server.send(.post, "/api/v1/namespaces/default/services", service))
                let none = try await server.curl("/api/v1/namespaces/default/services/https:svc:web/proxy/")
                #expect(none.status == 503)
                #expect(none.text.contains(#"no endpoints available for service \"svc\""#))

                let endpoints: JSONValue = [
                    "apiVersion": "v1", "kind": "Endpoints", "metadata": ["name": "svc"],
                    "subsets": [["addresses": [["ip": "127.0.0.1"]], "ports": [["name": "web", "port": .int(Int64(backendPort))]]]],
                ]
                try ProxyTestServer.expectSuccess(await server.send(.post, "/api/v1/namespaces/default/endpoints", endpoints))
                for id in ["https:svc:web", "https:svc:443"] {
                    let viaService = try await server.curl("/api/v1/namespaces/default/services/\(id)/proxy/api/x")
                    #expect(viaService.status == 200, "\(id)")
                    #expect(try JSONValue(parsing: viaService.body)["path"]?.stringValue == "/api/x")
                }
                let badPort = try await server.curl("/api/v1/namespaces/default/services/https:svc:8443/proxy/")
                #expect(badPort.status == 400)
            }
        }
    }

    @Test("query options translate to the kubelet's names")
    func optionTranslation() throws {
        let exec = try PodStreamOptions([
            ("command", "ls"), ("command", "-l"), ("stdin", "true"), ("stdout", "1"), ("stderr", "false"), ("tty", "T"),
        ])
        let query = try exec.kubeletStreamQuery(exec: true)
        #expect(query.map { "\($0.name)=\($0.value)" } == ["command=ls", "command=-l", "input=1", "output=1", "tty=1"])
        #expect(throws: StatusError.self) { try PodStreamOptions([("stdin", "yes")]) }
        let logs = try PodStreamOptions([("follow", "true"), ("sinceSeconds", "10"), ("previous", "true")]).kubeletLogQuery()
        #expect(logs.map { "\($0.name)=\($0.value)" } == ["follow=true", "previous=true", "sinceSeconds=10"])
        #expect(throws: StatusError.self) { try PodStreamOptions([("sinceSeconds", "10"), ("sinceTime", "2024-01-01T00:00:00Z")]).kubeletLogQuery() }
        #expect(BackendTarget.make(path: "/exec/ns/p/c", query: [("command", "echo hi&x")]) == "/exec/ns/p/c?command=echo%20hi%26x")
    }

    @Test("proxy IDs and paths split as upstream's")
    func proxyIDs() {
        #expect(SubresourceProxyHandler.splitSchemeNamePort("web")! == ("", "web", ""))
        #expect(SubresourceProxyHandler.splitSchemeNamePort("web:8080")! == ("", "web", "8080"))
        #expect(SubresourceProxyHandler.splitSchemeNamePort("https:web:443")! == ("https", "web", "443"))
        #expect(SubresourceProxyHandler.splitSchemeNamePort("ftp:web:21") == nil)
        #expect(SubresourceProxyHandler.splitSchemeNamePort("a:b:c:d") == nil)
        #expect(SubresourceProxyHandler.proxiedPath("/api/v1/nodes/n/proxy/stats/summary", id: "n") == "/stats/summary")
        #expect(SubresourceProxyHandler.proxiedPath("/api/v1/nodes/n/proxy/", id: "n") == "/")
        #expect(SubresourceProxyHandler.proxiedPath("/api/v1/namespaces/d/pods/p/proxy/a/", id: "p") == "/a/")
        let info = RequestInfo(method: .get, path: "/api/v1/nodes/n/proxy/stats/summary", query: [])
        #expect(info.subresource == "proxy", "RBAC sees nodes/proxy, not the proxied path")
    }

    @Test("backend responses are read by Content-Length, chunks or the end of the connection; a 101 keeps the bytes after it")
    func backendResponseReader() throws {
        var reader = BackendResponseReader(bodyLimit: 1024)
        guard case .needMore = try reader.feed(ByteBuffer(string: "HTTP/1.1 400 Bad Request\r\nContent-Length: 5\r\n\r\nhe")) else {
            Issue.record("the body is incomplete")
            return
        }
        guard case .complete(let whole) = try reader.feed(ByteBuffer(string: "llo")) else {
            Issue.record("the body is complete")
            return
        }
        #expect(whole.status == 400)
        #expect(whole.body == Array("hello".utf8))

        var chunked = BackendResponseReader(bodyLimit: 1024)
        guard case .complete(let dechunked) = try chunked.feed(ByteBuffer(
            string: "HTTP/1.1 500 Oops\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"))
        else {
            Issue.record("a complete chunked body")
            return
        }
        #expect(dechunked.body == Array("abcde".utf8))

        var switching = BackendResponseReader(bodyLimit: 1024)
        guard case .switching(let head, let rest) = try switching.feed(ByteBuffer(string: "HTTP/1.1 101 Switching Protocols\r\nUpgrade: SPDY/3.1\r\n\r\nxyz")) else {
            Issue.record("a 101")
            return
        }
        #expect(head.header("upgrade") == "SPDY/3.1")
        #expect(String(buffer: rest) == "xyz")

        var closing = BackendResponseReader(bodyLimit: 1024)
        _ = try closing.feed(ByteBuffer(string: "HTTP/1.1 404 Not Found\r\n\r\nnot here"))
        #expect(try closing.finish().body == Array("not here".utf8))
    }
}
