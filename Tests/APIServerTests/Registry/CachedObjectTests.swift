import KubeAPI
import Testing
@testable import APIServer

/// The watch cache keeps each object as bytes only and decodes on demand: the decoded value,
/// the bytes and what selectors read must be what they were when the tree was kept.
@Suite struct CachedObjectTests {
    static let pod: JSONValue = [
        "apiVersion": "v1", "kind": "Pod",
        "metadata": [
            "name": "p", "namespace": "default", "uid": "u-1",
            "labels": ["app": "web", "tier": "front"], "annotations": ["note": "é \"quoted\" <b>"],
        ],
        "spec": [
            "nodeName": "n1", "hostNetwork": true, "priority": 7,
            "containers": [["name": "c", "image": "nginx", "resources": ["requests": ["cpu": "0.5"]]]],
            "overhead": ["ratio": 0.25],
        ],
        "status": ["phase": "Running", "podIP": "10.0.0.4"],
    ]

    static func podFields() async throws -> SelectableFields {
        let f = try await RESTFixture()
        return try #require(f.registry.store(group: "", version: "v1", resource: "pods")).fields
    }

    @Test func decodedValueIsTheStampedObjectAndItsBytes() async throws {
        let fields = try await Self.podFields()
        let object = CachedObject(key: "/registry/pods/default/p", value: Self.pod, revision: 42, fields: fields)
        let value = object.value
        #expect(value[path: "metadata", "resourceVersion"]?.stringValue == "42")
        #expect(value[path: "spec", "overhead", "ratio"] == .double(0.25))
        #expect(value[path: "metadata", "annotations", "note"]?.stringValue == "é \"quoted\" <b>")
        var expected = CachedObject.filled(Self.pod)
        expected.updateMetadata { $0["resourceVersion"] = .string("42") }
        #expect(value == expected)
        // Re-encoding the decoded value gives the very bytes that are served.
        #expect(value.serialized() == object.bytes)
        #expect(object.bytes == expected.serialized())
        #expect(object.namespace == "default" && object.name == "p" && object.revision == 42)
        #expect(object.labels == ["app": "web", "tier": "front"])
        #expect(object.fields["spec.nodeName"] == "n1")
        #expect(object.fields["spec.hostNetwork"] == "true")
        #expect(object.fields["status.phase"] == "Running")
        #expect(object.fields["status.nominatedNodeName"] == "")
    }

    @Test func fieldSelectorsMatchTheKeptFieldValues() async throws {
        let fields = try await Self.podFields()
        let object = CachedObject(key: "/registry/pods/default/p", value: Self.pod, revision: 3, fields: fields)
        func matches(_ text: String) throws -> Bool {
            object.matches(namespace: "", labels: .everything, fields: try FieldSelector(parsing: text))
        }
        #expect(try matches("spec.nodeName=n1"))
        #expect(try matches("spec.nodeName=n1,status.phase=Running,metadata.name=p"))
        #expect(try !matches("spec.nodeName=n2"))
        #expect(try !matches("spec.nodeName!=n1"))
        #expect(try matches("status.nominatedNodeName="))
        #expect(try matches("spec.hostNetwork=true"))
        #expect(object.fields["no.such.field"] == nil)
        #expect(try matches("no.such.field="))
        #expect(object.bytes.capacity < object.bytes.count + 64)
    }

    @Test func storedBytesDecodeToTheSameObject() async throws {
        let fields = try await Self.podFields()
        let built = CachedObject(key: "/registry/pods/default/p", value: Self.pod, revision: 9, fields: fields)
        let loaded = try CachedObject(key: "/registry/pods/default/p", stored: Self.pod.serialized(), revision: 9, fields: fields)
        #expect(loaded.bytes == built.bytes)
        #expect(loaded.value == built.value)
        #expect(loaded.labels == built.labels && loaded.fields == built.fields)
    }

    @Test func storedBytesThatAreNotAnObjectAreRefused() async throws {
        let fields = try await Self.podFields()
        #expect(throws: StatusError.self) {
            try CachedObject(key: "/registry/pods/default/p", stored: Array("[1,2]".utf8), revision: 1, fields: fields)
        }
        #expect(throws: StatusError.self) {
            try CachedObject(key: "/registry/pods/default/p", stored: Array("{\"a\":".utf8), revision: 1, fields: fields)
        }
    }

    @Test func restampingChangesOnlyTheResourceVersion() async throws {
        let fields = try await Self.podFields()
        let object = CachedObject(key: "/registry/pods/default/p", value: Self.pod, revision: 5, fields: fields)
        let deleted = object.restamped(11, fields: fields)
        #expect(deleted.revision == 11)
        #expect(deleted.value[path: "metadata", "resourceVersion"]?.stringValue == "11")
        var withOldVersion = deleted.value
        withOldVersion.updateMetadata { $0["resourceVersion"] = .string("5") }
        #expect(withOldVersion.serialized() == object.bytes)
        #expect(deleted.labels == object.labels && deleted.fields == object.fields && deleted.key == object.key)
    }

    @Test func cachedObjectMatchesWhatGetServes() async throws {
        let f = try await RESTFixture()
        let created = await f.send(.post, "/api/v1/namespaces/default/configmaps", body: RESTFixture.configMap("c", labels: ["a": "b"]))
        #expect(created.status == 201)
        let store = try #require(f.registry.store(group: "", version: "v1", resource: "configmaps"))
        #expect(try await f.registry.cache.waitUntilFresh())
        let cached = try #require(f.registry.cache.object(prefix: store.keys.resourcePrefix, key: store.keys.key(namespace: "default", name: "c")))
        let got = await f.send(.get, "/api/v1/namespaces/default/configmaps/c")
        #expect(got.json == cached.value)
        #expect(cached.value.serialized() == cached.bytes)
        #expect(cached.labels == ["a": "b"])
    }
}
