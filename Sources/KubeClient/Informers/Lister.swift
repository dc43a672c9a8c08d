import KubeAPI

/// Reads an informer's cache: never a request to the server.
public struct Lister<Object: KubernetesObject>: Sendable {
    let store: ObjectStore<Object>

    /// The cached object, or `nil`.
    public func get(_ name: String, namespace: String? = nil) -> Object? {
        store.get(namespace.map { $0.isEmpty ? name : "\($0)/\(name)" } ?? name)
    }

    /// The cached objects of one namespace (every namespace when `nil`) matching `selector`.
    public func list(namespace: String? = nil, selector: LabelSelector? = nil) -> [Object] {
        let objects = namespace.map { store.byIndex("namespace", $0) } ?? store.all()
        guard let selector else { return objects }
        return objects.filter { selector.matches($0.metadata.labels ?? [:]) }
    }

    /// The cached objects whose index `index` has `value`.
    public func byIndex(_ index: String, _ value: String) -> [Object] {
        store.byIndex(index, value)
    }

    /// How many objects are cached.
    public var count: Int { store.count }
}
