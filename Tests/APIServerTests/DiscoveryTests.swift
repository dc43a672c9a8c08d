import Foundation
import HTTPTypes
import KubeAPI
import Testing
@testable import APIServer

/// Reference documents of a real 1.36 API server, committed under `Fixtures`: the discovery
/// documents (names, verbs, kinds) under `discovery/`, and under `openapi/` the few OpenAPI v3
/// schemas the tests compare, with every `description` removed (structure only, no prose).
enum Reference {
    static let fixtures: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let directory: URL = fixtures

    static func json(_ path: String) throws -> JSONValue {
        let data = try Data(contentsOf: fixtures.appendingPathComponent(path))
        return try JSONValue(parsing: Array(data))
    }
}

@Suite struct DiscoveryTests {
    let documents = DiscoveryDocuments(
        entries: DiscoveryCatalog().snapshot().entries, serverAddress: "127.0.0.1:6443"
    )

    static let groupVersionFiles: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: Reference.directory.appendingPathComponent("discovery").path)) ?? []
        return names.filter { $0 == "api__v1.json" || ($0.hasPrefix("apis__") && $0.hasSuffix(".json")) }.sorted()
    }()

    @Test func everyReferenceGroupVersionIsPresent() {
        #expect(Self.groupVersionFiles.count == 22)
    }

    @Test(arguments: groupVersionFiles)
    func resourceListMatchesReferenceExactly(file: String) throws {
        let reference = try Reference.json("discovery/\(file)")
        let parts = file.dropLast(5).components(separatedBy: "__")
        let (group, version) = parts.count == 3 ? (parts[1], parts[2]) : ("", parts[1])
        let ours = try #require(documents.apiResourceList(group: group, version: version))
        #expect(ours.serializedString() == reference.serializedString())
    }

    @Test func groupListMatchesReferenceExactly() throws {
        #expect(documents.apiGroupList().serializedString() == (try Reference.json("discovery/apis.json")).serializedString())
    }

    @Test func apiVersionsMatchReferenceExactly() throws {
        #expect(documents.apiVersions().serializedString() == (try Reference.json("discovery/api.json")).serializedString())
    }

    @Test(arguments: [(true, "discovery/aggregated-api.json"), (false, "discovery/aggregated-apis.json")])
    func aggregatedMatchesReferenceExactly(core: Bool, file: String) throws {
        #expect(documents.aggregated(core: core).serializedString() == (try Reference.json(file)).serializedString())
    }

    @Test func apiGroupDocument() throws {
        let group = try #require(documents.apiGroup("autoscaling"))
        #expect(group.serializedString() == #"{"kind":"APIGroup","apiVersion":"v1","name":"autoscaling","versions":[{"groupVersion":"autoscaling/v2","version":"v2"},{"groupVersion":"autoscaling/v1","version":"v1"}],"preferredVersion":{"groupVersion":"autoscaling/v2","version":"v2"}}"#)
        #expect(documents.apiGroup("nope.example.com") == nil)
        #expect(documents.apiResourceList(group: "apps", version: "v9") == nil)
    }

    @Test(arguments: [
        ("v1", "v1beta1", true), ("v2", "v1", true), ("v1beta2", "v1beta1", true), ("v1beta1", "v1alpha1", true),
        ("v1alpha1", "v2alpha1", false), ("v1", "foo", true), ("bar", "foo", true), ("v10", "v9", true), ("v1beta1", "v1", false),
    ])
    func versionPriority(a: String, b: String, preferred: Bool) {
        #expect(KubeVersion.isPreferred(a, b) == preferred)
    }
}

@Suite struct DiscoveryHandlerTests {
    static let crontabs = ResourceDescriptor(
        group: "stable.example.com", version: "v1", resource: "crontabs", singularName: "crontab", kind: "CronTab",
        namespaced: true, verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
        shortNames: ["ct"], categories: ["all"],
        subresources: [.init(name: "status", kind: "CronTab", verbs: ["get", "patch", "update"])]
    )

    func get(_ handler: DiscoveryHandler, _ path: String, accept: String? = nil, ifNoneMatch: String? = nil) async -> APIResponse {
        var headers = HTTPFields()
        if let accept { headers[.accept] = accept }
        if let ifNoneMatch { headers[.ifNoneMatch] = ifNoneMatch }
        return await handler.handle(APIRequest(method: .get, path: path, headers: headers))
    }

