import Logging
import NIOSSL
import Synchronization

/// TLS server contexts by certificate: the self-signed default made at start, and one per
/// Secret (and resource version) named by an Ingress, built on first use and cached.
///
/// Every context offers ALPN `h2` then `http/1.1`.
public final class IngressCertificateStore: Sendable {
    /// The context of the default certificate.
    public let defaultContext: NIOSSLContext
    private let cache = Mutex<[String: (version: String, context: NIOSSLContext?)]>([:])
    private let logger: Logger

    /// Generates the default certificate (`defaultName` as its common name).
    public init(defaultName: String, logger: Logger) throws {
        let generated = try SelfSignedCertificate(commonName: defaultName)
        defaultContext = try Self.context(certificatePEM: Array(generated.certificatePEM.utf8), privateKeyPEM: Array(generated.privateKeyPEM.utf8))
        self.logger = logger
    }

    /// The context for a TLS server name given the current routes: its Secret's certificate,
    /// or the default one (no name, unknown name, unusable Secret).
    public func context(serverName: String?, table: IngressRouteTable) -> NIOSSLContext {
        guard let serverName, let certificate = table.certificate(serverName: serverName) else { return defaultContext }
        if let cached = cache.withLock({ $0[certificate.secret] }), cached.version == certificate.version {
            return cached.context ?? defaultContext
        }
        var made: NIOSSLContext?
        do {
            made = try Self.context(certificatePEM: certificate.certificatePEM, privateKeyPEM: certificate.privateKeyPEM)
        } catch {
            logger.warning("unusable TLS secret; serving the default certificate", metadata: ["secret": "\(certificate.secret)", "error": "\(error)"])
        }
        cache.withLock { $0[certificate.secret] = (certificate.version, made) }
        return made ?? defaultContext
    }

    static func context(certificatePEM: [UInt8], privateKeyPEM: [UInt8]) throws -> NIOSSLContext {
        let chain = try NIOSSLCertificate.fromPEMBytes(certificatePEM)
        guard !chain.isEmpty else { throw NIOSSLError.failedToLoadCertificate }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: privateKeyPEM, format: .pem)))
        configuration.applicationProtocols = ["h2", "http/1.1"]
        return try NIOSSLContext(configuration: configuration)
    }
}
