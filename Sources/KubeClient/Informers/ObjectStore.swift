import KubeAPI
import Synchronization

/// The "namespace/name" (or "name") key of an object, as informers and work queues use it.
public func objectKey(_ meta: MetaV1.ObjectMeta) -> String {
    if let namespace = meta.namespace, !namespace.isEmpty { return "\(namespace)/\(meta.name ?? "")" }
    return meta.name ?? ""
}

/// Splits an ``objectKey(_:)`` back into namespace and name.
public func splitObjectKey(_ key: String) -> (namespace: String?, name: String) {
    guard let slash = key.firstIndex(of: "/") else { return (nil, key) }
    return (String(key[..<slash]), String(key[key.index(after: slash)...]))
}

/// The thread-safe cache behind an informer: objects by key plus secondary indexes
/// (namespace always; others registered with ``Informer/addIndex(_:_:)``).
final class ObjectStore<Object: KubernetesObject>: Sendable {
    struct State {
        var objects: [String: Object] = [:]
        var indexers: [String: @Sendable (Object) -> [String]] = [:]
        /// index name → index value → keys.
        var indexes: [String: [String: Set<String>]] = [:]
    }

    let state = Mutex(State())

    init() {
        state.withLock { state in
            state.indexers["namespace"] = { [$0.metadata.namespace ?? ""] }
            state.indexes["namespace"] = [:]
        }
    }

    func addIndex(_ name: String, _ keys: @escaping @Sendable (Object) -> [String]) {
        state.withLock { state in
            state.indexers[name] = keys
            var index: [String: Set<String>] = [:]
            for (key, object) in state.objects {
                for value in keys(object) { index[value, default: []].insert(key) }
            }
            state.indexes[name] = index
        }
    }

    /// Stores `object`; returns the previous version.
    @discardableResult
    func upsert(_ object: Object) -> Object? {
        let key = objectKey(object.metadata)
        return state.withLock { state in
            let old = state.objects.updateValue(object, forKey: key)
            if let old { Self.unindex(&state, key: key, object: old) }
            Self.index(&state, key: key, object: object)
            return old
        }
    }

    /// Removes the object with `key`; returns it.
    @discardableResult
    func remove(key: String) -> Object? {
        state.withLock { state in
            guard let old = state.objects.removeValue(forKey: key) else { return nil }
            Self.unindex(&state, key: key, object: old)
            return old
        }
    }

    /// Replaces everything (after a list); returns what was added, changed and removed.
    func replace(with objects: [Object]) -> (added: [Object], updated: [(Object, Object)], removed: [Object]) {
        state.withLock { state in
            var added: [Object] = []
            var updated: [(Object, Object)] = []
            var fresh: [String: Object] = [:]
            fresh.reserveCapacity(objects.count)
            for object in objects {
                let key = objectKey(object.metadata)
                fresh[key] = object
                if let old = state.objects[key] {
                    if old.metadata.resourceVersion != object.metadata.resourceVersion { updated.append((old, object)) }
                } else {
                    added.append(object)
                }
            }
            let removed = state.objects.filter { fresh[$0.key] == nil }.map(\.value)
            state.objects = fresh
            for name in state.indexes.keys { state.indexes[name] = [:] }
            for (key, object) in fresh { Self.index(&state, key: key, object: object) }
            return (added, updated, removed)
        }
    }

    func get(_ key: String) -> Object? { state.withLock { $0.objects[key] } }

    func all() -> [Object] { state.withLock { Array($0.objects.values) } }

    func byIndex(_ name: String, _ value: String) -> [Object] {
        state.withLock { state in
            guard let keys = state.indexes[name]?[value] else { return [] }
            return keys.compactMap { state.objects[$0] }
        }
    }

    var count: Int { state.withLock { $0.objects.count } }

    private static func index(_ state: inout State, key: String, object: Object) {
        for (name, keys) in state.indexers {
            for value in keys(object) { state.indexes[name, default: [:]][value, default: []].insert(key) }
        }
    }

    private static func unindex(_ state: inout State, key: String, object: Object) {
        for (name, keys) in state.indexers {
            for value in keys(object) {
                state.indexes[name]?[value]?.remove(key)
                if state.indexes[name]?[value]?.isEmpty == true { state.indexes[name]?[value] = nil }
            }
        }
    }
}
