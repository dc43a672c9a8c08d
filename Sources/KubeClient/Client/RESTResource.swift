import KubeAPI

/// One resource collection on the server and the requests against it, with bodies as bytes:
/// the shared engine behind ``ResourceClient`` and ``DynamicResourceClient``.
public struct RESTResource: Sendable {
    /// The client that sends the requests.
    public let client: KubeClient
    /// Group, version and plural name.
    public let resource: GroupVersionResource
    /// Whether objects live in namespaces.
    public let namespaced: Bool

    /// The path of the collection, an object or one of its subresources.
    public func path(namespace: String?, name: String? = nil, subresource: String? = nil) -> String {
        var path = resource.group.isEmpty ? "/api/\(resource.version)" : "/apis/\(resource.group)/\(resource.version)"
        if namespaced, let namespace, !namespace.isEmpty { path += "/namespaces/\(namespace)" }
        path += "/\(resource.resource)"
        if let name { path += "/\(name)" }
        if let subresource { path += "/\(subresource)" }
        return path
    }

    static let jsonHeaders: [(name: String, value: String)] = [("Accept", "application/json")]
    static func contentHeaders(_ type: String) -> [(name: String, value: String)] {
        [("Accept", "application/json"), ("Content-Type", type)]
    }

    func get(namespace: String?, name: String, subresource: String? = nil) async throws -> [UInt8] {
        try await client.send(KubeRequest(method: .get, path: path(namespace: namespace, name: name, subresource: subresource), headers: Self.jsonHeaders))
    }

    func list(namespace: String?, options: ListOptions) async throws -> [UInt8] {
        try await client.send(KubeRequest(method: .get, path: path(namespace: namespace), query: options.query, headers: Self.jsonHeaders))
    }

    func watch(namespace: String?, options: ListOptions) async throws -> AsyncThrowingStream<[UInt8], any Error> {
        try await client.stream(KubeRequest(
            method: .get, path: path(namespace: namespace), query: [("watch", "true")] + options.query, headers: Self.jsonHeaders))
    }

    func create(namespace: String?, body: [UInt8], subresource: String? = nil, name: String? = nil, options: WriteOptions) async throws -> [UInt8] {
        try await client.send(KubeRequest(
            method: .post, path: path(namespace: namespace, name: name, subresource: subresource), query: options.query,
            headers: Self.contentHeaders("application/json"), body: body))
    }

    func update(namespace: String?, name: String, body: [UInt8], subresource: String? = nil, options: WriteOptions) async throws -> [UInt8] {
        try await client.send(KubeRequest(
            method: .put, path: path(namespace: namespace, name: name, subresource: subresource), query: options.query,
            headers: Self.contentHeaders("application/json"), body: body))
    }

    func patch(
        namespace: String?, name: String, contentType: String, body: [UInt8], subresource: String?,
        query: [(name: String, value: String)]
    ) async throws -> [UInt8] {
        try await client.send(KubeRequest(
            method: .patch, path: path(namespace: namespace, name: name, subresource: subresource), query: query,
            headers: Self.contentHeaders(contentType), body: body))
    }

    func delete(namespace: String?, name: String?, query: [(name: String, value: String)] = [], options: DeleteOptions) async throws -> [UInt8] {
        let body = options.body
        return try await client.send(KubeRequest(
            method: .delete, path: path(namespace: namespace, name: name), query: query,
            headers: body == nil ? Self.jsonHeaders : Self.contentHeaders("application/json"), body: body ?? []))
    }

    /// The namespace a write goes to: the explicit one, else the object's.
    func namespace(explicit: String?, object: String?) -> String? {
        guard namespaced else { return nil }
        return explicit ?? object
    }
}
