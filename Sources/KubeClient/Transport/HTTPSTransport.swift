import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// Carries Kubernetes API requests over HTTPS (HTTP/1.1 with keep-alive) with SwiftNIO and
/// NIOSSL: server trust by CA bundle (or none, for bootstrap), client certificate and/or bearer
/// token, a pool of reusable connections, a dedicated connection per stream (watch), and
/// retries with exponential backoff on connection failures and on 429/503 (honouring
/// `Retry-After`) for idempotent requests.
public final class HTTPSTransport: Sendable {
    /// How to reach and authenticate to the API server.
    public struct Configuration: Sendable {
        /// The server.
        public var endpoint: ServerEndpoint
        /// How its certificate is checked.
        public var trust: TLSTrust
        /// The client certificate, if authenticating with one.
        public var clientCertificate: ClientCertificateCredentials?
        /// The bearer token, if authenticating with one (sent unless a request has its own
        /// `Authorization` header).
        public var bearerToken: String?
        /// Idle connections kept for reuse.
        public var maxIdleConnections: Int
        /// Retries.
        public var retry: RetryPolicy
        /// The `User-Agent` header.
        public var userAgent: String
        /// How long a request (not a stream) may wait for its whole answer; then its connection
        /// is closed and the request fails (an idempotent one is sent again). A connection that
        /// went silent can then never hold a caller, such as a kubelet's pod worker, forever.
        public var requestTimeout: Duration

        /// Creates a configuration.
        public init(
            endpoint: ServerEndpoint, trust: TLSTrust, clientCertificate: ClientCertificateCredentials? = nil,
            bearerToken: String? = nil, maxIdleConnections: Int = 8, retry: RetryPolicy = RetryPolicy(),
            userAgent: String = "k3s-swift/0.1", requestTimeout: Duration = .seconds(60)
        ) {
            self.requestTimeout = requestTimeout
            self.endpoint = endpoint
            self.trust = trust
            self.clientCertificate = clientCertificate
            self.bearerToken = bearerToken
            self.maxIdleConnections = maxIdleConnections
            self.retry = retry
            self.userAgent = userAgent
        }
    }

    /// The configuration.
    public let configuration: Configuration
    let pool: ConnectionPool
    let logger: Logger
    let sleep: @Sendable (Duration) async throws -> Void

