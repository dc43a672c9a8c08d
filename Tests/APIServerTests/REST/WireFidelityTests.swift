import HTTPTypes
import KubeAPI
import Testing
@testable import APIServer

/// What official clients check byte for byte or field by field: fields upstream always writes,
/// the metadata-only and Table forms an `Accept` header asks for, and the final newline.
@Suite struct WireFidelityTests {
    static let podTemplate: JSONValue = [
        "metadata": ["labels": ["app": "web"]],
        "spec": ["containers": [["name": "c", "image": "busybox"]]],
    ]
    static let metadataList = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"
    static let metadataObject = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1"

    static func configMap(_ name: String) -> JSONValue {
        ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": .string(name)], "data": ["a": "b"]]
    }

    @Test("a new ReplicationController's status carries replicas: 0 in create, get, list and watch")
    func replicationControllerStatus() async throws {
        let f = try await RESTFixture()
        let path = "/api/v1/namespaces/default/replicationcontrollers"
        let (_, events, _) = await f.watch(path, query: [])
        let rc: JSONValue = [
            "apiVersion": "v1", "kind": "ReplicationController", "metadata": ["name": "rc"],
            "spec": ["replicas": 0, "selector": ["app": "web"], "template": Self.podTemplate],
        ]
        let created = await f.send(.post, path, body: rc)
        #expect(created.status == 201, "\(created.text)")
        #expect(created.json[path: "status", "replicas"] == .int(0))
        #expect(await f.send(.get, path + "/rc").json[path: "status", "replicas"] == .int(0))
        #expect(await f.send(.get, path).json["items"]?[0]?[path: "status", "replicas"] == .int(0))
        var lines = try #require(events).makeAsyncIterator()
        let event = try JSONValue(parsing: try #require(await lines.next()))
        #expect(event[path: "object", "status", "replicas"] == .int(0))
        // Nested by-value structs are written too (`resources: {}` of every container).
        #expect(created.json[path: "spec", "template", "spec", "containers"]?[0]?["resources"] == .object([:]))
    }

    @Test("a DaemonSet's status always has its four counters")
    func daemonSetStatus() async throws {
        let f = try await RESTFixture()
        let ds: JSONValue = [
            "apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": ["name": "ds"],
            "spec": ["selector": ["matchLabels": ["app": "web"]], "template": Self.podTemplate],
        ]
        let created = await f.send(.post, "/apis/apps/v1/namespaces/default/daemonsets", body: ds)
        #expect(created.status == 201, "\(created.text)")
        for field in ["currentNumberScheduled", "desiredNumberScheduled", "numberMisscheduled", "numberReady"] {
            #expect(created.json[path: "status", field] == .int(0), "\(field)")
        }
    }

    @Test("objects, lists and Status bodies end with a newline")
    func finalNewline() async throws {
        let f = try await RESTFixture()
        let created = await f.send(.post, "/api/v1/namespaces/default/configmaps", body: Self.configMap("one"))
        #expect(created.text.hasSuffix("}\n"))
        #expect(await f.send(.get, "/api/v1/namespaces/default/configmaps/one").text.hasSuffix("}\n"))
        #expect(await f.send(.get, "/api/v1/namespaces/default/configmaps").text.hasSuffix("]}\n"))
        let missing = await f.send(.get, "/api/v1/namespaces/default/configmaps/absent")
        #expect(missing.status == 404)
        #expect(missing.text.hasSuffix(#""code":404}"# + "\n"))
        #expect(!missing.text.dropLast().contains("\n"))
    }

    @Test("PartialObjectMetadataList: kind, meta.k8s.io version, list metadata and items with metadata only", arguments: ["v1", "v1beta1"])
    func metadataList(version: String) async throws {
        let f = try await RESTFixture()
        for name in ["a", "b", "c"] {
            #expect(await f.send(.post, "/api/v1/namespaces/default/configmaps", body: Self.configMap(name)).status == 201)
        }
        let accept = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=\(version),application/json"
        let page = await f.send(.get, "/api/v1/namespaces/default/configmaps", query: [("limit", "2")], accept: accept)
        #expect(page.status == 200, "\(page.text)")
        #expect(page.json["kind"] == "PartialObjectMetadataList")
        #expect(page.json["apiVersion"] == .string("meta.k8s.io/\(version)"))
        #expect(page.json[path: "metadata", "resourceVersion"]?.stringValue?.isEmpty == false)
        #expect(page.json[path: "metadata", "continue"]?.stringValue?.isEmpty == false)
        let items = try #require(page.json["items"]?.arrayValue)
        #expect(items.count == 2)
        for item in items {
            #expect(Array(item.objectValue?.keys ?? []) == ["kind", "apiVersion", "metadata"])
            #expect(item["kind"] == "PartialObjectMetadata")
            #expect(item[path: "metadata", "uid"]?.stringValue?.isEmpty == false)
        }
        #expect(page.text.hasSuffix("\n"))
    }

    @Test("PartialObjectMetadata of one object")
    func metadataObject() async throws {
        let f = try await RESTFixture()
        #expect(await f.send(.post, "/api/v1/namespaces/default/configmaps", body: Self.configMap("one")).status == 201)
        let one = await f.send(.get, "/api/v1/namespaces/default/configmaps/one", accept: Self.metadataObject)
        #expect(one.status == 200)
        #expect(one.json["kind"] == "PartialObjectMetadata")
        #expect(one.json["apiVersion"] == "meta.k8s.io/v1")
        #expect(one.json[path: "metadata", "name"] == "one")
        #expect(one.json["data"] == nil)
    }

    @Test("406 with a Status for forms that do not fit or are unknown", arguments: [
        ("/api/v1/namespaces/default/configmaps/one", "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"),
        ("/api/v1/namespaces/default/configmaps", "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1"),
        ("/api/v1/namespaces/default/configmaps", "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v2"),
        ("/api/v1/namespaces/default/configmaps", "application/json;as=Widget;g=meta.k8s.io;v=v1"),
        ("/api/v1/namespaces/default/configmaps", "text/html"),
    ])
    func notAcceptable(path: String, accept: String) async throws {
        let f = try await RESTFixture()
        #expect(await f.send(.post, "/api/v1/namespaces/default/configmaps", body: Self.configMap("one")).status == 201)
        let reply = await f.send(.get, path, accept: accept)
        #expect(reply.status == 406, "\(reply.text)")
        #expect(reply.json["kind"] == "Status")
        #expect(reply.reason == "NotAcceptable")
    }

    @Test("a watch asked for metadata only carries PartialObjectMetadata objects")
    func metadataWatch() async throws {
        let f = try await RESTFixture()
        let response = await f.handler.handle(
            f.request(.get, "/api/v1/namespaces/default/configmaps", query: [("watch", "true")], accept: Self.metadataList))
        #expect(response.status == .ok)
        guard let stream = response.body.chunkStream() else {
            Issue.record("not a stream")
            return
        }
        #expect(await f.send(.post, "/api/v1/namespaces/default/configmaps", body: Self.configMap("watched")).status == 201)
        var lines = stream.makeAsyncIterator()
        let line = try #require(await lines.next())
        #expect(line.last == UInt8(ascii: "\n"))
        let event = try JSONValue(parsing: line)
        #expect(event["type"] == "ADDED")
        #expect(event[path: "object", "kind"] == "PartialObjectMetadata")
        #expect(event[path: "object", "apiVersion"] == "meta.k8s.io/v1")
        #expect(event[path: "object", "metadata", "name"] == "watched")
        #expect(event[path: "object", "data"] == nil)
    }

    @Test("a Table asked for as meta.k8s.io/v1beta1 comes in that version")
    func tableV1beta1() async throws {
        let f = try await RESTFixture()
        let handler = ResourceHandler(registry: f.registry, tableConvertor: CustomResourceTableConvertor(catalog: CustomResourceCatalog()))
        #expect(await f.send(.post, "/api/v1/namespaces/default/configmaps", body: Self.configMap("one")).status == 201)
        for version in ["v1", "v1beta1"] {
            let response = await handler.handle(f.request(
                .get, "/api/v1/namespaces/default/configmaps",
                accept: "application/json;as=Table;v=\(version);g=meta.k8s.io,application/json"))
            guard case .bytes(let body) = response.body else {
                Issue.record("not bytes")
                return
            }
            let table = try JSONValue(parsing: body)
            #expect(response.status == .ok)
            #expect(table["kind"] == "Table")
            #expect(table["apiVersion"] == .string("meta.k8s.io/\(version)"))
        }
    }
}
