import ClusterTesting
import KubeAPI
import KubeClient
import Synchronization
import Testing

/// Collects informer callbacks.
final class EventLog: Sendable {
    let entries = Mutex<[String]>([])

    func append(_ entry: String) {
        entries.withLock { $0.append(entry) }
    }

    /// The entries so far.
    var current: [String] { entries.withLock { $0 } }
}

@Suite("Informers")
struct InformerTests {
    @Test func listsThenWatchesAndIndexes() async throws {
        try await TestAPIServer.with { server in
            let client = server.client()
            let maps = client.resource(CoreV1.ConfigMap.self)
            _ = try await maps.create(CoreV1.ConfigMap(metadata: .init(labels: ["app": "a"], name: "before", namespace: "default")))
            let factory = InformerFactory(client: client)
            let informer = factory.informer(CoreV1.ConfigMap.self)
            informer.addIndex("app") { [$0.metadata.labels?["app"] ?? ""] }
            let log = EventLog()
            informer.addHandler(InformerHandler(
                onAdd: { log.append("add \($0.metadata.name!)") },
                onUpdate: { _, new in log.append("update \(new.metadata.name!)") },
                onDelete: { log.append("delete \($0.metadata.name!)") }))
            let run = Task { await factory.run() }
            defer { run.cancel() }
            await factory.waitForSync()
            #expect(informer.hasSynced())
            #expect(log.entries.withLock { $0 }.contains("add before"))

            _ = try await maps.create(CoreV1.ConfigMap(metadata: .init(labels: ["app": "b"], name: "after", namespace: "default")))
            _ = try await maps.patch("after", namespace: "default", type: .merge, body: ["data": ["k": "v"]])
            try await maps.delete("before", namespace: "default")
            try await eventually("delete and update callbacks") { log.current.contains("delete before") && log.current.contains("update after") }
            #expect(log.entries.withLock { $0 }.filter { $0.hasSuffix("after") } == ["add after", "update after"])

            #expect(informer.lister.get("after", namespace: "default")?.data == ["k": "v"])
            #expect(informer.lister.get("before", namespace: "default") == nil)
            #expect(informer.lister.byIndex("app", "b").map(\.metadata.name) == ["after"])
            #expect(informer.lister.list(namespace: "default", selector: try LabelSelector(parsing: "app=b")).count == 1)
            #expect(informer.lister.list(namespace: "kube-system", selector: try LabelSelector(parsing: "app=b")).isEmpty)

            // A late handler is told about the cache.
            let late = EventLog()
            informer.addHandler(.any { late.append($0.metadata.name!) })
            #expect(late.entries.withLock { $0 }.contains("after"))
        }
    }

    @Test func aRemovedHandlerHearsNothingMore() async throws {
        try await TestAPIServer.with { server in
            let client = server.client()
            let factory = InformerFactory(client: client)
            let informer = factory.informer(CoreV1.ConfigMap.self)
            let kept = EventLog()
            let removed = EventLog()
            informer.addHandler(.any { kept.append($0.metadata.name!) })
            let registration = informer.addHandler(.any { removed.append($0.metadata.name!) })
            #expect(informer.handlerCount == 2)
            let run = Task { await factory.run() }
            defer { run.cancel() }
            await factory.waitForSync()
            let maps = client.resource(CoreV1.ConfigMap.self)
            _ = try await maps.create(CoreV1.ConfigMap(metadata: .init(name: "first", namespace: "default")))
            try await eventually("the removed handler sees first") { removed.current.contains("first") }
            informer.removeHandler(registration)
            informer.removeHandler(registration)
            #expect(informer.handlerCount == 1)
            _ = try await maps.create(CoreV1.ConfigMap(metadata: .init(name: "second", namespace: "default")))
            try await eventually("the kept handler sees second") { kept.current.contains("second") }
            #expect(!removed.entries.withLock { $0 }.contains("second"))
        }
    }

    @Test func handlersAddedInAScopeGoWhenItEnds() async throws {
        try await TestAPIServer.with { server in
            let informer = InformerFactory(client: server.client()).informer(CoreV1.ConfigMap.self)
            informer.addHandler(.any { _ in })
            await InformerHandlerScope.run {
                informer.addHandler(.any { _ in })
                await withTaskGroup(of: Void.self) { group in
                    group.addTask { informer.addHandler(.any { _ in }) }
                }
                #expect(informer.handlerCount == 3)
            }
            #expect(informer.handlerCount == 1, "only the handler added outside the scope is left")
        }
    }

    @Test func componentsShareOneRunOfTheFactory() async throws {
        try await TestAPIServer.with { server in
            let client = server.client()
            let factory = InformerFactory(client: client)
            let informer = factory.informer(CoreV1.ConfigMap.self)
            let log = EventLog()
            informer.addHandler(.any { log.append($0.metadata.name!) })
            let first = Task { await factory.run() }
            let second = Task { await factory.run() }
            defer { second.cancel() }
            await factory.waitForSync()
            first.cancel()
            await first.value
            // The second caller still runs the factory: the informer keeps watching.
            _ = try await client.resource(CoreV1.ConfigMap.self).create(CoreV1.ConfigMap(metadata: .init(name: "later", namespace: "default")))
            try await eventually("the handler sees later") { log.current.contains("later") }
            #expect(log.entries.withLock { $0 }.filter { $0 == "later" }.count == 1, "one watch delivers each change once")
        }
    }

    @Test func factorySharesOneInformerPerKind() async throws {
        try await TestAPIServer.with { server in
            let factory = InformerFactory(client: server.client())
            #expect(factory.informer(CoreV1.Pod.self) === factory.informer(CoreV1.Pod.self))
            #expect(factory.informer(CoreV1.Pod.self) !== factory.informer(CoreV1.Pod.self, fieldSelector: "spec.nodeName=n1"))
        }
    }

    @Test func fieldSelectedInformerSeesOnlyItsObjects() async throws {
        try await TestAPIServer.with { server in
            let client = server.client()
            let factory = InformerFactory(client: client)
            let informer = factory.informer(CoreV1.Pod.self, fieldSelector: "spec.nodeName=n1")
            let run = Task { await factory.run() }
            defer { run.cancel() }
            await factory.waitForSync()
            let log = EventLog()
            informer.addHandler(.any { log.append($0.metadata.name!) })
            for (name, node) in [("p1", "n1"), ("p2", "n2")] {
                _ = try await client.resource(CoreV1.Pod.self).create(CoreV1.Pod(
                    metadata: .init(name: name, namespace: "default"),
                    spec: .init(containers: [.init(image: "nginx", name: "c")], nodeName: node)))
            }
            try await eventually("the p1 callback") { log.current.contains("p1") }
            #expect(informer.lister.list().map(\.metadata.name) == ["p1"])
        }
    }
}
