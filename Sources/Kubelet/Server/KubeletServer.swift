import KubeAPI
import KubeClient
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// The kubelet's own HTTPS API (port 10250), what the API server calls for `kubectl logs`,
/// `exec`, `attach`, `port-forward` and `top`:
///
/// | path | serves |
/// |---|---|
/// | `GET /healthz` | `ok` |
/// | `GET /pods` | the node's pods as a `PodList` |
/// | `GET /containerLogs/{ns}/{pod}/{container}` | the container's log (``ContainerLogOptions``) |
/// | `/exec/{ns}/{pod}/{container}`, `/attach/...`, `/portForward/{ns}/{pod}` | an upgrade proxied to the runtime's streaming server |
/// | `GET /stats/summary`, `GET /metrics/resource`, `GET /metrics` | the ``KubeletStatsProvider``'s figures |
///
/// Every request is authenticated (a client certificate verified against the client CA: CN is
/// the user, O the groups; or a bearer token checked by the ``KubeletAuthenticator``) and
/// authorized (``KubeletAuthorizer``, on `nodes/<subresource>` of this node as
/// ``KubeletRequestAttributes`` maps it). Anonymous requests get 401, denied ones 403, both
/// with a `Status` body.
public final class KubeletServer: Sendable {
    /// Where and how the server listens.
    public struct Configuration: Sendable {
        /// The node (the `name` of the authorization attributes).
        public var nodeName: String
        /// The address to bind (`0.0.0.0` by default; `127.0.0.1` in tests).
        public var host: String
        /// The port (10250 by default; 0 picks a free one, see ``KubeletServer/port``).
        public var port: Int
        /// The serving certificate chain (PEM, leaf first), signed by the cluster's server CA.
        public var certificateChainPEM: String
        /// The serving key (PEM).
        public var privateKeyPEM: String
        /// The CA client certificates must chain to (PEM); `nil` accepts bearer tokens only.
        public var clientCAPEM: String?
        /// The largest request body accepted (413 beyond).
        public var maxRequestBodyBytes: Int
        /// How often a followed container's state is checked, besides the runtime's exit event.
        public var containerStateCheckInterval: Duration = .seconds(5)

        /// Creates a configuration.
        public init(
            nodeName: String, host: String = "0.0.0.0", port: Int = 10250, certificateChainPEM: String, privateKeyPEM: String,
            clientCAPEM: String?, maxRequestBodyBytes: Int = 1 << 20
        ) {
            self.nodeName = nodeName
            self.host = host
            self.port = port
            self.certificateChainPEM = certificateChainPEM
            self.privateKeyPEM = privateKeyPEM
            self.clientCAPEM = clientCAPEM
            self.maxRequestBodyBytes = maxRequestBodyBytes
        }
    }

    /// The settings.
    public let configuration: Configuration
    let pods: any KubeletPodSource
    let runtime: any RuntimeClient
    let authenticator: (any KubeletAuthenticator)?
    let authorizer: any KubeletAuthorizer
    let stats = Mutex<(any KubeletStatsProvider)?>(nil)
    let logs: ContainerLogStreamer
    let logger: Logger
    let group: any EventLoopGroup
    let channel = Mutex<(any Channel)?>(nil)

    /// Creates a server; nothing listens until ``start()``.
    ///
    /// - Parameters:
    ///   - authenticator: checks bearer tokens; `nil` accepts client certificates only.
    ///   - authorizer: decides every authenticated request.
    public init(
        configuration: Configuration, pods: any KubeletPodSource, runtime: any RuntimeClient,
        authenticator: (any KubeletAuthenticator)?, authorizer: any KubeletAuthorizer,
        stats: (any KubeletStatsProvider)? = nil, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger
    ) {
        self.configuration = configuration
        self.pods = pods
        self.runtime = runtime
        self.authenticator = authenticator
        self.authorizer = authorizer
        self.stats.withLock { $0 = stats }
        self.logs = ContainerLogStreamer(watcher: LogFileWatcher())
        self.group = group
        var logger = logger
        logger[metadataKey: "component"] = "kubelet-server"
        self.logger = logger
    }

