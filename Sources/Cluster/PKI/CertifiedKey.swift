import Crypto
import X509

/// A certificate with its private key, and both in PEM form as written to disk.
public struct CertifiedKey: Sendable {
    /// The certificate.
    public let certificate: Certificate
    /// Its ECDSA P-256 private key (kept as its raw scalar: the key type is not `Sendable`).
    public var privateKey: P256.Signing.PrivateKey {
        // The bytes came from a valid key, so decoding cannot fail.
        try! P256.Signing.PrivateKey(rawRepresentation: privateKeyBytes)
    }
    private let privateKeyBytes: [UInt8]
    /// The certificate as PEM (`-----BEGIN CERTIFICATE-----`).
    public let certificatePEM: String
    /// The private key as PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`).
    public let privateKeyPEM: String

    /// Pairs a certificate with its key, serialising both.
    public init(certificate: Certificate, privateKey: P256.Signing.PrivateKey) throws {
        self.certificate = certificate
        self.privateKeyBytes = Array(privateKey.rawRepresentation)
        self.certificatePEM = try certificate.serializeAsPEM().pemString + "\n"
        self.privateKeyPEM = privateKey.pemRepresentation + "\n"
    }

    /// Parses a PEM certificate and PEM private key; `nil` if either is malformed or they do
    /// not belong together.
    init?(certificatePEM: String, privateKeyPEM: String) {
        guard let certificate = try? Certificate(pemEncoded: certificatePEM),
              let key = try? P256.Signing.PrivateKey(pemRepresentation: privateKeyPEM),
              certificate.publicKey == Certificate.PublicKey(key.publicKey)
        else { return nil }
        self.certificate = certificate
        self.privateKeyBytes = Array(key.rawRepresentation)
        self.certificatePEM = certificatePEM
        self.privateKeyPEM = privateKeyPEM
    }
}