    func body(_ response: APIResponse) throws -> JSONValue {
        guard case .bytes(let bytes) = response.body else { throw CancellationError() }
        return try JSONValue(parsing: bytes)
    }

    @Test func kubectlAcceptHeaderGetsAggregatedDiscovery() async throws {
        let handler = DiscoveryHandler(catalog: DiscoveryCatalog())
        let accept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json"
        let response = await get(handler, "/apis", accept: accept)
        #expect(response.status == .ok)
        #expect(response.headers[.contentType] == DiscoveryHandler.aggregatedMediaType)
        #expect(try body(response)["kind"] == "APIGroupDiscoveryList")
        let etag = try #require(response.headers[.eTag])
        let again = await get(handler, "/apis", accept: accept, ifNoneMatch: etag)
        #expect(again.status == .notModified)
    }

    @Test(arguments: [
        ("/api", "APIVersions"), ("/api/", "APIVersions"), ("/apis", "APIGroupList"), ("/apis/apps", "APIGroup"),
        ("/apis/apps/v1", "APIResourceList"), ("/api/v1", "APIResourceList"),
    ])
    func plainJSONGetsLegacyDocuments(path: String, kind: String) async throws {
        let handler = DiscoveryHandler(catalog: DiscoveryCatalog())
        let response = await get(handler, path, accept: "application/json, */*")
        #expect(response.status == .ok)
        #expect(response.headers[.contentType] == "application/json")
        #expect(try body(response)["kind"]?.stringValue == kind)
    }

    @Test(arguments: ["/apis/nope.example.com", "/apis/apps/v7", "/api/v2", "/apis/apps/v1/deployments/x/y"])
    func unknownPathsAreNotFound(path: String) async throws {
        let handler = DiscoveryHandler(catalog: DiscoveryCatalog())
        let response = await get(handler, path)
        #expect(response.status == .notFound)
        let status = try body(response)
        #expect(status["kind"] == "Status")
        #expect(status["code"] == 404)
        #expect(status["reason"] == "NotFound")
    }

    @Test func postIsRefused() async {
        let handler = DiscoveryHandler(catalog: DiscoveryCatalog())
        let response = await handler.handle(APIRequest(method: .post, path: "/apis"))
        #expect(response.status.code == 405)
    }

    @Test func customResourcesAppearAndDisappear() async throws {
        let catalog = DiscoveryCatalog()
        let handler = DiscoveryHandler(catalog: catalog)
        let before = catalog.generation
        #expect(await get(handler, "/apis/stable.example.com/v1").status == .notFound)

        catalog.add(Self.crontabs)
        #expect(catalog.generation > before)
        let list = try body(await get(handler, "/apis/stable.example.com/v1"))
        let names = (list["resources"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
        #expect(names == ["crontabs", "crontabs/status"])
        let groups = try body(await get(handler, "/apis"))
        #expect(groups["groups"]?.arrayValue?.last?["name"] == "stable.example.com")
        let aggregated = try body(await get(handler, "/apis", accept: DiscoveryHandler.aggregatedMediaType))
        let crontab = aggregated["items"]?.arrayValue?.last?[path: "versions"]?[0]?["resources"]?[0]
        #expect(crontab?["resource"] == "crontabs")
        #expect(crontab?["shortNames"] == ["ct"])

        #expect(catalog.remove(group: "stable.example.com", version: "v1", resource: "crontabs"))
        #expect(!catalog.remove(group: "stable.example.com", version: "v1", resource: "crontabs"))
        #expect(await get(handler, "/apis/stable.example.com/v1").status == .notFound)
        #expect(await get(handler, "/apis/stable.example.com").status == .notFound)
    }

    @Test func addingTheSameDescriptorTwiceChangesNothing() {
        let catalog = DiscoveryCatalog([])
        catalog.add(Self.crontabs)
        let generation = catalog.generation
        catalog.add(Self.crontabs)
        #expect(catalog.generation == generation)
        #expect(catalog.descriptors.count == 1)
    }

    @Test(arguments: [
        ("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList", true),
        ("application/json; g=apidiscovery.k8s.io; v=v2; as=APIGroupDiscoveryList", true),
        ("application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList", false),
        ("application/vnd.kubernetes.protobuf;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList", false),
        ("application/json", false), ("", false),
    ])
    func acceptParsing(accept: String, aggregated: Bool) {
        #expect(DiscoveryHandler.acceptsAggregated(accept) == aggregated)
    }
}
