import Foundation
import HTTPTypes
import KubeAPI
import Testing
@testable import APIServer

@Suite struct OpenAPITests {
    static let service = OpenAPIService(catalog: DiscoveryCatalog())

    func document(_ path: String, service: OpenAPIService = OpenAPITests.service) throws -> JSONValue {
        let document = try #require(service.v3Document(path: path))
        return try JSONValue(parsing: document.bytes)
    }

    @Test func indexListsEveryGroupVersionWithAHash() throws {
        let index = try JSONValue(parsing: Self.service.v3Index())
        let paths = try #require(index["paths"]?.objectValue)
        #expect(paths.count == 22)
        let url = try #require(paths["apis/apps/v1"]?["serverRelativeURL"]?.stringValue)
        let hash = try #require(Self.service.v3Document(path: "apis/apps/v1")?.hash)
        #expect(url == "/openapi/v3/apis/apps/v1?hash=\(hash)")
        #expect(hash.count == 128)
    }

    @Test func podSchemaIsThereForExplain() throws {
        let doc = try document("api/v1")
        let schemas = try #require(doc[path: "components", "schemas"])
        let pod = try #require(schemas["io.k8s.api.core.v1.Pod"])
        #expect(pod["x-kubernetes-group-version-kind"] == [["group": "", "kind": "Pod", "version": "v1"]])
        let containers = try #require(schemas[path: "io.k8s.api.core.v1.PodSpec", "properties", "containers"])
        #expect(containers["items"]?["$ref"] == "#/components/schemas/io.k8s.api.core.v1.Container")
        #expect(containers["x-kubernetes-patch-merge-key"] == "name")
        #expect(schemas["io.k8s.api.core.v1.Container"]?["required"] == ["name"])
        #expect(doc["openapi"] == "3.0.0")
    }

