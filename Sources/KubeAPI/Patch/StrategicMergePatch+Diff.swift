import OrderedCollections

extension StrategicMergePatch {
    /// Computes a two-way strategic merge patch that turns `original` into `modified`
    /// (what `kubectl apply`/`edit` send), for objects of the definition named `definition`.
    ///
    /// Changed members are included, removed ones set to `null`; lists merged by key get
    /// changed/new elements, `$patch: delete` elements for removed ones and a
    /// `$setElementOrder/<field>` list; merged primitive lists get additions,
    /// `$deleteFromPrimitiveList/<field>` and `$setElementOrder/<field>`; fields with the
    /// `retainKeys` strategy get `$retainKeys`. Unknown and unstructured fields are diffed as
    /// JSON merge patches; other lists and `replace` fields are sent whole when they differ.
    ///
    /// Like any merge patch it cannot express a member whose new value is `null`, and merged
    /// lists behave as sets (duplicates collapse).
    ///
    /// - Throws: `PatchError.invalidDocument` if either document is not an object,
    ///   `PatchError.unknownDefinition`, or `PatchError.invalidStrategicPatch` when a list
    ///   merged by key has elements without the key (or of the wrong JSON type).
    public static func diff(
        from original: JSONValue,
        to modified: JSONValue,
        schema: MergeSchema,
        definition: String
    ) throws(PatchError) -> JSONValue {
        guard schema.definitions[definition] != nil else { throw .unknownDefinition(definition) }
        guard case .object(let old) = original else {
            throw .invalidDocument("original: expected an object, got \(PatchText.typeName(original))")
        }
        guard case .object(let new) = modified else {
            throw .invalidDocument("modified: expected an object, got \(PatchText.typeName(modified))")
        }
        let differ = Differ(merger: Merger(schema: schema))
        return .object(try differ.diffObject(old, new, container: .object(definition), retainKeys: false, path: []))
    }

    /// Computes a two-way strategic merge patch for an object of kind `kind`.
    ///
    /// - Throws: `PatchError.unknownKind` if `schema.roots` has no entry for `kind`, otherwise as
    ///   `diff(from:to:schema:definition:)`.
    public static func diff(
        from original: JSONValue,
        to modified: JSONValue,
        schema: MergeSchema,
        kind: GroupVersionKind
    ) throws(PatchError) -> JSONValue {
        guard let definition = schema.roots[kind] else { throw .unknownKind(kind) }
        return try diff(from: original, to: modified, schema: schema, definition: definition)
    }

    /// The create half of strategic merge patch: computes a patch from two documents.
    struct Differ {
        typealias Object = OrderedDictionary<String, JSONValue>
        typealias Path = Merger.Path

        let merger: Merger
        /// Leave out deletions (used for the "changes" half of a three-way patch).
        var ignoreDeletions = false
        /// Leave out changes and additions (used for the "deletions" half of a three-way patch).
        var ignoreChangesAndAdditions = false

        func diffObject(_ old: Object, _ new: Object, container: MergeType, retainKeys: Bool, path: Path) throws(PatchError) -> Object {
            var patch = Object()
            var retained: [String] = []
            let field = merger.fields(of: container)
            for (key, newValue) in new {
                if retainKeys, newValue != .null { retained.append(key) }
                guard let oldValue = old[key] else {
                    if !ignoreChangesAndAdditions { patch[key] = newValue }
                    continue
                }
                let changed = !ignoreChangesAndAdditions && oldValue != newValue
                guard let info = field(key), info.type != .unstructured else {
                    // Unknown and unstructured members diff like a JSON merge patch.
                    if case .object(let oldChild) = oldValue, case .object(let newChild) = newValue {
                        let sub = try diffObject(oldChild, newChild, container: .unstructured, retainKeys: false, path: path + [.key(key)])
                        if !sub.isEmpty { patch[key] = .object(sub) }
                    } else if changed {
                        patch[key] = newValue
                    }
                    continue
                }
                switch (oldValue, newValue) {
                case (.object(let oldChild), .object(let newChild)):
                    if info.patchStrategies.contains(.replace) || info.type == .scalar {
                        if changed { patch[key] = newValue }
                    } else {
                        let sub = try diffObject(
                            oldChild, newChild, container: info.type,
                            retainKeys: info.patchStrategies.contains(.retainKeys), path: path + [.key(key)])
                        if !sub.isEmpty { patch[key] = .object(sub) }
                    }
                case (.array(let oldList), .array(let newList)):
                    if info.patchStrategies.contains(.merge) {
                        try diffList(oldList, newList, key: key, field: info, into: &patch, path: path + [.key(key)])
                    } else if changed {
                        patch[key] = newValue
                    }
                default:
                    if changed { patch[key] = newValue }
                }
            }
            if !ignoreDeletions {
                for key in old.keys where new[key] == nil {
                    patch[key] = .null
                }
            }
            if retainKeys, !retained.isEmpty,
                !patch.isEmpty || old.contains(where: { $0.value != .null && new[$0.key] == nil })
            {
                patch[StrategicMergePatch.retainKeysDirective] = .array(retained.sorted().map { .string($0) })
            }
            return patch
        }