    /// Creates a server that checks tokens with TokenReview and decides with
    /// SubjectAccessReview through `client` (the kubelet's own credentials).
    public convenience init(
        configuration: Configuration, pods: any KubeletPodSource, runtime: any RuntimeClient, client: KubeClient,
        stats: (any KubeletStatsProvider)? = nil, logger: Logger
    ) {
        self.init(
            configuration: configuration, pods: pods, runtime: runtime,
            authenticator: TokenReviewAuthenticator(client: client), authorizer: SubjectAccessReviewAuthorizer(client: client),
            stats: stats, logger: logger)
    }

    /// Sets (or clears) the source of `/stats/summary`, `/metrics/resource` and `/metrics`.
    public func setStatsProvider(_ provider: (any KubeletStatsProvider)?) {
        stats.withLock { $0 = provider }
    }

    /// The port the server listens on once started (the chosen one when configured with 0).
    public var port: Int? {
        channel.withLock { $0?.localAddress?.port }
    }

    /// Binds and starts serving.
    ///
    /// - Throws: ``KubeletServerError`` for credentials that cannot be used; NIO's error when the
    ///   address cannot be bound.
    public func start() async throws {
        let context = try Self.makeTLSContext(configuration)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(NIOSSLServerHandler(context: context))
                    try sync.addHandler(HTTPResponseEncoder(), name: KubeletHTTPHandler.encoderName)
                    try sync.addHandler(
                        ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .forwardBytes)),
                        name: KubeletHTTPHandler.decoderName)
                    try sync.addHandler(KubeletHTTPHandler(server: self), name: KubeletHTTPHandler.handlerName)
                }
            }
        let bound = try await bootstrap.bind(host: configuration.host, port: configuration.port).get()
        channel.withLock { $0 = bound }
        logger.info("kubelet API listening", metadata: ["address": "\(bound.localAddress.map { "\($0)" } ?? "-")"])
    }

    /// Starts, serves until the task is cancelled, then shuts down.
    public func run() async throws {
        try await start()
        await withTaskCancellationHandler {
            let closed = channel.withLock { $0?.closeFuture }
            try? await closed?.get()
        } onCancel: {
            let bound = channel.withLock { $0 }
            bound?.close(promise: nil)
        }
        await shutdown()
    }

    /// Stops listening and ends log followers. Connections already open finish on their own.
    public func shutdown() async {
        let bound = channel.withLock { $0 }
        try? await bound?.close()
        await logs.watcher.shutdown()
    }

    static func makeTLSContext(_ configuration: Configuration) throws(KubeletServerError) -> NIOSSLContext {
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        do {
            chain = try NIOSSLCertificate.fromPEMBytes(Array(configuration.certificateChainPEM.utf8))
            key = try NIOSSLPrivateKey(bytes: Array(configuration.privateKeyPEM.utf8), format: .pem)
        } catch {
            throw KubeletServerError("the kubelet serving certificate or key cannot be read: \(error)")
        }
        guard !chain.isEmpty else { throw KubeletServerError("the kubelet serving certificate chain is empty") }
        var tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        tls.minimumTLSVersion = .tlsv12
        tls.applicationProtocols = ["http/1.1"]
        if let clientCAPEM = configuration.clientCAPEM {
            let roots = (try? NIOSSLCertificate.fromPEMBytes(Array(clientCAPEM.utf8))) ?? []
            guard !roots.isEmpty else { throw KubeletServerError("the client CA bundle holds no certificate") }
            tls.trustRoots = .certificates(roots)
            // Clients without a certificate may still present a bearer token.
            tls.certificateVerification = .optionalVerification
        } else {
            tls.certificateVerification = .none
        }
        do {
            return try NIOSSLContext(configuration: tls)
        } catch {
            throw KubeletServerError("the kubelet TLS configuration is not usable: \(error)")
        }
    }
}

/// The kubelet server cannot start with its settings.
public struct KubeletServerError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong.
    public var description: String

    init(_ description: String) {
        self.description = description
    }
}
