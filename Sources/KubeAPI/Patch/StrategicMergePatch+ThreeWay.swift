import OrderedCollections

extension StrategicMergePatch {
    /// Computes the three-way strategic merge patch of client-side `kubectl apply`.
    ///
    /// `original` is the configuration applied last time (`null` when there is none),
    /// `modified` the configuration being applied now and `current` the live object. The patch,
    /// applied to `current`, sets everything `modified` sets and removes what `original` had
    /// but `modified` dropped, while leaving fields that only `current` has (set by other
    /// writers) alone. Changes made by others to fields that `modified` sets are overwritten;
    /// there is no conflict detection.
    ///
    /// - Throws: `PatchError.invalidDocument` if a document is not an object,
    ///   `PatchError.unknownDefinition`, or `PatchError.invalidStrategicPatch` when a list merged
    ///   by key has elements without the key.
    public static func threeWay(
        original: JSONValue,
        modified: JSONValue,
        current: JSONValue,
        schema: MergeSchema,
        definition: String
    ) throws(PatchError) -> JSONValue {
        guard schema.definitions[definition] != nil else { throw .unknownDefinition(definition) }
        func members(_ value: JSONValue, _ role: String, allowNull: Bool) throws(PatchError) -> Differ.Object {
            switch value {
            case .object(let members): return members
            case .null where allowNull: return [:]
            default: throw .invalidDocument("\(role): expected an object, got \(PatchText.typeName(value))")
            }
        }
        let old = try members(original, "original", allowNull: true)
        let new = try members(modified, "modified", allowNull: false)
        let live = try members(current, "current", allowNull: false)
        let merger = Merger(schema: schema)
        let container = MergeType.object(definition)
        var changes = Differ(merger: merger)
        changes.ignoreDeletions = true
        var deletions = Differ(merger: merger)
        deletions.ignoreChangesAndAdditions = true
        let delta = try changes.diffObject(live, new, container: container, retainKeys: false, path: [])
        let removed = try deletions.diffObject(old, new, container: container, retainKeys: false, path: [])
        return .object(merger.combinePatches(removed, delta, container: container))
    }

    /// Computes the three-way patch for an object of kind `kind`; see
    /// `threeWay(original:modified:current:schema:definition:)`.
    public static func threeWay(
        original: JSONValue,
        modified: JSONValue,
        current: JSONValue,
        schema: MergeSchema,
        kind: GroupVersionKind
    ) throws(PatchError) -> JSONValue {
        guard let definition = schema.roots[kind] else { throw .unknownKind(kind) }
        return try threeWay(original: original, modified: modified, current: current, schema: schema, definition: definition)
    }
}

extension StrategicMergePatch.Merger {
    /// Combines two patches computed against the same `modified` document (the deletions of one
    /// diff and the changes of another) into one patch with the effect of both.
    func combinePatches(_ first: Object, _ second: Object, container: MergeType) -> Object {
        var result = first
        let field = fields(of: container)
        let directivesApply = container != .unstructured
        for (key, value) in second {
            guard let existing = result[key], !(directivesApply && StrategicMergePatch.isDirectiveKey(key)) else {
                result[key] = value
                continue
            }
            let info = field(key)
            switch (existing, value) {
            case (.object(let a), .object(let b)):
                if let info, info.type != .unstructured, info.patchStrategies.contains(.replace) || info.type == .scalar {
                    result[key] = value
                } else {
                    result[key] = .object(combinePatches(a, b, container: info?.type ?? .unstructured))
                }
            case (.array(let a), .array(let b)):
                guard let info, info.patchStrategies.contains(.merge) else {
                    result[key] = value
                    continue
                }
                if let mergeKey = info.patchMergeKey, !mergeKey.isEmpty {
                    let order = orderList(for: key, in: result, second)
                    result[key] = .array(combineKeyedLists(a, b, mergeKey: mergeKey, elementType: Self.elementType(of: info.type), order: order))
                } else {
                    var seen = Set<JSONValue>()
                    result[key] = .array((a + b).filter { seen.insert($0).inserted })
                }
            default:
                result[key] = value
            }
        }
        return result
    }

    private func orderList(for key: String, in first: Object, _ second: Object) -> [JSONValue]? {
        let orderKey = StrategicMergePatch.setElementOrderPrefix + "/" + key
        if case .array(let order)? = second[orderKey] ?? first[orderKey] { return order }
        return nil
    }

    /// Merges two patch lists of a list merged by key: elements with the same key combine,
    /// ordinary elements follow `$setElementOrder` (when given), `$patch` elements come last.
    private func combineKeyedLists(_ first: [JSONValue], _ second: [JSONValue], mergeKey: String, elementType: MergeType, order: [JSONValue]?) -> [JSONValue] {
        func key(_ element: JSONValue) -> JSONValue? {
            if case .object(let members) = element { return members[mergeKey] }
            return nil
        }
        func isDirective(_ element: JSONValue) -> Bool {
            if case .object(let members) = element { return members[StrategicMergePatch.directiveMarker] != nil }
            return false
        }
        var out = second
        var index: [JSONValue: Int] = [:]
        for (i, element) in out.enumerated() where !isDirective(element) {
            if let k = key(element), index[k] == nil { index[k] = i }
        }
        for element in first {
            if !isDirective(element), let k = key(element), let i = index[k],
                case .object(let a) = element, case .object(let b) = out[i]
            {
                out[i] = .object(combinePatches(a, b, container: elementType))
            } else {
                out.append(element)
            }
        }
        guard let order else { return out.filter { !isDirective($0) } + out.filter(isDirective) }
        var position: [JSONValue: Int] = [:]
        for (i, element) in order.enumerated() {
            if let k = key(element), position[k] == nil { position[k] = i }
        }
        let ordinary = out.filter { !isDirective($0) }.enumerated().sorted { a, b in
            let pa = key(a.element).flatMap { position[$0] } ?? Int.max
            let pb = key(b.element).flatMap { position[$0] } ?? Int.max
            return pa != pb ? pa < pb : a.offset < b.offset
        }.map(\.element)
        return ordinary + out.filter(isDirective)
    }
}
