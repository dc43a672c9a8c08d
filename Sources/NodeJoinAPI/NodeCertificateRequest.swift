import KubeAPI

/// The body of `POST /v1-k3s/node-certificate` (``NodeJoinPaths/nodeCertificate``): which
/// node joins and its public key.
public struct NodeCertificateRequest: Sendable, Hashable {
    /// The node's name (a DNS subdomain); the certificate's CN is `system:node:<nodeName>`.
    public var nodeName: String
    /// The node's public key as PEM (`-----BEGIN PUBLIC KEY-----`).
    public var publicKeyPEM: String

    /// Creates a request.
    public init(nodeName: String, publicKeyPEM: String) {
        self.nodeName = nodeName
        self.publicKeyPEM = publicKeyPEM
    }

    /// The JSON body.
    public var json: JSONValue {
        ["nodeName": .string(nodeName), "publicKeyPEM": .string(publicKeyPEM)]
    }

    /// Reads a JSON body; `nil` when a field is missing or not a string.
    public init?(json: JSONValue) {
        guard let nodeName = json["nodeName"]?.stringValue, let key = json["publicKeyPEM"]?.stringValue else { return nil }
        self.init(nodeName: nodeName, publicKeyPEM: key)
    }
}