        private func diffList(
            _ old: [JSONValue],
            _ new: [JSONValue],
            key: String,
            field info: MergeField,
            into patch: inout Object,
            path: Path
        ) throws(PatchError) {
            if old.isEmpty {
                if !new.isEmpty, !ignoreChangesAndAdditions { patch[key] = .array(new) }
                return
            }
            let elementType = Merger.elementType(of: info.type)
            if let mergeKey = info.patchMergeKey, !mergeKey.isEmpty {
                func keyOf(_ element: JSONValue) throws(PatchError) -> JSONValue {
                    guard case .object(let members) = element, let value = members[mergeKey] else {
                        throw merger.missingMergeKey(element, mergeKey: mergeKey, path: path)
                    }
                    return value
                }
                var oldIndex: [JSONValue: Int] = [:]
                for (i, element) in old.enumerated() {
                    let k = try keyOf(element)
                    if oldIndex[k] == nil { oldIndex[k] = i }
                }
                var newKeys: [JSONValue] = []
                var changes: [JSONValue] = []
                for element in new {
                    let k = try keyOf(element)
                    newKeys.append(k)
                    guard let i = oldIndex[k], case .object(let oldMembers) = old[i], case .object(let newMembers) = element else {
                        if !ignoreChangesAndAdditions { changes.append(element) }
                        continue
                    }
                    let sub = try diffObject(
                        oldMembers, newMembers, container: elementType,
                        retainKeys: info.patchStrategies.contains(.retainKeys),
                        path: path + [.element(mergeKey, k)])
                    if !sub.isEmpty {
                        var change: Object = [mergeKey: k]
                        for (member, value) in sub where member != mergeKey { change[member] = value }
                        changes.append(.object(change))
                    }
                }
                let kept = Set(newKeys)
                var deleted = Set<JSONValue>()
                for element in old {
                    let k = try keyOf(element)
                    if !ignoreDeletions, !kept.contains(k), deleted.insert(k).inserted {
                        changes.append(.object([mergeKey: k, StrategicMergePatch.directiveMarker: .string("delete")]))
                    }
                }
                let sameOrder = old.count == new.count && zip(old, new).allSatisfy { pair in
                    if case .object(let a) = pair.0, case .object(let b) = pair.1 { return a[mergeKey] == b[mergeKey] }
                    return false
                }
                if !changes.isEmpty { patch[key] = .array(changes) }
                let wantOrder = (!ignoreChangesAndAdditions && (!changes.isEmpty || !sameOrder))
                    || (!ignoreDeletions && !changes.isEmpty)
                if !new.isEmpty, wantOrder {
                    patch[StrategicMergePatch.setElementOrderPrefix + "/" + key] = .array(newKeys.map { .object([mergeKey: $0]) })
                }
                return
            }
            for element in old + new {
                switch element {
                case .object:
                    throw merger.invalid(path, "cannot diff a merged list of objects without a patch merge key")
                case .array:
                    throw merger.invalid(path, "lists of lists cannot be merged")
                default:
                    break
                }
            }
            let oldSet = Set(old)
            let newSet = Set(new)
            var seen = Set<JSONValue>()
            let added = new.filter { !oldSet.contains($0) && seen.insert($0).inserted }
            seen = []
            let removed = old.filter { !newSet.contains($0) && seen.insert($0).inserted }
            if !added.isEmpty, !ignoreChangesAndAdditions { patch[key] = .array(added) }
            if !removed.isEmpty, !ignoreDeletions {
                patch[StrategicMergePatch.deleteFromPrimitiveListPrefix + "/" + key] = .array(removed)
            }
            let wantOrder = (!ignoreDeletions && !removed.isEmpty) || (!ignoreChangesAndAdditions && old != new)
            if !new.isEmpty, wantOrder {
                patch[StrategicMergePatch.setElementOrderPrefix + "/" + key] = .array(new)
            }
        }
    }
}
