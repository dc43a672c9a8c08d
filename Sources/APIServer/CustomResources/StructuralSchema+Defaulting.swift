import KubeAPI

extension StructuralSchema {
    /// Fills in schema `default`s where a member is missing (or `null` and not nullable),
    /// recursively, the way upstream defaults custom resources.
    public func applyDefaults(_ value: inout JSONValue) {
        switch value {
        case .object(var members):
            for (name, schema) in properties {
                if let defaultValue = schema.defaultValue {
                    let current = members[name]
                    if current == nil || (current!.isNull && !schema.nullable) {
                        members[name] = defaultValue
                    }
                }
            }
            for key in Array(members.keys) {
                guard let schema = properties[key] ?? additionalProperties else { continue }
                var member = members[key]!
                schema.applyDefaults(&member)
                members[key] = member
            }
            value = .object(members)
        case .array(var elements):
            guard let items else { return }
            for index in elements.indices { items.applyDefaults(&elements[index]) }
            value = .array(elements)
        default:
            return
        }
    }
}
