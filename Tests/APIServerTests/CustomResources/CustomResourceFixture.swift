import ClusterTesting
import Datastore
import HTTPTypes
import KubeAPI
import Logging
@testable import APIServer

/// The API server's resource side wired as `KubeAPIServer` wires it (registry with the schema
/// hooks, discovery, OpenAPI, the CRD controller and the CRD delete override), in process.
final class CustomResourceFixture: Sendable {
    let datastore: any Datastore
    let registry: ResourceRegistry
    let catalog: CustomResourceCatalog
    let discovery: DiscoveryCatalog
    let openAPI: OpenAPIService
    let controller: CustomResourceController
    let handler: ResourceHandler
    let runner: Task<Void, Never>

    init(datastore: any Datastore = InMemoryDatastore(compaction: .disabled), printer: TablePrinter = TablePrinter()) async throws {
        self.datastore = datastore
        let catalog = CustomResourceCatalog()
        self.catalog = catalog
        let registry = ResourceRegistry(datastore: datastore, hooks: catalog.registryHooks())
        self.registry = registry
        try await registry.start()
        try await registry.ensureNamespaces(["default", "other"])
        let discovery = DiscoveryCatalog(registry.descriptors)
        self.discovery = discovery
        let openAPI = OpenAPIService(catalog: discovery)
        self.openAPI = openAPI
        let controller = CustomResourceController(registry: registry, discovery: discovery, openAPI: openAPI, catalog: catalog, logger: Logger(label: "test"))
        self.controller = controller
        var handler = ResourceHandler(
            registry: registry, tableConvertor: CustomResourceTableConvertor(catalog: catalog, printer: printer),
            fieldValidator: SchemaFieldValidator(catalog: catalog))
        handler.overrides["apiextensions.k8s.io/customresourcedefinitions"] = CustomResourceDefinitionHandler(next: handler)
        self.handler = handler
        try await controller.loadStored()
        runner = Task { await controller.run() }
    }

    func stop() {
        runner.cancel()
        registry.stop()
    }

    typealias Reply = RESTFixture.Reply

    func send(
        _ method: HTTPRequest.Method, _ path: String, query: [(String, String)] = [], body: JSONValue? = nil,
        contentType: String = "application/json", accept: String? = nil
    ) async -> Reply {
        var headers = HTTPFields()
        if body != nil { headers[.contentType] = contentType }
        if let accept { headers[.accept] = accept }
        let request = APIRequest(
            method: method, path: path, query: query.map { (name: $0.0, value: $0.1) }, headers: headers,
            body: body?.serialized() ?? [])
        let response = await handler.handle(request)
        switch response.body {
        case .bytes(let bytes): return Reply(status: response.status.code, headers: response.headers, body: bytes)
        case .stream, .watch: return Reply(status: response.status.code, headers: response.headers, body: [])
        }
    }

    /// Creates `crd` and waits until it is Established; returns the time that took.
    @discardableResult
    func establish(_ crd: JSONValue) async throws -> Duration {
        let clock = ContinuousClock()
        let start = clock.now
        let created = await send(.post, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", body: crd)
        guard created.status == 201 else { throw FixtureError.failed("create CRD: \(created.status) \(created.text)") }
        let name = crd.metadataString("name")
        try await eventually("\(name) established") {
            let reply = await send(.get, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/\(name)")
            return (reply.json[path: "status", "conditions"]?.arrayValue ?? []).contains {
                $0["type"]?.stringValue == "Established" && $0["status"]?.stringValue == "True"
            }
        }
        return clock.now - start
    }

    enum FixtureError: Error { case failed(String) }

    /// A namespaced `CronTab` CRD (`crontabs.stable.example.com`) with a schema using many
    /// keywords, printer columns, short name `ct`, status and scale subresources.
    static func cronTabCRD(scope: String = "Namespaced", group: String = "stable.example.com") -> JSONValue {
        let schema: JSONValue = [
            "type": "object",
            "properties": [
                "spec": [
                    "type": "object",
                    "required": ["cronSpec"],
                    "properties": [
                        "cronSpec": ["type": "string", "pattern": "^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$"],
                        "image": ["type": "string", "default": "busybox"],
                        "replicas": ["type": "integer", "format": "int32", "minimum": 0, "maximum": 10, "default": 1],
                        "mode": ["type": "string", "enum": ["fast", "slow"]],
                        "tags": ["type": "array", "items": ["type": "string"], "x-kubernetes-list-type": "set"],
                        "extra": ["type": "object", "x-kubernetes-preserve-unknown-fields": true],
                    ],
                ],
                "status": [
                    "type": "object",
                    "properties": [
                        "replicas": ["type": "integer"],
                        "selector": ["type": "string"],
                        "phase": ["type": "string"],
                    ],
                ],
            ],
        ]
        return [
            "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": ["name": .string("crontabs.\(group)")],
            "spec": [
                "group": .string(group),
                "scope": .string(scope),
                "names": ["plural": "crontabs", "singular": "crontab", "kind": "CronTab", "shortNames": ["ct"], "categories": ["all"]],
                "versions": [[
                    "name": "v1", "served": true, "storage": true,
                    "schema": ["openAPIV3Schema": schema],
                    "subresources": [
                        "status": .object([:]),
                        "scale": ["specReplicasPath": ".spec.replicas", "statusReplicasPath": ".status.replicas", "labelSelectorPath": ".status.selector"],
                    ],
                    "additionalPrinterColumns": [
                        ["name": "Spec", "type": "string", "jsonPath": ".spec.cronSpec"],
                        ["name": "Replicas", "type": "integer", "jsonPath": ".spec.replicas"],
                        ["name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"],
                    ],
                ]],
            ],
        ]
    }

    static func cronTab(_ name: String, spec: JSONValue = ["cronSpec": "* * * * */5"]) -> JSONValue {
        ["apiVersion": "stable.example.com/v1", "kind": "CronTab", "metadata": ["name": .string(name)], "spec": spec]
    }

    static let cronTabs = "/apis/stable.example.com/v1/namespaces/default/crontabs"
}
