import HTTPTypes
import KubeAPI
import OrderedCollections

/// Serves `metrics.k8s.io/v1beta1` as metrics-server does: `NodeMetrics` at
/// `/apis/metrics.k8s.io/v1beta1/nodes[/NAME]` and `PodMetrics` at
/// `.../pods` and `.../namespaces/NS/pods[/NAME]` (get and list, label and field selectors,
/// Tables for `kubectl get`), from a ``ResourceMetricsSource``.
///
/// Objects exist for nodes and pods the registry holds that the source has usage for; they
/// carry the node's or pod's labels, so selectors pick them as they pick the nodes and pods.
public struct ResourceMetricsHandler: APIHandler {
    /// Where the usage comes from.
    public let source: any ResourceMetricsSource
    /// Holds the nodes and pods the metrics belong to.
    public let registry: ResourceRegistry

    /// The group served.
    public static let group = "metrics.k8s.io"
    /// The version served.
    public static let version = "v1beta1"

    /// The two resources for discovery: cluster-scoped `nodes` (`NodeMetrics`) and namespaced
    /// `pods` (`PodMetrics`), verbs `get` and `list`.
    public static let descriptors: [ResourceDescriptor] = [
        ResourceDescriptor(group: group, version: version, resource: "nodes", singularName: "", kind: "NodeMetrics", namespaced: false, verbs: ["get", "list"]),
        ResourceDescriptor(group: group, version: version, resource: "pods", singularName: "", kind: "PodMetrics", namespaced: true, verbs: ["get", "list"]),
    ]

    /// Creates the handler.
    public init(source: any ResourceMetricsSource, registry: ResourceRegistry) {
        self.source = source
        self.registry = registry
    }

    /// Answers a request; never throws.
    public func handle(_ request: APIRequest) async -> APIResponse {
        let info = RequestInfo(method: request.method, path: request.path, query: request.query)
        do {
            guard info.apiGroup == Self.group, info.apiVersion == Self.version, info.subresource.isEmpty,
                  info.resource == "nodes" || info.resource == "pods", !(info.resource == "nodes" && !info.namespace.isEmpty)
            else { throw ResourceHandler.notFoundPath }
            let resource = GroupResource(group: Self.group, resource: info.resource)
            guard info.verb == "get" || info.verb == "list" else { throw StatusError.methodNotAllowed(resource, action: info.verb) }
            let nodes = info.resource == "nodes"
            let objects: [JSONValue]
            if info.verb == "get" {
                let object = try await (nodes ? node(info.name) : pod(info.name, namespace: info.namespace))
                return try respond(request, objects: [object], nodes: nodes, list: false)
            }
            let filter = try ListFilter(
                namespace: info.namespace,
                labels: LabelSelector(parsing: request.queryValue("labelSelector") ?? ""),
                fields: FieldSelector(parsing: request.queryValue("fieldSelector") ?? ""))
            objects = try await (nodes ? nodeList(filter) : podList(filter))
            return try respond(request, objects: objects, nodes: nodes, list: true)
        } catch let error as StatusError {
            return ResponseEncoding.failure(error)
        } catch let error as SelectorParseError {
            return ResponseEncoding.failure(.badRequest("\(error)"))
        } catch {
            return ResponseEncoding.failure(.internalError("\(error)"))
        }
    }

    func store(_ resource: String) throws -> ResourceStore {
        guard let store = registry.store(group: "", version: "v1", resource: resource) else { throw ResourceHandler.notFoundPath }
        return store
    }

    func node(_ name: String) async throws -> JSONValue {
        let notFound = StatusError.notFound(GroupResource(group: Self.group, resource: "nodemetrics"), name: name)
        let node: CachedObject
        do { node = try await store("nodes").get(namespace: "", name: name) } catch let error as StatusError where error.code == 404 { throw notFound }
        guard let metrics = await source.nodeMetrics().first(where: { $0.name == name }) else { throw notFound }
        return Self.nodeObject(metrics, labels: node.labels)
    }

    func pod(_ name: String, namespace: String) async throws -> JSONValue {
        let notFound = StatusError.notFound(GroupResource(group: Self.group, resource: "podmetrics"), name: "\(namespace)/\(name)")
        let pod: CachedObject
        do { pod = try await store("pods").get(namespace: namespace, name: name) } catch let error as StatusError where error.code == 404 { throw notFound }
        guard let metrics = await source.podMetrics().first(where: { $0.namespace == namespace && $0.name == name }) else { throw notFound }
        return Self.podObject(metrics, labels: pod.labels)
    }

