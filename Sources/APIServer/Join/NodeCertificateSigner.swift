/// Issues the client certificates of joining nodes.
public protocol NodeCertificateSigner: Sendable {
    /// A PEM client certificate for `publicKeyPEM` (a PEM `PUBLIC KEY`) with subject
    /// CN `system:node:<nodeName>`, O `system:nodes`, signed by the cluster's client CA.
    ///
    /// - Throws: ``NodeJoinError/invalidPublicKey(_:)`` when the key cannot be read or is of an
    ///   unsupported type; other errors when signing fails.
    func signNodeCertificate(nodeName: String, publicKeyPEM: String) throws -> String

    /// A PEM kubelet serving certificate for `publicKeyPEM`, signed by the cluster's server CA,
    /// valid for `nodeName`, `localhost`, loopback and `addresses` (IP addresses; others are
    /// ignored). Throws as ``signNodeCertificate(nodeName:publicKeyPEM:)``.
    func signNodeServingCertificate(nodeName: String, publicKeyPEM: String, addresses: [String]) throws -> String

    /// The client CA bundle (PEM) kubelets verify client certificates with.
    var clientCABundlePEM: String { get }
}

/// Why a join request was refused.
public enum NodeJoinError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The public key in the request cannot be used.
    case invalidPublicKey(String)

    /// A message for the client.
    public var description: String {
        switch self {
        case .invalidPublicKey(let reason): "invalid public key: \(reason)"
        }
    }
}
