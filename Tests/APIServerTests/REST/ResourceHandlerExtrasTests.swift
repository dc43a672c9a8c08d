import HTTPTypes
import KubeAPI
import Testing
@testable import APIServer

@Suite struct ResourceHandlerExtrasTests {
    let cms = "/api/v1/namespaces/default/configmaps"

    @Test func fieldValidationModes() async throws {
        let f = try await RESTFixture()
        var object = RESTFixture.configMap("fv")
        object.updateMetadata { $0["bogus"] = "x" }
        let strict = await f.send(.post, cms, query: [("fieldValidation", "Strict")], body: object)
        #expect(strict.status == 400)
        #expect(strict.message == "ConfigMap in version \"v1\" cannot be handled as a ConfigMap: strict decoding error: unknown field \"metadata.bogus\"")
        let warn = await f.send(.post, cms, query: [("fieldValidation", "Warn")], body: object)
        #expect(warn.status == 201)
        #expect(warn.headers[HTTPField.Name("Warning")!] == "299 - \"unknown field \\\"metadata.bogus\\\"\"")
        let bad = await f.send(.post, cms, query: [("fieldValidation", "Loud")], body: RESTFixture.configMap("x"))
        #expect(bad.status == 400)
    }

    @Test func tableWithoutConvertorIsNotAcceptable() async throws {
        let f = try await RESTFixture()
        let tableOnly = await f.send(.get, cms, accept: "application/json;as=Table;v=v1;g=meta.k8s.io")
        #expect(tableOnly.status == 406)
        let withFallback = await f.send(.get, cms, accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json")
        #expect(withFallback.status == 200)
        #expect(withFallback.json["kind"]?.stringValue == "ConfigMapList")
        let protobufOnly = await f.send(.get, cms, accept: "application/vnd.kubernetes.protobuf")
        #expect(protobufOnly.status == 406)
    }

    struct FakeTables: TableConvertor {
        func table(for objects: [JSONValue], descriptor: ResourceDescriptor, listMetadata: JSONValue?, includeObject: String?) -> JSONValue? {
            ["kind": "Table", "apiVersion": "meta.k8s.io/v1", "rows": .array(objects.map { ["cells": [$0[path: "metadata", "name"] ?? .null]] })]
        }
    }

    @Test func tableConvertorIsUsed() async throws {
        let f = try await RESTFixture()
        _ = await f.send(.post, cms, body: RESTFixture.configMap("t"))
        let handler = ResourceHandler(registry: f.registry, tableConvertor: FakeTables())
        let response = await handler.handle(f.request(.get, cms, accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"))
        guard case .bytes(let bytes) = response.body else { Issue.record("streamed"); return }
        let table = try JSONValue(parsing: bytes)
        #expect(table["kind"]?.stringValue == "Table")
        #expect(table[path: "rows", "0", "cells", "0"]?.stringValue == "t")
    }

    @Test func customResourceAddedAtRuntime() async throws {
        let f = try await RESTFixture()
        let widgets = ResourceDescriptor(
            group: "example.com", version: "v1", resource: "widgets", singularName: "widget", kind: "Widget",
            namespaced: true, verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
            subresources: [.init(name: "status", kind: "Widget", verbs: ["get", "patch", "update"])])
        let store = try await f.registry.add(widgets)
        #expect(store.keys.resourcePrefix == "/registry/example.com/widgets/")
        let path = "/apis/example.com/v1/namespaces/default/widgets"
        let widget: JSONValue = ["apiVersion": "example.com/v1", "kind": "Widget", "metadata": ["name": "w1"], "spec": ["size": 3], "status": ["ok": true]]
        let created = await f.send(.post, path, body: widget)
        #expect(created.status == 201)
        #expect(created.json["status"] == nil)
        #expect(created.json[path: "metadata", "generation"]?.intValue == 1)
        let list = await f.send(.get, path)
        #expect(list.json["kind"]?.stringValue == "WidgetList")
        #expect(list.json["items"]?.arrayValue?.count == 1)
        let smp = await f.send(.patch, path + "/w1", raw: Array("{}".utf8), contentType: "application/strategic-merge-patch+json")
        #expect(smp.status == 415)
        let merge = await f.send(.patch, path + "/w1", raw: Array(#"{"spec":{"size":4}}"#.utf8), contentType: "application/merge-patch+json")
        #expect(merge.json[path: "spec", "size"]?.intValue == 4)
        #expect(merge.json[path: "metadata", "generation"]?.intValue == 2)
    }

    @Test func concurrentPatchesAllLand() async throws {
        let f = try await RESTFixture()
        _ = await f.send(.post, cms, body: RESTFixture.configMap("shared"))
        await withTaskGroup(of: Int.self) { group in
            for index in 0..<20 {
                group.addTask {
                    await f.send(.patch, cms + "/shared", raw: Array("{\"data\":{\"k\(index)\":\"v\"}}".utf8), contentType: "application/merge-patch+json").status
                }
            }
            for await status in group { #expect(status == 200) }
        }
        let final = await f.send(.get, cms + "/shared")
        #expect(final.json["data"]?.objectValue?.count == 21)
    }

    @Test func storageKeys() {
        #expect(StorageKeys(group: "", resource: "pods", namespaced: true).key(namespace: "default", name: "p1") == "/registry/pods/default/p1")
        #expect(StorageKeys(group: "apps", resource: "deployments", namespaced: true).key(namespace: "ns", name: "d") == "/registry/apps/deployments/ns/d")
        #expect(StorageKeys(group: "", resource: "namespaces", namespaced: false).key(namespace: "", name: "kube-system") == "/registry/namespaces/kube-system")
    }

    @Test func uuidsAreVersion4() {
        let ids = (0..<100).map { _ in RandomIdentifiers.uuid() }
        #expect(Set(ids).count == 100)
        for id in ids {
            let bytes = Array(id.utf8)
            #expect(bytes.count == 36)
            #expect(bytes[14] == UInt8(ascii: "4"))
            #expect([UInt8(ascii: "8"), UInt8(ascii: "9"), UInt8(ascii: "a"), UInt8(ascii: "b")].contains(bytes[19]))
        }
    }
}
