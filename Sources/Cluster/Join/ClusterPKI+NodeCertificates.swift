import APIServer
import Crypto
import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension ClusterPKI: NodeCertificateSigner {
    /// A client certificate for a joining node's ECDSA P-256 public key: CN
    /// `system:node:<nodeName>`, O `system:nodes`, signed by the client CA, valid for a year.
    ///
    /// - Throws: ``NodeJoinError/invalidPublicKey(_:)`` for a key that is not a PEM P-256 public key.
    public func signNodeCertificate(nodeName: String, publicKeyPEM: String) throws -> String {
        let key: P256.Signing.PublicKey
        do {
            key = try P256.Signing.PublicKey(pemRepresentation: publicKeyPEM)
        } catch {
            throw NodeJoinError.invalidPublicKey("expected a PEM ECDSA P-256 public key")
        }
        let certificate = try CertificateFactory.leaf(
            subject: .init(commonName: NodeAuthorizer.userPrefix + nodeName, organizations: [NodeAuthorizer.nodesGroup]),
            publicKey: key, usage: .clientAuth, identity: nil, issuer: clientCA, now: Date()
        )
        return try certificate.serializeAsPEM().pemString + "\n"
    }
}
