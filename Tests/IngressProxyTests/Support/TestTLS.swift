import NIOSSL

/// TLS client contexts of the tests: HTTP/1.1 by ALPN, any certificate accepted (the tests
/// check the presented certificate themselves where it matters).
enum TestTLS {
    static func clientContext(_ verification: CertificateVerification = .none) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.applicationProtocols = ["http/1.1"]
        configuration.certificateVerification = verification
        return try NIOSSLContext(configuration: configuration)
    }
}
