import APIServer
import Crypto
import KubeAPI
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
        let key = try Self.nodePublicKey(publicKeyPEM)
        let certificate = try CertificateFactory.leaf(
            subject: .init(commonName: NodeAuthorizer.userPrefix + nodeName, organizations: [NodeAuthorizer.nodesGroup]),
            publicKey: key, usage: .clientAuth, identity: nil, issuer: clientCA, now: Date()
        )
        return try certificate.serializeAsPEM().pemString + "\n"
    }

    /// A serving certificate for the kubelet of `nodeName`: CN `system:node:<nodeName>`,
    /// O `system:nodes`, signed by the server CA, valid for a year for the node name,
    /// `localhost`, `127.0.0.1` and `addresses`.
    ///
    /// - Throws: ``NodeJoinError/invalidPublicKey(_:)`` for a key that is not a PEM P-256 public key.
    public func signKubeletServingCertificate(nodeName: String, addresses: [IPAddress], publicKeyPEM: String) throws -> String? {
        let key = try Self.nodePublicKey(publicKeyPEM)
        let certificate = try CertificateFactory.leaf(
            subject: .init(commonName: NodeAuthorizer.userPrefix + nodeName, organizations: [NodeAuthorizer.nodesGroup]),
            publicKey: key, usage: .serverAuth,
            identity: ServingIdentity(dnsNames: [nodeName, "localhost"], ipAddresses: [.ipv4Loopback] + addresses),
            issuer: serverCA, now: Date()
        )
        return try certificate.serializeAsPEM().pemString + "\n"
    }

    /// The client CA: kubelets verify the API server's (and users') client certificates with it.
    public var kubeletClientCAPEM: String? { clientCAPEM }

    /// A node's PEM P-256 public key.
    ///
    /// - Throws: ``NodeJoinError/invalidPublicKey(_:)``.
    static func nodePublicKey(_ pem: String) throws(NodeJoinError) -> P256.Signing.PublicKey {
        do {
            return try P256.Signing.PublicKey(pemRepresentation: pem)
        } catch {
            throw .invalidPublicKey("expected a PEM ECDSA P-256 public key")
        }
    }
}
