/// One validation failure of one field, as reported in an `Invalid` status
/// (`spec.replicas: Invalid value: -1: must be greater than or equal to 0`).
public struct FieldError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The class of failure; the raw value is the wire `reason` of a status cause.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// A required value is missing.
        case required = "FieldValueRequired"
        /// The value is malformed or out of range.
        case invalid = "FieldValueInvalid"
        /// The value is not one of an enumerated set.
        case notSupported = "FieldValueNotSupported"
        /// The value must be unique but is repeated.
        case duplicate = "FieldValueDuplicate"
        /// The field may not be set (or changed) in this context.
        case forbidden = "FieldValueForbidden"
        /// The value is longer than allowed.
        case tooLong = "FieldValueTooLong"
        /// A list has more items than allowed.
        case tooMany = "FieldValueTooMany"
        /// A referenced value does not exist.
        case notFound = "FieldValueNotFound"
        /// The value has the wrong JSON type.
        case typeInvalid = "FieldValueTypeInvalid"
        /// Validation itself failed.
        case `internal` = "InternalError"

        /// The phrase that starts the message (`Required value`, `Invalid value`, ...).
        public var phrase: String {
            switch self {
            case .required: return "Required value"
            case .invalid, .typeInvalid: return "Invalid value"
            case .notSupported: return "Unsupported value"
            case .duplicate: return "Duplicate value"
            case .forbidden: return "Forbidden"
            case .tooLong: return "Too long"
            case .tooMany: return "Too many"
            case .notFound: return "Not found"
            case .internal: return "Internal error"
            }
        }

        /// Whether the message leaves out the offending value.
        var omitsValue: Bool {
            switch self {
            case .required, .forbidden, .tooLong, .internal: return true
            default: return false
            }
        }
    }

    /// The class of failure.
    public var kind: Kind
    /// The field path, such as `spec.containers[0].image` or `metadata.labels[app]`.
    public var field: String
    /// The offending value, when it is part of the message.
    public var badValue: JSONValue?
    /// Extra explanation appended to the message; may be empty.
    public var detail: String

    /// Creates a field error.
    public init(kind: Kind, field: String, badValue: JSONValue? = nil, detail: String = "") {
        self.kind = kind
        self.field = field
        self.badValue = badValue
        self.detail = detail
    }

    /// A required field is missing.
    public static func required(_ field: String, detail: String = "") -> FieldError {
        FieldError(kind: .required, field: field, detail: detail)
    }

    /// A value is malformed or out of range.
    public static func invalid(_ field: String, value: JSONValue, detail: String = "") -> FieldError {
        FieldError(kind: .invalid, field: field, badValue: value, detail: detail)
    }

    /// A value is not one of the supported ones.
    public static func notSupported(_ field: String, value: JSONValue, supported: [String]) -> FieldError {
        let detail = supported.isEmpty ? "" : "supported values: " + supported.map(StatusError.quoted).joined(separator: ", ")
        return FieldError(kind: .notSupported, field: field, badValue: value, detail: detail)
    }

    /// A value appears twice where it must be unique.
    public static func duplicate(_ field: String, value: JSONValue) -> FieldError {
        FieldError(kind: .duplicate, field: field, badValue: value)
    }

    /// A field may not be set (or changed) here.
    public static func forbidden(_ field: String, detail: String) -> FieldError {
        FieldError(kind: .forbidden, field: field, detail: detail)
    }

    /// A value is longer than allowed.
    public static func tooLong(_ field: String, maximumLength: Int) -> FieldError {
        FieldError(kind: .tooLong, field: field, detail: "must have at most \(maximumLength) bytes")
    }

    /// A list has more items than allowed.
    public static func tooMany(_ field: String, count: Int, maximum: Int) -> FieldError {
        FieldError(kind: .tooMany, field: field, badValue: .int(Int64(count)), detail: "must have at most \(maximum) items")
    }

    /// A referenced value does not exist.
    public static func notFound(_ field: String, value: JSONValue) -> FieldError {
        FieldError(kind: .notFound, field: field, badValue: value)
    }

    /// Validation itself failed.
    public static func `internal`(_ field: String, detail: String) -> FieldError {
        FieldError(kind: .internal, field: field, detail: detail)
    }

    /// The message without the field path: phrase, value (quoted when a string) and detail,
    /// such as `Invalid value: "x": must be a number`.
    public var body: String {
        var text = kind.phrase
        if !kind.omitsValue, let badValue {
            text += ": " + Self.render(badValue)
        }
        if !detail.isEmpty { text += ": " + detail }
        return text
    }

    /// `field: body`.
    public var description: String { "\(field): \(body)" }

    static func render(_ value: JSONValue) -> String {
        switch value {
        case .string(let s): return StatusError.quoted(s)
        case .null: return "null"
        default: return value.serializedString(escapingHTML: false)
        }
    }
}
