/// The fields upstream's encoder writes even when they are unset, so that a client validating
/// required fields (the official Python client) accepts what it reads.
///
/// Upstream encodes objects from Go structs: a field without `omitempty` is written with its
/// zero value (`"replicas": 0` in a fresh ReplicationController's status), and a struct held by
/// value is always written (`"status": {}`). The OpenAPI documents record both: such fields
/// have a zero `default`, and the first kind is `required`. The generator turns them into
/// ``kubernetes``; ``filling(_:)`` adds what an object lacks. Unset pointers, slices and maps
/// (which upstream writes as `null`) are left absent.
public struct AlwaysEmittedFields: Sendable {
    /// The value written for an unset field.
    public enum Zero: Sendable, Hashable {
        /// `""`.
        case emptyString
        /// `0` (integers, numbers and int-or-string).
        case zero
        /// `false`.
        case falseValue
        /// `{}`, then filled as its own definition.
        case emptyObject
        /// The zero quantity, `"0"`.
        case zeroQuantity

        /// The JSON value.
        public var value: JSONValue {
            switch self {
            case .emptyString: .string("")
            case .zero: .int(0)
            case .falseValue: .bool(false)
            case .emptyObject: .object([:])
            case .zeroQuantity: .string("0")
            }
        }
    }

    /// Where a field's value continues into a definition with always-written fields.
    public enum Nested: Sendable, Hashable {
        /// The value is an object of the definition.
        case object(String)
        /// The value is an array of objects of the definition.
        case items(String)
        /// The value is a map whose values are objects of the definition.
        case values(String)
    }

    /// One field the filler looks at.
    public struct Field: Sendable, Hashable {
        /// The JSON member name.
        public var name: String
        /// What to write when the member is absent; `nil` when an absent member stays absent.
        public var zero: Zero?
        /// The definition below the member, when it has always-written fields itself.
        public var nested: Nested?

        /// Creates a field entry.
        public init(_ name: String, _ zero: Zero?, _ nested: Nested?) {
            self.name = name
            self.zero = zero
            self.nested = nested
        }
    }

    /// Field entries keyed by definition name (`io.k8s.api.apps.v1.DaemonSetStatus`); only
    /// definitions with always-written fields at or below them are listed.
    public var definitions: [String: [Field]]
    /// The root definition of each kind (kinds whose root is not in ``definitions`` have no
    /// always-written fields).
    public var roots: [GroupVersionKind: String]

    /// Creates a table.
    public init(definitions: [String: [Field]], roots: [GroupVersionKind: String]) {
        self.definitions = definitions
        self.roots = roots
    }

    /// The root definition of an object's kind, from its `apiVersion` and `kind`.
    public func rootDefinition(of object: JSONValue) -> String? {
        guard let apiVersion = object["apiVersion"]?.stringValue, let kind = object["kind"]?.stringValue else { return nil }
        return roots[GroupVersionKind(apiVersion: apiVersion, kind: kind)]
    }

    /// The object with every always-written field it lacks added, at every depth. Objects of
    /// kinds without such fields (custom resources) come back unchanged.
    public func filling(_ object: JSONValue) -> JSONValue {
        guard let root = rootDefinition(of: object) else { return object }
        return filling(object, definition: root)
    }

    /// A value of the named definition with every always-written field it lacks added.
    public func filling(_ value: JSONValue, definition: String) -> JSONValue {
        guard case .object(var members) = value, let fields = definitions[definition] else { return value }
        for field in fields {
            var member = members[field.name]
            if member == nil, let zero = field.zero {
                member = zero.value
            }
            guard var present = member else { continue }
            switch field.nested {
            case .object(let name)?:
                present = filling(present, definition: name)
            case .items(let name)?:
                if case .array(let items) = present {
                    present = .array(items.map { filling($0, definition: name) })
                }
            case .values(let name)?:
                if case .object(var entries) = present {
                    for key in entries.keys { entries[key] = filling(entries[key]!, definition: name) }
                    present = .object(entries)
                }
            case nil:
                break
            }
            members[field.name] = present
        }
        return .object(members)
    }
}
