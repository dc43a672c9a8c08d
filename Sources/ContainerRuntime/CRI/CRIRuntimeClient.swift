import GRPCCore
import GRPCNIOTransportHTTP2
import Kubelet
import Logging
import NIOCore
import Synchronization

/// The kubelet's `RuntimeClient` over a CRI v1 runtime (containerd) on a unix socket: the
/// `RuntimeService` and `ImageService` on one HTTP/2 connection, reconnecting by itself when the
/// runtime restarts.
///
/// The client checks what the seam promises but CRI runtimes do not all check (empty names, a
/// malformed pod CIDR or image reference, a sandbox that is not ready, an image that is absent)
/// before it calls, so every runtime gives the kubelet the same errors. Container events come
/// from `GetContainerEvents` where the runtime streams them, else from comparing container
/// listings on a timer (containerd 1.6); either way the client's own calls publish their events
/// at once.
///
/// Call ``close()`` when done; the connection stays open until then.
public final class CRIRuntimeClient: RuntimeClient {
    /// Settings of the client.
    public struct Configuration: Sendable {
        /// The runtime's socket.
        public var socketPath: String
        /// The deadline of an ordinary call.
        public var callTimeout: Duration
        /// The deadline of an image pull.
        public var pullTimeout: Duration
        /// How often container listings are compared when the runtime cannot stream events.
        public var eventPollInterval: Duration
        /// The longest wait between attempts to reconnect to the socket.
        public var maximumReconnectBackoff: Duration
        /// Whether the connection answers the runtime's PINGs below swift-nio-http2 (see
        /// `PingResponder`); off only to show what happens without.
        var answersPings = true

        /// Creates settings; the default socket is the one the agent's containerd serves.
        public init(
            socketPath: String = ContainerdConfiguration.defaultSocketPath, callTimeout: Duration = .seconds(120),
            pullTimeout: Duration = .seconds(900), eventPollInterval: Duration = .seconds(1),
            maximumReconnectBackoff: Duration = .seconds(5)
        ) {
            self.socketPath = socketPath
            self.callTimeout = callTimeout
            self.pullTimeout = pullTimeout
            self.eventPollInterval = eventPollInterval
            self.maximumReconnectBackoff = maximumReconnectBackoff
        }
    }

    typealias Transport = HTTP2ClientTransport.Posix

    let configuration: Configuration
    let logger: Logger
    let grpc: GRPCClient<Transport>
    let runtimeService: Runtime_V1_RuntimeService.Client<Transport>
    let imageService: Runtime_V1_ImageService.Client<Transport>
    let events: ContainerEventHub
    /// The sandbox of every container seen (CRI's container status and stats do not name it).
    let sandboxOfContainer = Mutex<[String: String]>([:])
    /// How many connections to the socket were opened (one unless the runtime restarted).
    private let statistics = ConnectionStatistics()
    private let tasks = Mutex<(connections: Task<Void, Never>?, events: Task<Void, Never>?)>((nil, nil))

    /// Connects to the runtime's socket (lazily: the first call waits for the socket).
    /// - Throws: when the transport cannot be set up (not when the runtime is down).
    public init(configuration: Configuration = Configuration(), logger: Logger = Logger(label: "k3s.cri")) throws {
        self.configuration = configuration
        self.logger = logger
        let counter = statistics
        var config = Self.transportConfig(configuration)
        let answersPings = configuration.answersPings
        config.channelDebuggingCallbacks.onCreateTCPConnection = { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(PingResponder(statistics: counter, answersPings: answersPings), position: .first)
            }
        }
        let transport = try HTTP2ClientTransport.Posix(
            target: .unixDomainSocket(path: configuration.socketPath, authority: "localhost"),
            transportSecurity: .plaintext,
            config: config)
        grpc = GRPCClient(transport: transport)
        runtimeService = Runtime_V1_RuntimeService.Client(wrapping: grpc)
        imageService = Runtime_V1_ImageService.Client(wrapping: grpc)
        events = ContainerEventHub()
        let client = grpc
        let log = logger
        tasks.withLock {
            $0.connections = Task {
                do {
                    try await client.runConnections()
                } catch {
                    log.error("CRI connection to \(configuration.socketPath) ended: \(error)")
                }
            }
        }
    }

    deinit {
        grpc.beginGracefulShutdown()
        tasks.withLock {
            $0.events?.cancel()
            $0.connections?.cancel()
        }
        events.finish()
    }

    /// Ends every event stream, lets calls in flight finish and closes the connection.
    public func close() async {
        let (connections, eventSource) = tasks.withLock { ($0.connections, $0.events) }
        eventSource?.cancel()
        events.finish()
        grpc.beginGracefulShutdown()
        await eventSource?.value
        await connections?.value
    }

    /// How many connections to the socket the client established so far: one while the runtime stays
    /// up, one more after each restart of the runtime.
    public var connectionsOpened: Int { statistics.connections.load(ordering: .relaxed) }

    /// How many PINGs of the runtime the client answered (see `PingResponder`).
    public var pingsAnswered: Int { statistics.pings.load(ordering: .relaxed) }

    /// Options of an ordinary call.
    var callOptions: CallOptions {
        var options = CallOptions.defaults
        options.timeout = configuration.callTimeout
        options.waitForReady = true
        return options
    }

    /// Runs one CRI call, turning its gRPC failure into a `RuntimeError`.
    func call<Result: Sendable>(_ name: String, _ body: () async throws -> Result) async throws -> Result {
        do {
            return try await body()
        } catch let error as RPCError {
            throw RuntimeError(rpc: error, call: name)
        }
    }

    /// Starts the event source (the runtime's stream, or polling) with the first subscriber.
    func startEventSourceIfNeeded() {
        tasks.withLock { tasks in
            guard tasks.events == nil else { return }
            tasks.events = Task { [weak self] in await self?.runEventSource() }
        }
    }

    static func transportConfig(_ configuration: Configuration) -> HTTP2ClientTransport.Posix.Config {
        var config = HTTP2ClientTransport.Posix.Config.defaults
        config.backoff = .init(initial: .milliseconds(100), max: configuration.maximumReconnectBackoff, multiplier: 1.6, jitter: 0.2)
        // The runtime is local: a idle connection costs nothing, so it is kept.
        config.connection.maxIdleTime = nil
        return config
    }
}

/// Counts the transport's established connections and the PINGs answered on them (shared with the
/// transport's callback and the connections' `PingResponder`s).
final class ConnectionStatistics: Sendable {
    let connections = Atomic<Int>(0)
    let pings = Atomic<Int>(0)
}