    @Test func podPathsCarryActionsKindsAndFieldValidation() throws {
        let paths = try #require(try document("api/v1")["paths"])
        let collection = try #require(paths["/api/v1/namespaces/{namespace}/pods"])
        #expect(collection[path: "get", "x-kubernetes-action"] == "list")
        #expect(collection[path: "post", "x-kubernetes-group-version-kind"] == ["group": "", "kind": "Pod", "version": "v1"])
        let item = try #require(paths["/api/v1/namespaces/{namespace}/pods/{name}"])
        let patchParameters = (item[path: "patch", "parameters"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
        #expect(patchParameters.contains("fieldValidation"))
        #expect(item[path: "get", "responses", "200", "content", "application/json", "schema", "$ref"] == "#/components/schemas/io.k8s.api.core.v1.Pod")
        #expect(paths["/api/v1/pods"]?[path: "get", "operationId"] == "listCoreV1PodForAllNamespaces")
        #expect(paths["/api/v1/namespaces/{namespace}/pods/{name}/status"] != nil)
        let scale = try #require(try document("apis/apps/v1")["paths"]?["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale"])
        #expect(scale[path: "put", "x-kubernetes-group-version-kind"] == ["group": "autoscaling", "kind": "Scale", "version": "v1"])
    }

    static let groupVersions = OpenAPITests.service.catalog.descriptors
        .map { $0.group.isEmpty ? "api/\($0.version)" : "apis/\($0.group)/\($0.version)" }
        .reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }

    @Test(arguments: groupVersions)
    func everyReferenceResolvesAndNoProseIsCarried(path: String) throws {
        let doc = try document(path)
        let schemas = try #require(doc[path: "components", "schemas"]?.objectValue)
        var refs: [String] = []
        OpenAPIDocumentBuilder.references(in: doc) { refs.append($0) }
        for ref in refs { #expect(schemas[ref] != nil, "\(path): unresolved \(ref)") }
        for (name, schema) in schemas { #expect(!Self.hasDescription(schema), "\(name) carries a description") }
    }

    static func hasDescription(_ schema: JSONValue) -> Bool {
        guard let object = schema.objectValue else { return false }
        if object["description"]?.stringValue != nil { return true }
        for (key, value) in object {
            if key == "properties", let properties = value.objectValue {
                if properties.values.contains(where: hasDescription) { return true }
            } else if ["items", "additionalProperties", "not"].contains(key), hasDescription(value) {
                return true
            } else if ["allOf", "oneOf", "anyOf"].contains(key), (value.arrayValue ?? []).contains(where: hasDescription) {
                return true
            }
        }
        return false
    }

    /// The reference schema without its prose, for comparison.
    static func strip(_ value: JSONValue) -> JSONValue {
        guard var object = value.objectValue else { return value }
        object["description"] = nil
        if let properties = object["properties"]?.objectValue { object["properties"] = .object(properties.mapValues(strip)) }
        for key in ["items", "additionalProperties", "not"] { if let sub = object[key] { object[key] = strip(sub) } }
        for key in ["allOf", "oneOf", "anyOf"] { if let subs = object[key]?.arrayValue { object[key] = .array(subs.map(strip)) } }
        return .object(object)
    }

    /// `Fixtures/openapi/api__v1-schemas.json`: these schemas from upstream's
    /// `/openapi/v3/api/v1`, descriptions removed.
    @Test(arguments: ["io.k8s.api.core.v1.Pod", "io.k8s.api.core.v1.Container", "io.k8s.api.core.v1.PodSpec", "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"])
    func schemasMatchReferenceApartFromProse(name: String) throws {
        let reference = try Reference.json("openapi/api__v1-schemas.json")
        let expected = Self.strip(try #require(reference[path: "components", "schemas", name]))
        #expect(try document("api/v1")[path: "components", "schemas", name] == expected)
    }

    @Test func swaggerUsesDefinitionReferences() throws {
        let v2 = try JSONValue(parsing: Self.service.v2Document())
        #expect(v2["swagger"] == "2.0")
        let containers = try #require(v2[path: "definitions", "io.k8s.api.core.v1.PodSpec", "properties", "containers"])
        #expect(containers["items"]?["$ref"] == "#/definitions/io.k8s.api.core.v1.Container")
        #expect(v2[path: "definitions", "io.k8s.api.core.v1.Pod", "properties", "spec", "$ref"] == "#/definitions/io.k8s.api.core.v1.PodSpec")
        let body = try #require(v2[path: "paths", "/api/v1/namespaces/{namespace}/pods", "post", "parameters"]?[0])
        #expect(body["in"] == "body")
        #expect(!v2.serializedString().contains("#/components/"))
    }

    @Test func customResourceSchemasAreServedAndInvalidateTheCache() throws {
        let catalog = DiscoveryCatalog()
        let service = OpenAPIService(catalog: catalog)
        let before = try #require(service.v3Document(path: "api/v1")?.hash)
        #expect(service.v3Document(path: "apis/stable.example.com/v1") == nil)

        catalog.add(DiscoveryHandlerTests.crontabs)
        service.registerCustomResource(DiscoveryHandlerTests.crontabs, schema: [
            "type": "object",
            "properties": ["spec": ["type": "object", "properties": ["cronSpec": ["type": "string"], "replicas": ["type": "integer"]]]],
        ])
        let doc = try document("apis/stable.example.com/v1", service: service)
        let schema = try #require(doc[path: "components", "schemas", "com.example.stable.v1.CronTab"])
        #expect(schema["x-kubernetes-group-version-kind"] == [["group": "stable.example.com", "kind": "CronTab", "version": "v1"]])
        #expect(schema[path: "properties", "spec", "properties", "cronSpec", "type"] == "string")
        #expect(doc[path: "components", "schemas", "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"] != nil)
        #expect(doc[path: "paths", "/apis/stable.example.com/v1/namespaces/{namespace}/crontabs", "get", "responses", "200", "content", "application/json", "schema", "$ref"]
            == "#/components/schemas/com.example.stable.v1.CronTabList")
        let index = try JSONValue(parsing: service.v3Index())
        #expect(index[path: "paths", "apis/stable.example.com/v1"] != nil)
        #expect(service.v3Document(path: "api/v1")?.hash == before)

        service.unregisterCustomResource(group: "stable.example.com", version: "v1", kind: "CronTab")
        catalog.remove(group: "stable.example.com", version: "v1", resource: "crontabs")
        #expect(service.v3Document(path: "apis/stable.example.com/v1") == nil)
    }

    @Test(arguments: [
        ("/openapi/v2", "application/json", 200), ("/openapi/v2", "application/com.github.proto-openapi.spec.v2@v1.0+protobuf", 406),
        ("/openapi/v2", nil, 200), ("/openapi/v3", "application/json", 200), ("/openapi/v3/apis/apps/v1", "application/json", 200),
        ("/openapi/v3/apis/apps/v9", "application/json", 404), ("/openapi/v3/api/v1", "*/*", 200),
    ] as [(String, String?, Int)])
    func handlerStatuses(path: String, accept: String?, status: Int) async {
        let handler = OpenAPIHandler(service: Self.service)
        var headers = HTTPFields()
        if let accept { headers[.accept] = accept }
        let response = await handler.handle(APIRequest(method: .get, path: path, headers: headers))
        #expect(response.status.code == status)
    }
}
