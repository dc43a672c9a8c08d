import HTTPTypes

/// One HTTP request as the API server's handlers see it: method, path, query, headers, the
/// whole body (the transport enforces the size limit), and who sent it.
///
/// The transport fills `clientCertificate` from a verified TLS client certificate; the
/// authentication step fills `user`.
public struct APIRequest: Sendable {
    /// The HTTP method.
    public var method: HTTPRequest.Method
    /// The percent-decoded path, without the query (`/api/v1/namespaces/default/pods`).
    public var path: String
    /// The query parameters in order, percent-decoded (a name may repeat).
    public var query: [(name: String, value: String)]
    /// The request headers.
    public var headers: HTTPFields
    /// The request body.
    public var body: [UInt8]
    /// The verified client certificate, when the client presented one.
    public var clientCertificate: ClientCertificate?
    /// The authenticated user, once authentication has run.
    public var user: UserInfo?
    /// The client's address, for logs and audit (`127.0.0.1:53211`).
    public var remoteAddress: String?

    /// Creates a request.
    public init(
        method: HTTPRequest.Method,
        path: String,
        query: [(name: String, value: String)] = [],
        headers: HTTPFields = [:],
        body: [UInt8] = [],
        clientCertificate: ClientCertificate? = nil,
        user: UserInfo? = nil,
        remoteAddress: String? = nil
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.clientCertificate = clientCertificate
        self.user = user
        self.remoteAddress = remoteAddress
    }

    /// The last value of a query parameter, or `nil` if absent.
    public func queryValue(_ name: String) -> String? {
        query.last(where: { $0.name == name })?.value
    }
}

/// The identity a verified TLS client certificate carries: Kubernetes takes the user name from
/// the subject's common name and the groups from its organizations.
public struct ClientCertificate: Sendable, Hashable {
    /// The subject common name (CN).
    public var commonName: String
    /// The subject organizations (O), in order.
    public var organizations: [String]

    /// Creates a certificate identity.
    public init(commonName: String, organizations: [String]) {
        self.commonName = commonName
        self.organizations = organizations
    }
}
