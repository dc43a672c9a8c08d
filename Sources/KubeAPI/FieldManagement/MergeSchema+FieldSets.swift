import OrderedCollections

/// What changed between two versions of an object, as field sets.
public struct FieldComparison: Hashable, Sendable {
    /// Paths present only in the new object.
    public var added = FieldSet()
    /// Paths whose value changed.
    public var modified = FieldSet()
    /// Paths present only in the old object.
    public var removed = FieldSet()

    /// Creates an empty comparison.
    public init() {}

    /// Added or modified paths.
    public var changed: FieldSet { added.union(modified) }
    /// Whether nothing changed.
    public var isSame: Bool { added.isEmpty && modified.isEmpty && removed.isEmpty }

    /// The comparison with every set passed through `filter`.
    public func filtered(_ filter: (FieldSet) -> FieldSet) -> FieldComparison {
        var result = FieldComparison()
        result.added = filter(added)
        result.modified = filter(modified)
        result.removed = filter(removed)
        return result
    }
}

extension MergeSchema {
    /// The root type of objects of `definition` (unknown, hence deduced, when nil).
    static func rootType(_ definition: String?) -> MergeType? { definition.map { .object($0) } }

    /// The fields an object sets, as server-side apply owns them: scalars and atomic values
    /// as leaves, list items (keyed lists and sets) as members with their own fields below,
    /// map keys as members, declared object fields only through what they contain (or as a
    /// member when null or empty).
    public func fieldSet(of value: JSONValue, root definition: String?) -> FieldSet {
        var set = FieldSet()
        collect(value, type: Self.rootType(definition), field: nil, path: [], into: &set)
        return set
    }

    private func collect(_ value: JSONValue, type: MergeType?, field: MergeField?, path: FieldPath, into set: inout FieldSet) {
        switch node(type, field: field, value: value) {
        case .leaf:
            set.insert(path)
        case .fields(let definition, let element, let deduced):
            for (name, child) in value.objectValue ?? [:] {
                let (childType, childField, declared) = member(name, definition: definition, element: element, deduced: deduced)
                let childPath = path + [.field(name)]
                collect(child, type: childType, field: childField, path: childPath, into: &set)
                if child.isNull || child.objectValue?.isEmpty == true || !declared { set.insert(childPath) }
            }
        case .list(let element, let keys):
            for (pathElement, item) in indexedItems(value.arrayValue ?? [], keys: keys, element: element) {
                let childPath = path + [pathElement]
                collect(item, type: element, field: nil, path: childPath, into: &set)
                set.insert(childPath)
            }
        }
    }

    /// The paths added, changed and removed from `old` to `new`. A list, map or object that
    /// appears or disappears is itself added or removed along with what it contains (an
    /// object field of a declared type only through its contents when it appears).
    public func compare(_ old: JSONValue, _ new: JSONValue, root definition: String?) -> FieldComparison {
        var result = FieldComparison()
        compare(old, new, type: Self.rootType(definition), field: nil, path: [], into: &result)
        return result
    }

    private func isEmptyContainer(_ value: JSONValue?) -> Bool {
        switch value {
        case nil: return true
        case .object(let members)?: return members.isEmpty
        case .array(let items)?: return items.isEmpty
        default: return false
        }
    }

    private func compare(_ old: JSONValue?, _ new: JSONValue?, type: MergeType?, field: MergeField?, path: FieldPath, into result: inout FieldComparison) {
        guard old != nil || new != nil else { return }
        let oldNode = old.map { node(type, field: field, value: $0) }
        let newNode = new.map { node(type, field: field, value: $0) }
        let shape = newNode ?? oldNode!
        var leaf = false
        switch (oldNode, newNode) {
        case (.leaf?, _), (_, .leaf?): leaf = true
        case (.fields?, .list?), (.list?, .fields?): leaf = true
        default: leaf = isEmptyContainer(old) && isEmptyContainer(new)
        }
        if leaf {
            if old == nil {
                result.added.insert(path)
            } else if new == nil {
                result.removed.insert(path)
            } else if old != new {
                result.modified.insert(path)
            }
            return
        }
        switch shape {
        case .leaf:
            break
        case .fields(let definition, let element, let deduced):
            let oldMembers = old?.objectValue ?? [:]
            let newMembers = new?.objectValue ?? [:]
            var names = OrderedSet(oldMembers.keys)
            names.append(contentsOf: newMembers.keys)
            for name in names {
                let (childType, childField, _) = member(name, definition: definition, element: element, deduced: deduced)
                compare(oldMembers[name], newMembers[name], type: childType, field: childField, path: path + [.field(name)], into: &result)
            }
        case .list(let element, let keys):
            let oldItems = indexedItems(old?.arrayValue ?? [], keys: keys, element: element)
            let newItems = indexedItems(new?.arrayValue ?? [], keys: keys, element: element)
            var elements = OrderedSet(oldItems.keys)
            elements.append(contentsOf: newItems.keys)
            for pathElement in elements {
                compare(oldItems[pathElement], newItems[pathElement], type: element, field: nil, path: path + [pathElement], into: &result)
            }
        }
        // An object field of a declared type counts as always present (as Go's non-pointer
        // structs are), so creating it does not make the object itself an owned member.
        if case .fields(.some, _, _) = shape, old == nil, case .field? = path.last { return }
        if old == nil { result.added.insert(path) } else if new == nil { result.removed.insert(path) }
    }