    func nodeList(_ filter: ListFilter) async throws -> [JSONValue] {
        let nodes = try await store("nodes").list(filter: ListFilter(labels: filter.labels, fields: filter.fields)).objects
        let metrics = Dictionary(await source.nodeMetrics().map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        return nodes.compactMap { node in metrics[node.name].map { Self.nodeObject($0, labels: node.labels) } }
    }

    func podList(_ filter: ListFilter) async throws -> [JSONValue] {
        let pods = try await store("pods").list(filter: filter).objects
        let metrics = Dictionary(await source.podMetrics().map { ("\($0.namespace)/\($0.name)", $0) }, uniquingKeysWith: { first, _ in first })
        return pods.compactMap { pod in metrics["\(pod.namespace)/\(pod.name)"].map { Self.podObject($0, labels: pod.labels) } }
    }

    static func metadata(name: String, namespace: String?, labels: [String: String]) -> JSONValue {
        var meta: OrderedDictionary<String, JSONValue> = ["name": .string(name)]
        if let namespace { meta["namespace"] = .string(namespace) }
        meta["creationTimestamp"] = .string(Time.now().description)
        if !labels.isEmpty {
            meta["labels"] = .object(OrderedDictionary(uniqueKeysWithValues: labels.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.string($0.value)) }))
        }
        return .object(meta)
    }

    /// A `NodeMetrics` object.
    static func nodeObject(_ metrics: NodeResourceMetrics, labels: [String: String]) -> JSONValue {
        [
            "kind": "NodeMetrics", "apiVersion": "metrics.k8s.io/v1beta1",
            "metadata": metadata(name: metrics.name, namespace: nil, labels: labels),
            "timestamp": .string(Time(secondsSinceEpoch: metrics.timestampMilliseconds / 1000).description),
            "window": .string(goDuration(milliseconds: metrics.windowMilliseconds)),
            "usage": metrics.usage.json,
        ]
    }

    /// A `PodMetrics` object.
    static func podObject(_ metrics: PodResourceMetrics, labels: [String: String]) -> JSONValue {
        [
            "kind": "PodMetrics", "apiVersion": "metrics.k8s.io/v1beta1",
            "metadata": metadata(name: metrics.name, namespace: metrics.namespace, labels: labels),
            "timestamp": .string(Time(secondsSinceEpoch: metrics.timestampMilliseconds / 1000).description),
            "window": .string(goDuration(milliseconds: metrics.windowMilliseconds)),
            "containers": .array(metrics.containers.map { ["name": .string($0.name), "usage": $0.usage.json] }),
        ]
    }

    /// A window written as Go writes a duration (`15s`, `14.987s`, `500ms`).
    static func goDuration(milliseconds: Int64) -> String {
        GoDuration(nanoseconds: milliseconds * 1_000_000).description
    }

    /// The objects as JSON (one object or a list) or as a `meta.k8s.io` Table when asked for.
    func respond(_ request: APIRequest, objects: [JSONValue], nodes: Bool, list: Bool) throws -> APIResponse {
        let tableVersion = MediaRange.ranges(of: request.headers[.accept]).lazy
            .compactMap { $0.conversion(as: "Table", group: "meta.k8s.io", versions: PartialObjectMetadata.versions) }.first
        if let tableVersion {
            return ResponseEncoding.json(ResponseEncoding.document(Self.table(objects, nodes: nodes, version: tableVersion)))
        }
        guard list else { return ResponseEncoding.json(ResponseEncoding.document(objects[0])) }
        let document: JSONValue = [
            "kind": .string(nodes ? "NodeMetricsList" : "PodMetricsList"), "apiVersion": "metrics.k8s.io/v1beta1",
            "metadata": .object([:]), "items": .array(objects),
        ]
        return ResponseEncoding.json(ResponseEncoding.document(document))
    }

    /// The Table `kubectl get` prints: name, CPU, memory and window (a pod's containers summed).
    static func table(_ objects: [JSONValue], nodes: Bool, version: String) -> JSONValue {
        let columns: [JSONValue] = [
            ["name": "Name", "type": "string", "format": "name", "description": "Name of the object", "priority": 0],
            ["name": "CPU", "type": "string", "format": "", "description": "CPU in use", "priority": 0],
            ["name": "Memory", "type": "string", "format": "", "description": "Memory working set in use", "priority": 0],
            ["name": "Window", "type": "string", "format": "", "description": "Time between the samples the usage comes from", "priority": 0],
        ]
        let rows: [JSONValue] = objects.map { object in
            let usages = nodes ? [object["usage"] ?? .null] : (object["containers"]?.arrayValue ?? []).map { $0["usage"] ?? .null }
            var cpu = Quantity.zero
            var memory = Quantity(0, format: .binarySI)
            for usage in usages {
                cpu = cpu + Quantity(usage["cpu"]?.stringValue ?? "0")
                memory = memory + Quantity(usage["memory"]?.stringValue ?? "0")
            }
            return [
                "cells": [object["metadata"]?["name"] ?? "", .string(cpu.description), .string(memory.description), object["window"] ?? ""],
                "object": PartialObjectMetadata.object(object, version: version),
            ]
        }
        return [
            "kind": "Table", "apiVersion": .string("meta.k8s.io/\(version)"), "metadata": .object([:]),
            "columnDefinitions": .array(columns), "rows": .array(rows),
        ]
    }
}
