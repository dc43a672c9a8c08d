import OrderedCollections

/// How server-side apply treats one value, resolved from a ``MergeSchema`` type and field.
enum SchemaNode {
    /// Owned and replaced as a whole: scalars, atomic lists, maps and objects.
    case leaf
    /// An object with named fields (`definition`), or a map whose keys are merged one by
    /// one (`element` gives the value type; `nil` when the type is unknown and deduced).
    case fields(definition: String?, element: MergeType?, deduced: Bool)
    /// A list whose items are merged one by one: keyed by `keys`, or by value when `keys` is nil.
    case list(element: MergeType, keys: [String]?)

    /// The element relationship of an array field, from its list type or, without one, its
    /// patch strategy (merge with a key is a keyed list, merge without one a set).
    static func listKeys(_ field: MergeField?) -> (atomic: Bool, keys: [String]?) {
        guard let field else { return (true, nil) }
        switch field.listType {
        case .atomic: return (true, nil)
        case .set: return (false, nil)
        case .map: return (false, field.listMapKeys)
        case nil:
            if field.patchStrategies.contains(.merge) {
                return (false, field.patchMergeKey.map { [$0] })
            }
            return (true, nil)
        }
    }
}

extension MergeSchema {
    /// The node kind of `value` of type `type` (declared by `field`); `type` nil means unknown.
    func node(_ type: MergeType?, field: MergeField?, value: JSONValue) -> SchemaNode {
        switch type {
        case nil, .unstructured?:
            if case .object = value { return .fields(definition: nil, element: nil, deduced: true) }
            return .leaf
        case .scalar?:
            return .leaf
        case .object(let definition)?:
            guard case .object = value else { return .leaf }
            let atomic = field?.mapType.map { $0 == .atomic } ?? atomicDefinitions.contains(definition)
            return atomic ? .leaf : .fields(definition: definition, element: nil, deduced: false)
        case .map(let element)?:
            guard case .object = value else { return .leaf }
            return field?.mapType == .atomic ? .leaf : .fields(definition: nil, element: element, deduced: false)
        case .array(let element)?:
            guard case .array = value else { return .leaf }
            let (atomic, keys) = SchemaNode.listKeys(field)
            return atomic ? .leaf : .list(element: element, keys: keys)
        }
    }

    /// The type and declaration of member `name` of a `.fields` node, and whether it is a
    /// declared object field (as opposed to a map key or an undeclared member).
    func member(_ name: String, definition: String?, element: MergeType?, deduced: Bool) -> (MergeType?, MergeField?, declared: Bool) {
        if let definition {
            if let field = definitions[definition]?[name] { return (field.type, field, true) }
            return (nil, nil, false)
        }
        if deduced { return (nil, nil, false) }
        return (element, nil, false)
    }

    /// The path element naming a list item; nil when the item cannot be named (then the
    /// list is handled by position).
    func itemElement(_ item: JSONValue, keys: [String]?, position: Int, element: MergeType? = nil) -> PathElement {
        guard let keys else {
            switch item {
            case .array, .object: return .index(position)
            default: return .value(item)
            }
        }
        guard let members = item.objectValue else { return .index(position) }
        var fields: [PathElement.KeyField] = []
        for key in keys {
            if let value = members[key], !value.isNull {
                fields.append(.init(name: key, value: value))
            } else if case .object(let definition)? = element, let value = Self.listMapKeyDefaults[definition]?[key] {
                // A key field left out takes its schema default, so an applied `{port: 80}`
                // names the same item as the live, defaulted `{port: 80, protocol: TCP}`.
                fields.append(.init(name: key, value: value))
            }
        }
        if fields.isEmpty { return .index(position) }
        return .key(fields.sorted { $0.name < $1.name })
    }

    /// The items of a granular list with their path elements; later duplicates are dropped.
    func indexedItems(_ items: [JSONValue], keys: [String]?, element: MergeType? = nil) -> OrderedDictionary<PathElement, JSONValue> {
        var out = OrderedDictionary<PathElement, JSONValue>()
        for (position, item) in items.enumerated() {
            let pathElement = itemElement(item, keys: keys, position: position, element: element)
            if out[pathElement] == nil { out[pathElement] = item }
        }
        return out
    }

    /// The schema defaults of list-map key fields: in the 1.36 OpenAPI documents the only
    /// key fields with a non-empty `default` are the ports' `protocol`.
    static let listMapKeyDefaults: [String: [String: JSONValue]] = [
        "io.k8s.api.core.v1.ContainerPort": ["protocol": "TCP"],
        "io.k8s.api.core.v1.ServicePort": ["protocol": "TCP"],
    ]
}
