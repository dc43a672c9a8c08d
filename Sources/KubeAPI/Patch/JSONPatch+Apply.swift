extension JSONPatch {
    /// Applies every operation in order and returns the patched document.
    ///
    /// Application is atomic: when any operation fails the error is thrown and no partial
    /// result escapes; `document` itself is a value and is never modified.
    ///
    /// - Throws: `PatchError.operationFailed` (missing path, bad index, move into own child, ...)
    ///   or `PatchError.testFailed`, both carrying the zero-based operation index.
    public func apply(to document: JSONValue) throws(PatchError) -> JSONValue {
        var result = document
        for (index, operation) in operations.enumerated() {
            do {
                try Self.perform(operation, on: &result)
            } catch let failure {
                if failure.isTestFailure {
                    throw .testFailed(index: index, path: operation.path.description)
                }
                throw .operationFailed(index: index, op: operation.name, reason: failure.reason)
            }
        }
        return result
    }

    /// Parses `patch` as a JSON Patch document and applies it to `document`.
    public static func apply(_ patch: JSONValue, to document: JSONValue) throws(PatchError) -> JSONValue {
        try JSONPatch(patch).apply(to: document)
    }

    /// Why one operation failed, before the operation index is attached.
    struct Failure: Error {
        var reason: String
        var isTestFailure = false
    }

    private static func perform(_ operation: Operation, on document: inout JSONValue) throws(Failure) {
        switch operation {
        case .add(let path, let value):
            try add(value, at: path, in: &document)
        case .remove(let path):
            _ = try remove(at: path, in: &document)
        case .replace(let path, let value):
            try replace(at: path, with: value, in: &document)
        case .move(let from, let path):
            if from == path {
                guard from.resolve(in: document) != nil else {
                    throw Failure(reason: "from \(from) does not exist")
                }
                return
            }
            if from.isProperPrefix(of: path) {
                throw Failure(reason: "cannot move \(from.isRoot ? "the document root" : from.description) into its own child \(path)")
            }
            guard from.resolve(in: document) != nil else {
                throw Failure(reason: "from \(from) does not exist")
            }
            let value = try remove(at: from, in: &document)
            try add(value, at: path, in: &document)
        case .copy(let from, let path):
            guard let value = from.resolve(in: document) else {
                throw Failure(reason: "from \(from) does not exist")
            }
            try add(value, at: path, in: &document)
        case .test(let path, let value):
            guard let actual = path.resolve(in: document), actual == value else {
                throw Failure(reason: "test failed at \(path)", isTestFailure: true)
            }
        }
    }

    private static func add(_ value: JSONValue, at path: JSONPointer, in document: inout JSONValue) throws(Failure) {
        if path.isRoot {
            document = value
            return
        }
        try withParent(of: path, in: &document) { (parent: inout JSONValue, token: String) throws(Failure) in
            switch parent {
            case .object(var members):
                parent = .null
                members[token] = value
                parent = .object(members)
            case .array(var items):
                switch JSONPointer.arrayIndex(token) {
                case .end?:
                    parent = .null
                    items.append(value)
                    parent = .array(items)
                case .index(let i)? where i <= items.count:
                    parent = .null
                    items.insert(value, at: i)
                    parent = .array(items)
                case .index(let i)?:
                    throw Failure(reason: "path \(path): index \(i) is out of bounds (array has \(items.count) elements)")
                case nil:
                    throw Failure(reason: "path \(path): \"\(token)\" is not a valid array index")
                }
            default:
                throw Failure(reason: "path \(path): parent \(JSONPointer(tokens: Array(path.tokens.dropLast())).rootAware) is \(PatchText.typeName(parent)), not an object or array")
            }
        }
    }

    private static func remove(at path: JSONPointer, in document: inout JSONValue) throws(Failure) -> JSONValue {
        if path.isRoot {
            throw Failure(reason: "cannot remove the whole document")
        }
        var removed = JSONValue.null
        try withParent(of: path, in: &document) { (parent: inout JSONValue, token: String) throws(Failure) in
            switch parent {
            case .object(var members):
                guard members[token] != nil else { throw Failure(reason: "path \(path) does not exist") }
                parent = .null
                removed = members.removeValue(forKey: token) ?? .null
                parent = .object(members)
            case .array(var items):
                let i = try existingIndex(token, count: items.count, path: path)
                parent = .null
                removed = items.remove(at: i)
                parent = .array(items)
            default:
                throw Failure(reason: "path \(path) does not exist")
            }
        }
        return removed
    }

    private static func replace(at path: JSONPointer, with value: JSONValue, in document: inout JSONValue) throws(Failure) {
        if path.isRoot {
            document = value
            return
        }
        try withParent(of: path, in: &document) { (parent: inout JSONValue, token: String) throws(Failure) in
            switch parent {
            case .object(var members):
                guard members[token] != nil else { throw Failure(reason: "path \(path) does not exist") }
                parent = .null
                members[token] = value
                parent = .object(members)
            case .array(var items):
                let i = try existingIndex(token, count: items.count, path: path)
                parent = .null
                items[i] = value
                parent = .array(items)
            default:
                throw Failure(reason: "path \(path) does not exist")
            }
        }
    }

    /// The index an array token names, which must be an existing element.
    private static func existingIndex(_ token: String, count: Int, path: JSONPointer) throws(Failure) -> Int {
        switch JSONPointer.arrayIndex(token) {
        case .index(let i)? where i < count:
            return i
        case .index(let i)?:
            throw Failure(reason: "path \(path): index \(i) is out of bounds (array has \(count) elements)")
        case .end?:
            throw Failure(reason: "path \(path): \"-\" does not name an existing element")
        case nil:
            throw Failure(reason: "path \(path): \"\(token)\" is not a valid array index")
        }
    }

    /// Walks to the container holding the last token of `path` and runs `body` on it in place.
    private static func withParent(
        of path: JSONPointer,
        in document: inout JSONValue,
        _ body: (inout JSONValue, String) throws(Failure) -> Void
    ) throws(Failure) {
        try descend(path.tokens[...], in: &document, path: path, body)
    }

    private static func descend(
        _ tokens: ArraySlice<String>,
        in node: inout JSONValue,
        path: JSONPointer,
        _ body: (inout JSONValue, String) throws(Failure) -> Void
    ) throws(Failure) {
        guard let token = tokens.first else { return }
        let rest = tokens.dropFirst()
        if rest.isEmpty {
            try body(&node, token)
            return
        }
        switch node {
        case .object(var members):
            guard var child = members[token] else {
                throw missingPrefix(of: path, remaining: tokens.count)
            }
            node = .null
            members[token] = .null
            do {
                try descend(rest, in: &child, path: path, body)
            } catch {
                members[token] = child
                node = .object(members)
                throw error
            }
            members[token] = child
            node = .object(members)
        case .array(var items):
            guard case .index(let i)? = JSONPointer.arrayIndex(token), i < items.count else {
                throw missingPrefix(of: path, remaining: tokens.count)
            }
            var child = items[i]
            node = .null
            items[i] = .null
            do {
                try descend(rest, in: &child, path: path, body)
            } catch {
                items[i] = child
                node = .array(items)
                throw error
            }
            items[i] = child
            node = .array(items)
        default:
            throw missingPrefix(of: path, remaining: tokens.count)
        }
    }
}

extension JSONPatch {
    /// The failure for a walk that stopped with `remaining` tokens left (the first of them missing).
    fileprivate static func missingPrefix(of path: JSONPointer, remaining: Int) -> Failure {
        let prefix = JSONPointer(tokens: Array(path.tokens.dropLast(remaining - 1)))
        return Failure(reason: "path \(path) does not exist (no value at \(prefix))")
    }
}

extension JSONPointer {
    /// The text form, or `the document root` for the empty pointer (for messages).
    var rootAware: String { isRoot ? "the document root" : description }
}
