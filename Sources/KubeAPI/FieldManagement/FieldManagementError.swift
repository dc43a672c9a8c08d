/// Why a field set, a `managedFields` list or an applied configuration was refused.
public enum FieldManagementError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A `fieldsV1` document is not a well-formed field set; `path` is where in it.
    case malformedFieldsV1(path: String, reason: String)
    /// A `managedFields` entry is invalid: `field` is the JSON path (`metadata.managedFields[0].operation`).
    case invalidEntry(field: String, value: JSONValue, reason: String)

    public var description: String {
        switch self {
        case .malformedFieldsV1(let path, let reason):
            return path.isEmpty ? "invalid fieldsV1: \(reason)" : "invalid fieldsV1 at \(path): \(reason)"
        case .invalidEntry(let field, let value, let reason):
            return "\(field): Invalid value: \(PathElement.text(value)): \(reason)"
        }
    }
}