    /// Creates a transport; no connection is opened until the first request.
    ///
    /// - Parameters:
    ///   - group: the event loops connections run on (NIO's shared singleton by default).
    ///   - sleep: waits between retries (injectable for tests).
    /// - Throws: ``HTTPSTransportError/invalidTLSMaterial(_:)`` when the CA bundle, certificate
    ///   or key cannot be read.
    public init(
        configuration: Configuration,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "kubeclient.https"),
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) throws(HTTPSTransportError) {
        self.configuration = configuration
        self.logger = logger
        self.sleep = sleep
        let context = try Self.makeTLSContext(configuration)
        self.pool = ConnectionPool(
            endpoint: configuration.endpoint, tls: context, group: group, maxIdle: max(0, configuration.maxIdleConnections))
    }

    /// Closes idle connections. Requests in flight finish; later ones open new connections.
    public func shutdown() async {
        await pool.shutdown()
    }

    static func makeTLSContext(_ configuration: Configuration) throws(HTTPSTransportError) -> NIOSSLContext {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        tls.applicationProtocols = ["http/1.1"]
        switch configuration.trust {
        case .certificateAuthorities(let pem):
            let roots: [NIOSSLCertificate]
            do {
                roots = try NIOSSLCertificate.fromPEMBytes(Array(pem.utf8))
            } catch {
                throw .invalidTLSMaterial("the CA bundle is not PEM certificates: \(error)")
            }
            guard !roots.isEmpty else { throw .invalidTLSMaterial("the CA bundle holds no certificate") }
            tls.trustRoots = .certificates(roots)
            tls.certificateVerification = .fullVerification
        case .insecureSkipVerify:
            tls.certificateVerification = .none
        }
        if let client = configuration.clientCertificate {
            do {
                let chain = try NIOSSLCertificate.fromPEMBytes(Array(client.certificatePEM.utf8))
                guard !chain.isEmpty else { throw HTTPSTransportError.invalidTLSMaterial("the client certificate PEM holds no certificate") }
                tls.certificateChain = chain.map { .certificate($0) }
            } catch let error as HTTPSTransportError {
                throw error
            } catch {
                throw .invalidTLSMaterial("the client certificate is not PEM: \(error)")
            }
            do {
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(client.privateKeyPEM.utf8), format: .pem))
            } catch {
                throw .invalidTLSMaterial("the client key is not a PEM private key: \(error)")
            }
        }
        do {
            return try NIOSSLContext(configuration: tls)
        } catch {
            throw .invalidTLSMaterial("\(error)")
        }
    }

    // MARK: - Exchanges

    /// A raw response with its whole body.
    struct RawResponse: Sendable {
        var status: Int
        var headers: [(name: String, value: String)]
        var body: [UInt8]
    }

    /// A raw streamed response.
    struct RawStream: Sendable {
        var status: Int
        var headers: [(name: String, value: String)]
        var body: AsyncThrowingStream<[UInt8], any Error>
    }

    /// A whole answer to one request.
    struct Answer: Sendable {
        var head: HTTPResponseHead
        var body: [UInt8]
    }

    /// Sends a request on a pooled connection and reads the whole response, retrying per the
    /// policy.
    func perform(
        method: String, path: String, query: [(name: String, value: String)],
        headers: [(name: String, value: String)], body: [UInt8]
    ) async throws -> RawResponse {
        let head = makeHead(method: method, path: path, query: query, headers: headers, bodyCount: body.count)
        var attempt = 0
        while true {
            attempt += 1
            let canRetry = attempt < configuration.retry.maxAttempts
            let idempotent = RetryPolicy.isIdempotent(method)
            let acquired: (connection: HTTPConnection, reused: Bool)
            do {
                acquired = try await pool.acquire()
            } catch let error as HTTPSTransportError where error.isConnectFailure && canRetry {
                try await backoff(attempt: attempt, retryAfter: nil, reason: error.description)
                continue
            }
            do {
                let connection = acquired.connection
                let timeout = configuration.requestTimeout
                let answered = try await withThrowingTaskGroup(of: Answer?.self) { group in
                    group.addTask {
                        let response = try await connection.execute(head: head, body: body)
                        var collected: [UInt8] = []
                        for try await chunk in response.body { collected += chunk }
                        // A cancelled iteration ends early: the body is incomplete (and the
                        // connection already closed).
                        try Task.checkCancellation()
                        return Answer(head: response.head, body: collected)
                    }
                    group.addTask {
                        try? await Task.sleep(for: timeout)
                        return nil
                    }
                    defer { group.cancelAll() }
                    let first = try await group.next() ?? nil
                    // Timed out or cancelled: closing the connection ends the exchange, so the
                    // group can finish.
                    if first == nil { connection.close() }
                    return first
                }
                try Task.checkCancellation()
                guard let answered else {
                    logger.warning("no answer in time; closing the connection", metadata: [
                        "method": "\(method)", "path": "\(path)", "timeout": "\(configuration.requestTimeout)",
                    ])
                    throw HTTPSTransportError.connectionClosed("no answer to \(method) \(path) within \(configuration.requestTimeout)")
                }
                await pool.release(acquired.connection)
                let (response, collected) = (answered, answered.body)
                let status = Int(response.head.status.code)
                let headers = response.head.headers.map { (name: $0.name, value: $0.value) }
                if (status == 429 || status == 503), idempotent, canRetry {
                    let retryAfter = response.head.headers.first(name: "Retry-After")
                    try await backoff(attempt: attempt, retryAfter: retryAfter, reason: "HTTP \(status)")
                    continue
                }
                return RawResponse(status: status, headers: headers, body: collected)
            } catch let error as HTTPSTransportError {
                acquired.connection.close()
                // A pooled connection the server closed while idle: the request did not get
                // through, but only idempotent requests are sent again.
                guard canRetry, idempotent else { throw error }
                if acquired.reused {
                    continue
                }
                try await backoff(attempt: attempt, retryAfter: nil, reason: error.description)
            }
        }
    }

    /// Sends a request on a connection of its own and returns once the response head arrives;
    /// the connection closes when the body ends or its iteration is cancelled.
    func performStream(
        method: String, path: String, query: [(name: String, value: String)],
        headers: [(name: String, value: String)], body: [UInt8]
    ) async throws -> RawStream {
        let head = makeHead(method: method, path: path, query: query, headers: headers, bodyCount: body.count)
        var attempt = 0
        while true {
            attempt += 1
            let canRetry = attempt < configuration.retry.maxAttempts && RetryPolicy.isIdempotent(method)
            let connection: HTTPConnection
            do {
                connection = try await pool.dedicated()
            } catch let error as HTTPSTransportError where error.isConnectFailure && canRetry {
                try await backoff(attempt: attempt, retryAfter: nil, reason: error.description)
                continue
            }
            let response: HTTPConnection.Response
            do {
                response = try await connection.execute(head: head, body: body)
            } catch let error as HTTPSTransportError {
                connection.close()
                guard canRetry else { throw error }
                try await backoff(attempt: attempt, retryAfter: nil, reason: error.description)
                continue
            }
            // The stream owns the connection: close it once the body is done.
            let (stream, continuation) = AsyncThrowingStream.makeStream(of: [UInt8].self)
            let pump = Task {
                do {
                    for try await chunk in response.body { continuation.yield(chunk) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
                connection.close()
            }
            continuation.onTermination = { _ in
                pump.cancel()
                connection.close()
            }
            return RawStream(
                status: Int(response.head.status.code),
                headers: response.head.headers.map { (name: $0.name, value: $0.value) },
                body: stream)
        }
    }

    private func backoff(attempt: Int, retryAfter: String?, reason: String) async throws {
        let delay = configuration.retry.delay(afterAttempt: attempt, retryAfter: retryAfter)
        logger.debug("retrying API request", metadata: ["attempt": "\(attempt)", "delay": "\(delay)", "reason": "\(reason)"])
        try await sleep(delay)
    }

    func makeHead(
        method: String, path: String, query: [(name: String, value: String)],
        headers: [(name: String, value: String)], bodyCount: Int
    ) -> HTTPRequestHead {
        var uri = PercentEncoding.encodePath(configuration.endpoint.pathPrefix + path)
        if !query.isEmpty {
            uri += "?" + query.map { PercentEncoding.encodeQuery($0.name) + "=" + PercentEncoding.encodeQuery($0.value) }.joined(separator: "&")
        }
        var head = HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: method), uri: uri)
        head.headers.add(name: "Host", value: configuration.endpoint.hostHeader)
        head.headers.add(name: "User-Agent", value: configuration.userAgent)
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        if !head.headers.contains(name: "Accept") { head.headers.add(name: "Accept", value: "application/json") }
        if let token = configuration.bearerToken, !head.headers.contains(name: "Authorization") {
            head.headers.add(name: "Authorization", value: "Bearer \(token)")
        }
        if bodyCount > 0 || method == "POST" || method == "PUT" || method == "PATCH" {
            head.headers.replaceOrAdd(name: "Content-Length", value: String(bodyCount))
        }
        return head
    }
}