    /// `applied` merged into `live`: the applied value wins at leaves; objects, maps and
    /// granular lists keep live members the configuration does not mention. A `null` in the
    /// configuration removes the member. List items keep the live order, items new in the
    /// configuration follow the item they follow there.
    public func merge(_ live: JSONValue, _ applied: JSONValue, root definition: String?) -> JSONValue {
        merge(live, applied, type: Self.rootType(definition), field: nil) ?? .object([:])
    }

    private func merge(_ live: JSONValue?, _ applied: JSONValue?, type: MergeType?, field: MergeField?) -> JSONValue? {
        guard let applied else { return live }
        guard let live else { return withoutNullMembers(applied) }
        let liveNode = node(type, field: field, value: live)
        let appliedNode = node(type, field: field, value: applied)
        switch (liveNode, appliedNode) {
        case (.fields, .fields(let definition, let element, let deduced)):
            var out = live.objectValue ?? [:]
            for (name, child) in applied.objectValue ?? [:] {
                if child.isNull {
                    out.removeValue(forKey: name)
                    continue
                }
                let (childType, childField, _) = member(name, definition: definition, element: element, deduced: deduced)
                out[name] = merge(out[name], child, type: childType, field: childField)
            }
            return .object(out)
        case (.list, .list(let element, let keys)):
            let liveItems = indexedItems(live.arrayValue ?? [], keys: keys, element: element)
            let appliedItems = indexedItems(applied.arrayValue ?? [], keys: keys, element: element)
            var out: [JSONValue] = []
            var emitted = Set<PathElement>()
            let appliedOrder = Array(appliedItems.keys)
            var next = 0
            func emitApplied(through target: PathElement?) {
                while next < appliedOrder.count {
                    let pathElement = appliedOrder[next]
                    next += 1
                    if !emitted.contains(pathElement) {
                        emitted.insert(pathElement)
                        if let merged = merge(liveItems[pathElement], appliedItems[pathElement], type: element, field: nil) {
                            out.append(merged)
                        }
                    }
                    if pathElement == target { return }
                }
            }
            for (pathElement, item) in liveItems {
                if appliedItems[pathElement] == nil {
                    out.append(item)
                } else if !emitted.contains(pathElement) {
                    emitApplied(through: pathElement)
                }
            }
            emitApplied(through: nil)
            return .array(out)
        default:
            return withoutNullMembers(applied)
        }
    }

    private func withoutNullMembers(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let members):
            var out = OrderedDictionary<String, JSONValue>()
            for (name, member) in members where !member.isNull { out[name] = withoutNullMembers(member) }
            return .object(out)
        case .array(let items):
            return .array(items.map(withoutNullMembers))
        default:
            return value
        }
    }

    /// `value` without the values at the member paths of `set` (children of the set
    /// descend into the value). `keep` holds the fields still owned: a member of `set` that
    /// `keep` owns whole stays, one with owned parts below it stays with just the removals
    /// below it. An object, map or list that the removal empties is removed too, unless
    /// `keep` touches it.
    public func removing(_ set: FieldSet, from value: JSONValue, root definition: String?, keep: FieldSet = FieldSet()) -> JSONValue {
        removing(set, from: value, type: Self.rootType(definition), field: nil, keep: keep)
    }

    private func removing(_ set: FieldSet, from value: JSONValue, type: MergeType?, field: MergeField?, keep: FieldSet) -> JSONValue {
        switch node(type, field: field, value: value) {
        case .leaf:
            return value
        case .fields(let definition, let element, let deduced):
            var out = OrderedDictionary<String, JSONValue>()
            for (name, child) in value.objectValue ?? [:] {
                let pathElement = PathElement.field(name)
                if set.members.contains(pathElement) && !keep.touches([pathElement]) { continue }
                if keep.members.contains(pathElement) {
                    out[name] = child
                } else if let below = set.children[pathElement] {
                    let (childType, childField, _) = member(name, definition: definition, element: element, deduced: deduced)
                    let pruned = removing(below, from: child, type: childType, field: childField, keep: keep.child(pathElement))
                    if isEmptyContainer(pruned) && !isEmptyContainer(child) && keep.children[pathElement] == nil && !keep.members.contains(pathElement) {
                        continue
                    }
                    out[name] = pruned
                } else {
                    out[name] = child
                }
            }
            return .object(out)
        case .list(let element, let keys):
            var out: [JSONValue] = []
            for (position, item) in (value.arrayValue ?? []).enumerated() {
                let pathElement = itemElement(item, keys: keys, position: position, element: element)
                if set.members.contains(pathElement) && !keep.touches([pathElement]) { continue }
                if keep.members.contains(pathElement) {
                    out.append(item)
                } else if let below = set.children[pathElement] {
                    out.append(removing(below, from: item, type: element, field: nil, keep: keep.child(pathElement)))
                } else {
                    out.append(item)
                }
            }
            return .array(out)
        }
    }
}
