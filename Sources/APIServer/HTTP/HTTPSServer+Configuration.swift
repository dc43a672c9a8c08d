extension HTTPSServer {
    /// Where and how an ``HTTPSServer`` listens.
    public struct Configuration: Sendable {
        /// The address to bind (`127.0.0.1`, `0.0.0.0`, `::`).
        public var host: String
        /// The port to bind; 0 picks a free one (read it back from ``HTTPSServer/port``).
        public var port: Int
        /// The serving certificate, its key, and the optional client CA bundle.
        public var tls: TLSCredentials
        /// The largest request body accepted; larger ones get a 413 `Status`. Default 3 MiB.
        public var maxRequestBodySize: Int
        /// The most concurrent HTTP/2 streams one connection may open.
        public var maxConcurrentStreams: Int
        /// How long a connection may sit without an open request before it is closed.
        public var idleTimeout: Duration
        /// How long a client has to finish the TLS handshake.
        public var handshakeTimeout: Duration
        /// How long in-flight requests may run on after ``HTTPSServer/shutdown()`` before they
        /// are cancelled and their connections closed.
        public var shutdownGracePeriod: Duration
        /// The listen backlog.
        public var backlog: Int
        /// How many bytes of watch events one watch may have queued and not yet written to its
        /// client (beyond its initial state) before its response is cut off. Default 8 MiB.
        public var maxWatchBacklogBytes: Int

        /// Creates a configuration; everything but the address and credentials has a default.
        public init(
            host: String = "127.0.0.1",
            port: Int = 6443,
            tls: TLSCredentials,
            maxRequestBodySize: Int = 3 * 1024 * 1024,
            maxConcurrentStreams: Int = 1000,
            idleTimeout: Duration = .seconds(90),
            handshakeTimeout: Duration = .seconds(10),
            shutdownGracePeriod: Duration = .seconds(5),
            backlog: Int = 1024,
            maxWatchBacklogBytes: Int = 8 * 1024 * 1024
        ) {
            self.host = host
            self.port = port
            self.tls = tls
            self.maxRequestBodySize = maxRequestBodySize
            self.maxConcurrentStreams = maxConcurrentStreams
            self.idleTimeout = idleTimeout
            self.handshakeTimeout = handshakeTimeout
            self.shutdownGracePeriod = shutdownGracePeriod
            self.backlog = backlog
            self.maxWatchBacklogBytes = maxWatchBacklogBytes
        }
    }
}
