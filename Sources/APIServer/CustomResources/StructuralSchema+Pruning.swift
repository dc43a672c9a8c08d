import KubeAPI
import OrderedCollections

extension StructuralSchema {
    /// Removes the members the schema does not know (outside `x-kubernetes-preserve-unknown-fields`
    /// and `additionalProperties`), in place, and returns their paths (`spec.foo`,
    /// `spec.items[0].bar`) in document order. With `isRoot`, `apiVersion`, `kind` and
    /// `metadata` are always kept, and unknown `metadata` members dropped.
    @discardableResult
    public func prune(_ value: inout JSONValue, at path: String = "", isRoot: Bool = false) -> [String] {
        var removed: [String] = []
        prune(&value, path: path, isRoot: isRoot, removed: &removed)
        return removed
    }

    /// The unknown members of `value` (what ``prune(_:at:isRoot:)`` would remove), without changing it.
    public func unknownFields(in value: JSONValue, at path: String = "", isRoot: Bool = false) -> [String] {
        var copy = value
        return prune(&copy, at: path, isRoot: isRoot)
    }

    private func prune(_ value: inout JSONValue, path: String, isRoot: Bool, removed: inout [String]) {
        switch value {
        case .object(var members):
            let keepsEnvelope = isRoot || embeddedResource
            for key in Array(members.keys) {
                let childPath = Self.join(path, key)
                if keepsEnvelope && (key == "apiVersion" || key == "kind") && properties[key] == nil { continue }
                if keepsEnvelope && key == "metadata" && properties[key] == nil {
                    if var meta = members[key]?.objectValue {
                        for name in Array(meta.keys) where !ResourceHandler.objectMetaFields.contains(name) {
                            meta.removeValue(forKey: name)
                            removed.append(Self.join(childPath, name))
                        }
                        members[key] = .object(meta)
                    }
                    continue
                }
                if let schema = properties[key] ?? additionalProperties {
                    var member = members[key]!
                    schema.prune(&member, path: childPath, isRoot: false, removed: &removed)
                    members[key] = member
                } else if !keepsUnknownMembers && !intOrString {
                    members.removeValue(forKey: key)
                    removed.append(childPath)
                }
            }
            value = .object(members)
        case .array(var elements):
            guard let items else { return }
            for index in elements.indices {
                items.prune(&elements[index], path: "\(path)[\(index)]", isRoot: false, removed: &removed)
            }
            value = .array(elements)
        default:
            return
        }
    }
}
