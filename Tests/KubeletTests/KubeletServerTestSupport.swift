import Crypto
import Foundation
import KubeAPI
import KubeClient
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization
import X509
@testable import Kubelet

/// A throwaway PKI for server tests: a server CA with a serving certificate for 127.0.0.1 and
/// localhost, and a client CA that signs user certificates.
struct TestPKI {
    let serverCA: (certificate: Certificate, key: P256.Signing.PrivateKey)
    let clientCA: (certificate: Certificate, key: P256.Signing.PrivateKey)
    let servingChainPEM: String
    let servingKeyPEM: String

    init() throws {
        serverCA = try Self.authority("test-server-ca")
        clientCA = try Self.authority("test-client-ca")
        let key = P256.Signing.PrivateKey()
        let serving = try Self.leaf(
            commonName: "node-a", organizations: [], key: key, issuer: serverCA, usage: .serverAuth,
            names: [.dnsName("localhost"), .ipAddress(.init(contentBytes: [127, 0, 0, 1]))])
        servingChainPEM = try serving.serializeAsPEM().pemString + "\n" + Self.pem(serverCA.certificate)
        servingKeyPEM = key.pemRepresentation + "\n"
    }

    var serverCAPEM: String { (try? Self.pem(serverCA.certificate)) ?? "" }
    var clientCAPEM: String { (try? Self.pem(clientCA.certificate)) ?? "" }

    /// A client certificate and key (PEM) for `user` in `groups`, signed by the client CA (or by
    /// `untrusted`'s own CA when set).
    func client(_ user: String, groups: [String] = [], signedByServerCA: Bool = false) throws -> ClientCertificateCredentials {
        let key = P256.Signing.PrivateKey()
        let certificate = try Self.leaf(
            commonName: user, organizations: groups, key: key, issuer: signedByServerCA ? serverCA : clientCA, usage: .clientAuth, names: [])
        return ClientCertificateCredentials(certificatePEM: try Self.pem(certificate), privateKeyPEM: key.pemRepresentation + "\n")
    }

    static func pem(_ certificate: Certificate) throws -> String { try certificate.serializeAsPEM().pemString + "\n" }

    static func authority(_ name: String) throws -> (certificate: Certificate, key: P256.Signing.PrivateKey) {
        let key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName { CommonName(name) }
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: Date() - 3600, notValidAfter: Date() + 86_400, issuer: subject, subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(digitalSignature: true, keyCertSign: true))
            },
            issuerPrivateKey: .init(key))
        return (certificate, key)
    }

    static func leaf(
        commonName: String, organizations: [String], key: P256.Signing.PrivateKey,
        issuer: (certificate: Certificate, key: P256.Signing.PrivateKey), usage: ExtendedKeyUsage.Usage, names: [GeneralName]
    ) throws -> Certificate {
        let subject = try DistinguishedName {
            for organization in organizations { OrganizationName(organization) }
            CommonName(commonName)
        }
        return try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: Date() - 3600, notValidAfter: Date() + 86_400, issuer: issuer.certificate.subject, subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([usage])
                if !names.isEmpty { SubjectAlternativeNames(names) }
            },
            issuerPrivateKey: .init(issuer.key))
    }
}

/// The pods a test's kubelet server sees.
final class TestPods: KubeletPodSource {
    let state = Mutex<(pods: [CoreV1.Pod], sandboxes: [String: String])>(([], [:]))

    func set(_ pods: [CoreV1.Pod], sandboxes: [String: String] = [:]) {
        state.withLock { $0 = (pods, sandboxes) }
    }

    func currentPods() -> [CoreV1.Pod] { state.withLock { $0.pods } }
    func sandboxID(podUID uid: String) -> String? { state.withLock { $0.sandboxes[uid] } }
}

/// Allows what `allow` says and counts its calls.
final class TestAuthorizer: KubeletAuthorizer {
    let calls = Mutex<[KubeletRequestAttributes]>([])
    let allow: @Sendable (KubeletUser, KubeletRequestAttributes) -> Bool

    init(allow: @escaping @Sendable (KubeletUser, KubeletRequestAttributes) -> Bool) {
        self.allow = allow
    }

    func authorize(_ user: KubeletUser, _ attributes: KubeletRequestAttributes) async throws -> KubeletAuthorizationDecision {
        calls.withLock { $0.append(attributes) }
        return KubeletAuthorizationDecision(allowed: allow(user, attributes), reason: "test policy")
    }
}

/// Accepts one token for one user.
struct TestAuthenticator: KubeletAuthenticator {
    var token: String
    var user: KubeletUser

    func authenticate(token: String) async throws -> KubeletUser? { token == self.token ? user : nil }
}

/// A started kubelet server with a test PKI, and clients for it.
struct ServerFixture {
    let server: KubeletServer
    let pki: TestPKI
    let port: Int

