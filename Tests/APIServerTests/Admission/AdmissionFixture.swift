import Datastore
import KubeAPI
@testable import APIServer

/// A registry with the built-in admission chain over an in-memory datastore.
struct AdmissionFixture {
    let datastore: InMemoryDatastore
    let registry: ResourceRegistry
    let services: ServiceAllocator

    init(cidr: String = "10.43.0.0/16", nodePorts: ClosedRange<Int> = 30000...32767, datastore: InMemoryDatastore? = nil) async throws {
        let datastore = datastore ?? InMemoryDatastore(compaction: .disabled)
        self.datastore = datastore
        services = ServiceAllocator(serviceIPRange: try ServiceIPRange(IPPrefix(parsing: cidr)), nodePortRange: nodePorts)
        registry = ResourceRegistry(datastore: datastore, hooks: RegistryHooks(admission: .builtin(services: services)))
        try await registry.start()
        try await registry.ensureNamespaces(["default"])
        let stored = try await store("services").list(filter: ListFilter())
        await services.rebuild(from: stored.objects.map(\.value))
    }

    func store(_ resource: String, group: String = "") -> ResourceStore {
        let version = group.isEmpty || group == "apps" || group == "batch" ? "v1" : "v1"
        return registry.store(group: group, version: version, resource: resource)!
    }

    /// Creates an object; returns the stored JSON.
    func create(_ resource: String, group: String = "", _ object: JSONValue, dryRun: Bool = false) async throws -> JSONValue {
        try await store(resource, group: group).create(namespace: "default", object: object, dryRun: dryRun).value
    }

    /// The error message a create fails with (or `nil` when it succeeds).
    func createError(_ resource: String, group: String = "", _ object: JSONValue) async -> StatusError? {
        do {
            _ = try await create(resource, group: group, object)
            return nil
        } catch let error as StatusError {
            return error
        } catch {
            return StatusError.internalError("\(error)")
        }
    }

    static func service(_ name: String, type: String? = nil, clusterIP: String? = nil, ports: [JSONValue] = [["port": 80]]) -> JSONValue {
        var spec: JSONValue = ["ports": .array(ports), "selector": ["app": .string(name)]]
        if let type { spec.setMember("type", .string(type)) }
        if let clusterIP { spec.setMember("clusterIP", .string(clusterIP)) }
        return ["apiVersion": "v1", "kind": "Service", "metadata": ["name": .string(name)], "spec": spec]
    }

    static func pod(_ name: String, containers: [JSONValue] = [["name": "c", "image": "nginx"]], extra: [String: JSONValue] = [:]) -> JSONValue {
        var spec: JSONValue = ["containers": .array(containers)]
        for (key, value) in extra { spec.setMember(key, value) }
        return ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": .string(name)], "spec": spec]
    }

    static func deployment(_ name: String, selector: JSONValue? = nil, templateLabels: JSONValue? = nil, replicas: JSONValue? = nil) -> JSONValue {
        var spec: JSONValue = [
            "selector": selector ?? ["matchLabels": ["app": .string(name)]],
            "template": [
                "metadata": ["labels": templateLabels ?? ["app": .string(name)]],
                "spec": ["containers": [["name": "web", "image": "nginx:1.25"]]],
            ],
        ]
        if let replicas { spec.setMember("replicas", replicas) }
        return ["apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": .string(name)], "spec": spec]
    }
}

extension JSONValue {
    /// Parses test JSON text (traps on malformed fixtures, which are part of the test source).
    static func json(_ text: String) -> JSONValue {
        try! JSONValue(parsing: Array(text.utf8))
    }
}
