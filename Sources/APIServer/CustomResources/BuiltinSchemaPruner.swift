import KubeAPI
import OrderedCollections

/// Finds and drops the fields of a built-in object that its OpenAPI schema (the generated,
/// description-free table the server publishes) does not declare, as decoding into the typed
/// structs does upstream. Free-form objects (no `properties`) are left alone.
public struct BuiltinSchemaPruner: Sendable {
    /// Creates a pruner over the built-in schema table (parsed on first use).
    public init() {}

    static let refPrefix = "#/components/schemas/"

    /// The root definition of `descriptor`'s kind, if it is a built-in kind.
    func root(for descriptor: ResourceDescriptor) -> JSONValue? {
        let schemas = BuiltinSchemas.shared
        let key = "\(descriptor.group)/\(descriptor.version)/\(descriptor.kind)"
        guard let name = schemas.byKind[key]?.first else { return nil }
        return schemas.schemas[name]
    }

    /// The unknown fields of `object` (`spec.foo`, `spec.containers[0].bar`), `metadata` included.
    public func unknownFields(in object: JSONValue, descriptor: ResourceDescriptor) -> [String] {
        var copy = object
        return prune(&copy, descriptor: descriptor)
    }

    /// Drops the unknown fields of `object`; returns their paths.
    @discardableResult
    public func prune(_ object: inout JSONValue, descriptor: ResourceDescriptor) -> [String] {
        guard let root = root(for: descriptor) else { return [] }
        var removed: [String] = []
        Self.prune(&object, schema: root, path: "", removed: &removed, depth: 0)
        return removed
    }

    /// `schema` with a `$ref` (direct or as the single `allOf`) resolved.
    static func resolve(_ schema: JSONValue) -> JSONValue {
        var current = schema
        for _ in 0..<8 {
            var reference = current["$ref"]?.stringValue
            if reference == nil, let allOf = current["allOf"]?.arrayValue, allOf.count == 1 {
                reference = allOf[0]["$ref"]?.stringValue
            }
            guard let reference, reference.hasPrefix(refPrefix),
                  let target = BuiltinSchemas.shared.schemas[String(reference.dropFirst(refPrefix.count))]
            else { return current }
            current = target
        }
        return current
    }

    static func prune(_ value: inout JSONValue, schema unresolved: JSONValue, path: String, removed: inout [String], depth: Int) {
        guard depth < 64 else { return }
        let schema = resolve(unresolved)
        switch value {
        case .object(var members):
            if let properties = schema["properties"]?.objectValue {
                if schema["x-kubernetes-preserve-unknown-fields"]?.boolValue == true { return }
                for key in Array(members.keys) {
                    let childPath = StructuralSchema.join(path, key)
                    if let child = properties[key] {
                        var member = members[key]!
                        prune(&member, schema: child, path: childPath, removed: &removed, depth: depth + 1)
                        members[key] = member
                    } else {
                        members.removeValue(forKey: key)
                        removed.append(childPath)
                    }
                }
                value = .object(members)
            } else if let additional = schema["additionalProperties"], additional.objectValue != nil {
                for key in Array(members.keys) {
                    var member = members[key]!
                    prune(&member, schema: additional, path: StructuralSchema.join(path, key), removed: &removed, depth: depth + 1)
                    members[key] = member
                }
                value = .object(members)
            }
        case .array(var elements):
            guard let items = schema["items"], items.objectValue != nil else { return }
            for index in elements.indices {
                prune(&elements[index], schema: items, path: "\(path)[\(index)]", removed: &removed, depth: depth + 1)
            }
            value = .array(elements)
        default:
            return
        }
    }
}
