import APIServer
import KubeAPI
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

    /// A kubelet serving certificate for a joining node's P-256 key: CN `system:node:<name>`,
    /// O `system:nodes`, valid for the node name, `localhost`, loopback and the node's IP
    /// addresses, signed by the server CA (the CA the API server trusts kubelets with).
    public func signNodeServingCertificate(nodeName: String, publicKeyPEM: String, addresses: [String]) throws -> String {
        let key: P256.Signing.PublicKey
        do {
            key = try P256.Signing.PublicKey(pemRepresentation: publicKeyPEM)
        } catch {
            throw NodeJoinError.invalidPublicKey("expected a PEM ECDSA P-256 public key")
        }
        let identity = ServingIdentity(
            dnsNames: [nodeName, "localhost"], ipAddresses: [.ipv4Loopback, .ipv6Loopback] + addresses.compactMap { IPAddress($0) })
        let certificate = try CertificateFactory.leaf(
            subject: .init(commonName: NodeAuthorizer.userPrefix + nodeName, organizations: [NodeAuthorizer.nodesGroup]),
            publicKey: key, usage: .serverAuth, identity: identity, issuer: serverCA, now: Date()
        )
        return try certificate.serializeAsPEM().pemString + "\n"
    }

    /// The client CA bundle kubelets verify client certificates with.
    public var clientCABundlePEM: String { clientCAPEM }
}
