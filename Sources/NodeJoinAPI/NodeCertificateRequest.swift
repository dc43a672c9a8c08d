import KubeAPI
import OrderedCollections

/// The body of `POST /v1-k3s/node-certificate` (``NodeJoinPaths/nodeCertificate``): which
/// node joins, its public key, and optionally a second public key and the node's IP addresses
/// for the kubelet's serving certificate.
public struct NodeCertificateRequest: Sendable, Hashable {
    /// The node's name (a DNS subdomain); the certificate's CN is `system:node:<nodeName>`.
    public var nodeName: String
    /// The node's public key as PEM (`-----BEGIN PUBLIC KEY-----`).
    public var publicKeyPEM: String
    /// The public key (PEM) of the kubelet's HTTPS server (port 10250); `nil` asks for no
    /// serving certificate (older agents, hollow nodes).
    public var servingPublicKeyPEM: String?
    /// The node's IP addresses, in textual form, to put in the serving certificate besides the
    /// node name, `localhost` and `127.0.0.1`.
    public var addresses: [String]

    /// Creates a request.
    public init(nodeName: String, publicKeyPEM: String, servingPublicKeyPEM: String? = nil, addresses: [String] = []) {
        self.nodeName = nodeName
        self.publicKeyPEM = publicKeyPEM
        self.servingPublicKeyPEM = servingPublicKeyPEM
        self.addresses = addresses
    }

    /// The JSON body; the serving fields are left out when not asked for.
    public var json: JSONValue {
        var members: [(String, JSONValue)] = [("nodeName", .string(nodeName)), ("publicKeyPEM", .string(publicKeyPEM))]
        if let servingPublicKeyPEM { members.append(("servingPublicKeyPEM", .string(servingPublicKeyPEM))) }
        if !addresses.isEmpty { members.append(("addresses", .array(addresses.map { .string($0) }))) }
        return .object(OrderedDictionary(uniqueKeysWithValues: members))
    }

    /// Reads a JSON body; `nil` when a required field is missing or a field has the wrong type.
    public init?(json: JSONValue) {
        guard let nodeName = json["nodeName"]?.stringValue, let key = json["publicKeyPEM"]?.stringValue else { return nil }
        var servingKey: String?
        if let value = json["servingPublicKeyPEM"] {
            guard let text = value.stringValue else { return nil }
            servingKey = text
        }
        var addresses: [String] = []
        if let value = json["addresses"] {
            guard let items = value.arrayValue else { return nil }
            for item in items {
                guard let address = item.stringValue else { return nil }
                addresses.append(address)
            }
        }
        self.init(nodeName: nodeName, publicKeyPEM: key, servingPublicKeyPEM: servingKey, addresses: addresses)
    }
}
