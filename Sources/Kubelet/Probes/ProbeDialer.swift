import KubeAPI

/// The network side of HTTP, TCP and gRPC probes and of `httpGet` lifecycle hooks: one request or
/// connection attempt, from the node's network namespace to an address routable from there (a pod
/// IP behind the CNI bridge). The kubelet injects `NIOProbeDialer`; tests inject scripted ones.
///
/// Each method throws `ProbeDialError` with a message in the shape Go's network errors have
/// (`dial tcp 10.42.0.7:8080: connect: connection refused`), which the prober prefixes the way
/// upstream does.
public protocol ProbeDialer: Sendable {
    /// Sends one HTTP/1.1 `GET` (TLS without certificate verification for `https`) and returns
    /// the response head and the start of its body. Redirects are not followed here.
    func httpGet(_ request: HTTPProbeRequest, timeout: Duration) async throws -> HTTPProbeResponse

    /// Opens a TCP connection and closes it again.
    func tcpConnect(host: String, port: Int, timeout: Duration) async throws

    /// Calls `grpc.health.v1.Health/Check` for `service` (empty: the whole server) over h2c.
    func grpcHealthCheck(host: String, port: Int, service: String, timeout: Duration) async throws -> GRPCHealthAnswer
}

/// One HTTP probe request.
public struct HTTPProbeRequest: Sendable, Hashable {
    /// `http` or `https`.
    public var scheme: String
    /// The host to connect to (an IP address or name).
    public var host: String
    /// The port.
    public var port: Int
    /// The path with its query, starting with `/`.
    public var path: String
    /// Headers in order; a `Host` header replaces the default one.
    public var headers: [CoreV1.HTTPHeader]

    /// Creates a request.
    public init(scheme: String = "http", host: String, port: Int, path: String = "/", headers: [CoreV1.HTTPHeader] = []) {
        self.scheme = scheme
        self.host = host
        self.port = port
        self.path = path
        self.headers = headers
    }

    /// The request as a URL (`http://10.42.0.7:8080/healthz`), IPv6 hosts in brackets.
    public var url: String {
        let hostPart = host.contains(":") ? "[\(host)]" : host
        return "\(scheme)://\(hostPart):\(port)\(path)"
    }
}

/// The answer to an HTTP probe request.
public struct HTTPProbeResponse: Sendable, Hashable {
    /// The status code.
    public var statusCode: Int
    /// The `Location` header, if any.
    public var location: String?
    /// The start of the body (at most 10 KiB).
    public var body: [UInt8]

    /// Creates a response.
    public init(statusCode: Int, location: String? = nil, body: [UInt8] = []) {
        self.statusCode = statusCode
        self.location = location
        self.body = body
    }
}

/// The answer to a gRPC health check.
public struct GRPCHealthAnswer: Sendable, Hashable {
    /// The `grpc-status` trailer (0 is OK, 4 DEADLINE_EXCEEDED, 12 UNIMPLEMENTED, ...).
    public var grpcStatus: Int
    /// The `grpc-message` trailer.
    public var grpcMessage: String
    /// The `HealthCheckResponse.status` when the call succeeded (0 UNKNOWN, 1 SERVING,
    /// 2 NOT_SERVING, 3 SERVICE_UNKNOWN).
    public var servingStatus: Int?

    /// Creates an answer.
    public init(grpcStatus: Int = 0, grpcMessage: String = "", servingStatus: Int? = nil) {
        self.grpcStatus = grpcStatus
        self.grpcMessage = grpcMessage
        self.servingStatus = servingStatus
    }

    /// The protocol's name of a serving status.
    public static func servingStatusName(_ value: Int) -> String {
        switch value {
        case 0: "UNKNOWN"
        case 1: "SERVING"
        case 2: "NOT_SERVING"
        case 3: "SERVICE_UNKNOWN"
        default: "\(value)"
        }
    }
}

/// A failed probe connection or request.
public struct ProbeDialError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: Sendable, Hashable {
        /// The connection could not be made (refused, unreachable).
        case connect
        /// The timeout passed first.
        case timeout
        /// The peer broke the protocol or the connection.
        case other
    }

    /// What went wrong.
    public var kind: Kind
    /// Go-shaped text (`dial tcp 10.42.0.7:80: connect: connection refused`).
    public var message: String

    /// Creates an error.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
