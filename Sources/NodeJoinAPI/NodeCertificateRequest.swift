import KubeAPI
import OrderedCollections

/// The body of `POST /v1-k3s/node-certificate` (``NodeJoinPaths/nodeCertificate``): which
/// node joins and its public key.
public struct NodeCertificateRequest: Sendable, Hashable {
    /// The node's name (a DNS subdomain); the certificate's CN is `system:node:<nodeName>`.
    public var nodeName: String
    /// The node's public key as PEM (`-----BEGIN PUBLIC KEY-----`).
    public var publicKeyPEM: String
    /// The node's addresses when it also wants a kubelet serving certificate for the same key
    /// (valid for these, the node name, `localhost` and loopback); `nil` asks for none.
    public var servingAddresses: [String]?

    /// Creates a request.
    public init(nodeName: String, publicKeyPEM: String, servingAddresses: [String]? = nil) {
        self.nodeName = nodeName
        self.publicKeyPEM = publicKeyPEM
        self.servingAddresses = servingAddresses
    }

    /// The JSON body.
    public var json: JSONValue {
        var members: [(String, JSONValue)] = [("nodeName", .string(nodeName)), ("publicKeyPEM", .string(publicKeyPEM))]
        if let servingAddresses { members.append(("servingAddresses", .array(servingAddresses.map { .string($0) }))) }
        return .object(OrderedDictionary(uniqueKeysWithValues: members))
    }

    /// Reads a JSON body; `nil` when a field is missing or of the wrong type.
    public init?(json: JSONValue) {
        guard let nodeName = json["nodeName"]?.stringValue, let key = json["publicKeyPEM"]?.stringValue else { return nil }
        var addresses: [String]?
        if let value = json["servingAddresses"] {
            guard let items = value.arrayValue else { return nil }
            addresses = []
            for item in items {
                guard let text = item.stringValue else { return nil }
                addresses?.append(text)
            }
        }
        self.init(nodeName: nodeName, publicKeyPEM: key, servingAddresses: addresses)
    }
}
