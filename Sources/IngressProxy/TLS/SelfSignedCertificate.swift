import Crypto
import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A self-signed P-256 serving certificate: the proxy's default certificate (unknown server
/// name, missing or invalid Secret), and test fixtures.
public struct SelfSignedCertificate: Sendable {
    /// The certificate, PEM.
    public var certificatePEM: String
    /// Its private key, PEM (PKCS#8).
    public var privateKeyPEM: String

    /// Generates a certificate for `commonName` whose SANs are `dnsNames` (the common name
    /// when empty), valid from an hour ago for `validity`.
    public init(commonName: String, dnsNames: [String] = [], validity: Duration = .seconds(365 * 24 * 3600), now: Date = Date()) throws {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName(commonName) }
        let names = (dnsNames.isEmpty ? [commonName] : dnsNames).map { GeneralName.dnsName($0) }
        let certificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: Certificate.PublicKey(key.publicKey),
            notValidBefore: now - 3600,
            notValidAfter: now + TimeInterval(validity.components.seconds),
            issuer: name,
            subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(names)
            },
            issuerPrivateKey: Certificate.PrivateKey(key)
        )
        certificatePEM = try certificate.serializeAsPEM().pemString + "\n"
        privateKeyPEM = key.pemRepresentation + "\n"
    }
}
