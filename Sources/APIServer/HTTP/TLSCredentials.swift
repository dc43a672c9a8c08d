import NIOSSL

/// What the HTTPS server presents and whom it trusts: the serving certificate chain (leaf first)
/// and its private key, and optionally a CA bundle that client certificates must chain to.
///
/// With a client CA bundle, clients may still connect without a certificate (they authenticate
/// with bearer tokens), but a certificate they do present must verify against the bundle or the
/// TLS handshake fails. Without one, client certificates are not requested.
public struct TLSCredentials: Sendable {
    /// The serving certificate chain in PEM, leaf first.
    public var certificateChainPEM: [UInt8]
    /// The serving private key in PEM (PKCS#8 or SEC1 EC, or PKCS#1 RSA).
    public var privateKeyPEM: [UInt8]
    /// The CA certificates client certificates must chain to, in PEM; `nil` to not ask for them.
    public var clientCAPEM: [UInt8]?

    /// Creates credentials from PEM bytes.
    public init(certificateChainPEM: [UInt8], privateKeyPEM: [UInt8], clientCAPEM: [UInt8]? = nil) {
        self.certificateChainPEM = certificateChainPEM
        self.privateKeyPEM = privateKeyPEM
        self.clientCAPEM = clientCAPEM
    }

    /// Creates credentials from PEM text.
    public init(certificateChainPEM: String, privateKeyPEM: String, clientCAPEM: String? = nil) {
        self.init(
            certificateChainPEM: Array(certificateChainPEM.utf8),
            privateKeyPEM: Array(privateKeyPEM.utf8),
            clientCAPEM: clientCAPEM.map { Array($0.utf8) })
    }

    /// Builds the server's TLS context: TLS 1.2 or newer, ALPN `h2` then `http/1.1`, and optional
    /// client-certificate verification.
    ///
    /// - Throws: ``HTTPSServerError`` naming the part that could not be read.
    func makeServerContext() throws(HTTPSServerError) -> NIOSSLContext {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMBytes(certificateChainPEM)
        } catch {
            throw .invalidCertificateChain("\(error)")
        }
        guard !chain.isEmpty else { throw .invalidCertificateChain("no certificate in PEM") }

        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(bytes: privateKeyPEM, format: .pem)
        } catch {
            throw .invalidPrivateKey("\(error)")
        }

        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) },
            privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        configuration.applicationProtocols = ["h2", "http/1.1"]

        if let clientCAPEM {
            let roots: [NIOSSLCertificate]
            do {
                roots = try NIOSSLCertificate.fromPEMBytes(clientCAPEM)
            } catch {
                throw .invalidClientCA("\(error)")
            }
            guard !roots.isEmpty else { throw .invalidClientCA("no certificate in PEM") }
            configuration.trustRoots = .certificates(roots)
            configuration.certificateVerification = .optionalVerification
        } else {
            configuration.certificateVerification = .none
        }

        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw .invalidTLSConfiguration("\(error)")
        }
    }
}
