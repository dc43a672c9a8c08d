/// A failed Kubernetes API request, carrying what the server returns as a `Status` object.
///
/// The static constructors produce the API server's message shapes, such as
/// `pods "foo" not found` or `Deployment.apps "web" is invalid: spec.replicas: Required value`.
public struct StatusError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Extra, machine-readable facts about the failure.
    public struct Details: Sendable, Hashable {
        /// The name of the object concerned (or the operation, for server timeouts).
        public var name: String
        /// The API group of the object concerned.
        public var group: String
        /// The resource (or, for `Invalid`, the kind) of the object concerned.
        public var kind: String
        /// The UID of the object concerned.
        public var uid: String
        /// Individual causes, such as the invalid fields.
        public var causes: [Cause]
        /// How long the client should wait before retrying; 0 when not given.
        public var retryAfterSeconds: Int

        /// Creates details; every field is optional.
        public init(
            name: String = "", group: String = "", kind: String = "", uid: String = "",
            causes: [Cause] = [], retryAfterSeconds: Int = 0
        ) {
            self.name = name
            self.group = group
            self.kind = kind
            self.uid = uid
            self.causes = causes
            self.retryAfterSeconds = retryAfterSeconds
        }
    }

    /// One cause of a failure.
    public struct Cause: Sendable, Hashable {
        /// The cause type (wire field `reason`), such as `FieldValueRequired`; may be empty.
        public var reason: String
        /// A human-readable description of the cause.
        public var message: String
        /// The field path concerned; may be empty.
        public var field: String

        /// Creates a cause.
        public init(reason: String = "", message: String = "", field: String = "") {
            self.reason = reason
            self.message = message
            self.field = field
        }
    }

    /// The HTTP status code.
    public var code: Int
    /// The machine-readable reason.
    public var reason: StatusReason
    /// The human-readable message.
    public var message: String
    /// Extra facts, when any.
    public var details: Details?

    /// Creates an error from its parts.
    public init(code: Int, reason: StatusReason, message: String, details: Details? = nil) {
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
    }

    /// The message.
    public var description: String { message }

    /// The message written after an optimistic-concurrency failure.
    public static let optimisticLockMessage =
        "the object has been modified; please apply your changes to the latest version and try again"

    /// 404 `pods "foo" not found` (`deployments.apps "foo" not found` for a named group).
    public static func notFound(_ resource: GroupResource, name: String) -> StatusError {
        StatusError(
            code: 404, reason: .notFound, message: "\(resource) \(quoted(name)) not found",
            details: Details(name: name, group: resource.group, kind: resource.resource))
    }

    /// 409 `pods "foo" already exists`.
    public static func alreadyExists(_ resource: GroupResource, name: String) -> StatusError {
        StatusError(
            code: 409, reason: .alreadyExists, message: "\(resource) \(quoted(name)) already exists",
            details: Details(name: name, group: resource.group, kind: resource.resource))
    }

    /// 409 `Operation cannot be fulfilled on pods "foo": <message>`; the default message is
    /// the optimistic-lock text.
    public static func conflict(_ resource: GroupResource, name: String, message: String = optimisticLockMessage) -> StatusError {
        StatusError(
            code: 409, reason: .conflict,
            message: "Operation cannot be fulfilled on \(resource) \(quoted(name)): \(message)",
            details: Details(name: name, group: resource.group, kind: resource.resource))
    }

    /// 422 `Pod "foo" is invalid: <errors>`: one distinct error is written as is, several as
    /// `[a, b]` (duplicates dropped). Each error becomes a cause.
    public static func invalid(_ kind: GroupKind, name: String, errors: [FieldError]) -> StatusError {
        var seen = Set<String>()
        var messages: [String] = []
        for error in errors where seen.insert(error.description).inserted {
            messages.append(error.description)
        }
        var message = "\(kind) \(quoted(name)) is invalid"
        if messages.count == 1 {
            message += ": " + messages[0]
        } else if messages.count > 1 {
            message += ": [" + messages.joined(separator: ", ") + "]"
        }
        let causes = errors.map { Cause(reason: $0.kind.rawValue, message: $0.body, field: $0.field) }
        return StatusError(
            code: 422, reason: .invalid, message: message,
            details: Details(name: name, group: kind.group, kind: kind.kind, causes: causes))
    }

    /// 400 with the given message.
    public static func badRequest(_ message: String) -> StatusError {
        StatusError(code: 400, reason: .badRequest, message: message)
    }

    /// 410 `Gone` with the given message.
    public static func gone(_ message: String) -> StatusError {
        StatusError(code: 410, reason: .gone, message: message)
    }

    /// 410 `Expired` with the given message.
    public static func expired(_ message: String) -> StatusError {
        StatusError(code: 410, reason: .expired, message: message)
    }

    /// 410 `Expired`: `too old resource version: <requested> (<oldest available>)`.
    public static func tooOldResourceVersion(requested: Int64, oldest: Int64) -> StatusError {
        expired("too old resource version: \(requested) (\(oldest))")
    }

    /// 403: `pods "foo" is forbidden: <reason>`, `pods is forbidden: <reason>` without a name,
    /// `forbidden: <reason>` without a resource.
    public static func forbidden(_ resource: GroupResource, name: String = "", reason: String) -> StatusError {
        let message: String
        if resource.isEmpty {
            message = "forbidden: \(reason)"
        } else if name.isEmpty {
            message = "\(resource) is forbidden: \(reason)"
        } else {
            message = "\(resource) \(quoted(name)) is forbidden: \(reason)"
        }
        return StatusError(
            code: 403, reason: .forbidden, message: message,
            details: Details(name: name, group: resource.group, kind: resource.resource))
    }

    /// The authorization denial text for a resource request:
    /// `User "bob" cannot get resource "pods" in API group "" in the namespace "default"`
    /// (`at the cluster scope` without a namespace; `pods/log` with a subresource), followed by
    /// `: <authorizerReason>` when the authorizer gave one.
    public static func forbiddenReason(
        user: String, verb: String, resource: String, subresource: String = "", group: String,
        namespace: String = "", authorizerReason: String = ""
    ) -> String {
        let target = subresource.isEmpty ? resource : "\(resource)/\(subresource)"
        var text = "User \(quoted(user)) cannot \(verb) resource \(quoted(target)) in API group \(quoted(group)) "
        text += namespace.isEmpty ? "at the cluster scope" : "in the namespace \(quoted(namespace))"
        if !authorizerReason.isEmpty { text += ": " + authorizerReason }
        return text
    }

    /// The authorization denial text for a non-resource request: `User "bob" cannot get path "/healthz"`.
    public static func forbiddenReason(user: String, verb: String, path: String, authorizerReason: String = "") -> String {
        var text = "User \(quoted(user)) cannot \(verb) path \(quoted(path))"
        if !authorizerReason.isEmpty { text += ": " + authorizerReason }
        return text
    }

    /// 401 with the given message, or `not authorized` when it is empty.
    public static func unauthorized(_ message: String = "") -> StatusError {
        StatusError(code: 401, reason: .unauthorized, message: message.isEmpty ? "not authorized" : message)
    }

    /// 405 `<action> is not supported on resources of kind "pods"`.
    public static func methodNotAllowed(_ resource: GroupResource, action: String) -> StatusError {
        StatusError(
            code: 405, reason: .methodNotAllowed,
            message: "\(action) is not supported on resources of kind \(quoted(resource.description))",
            details: Details(group: resource.group, kind: resource.resource))
    }

    /// 406 `only the following media types are accepted: <types>`.
    public static func notAcceptable(acceptedMediaTypes: [String]) -> StatusError {
        StatusError(
            code: 406, reason: .notAcceptable,
            message: "only the following media types are accepted: \(acceptedMediaTypes.joined(separator: ", "))")
    }

    /// 415 `the body of the request was in an unknown format - accepted media types include: <types>`.
    public static func unsupportedMediaType(acceptedMediaTypes: [String]) -> StatusError {
        StatusError(
            code: 415, reason: .unsupportedMediaType,
            message: "the body of the request was in an unknown format - accepted media types include: \(acceptedMediaTypes.joined(separator: ", "))")
    }

    /// 429 with the given message and retry hint.
    public static func tooManyRequests(_ message: String, retryAfterSeconds: Int) -> StatusError {
        StatusError(code: 429, reason: .tooManyRequests, message: message, details: Details(retryAfterSeconds: retryAfterSeconds))
    }

    /// 413 `Request entity too large: <message>`.
    public static func requestEntityTooLarge(_ message: String) -> StatusError {
        StatusError(code: 413, reason: .requestEntityTooLarge, message: "Request entity too large: \(message)")
    }

    /// 500 `Internal error occurred: <message>`, with the message as the single cause.
    public static func internalError(_ message: String) -> StatusError {
        StatusError(
            code: 500, reason: .internalError, message: "Internal error occurred: \(message)",
            details: Details(causes: [Cause(message: message)]))
    }

    /// 504 `Timeout: <message>`.
    public static func timeout(_ message: String, retryAfterSeconds: Int = 0) -> StatusError {
        StatusError(code: 504, reason: .timeout, message: "Timeout: \(message)", details: Details(retryAfterSeconds: retryAfterSeconds))
    }

    /// 500 `ServerTimeout`: `The <operation> operation against <resource> could not be completed at this time, please try again.`
    public static func serverTimeout(_ resource: GroupResource, operation: String, retryAfterSeconds: Int) -> StatusError {
        StatusError(
            code: 500, reason: .serverTimeout,
            message: "The \(operation) operation against \(resource) could not be completed at this time, please try again.",
            details: Details(name: operation, group: resource.group, kind: resource.resource, retryAfterSeconds: retryAfterSeconds))
    }

    /// 503 with the given message.
    public static func serviceUnavailable(_ message: String) -> StatusError {
        StatusError(code: 503, reason: .serviceUnavailable, message: message)
    }

    /// An error for a failed response that carried no `Status` object: the reason follows the
    /// HTTP code and the message is the generic text a Kubernetes client uses for that code
    /// (the server's own text for 403, 406 and 415, where it explains what went wrong).
    public static func unexpectedResponse(code: Int, serverMessage: String = "") -> StatusError {
        let reason: StatusReason
        let message: String
        switch code {
        case 400: (reason, message) = (.badRequest, "the server rejected our request for an unknown reason")
        case 401: (reason, message) = (.unauthorized, "the server has asked for the client to provide credentials")
        case 403: (reason, message) = (.forbidden, serverMessage)
        case 404: (reason, message) = (.notFound, "the server could not find the requested resource")
        case 405: (reason, message) = (.methodNotAllowed, "the server does not allow this method on the requested resource")
        case 406: (reason, message) = (.notAcceptable, serverMessage)
        case 409: (reason, message) = (.conflict, "the server reported a conflict")
        case 415: (reason, message) = (.unsupportedMediaType, serverMessage)
        case 422: (reason, message) = (.invalid, "the server rejected our request due to an error in our request")
        case 429: (reason, message) = (.tooManyRequests, "the server has received too many requests and has asked us to try again later")
        case 503: (reason, message) = (.serviceUnavailable, "the server is currently unable to handle the request")
        case 504: (reason, message) = (.timeout, "the server was unable to return a response in the time allotted, but may still be processing the request")
        case 500...:
            (reason, message) = (.internalError, "an error on the server (\(quoted(serverMessage))) has prevented the request from succeeding")
        default:
            (reason, message) = (.unknown, "the server responded with the status code \(code) but did not return more information")
        }
        let causes = serverMessage.isEmpty ? [] : [Cause(reason: "UnexpectedServerResponse", message: serverMessage)]
        return StatusError(code: code, reason: reason, message: message, details: Details(causes: causes))
    }

    /// A string in double quotes with Go-style escapes for `"`, `\` and control characters.
    static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case "\u{07}": result += "\\a"
            case "\u{08}": result += "\\b"
            case "\u{0C}": result += "\\f"
            case "\u{0B}": result += "\\v"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = String(scalar.value, radix: 16)
                    result += "\\x" + (hex.count == 1 ? "0" + hex : hex)
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }
}
