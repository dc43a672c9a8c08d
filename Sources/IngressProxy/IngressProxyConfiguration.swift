import NIOCore

/// How the built-in ingress proxy listens and forwards.
public struct IngressProxyConfiguration: Sendable {
    /// One listening socket.
    public struct Listener: Sendable, Hashable {
        /// The address to bind (`0.0.0.0`, `::`, `127.0.0.1`).
        public var host: String
        /// The port (0: any free port, for tests).
        public var port: Int
        /// Whether connections start with TLS (certificates by SNI, HTTP/2 or HTTP/1.1 by ALPN).
        public var tls: Bool

        /// Creates a listener.
        public init(host: String, port: Int, tls: Bool) {
            self.host = host
            self.port = port
            self.tls = tls
        }
    }

    /// The sockets to listen on. Default: ports 80 (HTTP) and 443 (TLS) on every IPv4 and
    /// IPv6 address of the node (an IPv6 socket only takes IPv6; a host without IPv6 skips it).
    public var listeners: [Listener]
    /// Which Ingresses are served and the IngressClass the proxy owns.
    public var classPolicy: IngressClassPolicy
    /// Idle keep-alive connections kept per endpoint and event loop; more are closed.
    public var maxIdleConnectionsPerEndpoint: Int
    /// Connection attempts per request: a refused or timed-out connect moves to the next
    /// endpoint (round robin), up to this many tries in all, before a 502.
    public var connectAttempts: Int
    /// How long one connect to an endpoint may take.
    public var connectTimeout: TimeAmount
    /// The common name of the self-signed certificate served for unknown server names.
    public var defaultCertificateName: String
    /// How long an HTTP/1.1 client connection may sit between requests before the proxy closes
    /// it (a request or answer in progress, and an upgraded connection, are never cut).
    public var clientIdleTimeout: TimeAmount

    /// Creates a configuration.
    public init(
        listeners: [Listener] = Self.nodeListeners(httpPort: 80, httpsPort: 443),
        classPolicy: IngressClassPolicy = IngressClassPolicy(),
        maxIdleConnectionsPerEndpoint: Int = 32,
        connectAttempts: Int = 3,
        connectTimeout: TimeAmount = .seconds(3),
        defaultCertificateName: String = "k3s-ingress-default",
        clientIdleTimeout: TimeAmount = .seconds(180)
    ) {
        self.listeners = listeners
        self.classPolicy = classPolicy
        self.maxIdleConnectionsPerEndpoint = maxIdleConnectionsPerEndpoint
        self.connectAttempts = connectAttempts
        self.connectTimeout = connectTimeout
        self.defaultCertificateName = defaultCertificateName
        self.clientIdleTimeout = clientIdleTimeout
    }

    /// HTTP and TLS listeners on every address of both families.
    public static func nodeListeners(httpPort: Int, httpsPort: Int) -> [Listener] {
        [
            Listener(host: "0.0.0.0", port: httpPort, tls: false), Listener(host: "::", port: httpPort, tls: false),
            Listener(host: "0.0.0.0", port: httpsPort, tls: true), Listener(host: "::", port: httpsPort, tls: true),
        ]
    }
}
