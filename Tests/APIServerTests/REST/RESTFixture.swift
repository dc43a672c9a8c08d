import Datastore
import HTTPTypes
import KubeAPI
@testable import APIServer

/// A registry and handler over an in-memory store, with helpers to send requests.
struct RESTFixture {
    let datastore: InMemoryDatastore
    let registry: ResourceRegistry
    let handler: ResourceHandler

    init(watchWindow: Int = 4096, bookmarkInterval: Duration = .seconds(60), namespaces: [String] = ["default"]) async throws {
        datastore = InMemoryDatastore(compaction: .disabled)
        registry = ResourceRegistry(datastore: datastore, watchWindow: watchWindow)
        try await registry.start()
        try await registry.ensureNamespaces(namespaces)
        handler = ResourceHandler(registry: registry, bookmarkInterval: bookmarkInterval)
    }

    struct Reply {
        var status: Int
        var headers: HTTPFields
        var body: [UInt8]
        var json: JSONValue { (try? JSONValue(parsing: body)) ?? .null }
        var text: String { String(decoding: body, as: UTF8.self) }
        var message: String { json["message"]?.stringValue ?? "" }
        var reason: String { json["reason"]?.stringValue ?? "" }
    }

    func request(
        _ method: HTTPRequest.Method, _ path: String, query: [(String, String)] = [], body: JSONValue? = nil,
        raw: [UInt8]? = nil, contentType: String = "application/json", accept: String? = nil
    ) -> APIRequest {
        var headers = HTTPFields()
        if body != nil || raw != nil { headers[.contentType] = contentType }
        if let accept { headers[.accept] = accept }
        return APIRequest(
            method: method, path: path, query: query.map { (name: $0.0, value: $0.1) }, headers: headers,
            body: raw ?? body?.serialized() ?? [])
    }

    func send(
        _ method: HTTPRequest.Method, _ path: String, query: [(String, String)] = [], body: JSONValue? = nil,
        raw: [UInt8]? = nil, contentType: String = "application/json", accept: String? = nil
    ) async -> Reply {
        let response = await handler.handle(request(method, path, query: query, body: body, raw: raw, contentType: contentType, accept: accept))
        switch response.body {
        case .bytes(let bytes): return Reply(status: response.status.code, headers: response.headers, body: bytes)
        case .stream, .watch: return Reply(status: response.status.code, headers: response.headers, body: [])
        }
    }

    /// Opens a watch; returns the status and the event stream.
    func watch(_ path: String, query: [(String, String)]) async -> (status: Int, events: AsyncStream<[UInt8]>?, body: [UInt8]) {
        let response = await handler.handle(request(.get, path, query: [("watch", "true")] + query))
        if case .bytes(let bytes) = response.body { return (response.status.code, nil, bytes) }
        return (response.status.code, response.body.chunkStream(), [])
    }

    static func configMap(_ name: String, namespace: String? = nil, data: [String: String] = ["k": "v"], labels: [String: String] = [:]) -> JSONValue {
        var meta: JSONValue = ["name": .string(name)]
        if let namespace { meta.setMember("namespace", .string(namespace)) }
        if !labels.isEmpty { meta.setMember("labels", .object(.init(uniqueKeysWithValues: labels.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.string($0.value)) }))) }
        return [
            "apiVersion": "v1", "kind": "ConfigMap", "metadata": meta,
            "data": .object(.init(uniqueKeysWithValues: data.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.string($0.value)) })),
        ]
    }

    static func deployment(_ name: String, replicas: Int64 = 1) -> JSONValue {
        [
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": .string(name)],
            "spec": [
                "replicas": .int(replicas),
                "selector": ["matchLabels": ["app": .string(name)]],
                "template": [
                    "metadata": ["labels": ["app": .string(name)]],
                    "spec": ["containers": [["name": "c", "image": "nginx"]]],
                ],
            ],
        ]
    }
}

/// Reads watch lines until `count` events arrived or the stream ended.
func collectEvents(_ stream: AsyncStream<[UInt8]>, count: Int) async -> [JSONValue] {
    var events: [JSONValue] = []
    for await chunk in stream {
        for line in chunk.split(separator: UInt8(ascii: "\n")) where !line.isEmpty {
            if let event = try? JSONValue(parsing: Array(line)) { events.append(event) }
        }
        if events.count >= count { break }
    }
    return events
}
