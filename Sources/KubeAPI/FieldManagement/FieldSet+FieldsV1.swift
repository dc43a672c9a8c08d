import OrderedCollections

extension PathElement {
    /// The `fieldsV1` member name of the element: `f:name`, `k:{...}`, `v:...`, `i:N`.
    public var fieldsV1Key: String {
        switch self {
        case .field(let name): return "f:" + name
        case .key(let fields):
            var object = OrderedDictionary<String, JSONValue>()
            for field in fields { object[field.name] = field.value }
            return "k:" + Self.text(.object(object))
        case .value(let value): return "v:" + Self.text(value)
        case .index(let index): return "i:\(index)"
        }
    }

    /// Parses a `fieldsV1` member name.
    ///
    /// - Throws: ``FieldManagementError/malformedFieldsV1(path:reason:)`` for an unknown prefix
    ///   or a key, value or index that does not parse.
    public init(fieldsV1Key text: String) throws(FieldManagementError) {
        func fail(_ reason: String) -> FieldManagementError { .malformedFieldsV1(path: "", reason: "\(reason) in \(PathElement.text(.string(text)))") }
        guard text.utf8.count >= 2, text.utf8.dropFirst().first == UInt8(ascii: ":") else {
            throw fail("unrecognized path element")
        }
        let body = String(text.dropFirst(2))
        switch text.first {
        case "f":
            self = .field(body)
        case "k":
            guard let parsed = try? JSONValue(parsing: body), let members = parsed.objectValue, !members.isEmpty else {
                throw fail("a key must be a non-empty JSON object")
            }
            for (_, value) in members {
                switch value {
                case .array, .object: throw fail("key values must be scalars")
                default: break
                }
            }
            self = .key(members.map { KeyField(name: $0.key, value: $0.value) }.sorted { $0.name < $1.name })
        case "v":
            guard let parsed = try? JSONValue(parsing: body) else { throw fail("a value must be JSON") }
            self = .value(parsed)
        case "i":
            guard let index = Int(body), index >= 0 else { throw fail("an index must be a non-negative integer") }
            self = .index(index)
        default:
            throw fail("unrecognized path element")
        }
    }
}

extension FieldSet {
    /// The set in the `fieldsV1` format: one JSON member per element, `{}` for a leaf,
    /// `"."` for a member that also has children; members sorted like upstream.
    public var fieldsV1: JSONValue { .object(fieldsV1Members(includeSelf: false)) }

    private func fieldsV1Members(includeSelf: Bool) -> OrderedDictionary<String, JSONValue> {
        var out = OrderedDictionary<String, JSONValue>()
        if includeSelf { out["."] = .object([:]) }
        let elements = Set(members).union(children.keys).sorted()
        for element in elements {
            if let child = children[element] {
                out[element.fieldsV1Key] = .object(child.fieldsV1Members(includeSelf: members.contains(element)))
            } else {
                out[element.fieldsV1Key] = .object([:])
            }
        }
        return out
    }

    /// Reads a `fieldsV1` document.
    ///
    /// - Throws: ``FieldManagementError/malformedFieldsV1(path:reason:)`` when the document is
    ///   not an object of objects or a member name does not parse.
    public init(fieldsV1 document: JSONValue) throws(FieldManagementError) {
        self.init()
        guard let object = document.objectValue else {
            throw .malformedFieldsV1(path: "", reason: "expected an object")
        }
        try read(object, path: [])
    }

    private mutating func read(_ object: OrderedDictionary<String, JSONValue>, path: FieldPath) throws(FieldManagementError) {
        for (name, value) in object {
            if name == "." {
                guard value.objectValue?.isEmpty == true else {
                    throw .malformedFieldsV1(path: path.pathDescription, reason: "\".\" must map to {}")
                }
                continue
            }
            let element: PathElement
            do {
                element = try PathElement(fieldsV1Key: name)
            } catch {
                if case .malformedFieldsV1(_, let reason) = error { throw .malformedFieldsV1(path: path.pathDescription, reason: reason) }
                throw error
            }
            guard let inner = value.objectValue else {
                throw .malformedFieldsV1(path: (path + [element]).pathDescription, reason: "expected an object")
            }
            if inner.isEmpty || inner["."] != nil { insert(path + [element]) }
            try read(inner, path: path + [element])
        }
    }
}
