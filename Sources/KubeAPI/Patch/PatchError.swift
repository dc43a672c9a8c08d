/// Why a patch could not be parsed or applied.
///
/// Every patch entry point in this module throws only this type. A failed apply never
/// changes the document it was given; the caller keeps the original.
public enum PatchError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The patch document itself is malformed (wrong JSON type, missing or invalid member).
    case malformedPatch(String)
    /// A JSON Pointer string is not valid RFC 6901 syntax.
    case invalidPointer(pointer: String, reason: String)
    /// A JSON Patch operation could not be applied. `index` is the zero-based position of the
    /// operation in the patch array, `op` its name.
    case operationFailed(index: Int, op: String, reason: String)
    /// A JSON Patch `test` operation found a different value (or nothing) at `path`.
    case testFailed(index: Int, path: String)
    /// A strategic merge patch is invalid at `path` (a JSON Pointer-like location; list
    /// elements merged by key appear as `[key=value]`).
    case invalidStrategicPatch(path: String, reason: String)
    /// The patch value at `path` has a JSON type that the schema does not allow there.
    case typeMismatch(path: String, expected: String, found: String)
    /// The document being patched is not usable (for example not an object).
    case invalidDocument(String)
    /// The merge schema has no definition with this name.
    case unknownDefinition(String)
    /// The merge schema has no root definition for this kind.
    case unknownKind(GroupVersionKind)

    /// A one-line, human-readable explanation.
    public var description: String {
        switch self {
        case .malformedPatch(let reason):
            return "malformed patch: \(reason)"
        case .invalidPointer(let pointer, let reason):
            return "invalid JSON pointer \"\(pointer)\": \(reason)"
        case .operationFailed(let index, let op, let reason):
            return "op \(index) (\(op)): \(reason)"
        case .testFailed(let index, let path):
            return "op \(index) (test): test failed at \(path.isEmpty ? "the document root" : path)"
        case .invalidStrategicPatch(let path, let reason):
            return "invalid strategic merge patch at \(path.isEmpty ? "/" : path): \(reason)"
        case .typeMismatch(let path, let expected, let found):
            return "type mismatch at \(path.isEmpty ? "/" : path): expected \(expected), got \(found)"
        case .invalidDocument(let reason):
            return "cannot patch document: \(reason)"
        case .unknownDefinition(let name):
            return "no merge schema for definition \(name)"
        case .unknownKind(let gvk):
            return "no merge schema for kind \(gvk)"
        }
    }
}
