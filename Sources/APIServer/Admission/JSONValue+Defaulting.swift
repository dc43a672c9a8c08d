import KubeAPI
import OrderedCollections

/// Mutation helpers the admission strategies use on unstructured objects.
extension JSONValue {
    /// Whether a member counts as unset for defaulting: absent, `null` or `""` (the Go zero
    /// value of a string).
    static func isUnset(_ value: JSONValue?) -> Bool {
        switch value {
        case nil, .null?: return true
        case .string(let text)?: return text.isEmpty
        default: return false
        }
    }

    /// Sets `key` to `value` when it is unset (see ``isUnset(_:)``); objects only.
    mutating func setDefault(_ key: String, _ value: JSONValue) {
        guard case .object(let members) = self, Self.isUnset(members[key]) else { return }
        setMember(key, value)
    }

    /// Changes the object member `key` through `body`. With `create` a missing (or `null`)
    /// member starts as `{}`; otherwise nothing happens when it is absent. Non-object members
    /// are left alone (validation reports them).
    mutating func withObject(_ key: String, create: Bool = false, _ body: (inout JSONValue) -> Void) {
        guard case .object(var members) = self else { return }
        var child: JSONValue
        switch members[key] {
        case .object?: child = members[key]!
        case nil, .null?:
            guard create else { return }
            child = .object([:])
        default: return
        }
        self = .null
        members[key] = nil
        body(&child)
        members[key] = child
        self = .object(members)
    }

    /// Changes every object element of the array member `key` through `body` (given the index).
    mutating func withEachElement(_ key: String, _ body: (inout JSONValue, Int) -> Void) {
        guard case .object(var members) = self, case .array(var items)? = members[key] else { return }
        self = .null
        members[key] = nil
        for index in items.indices where items[index].objectValue != nil {
            body(&items[index], index)
        }
        members[key] = .array(items)
        self = .object(members)
    }

    /// The object with the members named in `order` first, in that order; others keep their
    /// relative order after them. Upstream writes members in Go struct order.
    func ordered(_ order: [String]) -> JSONValue {
        guard case .object(let members) = self else { return self }
        var result = OrderedDictionary<String, JSONValue>()
        result.reserveCapacity(members.count)
        for key in order { if let value = members[key] { result[key] = value } }
        for (key, value) in members where result[key] == nil { result[key] = value }
        return .object(result)
    }

    /// Reorders in place (see ``ordered(_:)``).
    mutating func reorder(_ order: [String]) { self = ordered(order) }

    /// An array member's elements (empty when absent or not an array).
    func elements(_ key: String) -> [JSONValue] { self[key]?.arrayValue ?? [] }

    /// A string member, `""` when absent or not a string.
    func string(_ key: String) -> String { self[key]?.stringValue ?? "" }
}
