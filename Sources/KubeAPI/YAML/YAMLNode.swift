import OrderedCollections

/// One node of a YAML document as it was written, before plain scalars are resolved.
///
/// ``YAMLParser/parseNode(_:)`` returns it for readers that need more than the ``JSONValue``:
/// the line of each node and of each mapping key, how a scalar was written (so that `0644`
/// can stay text) and the tag, if any. ``resolved()`` turns it into the value
/// ``YAMLParser/parse(_:)-(String)`` gives.
public struct YAMLNode: Sendable, Hashable {
    /// How a scalar was written.
    public enum ScalarStyle: Sendable, Hashable {
        /// Unquoted (`value`); also an absent value (`key:` with nothing after it).
        case plain
        /// `'value'`.
        case singleQuoted
        /// `"value"`.
        case doubleQuoted
        /// A literal block scalar (`|`).
        case literal
        /// A folded block scalar (`>`).
        case folded
    }

    /// One `key: value` of a mapping.
    public struct Member: Sendable, Hashable {
        /// The key.
        public var key: String
        /// The 1-based line the key is written on.
        public var line: Int
        /// The value.
        public var value: YAMLNode

        /// Creates a member.
        public init(key: String, line: Int, value: YAMLNode) {
            self.key = key
            self.line = line
            self.value = value
        }
    }

    /// What a node holds.
    public enum Content: Sendable, Hashable {
        /// A scalar's text (quotes removed, escapes decoded, lines folded) and its style.
        case scalar(String, ScalarStyle)
        /// A sequence's items, in order.
        case sequence([YAMLNode])
        /// A mapping's members, in the order written; keys are unique.
        case mapping([Member])
    }

    /// What the node holds.
    public var content: Content
    /// The tag written before the node (`!!str`, `!!int`, ...), if any.
    public var tag: String?
    /// The 1-based line the node starts on. Inside a flow collection written over several
    /// lines, the line of the node's first character.
    public var line: Int

    /// Creates a node.
    public init(_ content: Content, tag: String? = nil, line: Int) {
        self.content = content
        self.tag = tag
        self.line = line
    }

    /// The JSON value the node stands for: untagged plain scalars resolved as
    /// ``YAMLParser/resolvePlain(_:)`` does, other scalars as strings, then the tag applied.
    ///
    /// - Throws: ``YAMLParseError`` at the node's line when a value does not match its tag.
    public func resolved() throws(YAMLParseError) -> JSONValue {
        let value: JSONValue
        switch content {
        case .scalar(let text, let style):
            value = style == .plain && tag == nil ? YAMLParser.resolvePlain(text) : .string(text)
        case .sequence(let items):
            var array: [JSONValue] = []
            array.reserveCapacity(items.count)
            for item in items { array.append(try item.resolved()) }
            value = .array(array)
        case .mapping(let members):
            var object = OrderedDictionary<String, JSONValue>(minimumCapacity: members.count)
            for member in members { object[member.key] = try member.value.resolved() }
            value = .object(object)
        }
        guard let tag else { return value }
        return try Self.apply(tag, to: value, line: line)
    }

    private static func apply(_ tag: String, to value: JSONValue, line: Int) throws(YAMLParseError) -> JSONValue {
        let text: String? = value.stringValue
        switch tag {
        case "!!str":
            switch value {
            case .string: return value
            default: return .string(PathElement.text(value))
            }
        case "!!int":
            if let text, case .int(let i) = YAMLParser.resolvePlain(text) { return .int(i) }
            if case .int = value { return value }
        case "!!float":
            if let text, let d = Double(text) { return .double(d) }
            if case .double = value { return value }
            if case .int(let i) = value { return .double(Double(i)) }
        case "!!bool":
            if let text, case .bool(let b) = YAMLParser.resolvePlain(text) { return .bool(b) }
            if case .bool = value { return value }
        case "!!null":
            return .null
        case "!!map":
            if case .object = value { return value }
        case "!!seq":
            if case .array = value { return value }
        default: break
        }
        throw YAMLParseError(line: line, message: "the value does not match its tag \(tag)")
    }
}
