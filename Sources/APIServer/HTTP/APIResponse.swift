import HTTPTypes

/// An HTTP response from a handler: status, headers and a body that is either complete or a
/// stream of chunks (watches).
public struct APIResponse: Sendable {
    /// The status code.
    public var status: HTTPResponse.Status
    /// The response headers (the transport adds `Content-Length` for complete bodies).
    public var headers: HTTPFields
    /// The body.
    public var body: ResponseBody
    /// What takes over an HTTP/1.1 connection after a `101 Switching Protocols` head (the
    /// proxied `pods/exec`, `attach` and `portforward` streams); `nil` for ordinary responses.
    var upgrade: (any ConnectionUpgrade)?

    /// Creates a response.
    public init(status: HTTPResponse.Status, headers: HTTPFields = [:], body: ResponseBody = .bytes([])) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// A response body.
public enum ResponseBody: Sendable {
    /// A complete body.
    case bytes([UInt8])
    /// A body written chunk by chunk as the stream yields (a watch). The transport flushes each
    /// chunk as it arrives, ends the response when the stream finishes, and stops iterating (which
    /// runs the stream's `onTermination`) when the client goes away.
    case stream(AsyncStream<[UInt8]>)
    /// A watch: the producer pushes lines into an output the transport supplies (see
    /// ``WatchBody``).
    case watch(WatchBody)

    /// A streamed body (``stream(_:)`` or ``watch(_:)``) as a stream of chunks; `nil` for a
    /// complete body. A watch's producer starts on each call: call it once.
    public func chunkStream() -> AsyncStream<[UInt8]>? {
        switch self {
        case .bytes: nil
        case .stream(let stream): stream
        case .watch(let body): body.chunks()
        }
    }
}

/// Something that answers API requests. The transport calls one; handlers compose (authentication
/// wraps authorization wraps routing ...).
public protocol APIHandler: Sendable {
    /// Answers `request`. Never throws: every failure becomes a response (a Kubernetes `Status`).
    func handle(_ request: APIRequest) async -> APIResponse
}
