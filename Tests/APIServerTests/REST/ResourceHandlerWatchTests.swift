import HTTPTypes
import KubeAPI
import ClusterTesting
import Testing
@testable import APIServer

@Suite struct ResourceHandlerWatchTests {
    let cms = "/api/v1/namespaces/default/configmaps"

    @Test func eventsAfterResourceVersionInOrder() async throws {
        let f = try await RESTFixture()
        let before = await f.send(.post, cms, body: RESTFixture.configMap("before"))
        let rv = try #require(before.json[path: "metadata", "resourceVersion"]?.stringValue)
        let (status, stream, _) = await f.watch(cms, query: [("resourceVersion", rv), ("timeoutSeconds", "10")])
        #expect(status == 200)
        let events = try #require(stream)
        let created = await f.send(.post, cms, body: RESTFixture.configMap("w"))
        var changed = created.json
        changed.setMember("data", ["k": "2"])
        #expect(await f.send(.put, cms + "/w", body: changed).status == 200)
        #expect(await f.send(.delete, cms + "/w").status == 200)
        let received = await collectEvents(events, count: 3)
        #expect(received.map { $0["type"]?.stringValue ?? "" } == ["ADDED", "MODIFIED", "DELETED"])
        #expect(received.allSatisfy { $0[path: "object", "metadata", "name"]?.stringValue == "w" })
        let versions = received.compactMap { Int64($0[path: "object", "metadata", "resourceVersion"]?.stringValue ?? "") }
        #expect(versions.count == 3 && versions == versions.sorted() && Set(versions).count == 3)
    }

    @Test func watchWithoutVersionStartsWithCurrentObjects() async throws {
        let f = try await RESTFixture()
        _ = await f.send(.post, cms, body: RESTFixture.configMap("a"))
        _ = await f.send(.post, cms, body: RESTFixture.configMap("b"))
        let (_, stream, _) = await f.watch(cms, query: [("timeoutSeconds", "10")])
        let received = await collectEvents(try #require(stream), count: 2)
        #expect(received.map { $0["type"]?.stringValue ?? "" } == ["ADDED", "ADDED"])
        #expect(received.map { $0[path: "object", "metadata", "name"]?.stringValue ?? "" } == ["a", "b"])
    }

    @Test func tooOldResourceVersionGivesExpiredErrorEvent() async throws {
        let f = try await RESTFixture(watchWindow: 16)
        for index in 0..<40 { _ = await f.send(.post, cms, body: RESTFixture.configMap("o\(index)")) }
        // A consistent list waits until the cache has applied every write.
        #expect(await f.send(.get, cms).json["items"]?.arrayValue?.count == 40)
        let (status, stream, _) = await f.watch(cms, query: [("resourceVersion", "2"), ("timeoutSeconds", "10")])
        #expect(status == 200)
        let received = await collectEvents(try #require(stream), count: 1)
        #expect(received.first?["type"]?.stringValue == "ERROR")
        #expect(received.first?[path: "object", "code"]?.intValue == 410)
        #expect(received.first?[path: "object", "reason"]?.stringValue == "Expired")
        #expect(received.first?[path: "object", "message"]?.stringValue?.hasPrefix("too old resource version: 2") == true)
    }

    @Test func bookmarksCarryTheCurrentVersion() async throws {
        let f = try await RESTFixture(bookmarkInterval: .milliseconds(30))
        let created = await f.send(.post, cms, body: RESTFixture.configMap("b"))
        let rv = try #require(created.json[path: "metadata", "resourceVersion"]?.stringValue)
        let (_, stream, _) = await f.watch(cms, query: [("resourceVersion", rv), ("allowWatchBookmarks", "true"), ("timeoutSeconds", "10")])
        let received = await collectEvents(try #require(stream), count: 1)
        #expect(received.first?["type"]?.stringValue == "BOOKMARK")
        #expect(received.first?[path: "object", "kind"]?.stringValue == "ConfigMap")
        #expect(Int64(received.first?[path: "object", "metadata", "resourceVersion"]?.stringValue ?? "") ?? 0 >= Int64(rv)!)
    }

    @Test func sendInitialEventsEndsWithAnnotatedBookmark() async throws {
        let f = try await RESTFixture()
        _ = await f.send(.post, cms, body: RESTFixture.configMap("i1"))
        let (_, stream, _) = await f.watch(cms, query: [
            ("sendInitialEvents", "true"), ("resourceVersionMatch", "NotOlderThan"), ("allowWatchBookmarks", "true"), ("timeoutSeconds", "10"),
        ])
        let received = await collectEvents(try #require(stream), count: 2)
        #expect(received.map { $0["type"]?.stringValue ?? "" } == ["ADDED", "BOOKMARK"])
        #expect(received.last?[path: "object", "metadata", "annotations", "k8s.io/initial-events-end"]?.stringValue == "true")
    }

    @Test func selectorsFilterAndTranslateEvents() async throws {
        let f = try await RESTFixture()
        let start = await f.send(.post, cms, body: RESTFixture.configMap("other", labels: ["app": "no"]))
        let rv = try #require(start.json[path: "metadata", "resourceVersion"]?.stringValue)
        let (_, stream, _) = await f.watch(cms, query: [("resourceVersion", rv), ("labelSelector", "app=yes"), ("timeoutSeconds", "10")])
        let events = try #require(stream)
        _ = await f.send(.post, cms, body: RESTFixture.configMap("skip", labels: ["app": "no"]))
        let match = await f.send(.post, cms, body: RESTFixture.configMap("m", labels: ["app": "yes"]))
        var relabel = match.json
        relabel.updateMetadata { $0["labels"] = ["app": "no"] }
        _ = await f.send(.put, cms + "/m", body: relabel)
        let received = await collectEvents(events, count: 2)
        #expect(received.map { $0["type"]?.stringValue ?? "" } == ["ADDED", "DELETED"])
        #expect(received.allSatisfy { $0[path: "object", "metadata", "name"]?.stringValue == "m" })

        let bad = await f.watch(cms, query: [("fieldSelector", "spec.nope=1")])
        #expect(bad.status == 400)
    }

    @Test func podFieldSelector() async throws {
        let f = try await RESTFixture()
        let (_, stream, _) = await f.watch("/api/v1/pods", query: [("fieldSelector", "spec.nodeName=n1"), ("timeoutSeconds", "10")])
        for (name, node) in [("p0", "n0"), ("p1", "n1")] {
            let pod: JSONValue = ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": .string(name)],
                                  "spec": ["nodeName": .string(node), "containers": [["name": "c", "image": "busybox"]]]]
            #expect(await f.send(.post, "/api/v1/namespaces/default/pods", body: pod).status == 201)
        }
        let received = await collectEvents(try #require(stream), count: 1)
        #expect(received.first?[path: "object", "metadata", "name"]?.stringValue == "p1")
        let list = await f.send(.get, "/api/v1/pods", query: [("fieldSelector", "spec.nodeName=n0")])
        #expect(list.json["items"]?.arrayValue?.count == 1)
        #expect(list.json[path: "items", "0", "status", "phase"]?.stringValue == "Pending")
    }

    @Test func timeoutEndsTheStream() async throws {
        let f = try await RESTFixture()
        let (_, stream, _) = await f.watch(cms, query: [("timeoutSeconds", "1"), ("resourceVersion", "0")])
        let events = try #require(stream)
        // The server ends the stream after timeoutSeconds; without that this would never return.
        let received = try await withDeadline(.seconds(30), "the watch to time out") {
            await collectEvents(events, count: 1000)
        }
        #expect(received.isEmpty)
        #expect(f.registry.cache.watcherCount == 0)
    }
}
