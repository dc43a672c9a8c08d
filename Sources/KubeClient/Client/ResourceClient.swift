#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KubeAPI

/// Typed access to one kind's resource: every verb, objects as the generated Swift types.
///
/// For namespaced kinds, `namespace: nil` on `list`/`watch`/`deleteCollection` means every
/// namespace; writes default to the object's `metadata.namespace`. Failures throw the server's
/// `StatusError`.
public struct ResourceClient<Object: KubernetesObject>: Sendable {
    /// The untyped engine (path building, raw requests).
    public let rest: RESTResource

    /// Reads one object.
    public func get(_ name: String, namespace: String? = nil) async throws -> Object {
        try decode(Object.self, try await rest.get(namespace: namespace, name: name))
    }

    /// Lists objects (one page when `options.limit` is set).
    public func list(namespace: String? = nil, options: ListOptions = .init()) async throws -> ObjectList<Object> {
        try await list(namespace: namespace, options: options, forCache: false)
    }

    /// A list page; `forCache` drops every item's `metadata.managedFields` before decoding
    /// (see ``ManagedFieldsStripper``).
    func list(namespace: String?, options: ListOptions, forCache: Bool) async throws -> ObjectList<Object> {
        let bytes = try await rest.list(namespace: namespace, options: options)
        let page = try decode(ListPage<Object>.self, forCache ? ManagedFieldsStripper.strip(bytes) : bytes)
        return ObjectList(
            items: page.items ?? [], resourceVersion: page.metadata?.resourceVersion ?? "",
            continueToken: page.metadata?.continue.flatMap { $0.isEmpty ? nil : $0 })
    }

    /// Lists every object, following continue tokens page by page.
    public func listAll(namespace: String? = nil, options: ListOptions = .init(), pageSize: Int = 500) async throws -> ObjectList<Object> {
        try await listAll(namespace: namespace, options: options, pageSize: pageSize, forCache: false)
    }

    /// Every page; `forCache` as in ``list(namespace:options:forCache:)``.
    func listAll(namespace: String?, options: ListOptions, pageSize: Int, forCache: Bool) async throws -> ObjectList<Object> {
        var options = options
        options.limit = pageSize
        var result = try await list(namespace: namespace, options: options, forCache: forCache)
        while let token = result.continueToken {
            options.continueToken = token
            let next = try await list(namespace: namespace, options: options, forCache: forCache)
            result.items += next.items
            result.continueToken = next.continueToken
        }
        return result
    }

    /// Watches for changes. The stream throws a `StatusError` for an `ERROR` event (410 when
    /// the resource version is too old) and finishes when the server ends the watch.
    public func watch(namespace: String? = nil, options: ListOptions = .init()) async throws -> AsyncThrowingStream<WatchEvent<Object>, any Error> {
        try await watch(namespace: namespace, options: options, forCache: false)
    }

    /// Watches; `forCache` drops each object's `metadata.managedFields` before decoding.
    func watch(namespace: String?, options: ListOptions, forCache: Bool) async throws -> AsyncThrowingStream<WatchEvent<Object>, any Error> {
        let chunks = try await rest.watch(namespace: namespace, options: options)
        return WatchFrameSplitter.events(chunks) { frame in
            let line = forCache ? ArraySlice(ManagedFieldsStripper.strip(Array(frame))) : frame
            let decoder = JSONDecoder()
            if let frame = try? decoder.decode(TypedFrame<Object>.self, from: Data(line)), frame.type != "ERROR",
               let type = WatchEventType(rawValue: frame.type), let object = frame.object {
                return WatchEvent(type: type, object: object)
            }
            let (type, object) = try WatchFrameSplitter.decodeFrame(line)
            return WatchEvent(type: type, object: try object.decode(Object.self))
        }
    }

    /// Creates an object.
    public func create(_ object: Object, namespace: String? = nil, options: WriteOptions = .init()) async throws -> Object {
        let ns = rest.namespace(explicit: namespace, object: object.metadata.namespace)
        return try decode(Object.self, try await rest.create(namespace: ns, body: encode(object), options: options))
    }

    /// Replaces an object (optimistic concurrency on its `metadata.resourceVersion`).
    public func update(_ object: Object, options: WriteOptions = .init()) async throws -> Object {
        try decode(Object.self, try await rest.update(
            namespace: rest.namespace(explicit: nil, object: object.metadata.namespace),
            name: try name(of: object), body: encode(object), options: options))
    }

    /// Replaces an object's status through the `status` subresource.
    public func updateStatus(_ object: Object, options: WriteOptions = .init()) async throws -> Object {
        try decode(Object.self, try await rest.update(
            namespace: rest.namespace(explicit: nil, object: object.metadata.namespace),
            name: try name(of: object), body: encode(object), subresource: "status", options: options))
    }

