import KubeAPI

/// Issues the client certificates of joining nodes.
public protocol NodeCertificateSigner: Sendable {
    /// A PEM client certificate for `publicKeyPEM` (a PEM `PUBLIC KEY`) with subject
    /// CN `system:node:<nodeName>`, O `system:nodes`, signed by the cluster's client CA.
    ///
    /// - Throws: ``NodeJoinError/invalidPublicKey(_:)`` when the key cannot be read or is of an
    ///   unsupported type; other errors when signing fails.
    func signNodeCertificate(nodeName: String, publicKeyPEM: String) throws -> String

    /// A PEM serving certificate for the kubelet's HTTPS server (port 10250) of `nodeName`:
    /// `publicKeyPEM` (a PEM `PUBLIC KEY`), signed by the cluster's server CA, valid for the node
    /// name, `localhost`, `127.0.0.1` and `addresses`; `nil` when this signer issues none.
    ///
    /// - Throws: ``NodeJoinError/invalidPublicKey(_:)`` for an unusable key; other errors when
    ///   signing fails.
    func signKubeletServingCertificate(nodeName: String, addresses: [IPAddress], publicKeyPEM: String) throws -> String?

    /// The CA bundle (PEM) kubelets verify client certificates with; `nil` when unknown.
    var kubeletClientCAPEM: String? { get }
}

extension NodeCertificateSigner {
    /// Issues no serving certificates.
    public func signKubeletServingCertificate(nodeName: String, addresses: [IPAddress], publicKeyPEM: String) throws -> String? { nil }

    /// Unknown.
    public var kubeletClientCAPEM: String? { nil }
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
