/// One step of a path into an object, as server-side apply names fields.
///
/// Ordered the way upstream orders them (field names, then list keys, then set values, then
/// indices), which is also the order of `fieldsV1` members.
public enum PathElement: Hashable, Sendable {
    /// A member of an object or map (`f:name`).
    case field(String)
    /// An item of a keyed list (`k:{"name":"nginx"}`), its key fields sorted by name.
    case key([KeyField])
    /// An item of a set list, named by its value (`v:"a"`).
    case value(JSONValue)
    /// An item of a list named by position (`i:0`).
    case index(Int)

    /// One key field of a keyed list item.
    public struct KeyField: Hashable, Sendable {
        /// The key field's name.
        public var name: String
        /// Its (scalar) value.
        public var value: JSONValue

        /// Creates a key field.
        public init(name: String, value: JSONValue) {
            self.name = name
            self.value = value
        }
    }

    /// A key element from name/value pairs (sorted by name).
    public static func key(_ pairs: KeyValuePairs<String, JSONValue>) -> PathElement {
        .key(pairs.map { KeyField(name: $0.key, value: $0.value) }.sorted { $0.name < $1.name })
    }

    /// The element as it appears in paths of error messages: `.name`, `[name="x"]`, `[=v]`, `[0]`.
    public var pathDescription: String {
        switch self {
        case .field(let name): return "." + name
        case .key(let fields): return "[" + fields.map { "\($0.name)=\(Self.text($0.value))" }.joined(separator: ",") + "]"
        case .value(let value): return "[=\(Self.text(value))]"
        case .index(let index): return "[\(index)]"
        }
    }

    static func text(_ value: JSONValue) -> String {
        String(decoding: value.serialized(escapingHTML: false), as: UTF8.self)
    }
}

extension PathElement: Comparable {
    private var rank: Int {
        switch self {
        case .field: return 0
        case .key: return 1
        case .value: return 2
        case .index: return 3
        }
    }

    public static func < (lhs: PathElement, rhs: PathElement) -> Bool {
        compare(lhs, rhs) < 0
    }

    /// Three-way comparison: negative, zero or positive.
    static func compare(_ lhs: PathElement, _ rhs: PathElement) -> Int {
        switch (lhs, rhs) {
        case (.field(let a), .field(let b)): return a == b ? 0 : (a < b ? -1 : 1)
        case (.key(let a), .key(let b)):
            for (x, y) in zip(a, b) {
                if x.name != y.name { return x.name < y.name ? -1 : 1 }
                let c = JSONValue.orderCompare(x.value, y.value)
                if c != 0 { return c }
            }
            return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
        case (.value(let a), .value(let b)): return JSONValue.orderCompare(a, b)
        case (.index(let a), .index(let b)): return a == b ? 0 : (a < b ? -1 : 1)
        default: return lhs.rank < rhs.rank ? -1 : 1
        }
    }
}

/// A path from the root of an object to one of its fields.
public typealias FieldPath = [PathElement]

extension Array where Element == PathElement {
    /// The path as upstream prints it in conflicts: `.spec.containers[name="nginx"].image`.
    public var pathDescription: String { map(\.pathDescription).joined() }
}

extension JSONValue {
    /// A total order over values: numbers, then strings, booleans, arrays, objects and `null`.
    static func orderCompare(_ lhs: JSONValue, _ rhs: JSONValue) -> Int {
        func number(_ v: JSONValue) -> Double? {
            switch v {
            case .int(let i): return Double(i)
            case .double(let d): return d
            default: return nil
            }
        }
        func rank(_ v: JSONValue) -> Int {
            switch v {
            case .int, .double: return 0
            case .string: return 1
            case .bool: return 2
            case .array: return 3
            case .object: return 4
            case .null: return 5
            }
        }
        switch (lhs, rhs) {
        case (.int(let a), .int(let b)): return a == b ? 0 : (a < b ? -1 : 1)
        case (.string(let a), .string(let b)): return a == b ? 0 : (a < b ? -1 : 1)
        case (.bool(let a), .bool(let b)): return a == b ? 0 : (!a ? -1 : 1)
        case (.null, .null): return 0
        case (.array(let a), .array(let b)):
            for (x, y) in zip(a, b) {
                let c = orderCompare(x, y)
                if c != 0 { return c }
            }
            return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
        case (.object(let a), .object(let b)):
            let ak = a.keys.sorted(), bk = b.keys.sorted()
            for (x, y) in zip(ak, bk) {
                if x != y { return x < y ? -1 : 1 }
                let c = orderCompare(a[x]!, b[y]!)
                if c != 0 { return c }
            }
            return ak.count == bk.count ? 0 : (ak.count < bk.count ? -1 : 1)
        default:
            if let a = number(lhs), let b = number(rhs) { return a == b ? 0 : (a < b ? -1 : 1) }
            return rank(lhs) < rank(rhs) ? -1 : 1
        }
    }
}
