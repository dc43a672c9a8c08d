/// The machine-readable reason of a failed API request (the `reason` field of a `Status`).
public enum StatusReason: String, Sendable, Hashable, Codable, CaseIterable {
    /// No reason given, or one this library does not know.
    case unknown = ""
    /// 401: the request lacks valid credentials.
    case unauthorized = "Unauthorized"
    /// 403: the authenticated user may not perform the action.
    case forbidden = "Forbidden"
    /// 404: the object or resource does not exist.
    case notFound = "NotFound"
    /// 409: an object with that name already exists.
    case alreadyExists = "AlreadyExists"
    /// 409: the write conflicts with the stored state (usually a stale resourceVersion).
    case conflict = "Conflict"
    /// 410: the resource is gone.
    case gone = "Gone"
    /// 422: the object failed validation; `details.causes` lists the fields.
    case invalid = "Invalid"
    /// 500: the server could not finish in time; the client may retry.
    case serverTimeout = "ServerTimeout"
    /// 500: the stored data could not be read.
    case storeReadError = "StorageReadError"
    /// 504: the request timed out; it may still complete.
    case timeout = "Timeout"
    /// 429: the client must slow down; see `details.retryAfterSeconds`.
    case tooManyRequests = "TooManyRequests"
    /// 400: the request is malformed.
    case badRequest = "BadRequest"
    /// 405: the verb is not supported on the resource.
    case methodNotAllowed = "MethodNotAllowed"
    /// 406: none of the accepted media types can be produced.
    case notAcceptable = "NotAcceptable"
    /// 413: the request body is too large.
    case requestEntityTooLarge = "RequestEntityTooLarge"
    /// 415: the request body's media type is not supported.
    case unsupportedMediaType = "UnsupportedMediaType"
    /// 500: an unexpected server error.
    case internalError = "InternalError"
    /// 410: the requested resourceVersion is too old (compacted).
    case expired = "Expired"
    /// 503: the server is temporarily unable to serve the request.
    case serviceUnavailable = "ServiceUnavailable"
}