    /// Patches an object (or its subresource) with a JSON, merge or strategic-merge patch.
    public func patch(
        _ name: String, namespace: String? = nil, type: PatchType, body: JSONValue,
        subresource: String? = nil, options: WriteOptions = .init()
    ) async throws -> Object {
        try decode(Object.self, try await rest.patch(
            namespace: namespace, name: name, contentType: type.rawValue, body: body.serialized(escapingHTML: false),
            subresource: subresource, query: options.query))
    }

    /// Server-side apply: sends `object` as the intent of `fieldManager`.
    public func apply(_ object: Object, fieldManager: String, force: Bool = false, subresource: String? = nil, dryRun: Bool = false) async throws -> Object {
        var query: [(name: String, value: String)] = [("fieldManager", fieldManager)]
        if force { query.append(("force", "true")) }
        if dryRun { query.append(("dryRun", "All")) }
        return try decode(Object.self, try await rest.patch(
            namespace: rest.namespace(explicit: nil, object: object.metadata.namespace), name: try name(of: object),
            contentType: "application/apply-patch+yaml", body: encode(object), subresource: subresource, query: query))
    }

    /// Deletes an object. Returns the object when the server kept it (finalizers or a grace
    /// period left it terminating), `nil` when it is gone.
    @discardableResult
    public func delete(_ name: String, namespace: String? = nil, options: DeleteOptions = .init()) async throws -> Object? {
        let body = try await rest.delete(namespace: namespace, name: name, options: options)
        if let value = try? JSONValue(parsing: body), value["kind"]?.stringValue == Object.groupVersionKind.kind {
            return try? value.decode(Object.self)
        }
        return nil
    }

    /// Deletes every object the list options select.
    public func deleteCollection(namespace: String? = nil, list: ListOptions = .init(), options: DeleteOptions = .init()) async throws {
        _ = try await rest.delete(namespace: namespace, name: nil, query: list.query, options: options)
    }

    /// Posts `body` to a subresource of an object (`pods/binding`, `pods/eviction`) and decodes the answer.
    public func create<Body: Encodable & Sendable, Result: Decodable>(
        subresource: String, of name: String, namespace: String?, body: Body, as result: Result.Type
    ) async throws -> Result {
        try decode(Result.self, try await rest.create(
            namespace: namespace, body: encode(body), subresource: subresource, name: name, options: .init()))
    }

    /// Posts `body` to a subresource of an object (`pods/binding`) without decoding the answer.
    public func create<Body: Encodable & Sendable>(subresource: String, of name: String, namespace: String?, body: Body) async throws {
        _ = try await rest.create(namespace: namespace, body: encode(body), subresource: subresource, name: name, options: .init())
    }

    /// Creates an object and decodes only what `result` asks of the answer (a cheap
    /// `metadata.name`, say, instead of the whole object).
    public func create<Result: Decodable>(_ object: Object, namespace: String? = nil, as result: Result.Type) async throws -> Result {
        let ns = rest.namespace(explicit: namespace, object: object.metadata.namespace)
        return try decode(Result.self, try await rest.create(namespace: ns, body: encode(object), options: .init()))
    }

    /// Reads a subresource of an object (`deployments/scale`, `pods/log`).
    public func get<Result: Decodable>(subresource: String, of name: String, namespace: String?, as result: Result.Type) async throws -> Result {
        try decode(Result.self, try await rest.get(namespace: namespace, name: name, subresource: subresource))
    }

    /// Replaces a subresource of an object (`deployments/scale`).
    public func update<Body: Encodable & Sendable, Result: Decodable>(
        subresource: String, of name: String, namespace: String?, body: Body, as result: Result.Type
    ) async throws -> Result {
        try decode(Result.self, try await rest.update(
            namespace: namespace, name: name, body: encode(body), subresource: subresource, options: .init()))
    }

    private func name(of object: Object) throws -> String {
        guard let name = object.metadata.name, !name.isEmpty else {
            throw KubeClientError("\(Object.groupVersionKind.kind) has no metadata.name")
        }
        return name
    }

    private func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        Array(try JSONEncoder().encode(value))
    }

    private func decode<T: Decodable>(_ type: T.Type, _ bytes: [UInt8]) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(bytes))
        } catch {
            throw KubeClientError("cannot decode \(T.self) from the server's answer: \(error)")
        }
    }
}

/// A list page decoded without knowing the list kind's Swift type.
struct ListPage<Object: Decodable>: Decodable {
    var metadata: MetaV1.ListMeta?
    var items: [Object]?
}

/// One watch frame decoded straight into the typed object.
struct TypedFrame<Object: Decodable>: Decodable {
    var type: String
    var object: Object?
}