    static let logger = Logger(label: "kubelet-server-test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Starts a server, runs `body`, shuts the server down.
    static func with<T>(
        pods: any KubeletPodSource = TestPods(), runtime: any RuntimeClient = FakeRuntimeClient(),
        authenticator: (any KubeletAuthenticator)? = nil, authorizer: any KubeletAuthorizer,
        _ body: (ServerFixture) async throws -> T
    ) async throws -> T {
        let pki = try TestPKI()
        let server = KubeletServer(
            configuration: .init(
                nodeName: "node-a", host: "127.0.0.1", port: 0, certificateChainPEM: pki.servingChainPEM,
                privateKeyPEM: pki.servingKeyPEM, clientCAPEM: pki.clientCAPEM),
            pods: pods, runtime: runtime, authenticator: authenticator, authorizer: authorizer, logger: logger)
        try await server.start()
        let fixture = ServerFixture(server: server, pki: pki, port: server.port ?? 0)
        do {
            let result = try await body(fixture)
            await server.shutdown()
            return result
        } catch {
            await server.shutdown()
            throw error
        }
    }

    /// An HTTPS transport to the server, trusting the server CA, with a client certificate or a
    /// token (or neither: anonymous).
    func transport(certificate: ClientCertificateCredentials? = nil, token: String? = nil) throws -> HTTPSTransport {
        try HTTPSTransport(
            configuration: .init(
                endpoint: try ServerEndpoint(url: "https://127.0.0.1:\(port)"), trust: .certificateAuthorities(pki.serverCAPEM),
                clientCertificate: certificate, bearerToken: token, retry: RetryPolicy(maxAttempts: 1)),
            logger: Self.logger)
    }

    /// One GET (or other method) with a fresh transport.
    func request(
        _ path: String, query: [(name: String, value: String)] = [], method: KubeRequest.Method = .get,
        certificate: ClientCertificateCredentials? = nil, token: String? = nil
    ) async throws -> KubeResponse {
        let transport = try transport(certificate: certificate, token: token)
        defer { Task { await transport.shutdown() } }
        return try await transport.send(KubeRequest(method: method, path: path, query: query))
    }

    /// A raw TLS connection to the server (for upgrades), with a client certificate.
    func rawConnection(certificate: ClientCertificateCredentials) async throws -> NIOAsyncChannel<ByteBuffer, ByteBuffer> {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(pki.serverCAPEM.utf8)))
        tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(Array(certificate.certificatePEM.utf8)).map { .certificate($0) }
        tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(certificate.privateKeyPEM.utf8), format: .pem))
        let context = try NIOSSLContext(configuration: tls)
        return try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: context, serverHostname: "localhost"))
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(
                        wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
                }
            }
    }
}

/// A stand-in for containerd's streaming server: answers an upgrade request with
/// `101 Switching Protocols` (or `statusLine` when set), then echoes every byte back; when the
/// client half-closes, it writes `bye` and closes. Records the request heads it got.
final class FakeStreamingServer: Sendable {
    let channel: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>
    let heads = Mutex<[String]>([])
    let port: Int
    let task = Mutex<Task<Void, Never>?>(nil)

    init(failWith statusLine: String? = nil) async throws {
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            .bind(host: "127.0.0.1", port: 0) { child in
                child.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(
                        wrappingChannelSynchronously: child, configuration: .init(isOutboundHalfClosureEnabled: true))
                }
            }
        port = channel.channel.localAddress?.port ?? 0
        let channel = self.channel
        task.withLock {
            $0 = Task { [self] in
                try? await channel.executeThenClose { connections in
                    await withDiscardingTaskGroup { group in
                        do {
                            for try await connection in connections {
                                group.addTask { await self.serve(connection, failWith: statusLine) }
                            }
                        } catch {}
                    }
                }
            }
        }
    }

    func serve(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>, failWith statusLine: String?) async {
        try? await connection.executeThenClose { inbound, outbound in
            var buffered: [UInt8] = []
            var upgraded = false
            for try await var chunk in inbound {
                let bytes = chunk.readBytes(length: chunk.readableBytes) ?? []
                if upgraded {
                    try await outbound.write(ByteBuffer(bytes: bytes))
                    continue
                }
                buffered += bytes
                guard let end = buffered.firstRange(of: Array("\r\n\r\n".utf8)) else { continue }
                heads.withLock { $0.append(String(decoding: buffered[..<end.lowerBound], as: UTF8.self)) }
                let rest = Array(buffered[end.upperBound...])
                if let statusLine {
                    let body = #"{"kind":"Status","apiVersion":"v1","status":"Failure","message":"no such session","code":404}"#
                    try await outbound.write(ByteBuffer(string: "\(statusLine)\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"))
                    return
                }
                try await outbound.write(ByteBuffer(string: "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n\r\n"))
                upgraded = true
                if !rest.isEmpty { try await outbound.write(ByteBuffer(bytes: rest)) }
            }
            // The client half-closed: say goodbye, then close.
            try await outbound.write(ByteBuffer(string: "bye"))
        }
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    func stop() async {
        try? await channel.channel.close()
        let task = self.task.withLock { $0 }
        await task?.value
    }
}

/// Reads from `inbound` until `condition` holds for everything read so far (or the stream ends).
func read(
    _ iterator: inout NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator, into received: inout [UInt8],
    until condition: ([UInt8]) -> Bool
) async throws {
    while !condition(received) {
        guard var chunk = try await iterator.next() else { return }
        received += chunk.readBytes(length: chunk.readableBytes) ?? []
    }
}
