import OrderedCollections

/// A JSON Patch document (RFC 6902): an ordered list of operations applied atomically.
///
/// Parse one from the request body with `init(_:)` and apply it with `apply(to:)`.
public struct JSONPatch: Sendable, Hashable {
    /// One JSON Patch operation.
    public enum Operation: Sendable, Hashable {
        /// Insert `value` at `path` (an object member is set, an array element inserted).
        case add(path: JSONPointer, value: JSONValue)
        /// Remove the value at `path`, which must exist.
        case remove(path: JSONPointer)
        /// Replace the value at `path`, which must exist, with `value`.
        case replace(path: JSONPointer, value: JSONValue)
        /// Remove the value at `from` and add it at `path`.
        case move(from: JSONPointer, path: JSONPointer)
        /// Add a copy of the value at `from` at `path`.
        case copy(from: JSONPointer, path: JSONPointer)
        /// Check that the value at `path` equals `value`.
        case test(path: JSONPointer, value: JSONValue)

        /// The operation's name as written in a patch document (`add`, `remove`, ...).
        public var name: String {
            switch self {
            case .add: "add"
            case .remove: "remove"
            case .replace: "replace"
            case .move: "move"
            case .copy: "copy"
            case .test: "test"
            }
        }

        /// The target location of the operation.
        public var path: JSONPointer {
            switch self {
            case .add(let path, _), .remove(let path), .replace(let path, _),
                .move(_, let path), .copy(_, let path), .test(let path, _):
                path
            }
        }
    }

    /// The operations, applied in order.
    public var operations: [Operation]

    /// Creates a patch from operations.
    public init(operations: [Operation]) {
        self.operations = operations
    }

    /// Parses a patch document: a JSON array of operation objects.
    ///
    /// Each object needs `op` and `path`; `add`, `replace` and `test` need `value` (which may be
    /// `null`); `move` and `copy` need `from`. Other members are ignored.
    ///
    /// - Throws: `PatchError.malformedPatch` naming the offending operation index, or
    ///   `PatchError.invalidPointer` for a bad pointer.
    public init(_ document: JSONValue) throws(PatchError) {
        guard case .array(let items) = document else {
            throw .malformedPatch("a JSON patch must be an array of operations, got \(PatchText.typeName(document))")
        }
        var operations: [Operation] = []
        operations.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            operations.append(try Self.parseOperation(item, index: index))
        }
        self.operations = operations
    }

    /// The patch as a JSON document (an array of operation objects), ready to send.
    public var jsonValue: JSONValue {
        .array(operations.map { operation in
            var members: OrderedDictionary<String, JSONValue> = ["op": .string(operation.name)]
            switch operation {
            case .add(let path, let value), .replace(let path, let value), .test(let path, let value):
                members["path"] = .string(path.description)
                members["value"] = value
            case .remove(let path):
                members["path"] = .string(path.description)
            case .move(let from, let path), .copy(let from, let path):
                members["from"] = .string(from.description)
                members["path"] = .string(path.description)
            }
            return .object(members)
        })
    }

    private static func parseOperation(_ item: JSONValue, index: Int) throws(PatchError) -> Operation {
        guard case .object(let members) = item else {
            throw .malformedPatch("op \(index): an operation must be an object, got \(PatchText.typeName(item))")
        }
        guard let opValue = members["op"] else {
            throw .malformedPatch("op \(index): missing \"op\"")
        }
        guard case .string(let op) = opValue else {
            throw .malformedPatch("op \(index): \"op\" must be a string, got \(PatchText.typeName(opValue))")
        }
        func pointer(_ member: String) throws(PatchError) -> JSONPointer {
            guard let value = members[member] else {
                throw .malformedPatch("op \(index) (\(op)): missing \"\(member)\"")
            }
            guard case .string(let text) = value else {
                throw .malformedPatch("op \(index) (\(op)): \"\(member)\" must be a string, got \(PatchText.typeName(value))")
            }
            do {
                return try JSONPointer(text)
            } catch {
                if case .invalidPointer(_, let reason) = error {
                    throw .malformedPatch("op \(index) (\(op)): \"\(member)\" is not a valid JSON pointer (\(text)): \(reason)")
                }
                throw error
            }
        }
        func value() throws(PatchError) -> JSONValue {
            guard let value = members["value"] else {
                throw .malformedPatch("op \(index) (\(op)): missing \"value\"")
            }
            return value
        }
        switch op {
        case "add": return .add(path: try pointer("path"), value: try value())
        case "remove": return .remove(path: try pointer("path"))
        case "replace": return .replace(path: try pointer("path"), value: try value())
        case "move": return .move(from: try pointer("from"), path: try pointer("path"))
        case "copy": return .copy(from: try pointer("from"), path: try pointer("path"))
        case "test": return .test(path: try pointer("path"), value: try value())
        default:
            throw .malformedPatch("op \(index): unknown operation \"\(op)\" (expected add, remove, replace, move, copy or test)")
        }
    }
}
