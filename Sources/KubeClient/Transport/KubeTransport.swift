/// One request to an API server: method, absolute path, query, headers and body.
public struct KubeRequest: Sendable {
    /// The HTTP methods the Kubernetes API uses.
    public enum Method: String, Sendable, Hashable {
        case get = "GET", post = "POST", put = "PUT", patch = "PATCH", delete = "DELETE"

        /// Whether repeating the request cannot change the outcome (safe to retry).
        public var isIdempotent: Bool { self == .get || self == .put || self == .delete }
    }

    /// The method.
    public var method: Method
    /// The path without query, such as `/api/v1/namespaces/default/pods/web-0`.
    public var path: String
    /// Query parameters in order (not percent-encoded; transports encode them).
    public var query: [(name: String, value: String)]
    /// Request headers (`Content-Type`, `Accept`, ...).
    public var headers: [(name: String, value: String)]
    /// The body.
    public var body: [UInt8]

    /// Creates a request.
    public init(
        method: Method, path: String, query: [(name: String, value: String)] = [],
        headers: [(name: String, value: String)] = [], body: [UInt8] = []
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }

    /// The first value of header `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// A complete response: status code, headers and body.
public struct KubeResponse: Sendable {
    /// The HTTP status code.
    public var status: Int
    /// The response headers.
    public var headers: [(name: String, value: String)]
    /// The body.
    public var body: [UInt8]

    /// Creates a response.
    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first value of header `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// A response whose body arrives in chunks (a watch).
public struct KubeStreamResponse: Sendable {
    /// The HTTP status code.
    public var status: Int
    /// The response headers.
    public var headers: [(name: String, value: String)]
    /// The body's chunks as they arrive; finishes when the server ends the response and throws
    /// when the connection fails. Cancelling the iterating task closes the stream.
    public var body: AsyncThrowingStream<[UInt8], any Error>

    /// Creates a streaming response.
    public init(status: Int, headers: [(name: String, value: String)] = [], body: AsyncThrowingStream<[UInt8], any Error>) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// Carries requests to an API server.
///
/// HTTP error statuses are returned as responses (the client turns them into `StatusError`s);
/// only a failure to exchange the request at all (connection refused, TLS failure, reset)
/// throws.
public protocol KubeTransport: Sendable {
    /// Sends `request` and returns the whole response.
    func send(_ request: KubeRequest) async throws -> KubeResponse
    /// Sends `request` and returns as soon as the response head arrives; the body streams.
    func stream(_ request: KubeRequest) async throws -> KubeStreamResponse
}
