import ClusterTesting
import KubeAPI
import KubeClient
import Testing

@Suite("ResourceClient over the in-process transport")
struct ResourceClientTests {
    static func configMap(_ name: String, _ data: [String: String] = [:]) -> CoreV1.ConfigMap {
        CoreV1.ConfigMap(data: data, metadata: .init(name: name, namespace: "default"))
    }

    @Test func everyVerbOnATypedResource() async throws {
        try await TestAPIServer.with { server in
            let maps = server.client().resource(CoreV1.ConfigMap.self)
            let created = try await maps.create(Self.configMap("a", ["k": "1"]))
            #expect(created.metadata.uid != nil)
            #expect(try await maps.get("a", namespace: "default").data == ["k": "1"])

            var changed = created
            changed.data = ["k": "2"]
            let updated = try await maps.update(changed)
            #expect(updated.data == ["k": "2"])

            // A stale resourceVersion is a Conflict.
            let stale = await #expect(throws: StatusError.self) { try await maps.update(changed) }
            #expect(stale?.code == 409)

            let patched = try await maps.patch("a", namespace: "default", type: .merge, body: ["data": ["x": "y"]])
            #expect(patched.data == ["k": "2", "x": "y"])
            let applied = try await maps.apply(Self.configMap("b", ["a": "b"]), fieldManager: "tests")
            #expect(applied.metadata.managedFields?.first?.manager == "tests")

            let list = try await maps.list(namespace: "default", options: .init(labelSelector: ""))
            #expect(Set(list.items.compactMap(\.metadata.name)).isSuperset(of: ["a", "b"]))
            #expect(!list.resourceVersion.isEmpty)

            try await maps.delete("a", namespace: "default")
            let missing = await #expect(throws: StatusError.self) { try await maps.get("a", namespace: "default") }
            #expect(missing?.code == 404)
            #expect(missing?.reason == .notFound)
        }
    }

    @Test func invalidObjectsGiveTheServersStatus() async throws {
        try await TestAPIServer.with { server in
            let maps = server.client().resource(CoreV1.ConfigMap.self)
            let error = await #expect(throws: StatusError.self) { try await maps.create(Self.configMap("Not_Valid")) }
            #expect(error?.code == 422)
            #expect(error?.message.contains("Not_Valid") == true)
        }
    }

    @Test func watchDeliversChangesInOrder() async throws {
        try await TestAPIServer.with { server in
            let maps = server.client().resource(CoreV1.ConfigMap.self)
            let start = try await maps.list(namespace: "default")
            let events = try await maps.watch(namespace: "default", options: .init(resourceVersion: start.resourceVersion))
            _ = try await maps.create(Self.configMap("w"))
            _ = try await maps.patch("w", namespace: "default", type: .merge, body: ["data": ["a": "b"]])
            try await maps.delete("w", namespace: "default")
            var seen: [WatchEventType] = []
            for try await event in events {
                #expect(event.object.metadata.name == "w")
                seen.append(event.type)
                if seen.count == 3 { break }
            }
            #expect(seen == [.added, .modified, .deleted])
        }
    }

    @Test func watchErrorFrameThrowsItsStatus() async throws {
        let transport = ScriptedTransport { _ in
            .init(status: 200, body: Array(#"{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","message":"too old resource version: 1 (5)","reason":"Expired","code":410}}"#.utf8) + [10])
        }
        let maps = KubeClient(transport: transport).resource(CoreV1.ConfigMap.self)
        let error = await #expect(throws: StatusError.self) {
            for try await _ in try await maps.watch(options: .init(resourceVersion: "1")) {}
        }
        #expect(error?.code == 410)
        #expect(error?.reason == .expired)
    }

    @Test func framesSplitAcrossChunksAreReassembled() async throws {
        let frame = Array(#"{"type":"ADDED","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x","resourceVersion":"7"}}}"#.utf8) + [10]
        let transport = ScriptedTransport(chunks: [Array(frame[..<10]), Array(frame[10...]) + frame])
        let maps = KubeClient(transport: transport).resource(CoreV1.ConfigMap.self)
        var names: [String] = []
        for try await event in try await maps.watch() { names.append(event.object.metadata.name ?? "") }
        #expect(names == ["x", "x"])
    }

    @Test func garbageFramesFailTheWatchWithAClearError() async throws {
        let transport = ScriptedTransport(chunks: [Array("not json\n".utf8)])
        let maps = KubeClient(transport: transport).resource(CoreV1.ConfigMap.self)
        await #expect(throws: (any Error).self) {
            for try await _ in try await maps.watch() {}
        }
    }

    @Test func dynamicClientReadsAnyResource() async throws {
        try await TestAPIServer.with { server in
            let maps = server.client().dynamic(.init(group: "", version: "v1", resource: "configmaps"), namespaced: true)
            _ = try await maps.create(["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "d", "namespace": "default"]])
            let object = try await maps.get("d", namespace: "default")
            #expect(object[path: "metadata", "name"]?.stringValue == "d")
            let list = try await maps.list()
            #expect(list.items.contains { $0[path: "metadata", "name"]?.stringValue == "d" })
        }
    }

    @Test func authorizationAppliesToInProcessClients() async throws {
        try await TestAPIServer.with { server in
            let anonymous = server.client(as: .serviceAccount(namespace: "default", name: "nobody")).resource(CoreV1.Secret.self)
            let error = await #expect(throws: StatusError.self) { try await anonymous.list(namespace: "kube-system") }
            #expect(error?.code == 403)
        }
    }
}

/// Answers every request from a script: a fixed response, or a streamed body in chunks.
struct ScriptedTransport: KubeTransport {
    var respond: @Sendable (KubeRequest) -> KubeResponse = { _ in KubeResponse(status: 200) }
    var chunks: [[UInt8]]? = nil

    init(respond: @escaping @Sendable (KubeRequest) -> KubeResponse) { self.respond = respond }
    init(chunks: [[UInt8]]) { self.chunks = chunks }

    func send(_ request: KubeRequest) async throws -> KubeResponse { respond(request) }

    func stream(_ request: KubeRequest) async throws -> KubeStreamResponse {
        let response = respond(request)
        let parts = chunks ?? [response.body]
        return KubeStreamResponse(status: response.status, body: AsyncThrowingStream { continuation in
            for part in parts { continuation.yield(part) }
            continuation.finish()
        })
    }
}
