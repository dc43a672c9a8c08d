import APIServer
import Crypto
import Datastore
import KubeClient
import Logging

/// A real API server over an ``InMemoryDatastore``, answering in-process clients only (no
/// sockets, no TLS): what unit tests of controllers, the scheduler and the kubelet run against.
/// Clients get the server's full authorization, admission and watch semantics.
///
/// ```swift
/// try await TestAPIServer.with { server in
///     let pods = server.client().resource(CoreV1.Pod.self)
///     _ = try await pods.create(pod, namespace: "default")
/// }
/// ```
public final class TestAPIServer: Sendable {
    /// The API server.
    public let server: KubeAPIServer
    /// Its datastore.
    public let datastore: InMemoryDatastore
    private let task: Task<Void, any Error>

    private init(server: KubeAPIServer, datastore: InMemoryDatastore, task: Task<Void, any Error>) {
        self.server = server
        self.datastore = datastore
        self.task = task
    }

    /// Starts a server and returns once it is ready (default namespaces and RBAC created).
    public static func start(logger: Logger = Logger(label: "test-apiserver", factory: { _ in SwiftLogNoOpLogHandler() })) async throws -> TestAPIServer {
        let datastore = InMemoryDatastore()
        let server = try KubeAPIServer(
            configuration: .init(host: "127.0.0.1", port: 0, tls: nil, serviceAccountKey: .es256(P256.Signing.PrivateKey())),
            datastore: datastore, logger: logger)
        let task = Task { try await server.run() }
        await server.waitUntilReady()
        return TestAPIServer(server: server, datastore: datastore, task: task)
    }

    /// Runs `body` with a started server and stops the server afterwards, even when `body` throws.
    public static func with<T: Sendable>(_ body: (TestAPIServer) async throws -> T) async throws -> T {
        let server = try await start()
        do {
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    /// A client whose requests run as `user` (a cluster administrator by default).
    public func client(as user: UserInfo = .admin) -> KubeClient {
        KubeClient(transport: server.transport(as: user), userAgent: "test-client")
    }

    /// Stops the server and waits for it to finish.
    public func stop() async {
        server.shutdown()
        _ = await task.result
    }
}
