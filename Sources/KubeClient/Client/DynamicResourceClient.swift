import KubeAPI

/// Access to any resource with objects as `JSONValue`: custom resources, or kinds this build
/// has no Swift type for. Same verbs and errors as ``ResourceClient``.
public struct DynamicResourceClient: Sendable {
    /// The engine (path building, raw requests).
    public let rest: RESTResource

    /// Reads one object.
    public func get(_ name: String, namespace: String? = nil) async throws -> JSONValue {
        try JSONValue(parsing: try await rest.get(namespace: namespace, name: name))
    }

    /// Reads a subresource of an object (`scale`).
    public func get(_ name: String, namespace: String? = nil, subresource: String) async throws -> JSONValue {
        try JSONValue(parsing: try await rest.get(namespace: namespace, name: name, subresource: subresource))
    }

    /// Lists objects.
    public func list(namespace: String? = nil, options: ListOptions = .init()) async throws -> ObjectList<JSONValue> {
        let list = try JSONValue(parsing: try await rest.list(namespace: namespace, options: options))
        let token = list[path: "metadata", "continue"]?.stringValue
        return ObjectList(
            items: list["items"]?.arrayValue ?? [],
            resourceVersion: list[path: "metadata", "resourceVersion"]?.stringValue ?? "",
            continueToken: token?.isEmpty == false ? token : nil)
    }

    /// Watches for changes (see ``ResourceClient/watch(namespace:options:)``).
    public func watch(namespace: String? = nil, options: ListOptions = .init()) async throws -> AsyncThrowingStream<WatchEvent<JSONValue>, any Error> {
        WatchFrameSplitter.events(try await rest.watch(namespace: namespace, options: options)) { line in
            let (type, object) = try WatchFrameSplitter.decodeFrame(line)
            return WatchEvent(type: type, object: object)
        }
    }

    /// Creates an object (namespace defaults to the object's `metadata.namespace`).
    public func create(_ object: JSONValue, namespace: String? = nil, options: WriteOptions = .init()) async throws -> JSONValue {
        let ns = rest.namespace(explicit: namespace, object: object[path: "metadata", "namespace"]?.stringValue)
        return try JSONValue(parsing: try await rest.create(namespace: ns, body: object.serialized(escapingHTML: false), options: options))
    }

    /// Replaces an object.
    public func update(_ object: JSONValue, subresource: String? = nil, options: WriteOptions = .init()) async throws -> JSONValue {
        guard let name = object[path: "metadata", "name"]?.stringValue else { throw KubeClientError("the object has no metadata.name") }
        let ns = rest.namespace(explicit: nil, object: object[path: "metadata", "namespace"]?.stringValue)
        return try JSONValue(parsing: try await rest.update(
            namespace: ns, name: name, body: object.serialized(escapingHTML: false), subresource: subresource, options: options))
    }

    /// Patches an object or its subresource.
    public func patch(
        _ name: String, namespace: String? = nil, type: PatchType, body: JSONValue,
        subresource: String? = nil, options: WriteOptions = .init()
    ) async throws -> JSONValue {
        try JSONValue(parsing: try await rest.patch(
            namespace: namespace, name: name, contentType: type.rawValue, body: body.serialized(escapingHTML: false),
            subresource: subresource, query: options.query))
    }

    /// Server-side apply.
    public func apply(_ object: JSONValue, fieldManager: String, force: Bool = false, subresource: String? = nil) async throws -> JSONValue {
        guard let name = object[path: "metadata", "name"]?.stringValue else { throw KubeClientError("the object has no metadata.name") }
        var query: [(name: String, value: String)] = [("fieldManager", fieldManager)]
        if force { query.append(("force", "true")) }
        return try JSONValue(parsing: try await rest.patch(
            namespace: rest.namespace(explicit: nil, object: object[path: "metadata", "namespace"]?.stringValue), name: name,
            contentType: "application/apply-patch+yaml", body: object.serialized(escapingHTML: false), subresource: subresource, query: query))
    }

    /// Deletes an object; returns the server's answer (the terminating object or a `Status`).
    @discardableResult
    public func delete(_ name: String, namespace: String? = nil, options: DeleteOptions = .init()) async throws -> JSONValue {
        try JSONValue(parsing: try await rest.delete(namespace: namespace, name: name, options: options))
    }

    /// Deletes every object the list options select.
    public func deleteCollection(namespace: String? = nil, list: ListOptions = .init(), options: DeleteOptions = .init()) async throws {
        _ = try await rest.delete(namespace: namespace, name: nil, query: list.query, options: options)
    }
}
