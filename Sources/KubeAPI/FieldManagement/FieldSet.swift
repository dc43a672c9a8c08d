/// A set of field paths, stored as a tree: the paths that end at a node (`members`) and the
/// subtrees below it (`children`). This is what a `managedFields` entry records for one
/// manager.
///
/// A path being a member means the whole value at that path is owned; a path with only
/// children means just those parts are. Children are never empty.
public struct FieldSet: Hashable, Sendable {
    /// Elements whose path ends here.
    public private(set) var members: Set<PathElement>
    /// Non-empty subtrees, keyed by the element leading to them.
    public private(set) var children: [PathElement: FieldSet]

    /// The empty set.
    public init() {
        members = []
        children = [:]
    }

    /// A set holding the given paths.
    public init(paths: [FieldPath]) {
        self.init()
        for path in paths { insert(path) }
    }

    /// Whether the set holds no path.
    public var isEmpty: Bool { members.isEmpty && children.isEmpty }

    /// Adds a path (the empty path is ignored: the root is never a member).
    public mutating func insert(_ path: FieldPath) {
        insert(path[...])
    }

    private mutating func insert(_ path: ArraySlice<PathElement>) {
        guard let first = path.first else { return }
        if path.count == 1 {
            members.insert(first)
        } else {
            children[first, default: FieldSet()].insert(path.dropFirst())
        }
    }

    /// Whether `path` is a member (its whole value is in the set).
    public func contains(_ path: FieldPath) -> Bool {
        var node = self
        for (offset, element) in path.enumerated() {
            if offset == path.count - 1 { return node.members.contains(element) }
            guard let next = node.children[element] else { return false }
            node = next
        }
        return false
    }

    /// Whether the set holds `path` as a member or anything below it.
    public func touches(_ path: FieldPath) -> Bool {
        guard let first = path.first else { return !isEmpty }
        if path.count == 1 && members.contains(first) { return true }
        guard let child = children[first] else { return false }
        return child.touches(Array(path.dropFirst()))
    }

    /// The subtree below `element` (empty when there is none).
    public func child(_ element: PathElement) -> FieldSet { children[element] ?? FieldSet() }

    /// Paths in either set.
    public func union(_ other: FieldSet) -> FieldSet {
        var result = self
        result.members.formUnion(other.members)
        for (element, set) in other.children {
            result.children[element] = result.children[element].map { $0.union(set) } ?? set
        }
        return result
    }

    /// Paths in both sets: shared members, and children intersected level by level.
    public func intersection(_ other: FieldSet) -> FieldSet {
        var result = FieldSet()
        result.members = members.intersection(other.members)
        for (element, set) in children {
            guard let theirs = other.children[element] else { continue }
            let common = set.intersection(theirs)
            if !common.isEmpty { result.children[element] = common }
        }
        return result
    }

    /// Paths of this set that are not in `other`. A member of `other` removes only that
    /// member, not the paths below it (like upstream's `Difference`).
    public func subtracting(_ other: FieldSet) -> FieldSet {
        var result = FieldSet()
        result.members = members.subtracting(other.members)
        for (element, set) in children {
            if let theirs = other.children[element] {
                let rest = set.subtracting(theirs)
                if !rest.isEmpty { result.children[element] = rest }
            } else {
                result.children[element] = set
            }
        }
        return result
    }

    /// Paths of this set that are neither in `other` nor below one of its members.
    public func subtractingRecursively(_ other: FieldSet) -> FieldSet {
        var result = FieldSet()
        result.members = members.subtracting(other.members)
        for (element, set) in children where !other.members.contains(element) {
            if let theirs = other.children[element] {
                let rest = set.subtractingRecursively(theirs)
                if !rest.isEmpty { result.children[element] = rest }
            } else {
                result.children[element] = set
            }
        }
        return result
    }

    /// The set without the subtree at `path` (the member and everything below it).
    public func removingSubtree(_ path: FieldPath) -> FieldSet {
        guard let first = path.first else { return FieldSet() }
        var result = self
        if path.count == 1 {
            result.members.remove(first)
            result.children.removeValue(forKey: first)
        } else if let child = children[first] {
            let rest = child.removingSubtree(Array(path.dropFirst()))
            result.children[first] = rest.isEmpty ? nil : rest
        }
        return result
    }

    /// Only the subtree at `path` (with the path itself when it is a member).
    public func keepingSubtree(_ path: FieldPath) -> FieldSet {
        guard let first = path.first else { return self }
        var result = FieldSet()
        if path.count == 1 {
            if members.contains(first) { result.members.insert(first) }
            if let child = children[first] { result.children[first] = child }
        } else if let child = children[first] {
            let kept = child.keepingSubtree(Array(path.dropFirst()))
            if !kept.isEmpty { result.children[first] = kept }
        }
        return result
    }

    /// Every member path, in upstream's order: a node's members first, then its children.
    public var paths: [FieldPath] {
        var out: [FieldPath] = []
        collect(prefix: [], into: &out)
        return out
    }

    private func collect(prefix: FieldPath, into out: inout [FieldPath]) {
        for element in members.sorted() { out.append(prefix + [element]) }
        for element in children.keys.sorted() { children[element]!.collect(prefix: prefix + [element], into: &out) }
    }
}

extension FieldSet: CustomStringConvertible {
    /// The member paths, one per line.
    public var description: String { paths.map(\.pathDescription).joined(separator: "\n") }
}
