import KubeAPI
import OrderedCollections

/// The answer to `POST /v1-k3s/node-certificate` (``NodeJoinPaths/nodeCertificate``): the
/// node's client certificate, the CA to trust, and the cluster settings every kubelet needs.
public struct NodeCertificateResponse: Sendable, Hashable {
    /// The node's client certificate (PEM), signed by the client CA.
    public var certificatePEM: String
    /// The server CA bundle (PEM) to verify the API server with.
    public var serverCAPEM: String
    /// The cluster DNS service addresses the server was given (`k3s server --cluster-dns`), in
    /// textual form; empty when the server did not say (a kubelet then keeps its own default).
    public var clusterDNS: [String]
    /// The cluster DNS domain (`k3s server --cluster-domain`); `nil` when the server did not say.
    public var clusterDomain: String?
    /// The kubelet serving certificate (PEM), signed by the server CA, when the request asked
    /// for one.
    public var servingCertificatePEM: String?
    /// The client CA bundle (PEM) the kubelet verifies client certificates with, sent with a
    /// serving certificate.
    public var clientCAPEM: String?
    /// The networks pod IPs come from (`k3s server --cluster-cidr`), in textual form, so that a
    /// node's overlay tells pod traffic from the rest (what it masquerades); empty when the
    /// server did not say (an older server: the node keeps K3s's default).
    public var clusterCIDRs: [String]
    /// The networks of Service cluster IPs (`k3s server --service-cidr`); empty when the server
    /// did not say.
    public var serviceCIDRs: [String]
    /// The packaged components the server runs without (`k3s server --disable`): a node leaves
    /// out its part of them (`coredns`: the cluster DNS server; `traefik`: the ingress proxy).
    public var disabledComponents: [String]

    /// Creates a response.
    public init(
        certificatePEM: String, serverCAPEM: String, clusterDNS: [String] = [], clusterDomain: String? = nil,
        servingCertificatePEM: String? = nil, clientCAPEM: String? = nil, clusterCIDRs: [String] = [], serviceCIDRs: [String] = [],
        disabledComponents: [String] = []
    ) {
        self.certificatePEM = certificatePEM
        self.serverCAPEM = serverCAPEM
        self.clusterDNS = clusterDNS
        self.clusterDomain = clusterDomain
        self.servingCertificatePEM = servingCertificatePEM
        self.clientCAPEM = clientCAPEM
        self.clusterCIDRs = clusterCIDRs
        self.serviceCIDRs = serviceCIDRs
        self.disabledComponents = disabledComponents
    }

    /// The JSON body; the cluster settings are left out when unknown.
    public var json: JSONValue {
        var members: [(String, JSONValue)] = [
            ("certificatePEM", .string(certificatePEM)), ("serverCAPEM", .string(serverCAPEM)),
        ]
        if !clusterDNS.isEmpty { members.append(("clusterDNS", .array(clusterDNS.map { .string($0) }))) }
        if let clusterDomain { members.append(("clusterDomain", .string(clusterDomain))) }
        if let servingCertificatePEM { members.append(("servingCertificatePEM", .string(servingCertificatePEM))) }
        if let clientCAPEM { members.append(("clientCAPEM", .string(clientCAPEM))) }
        if !clusterCIDRs.isEmpty { members.append(("clusterCIDRs", .array(clusterCIDRs.map { .string($0) }))) }
        if !serviceCIDRs.isEmpty { members.append(("serviceCIDRs", .array(serviceCIDRs.map { .string($0) }))) }
        if !disabledComponents.isEmpty { members.append(("disabledComponents", .array(disabledComponents.map { .string($0) }))) }
        return .object(OrderedDictionary(uniqueKeysWithValues: members))
    }

    /// Reads a JSON body; `nil` when a certificate field is missing or not a string, or a cluster
    /// setting has the wrong type. Absent cluster settings read as unknown.
    public init?(json: JSONValue) {
        guard let certificate = json["certificatePEM"]?.stringValue, let ca = json["serverCAPEM"]?.stringValue else { return nil }
        guard let dns = Self.strings(json["clusterDNS"]), let clusterCIDRs = Self.strings(json["clusterCIDRs"]),
            let serviceCIDRs = Self.strings(json["serviceCIDRs"]), let disabled = Self.strings(json["disabledComponents"])
        else { return nil }
        var domain: String?
        if let value = json["clusterDomain"] {
            guard let text = value.stringValue else { return nil }
            domain = text
        }
        var serving: String?
        var clientCA: String?
        if let value = json["servingCertificatePEM"] {
            guard let text = value.stringValue else { return nil }
            serving = text
        }
        if let value = json["clientCAPEM"] {
            guard let text = value.stringValue else { return nil }
            clientCA = text
        }
        self.init(
            certificatePEM: certificate, serverCAPEM: ca, clusterDNS: dns, clusterDomain: domain, servingCertificatePEM: serving,
            clientCAPEM: clientCA, clusterCIDRs: clusterCIDRs, serviceCIDRs: serviceCIDRs, disabledComponents: disabled)
    }

    /// An optional array of strings: empty when absent, `nil` when of another type.
    private static func strings(_ value: JSONValue?) -> [String]? {
        guard let value else { return [] }
        guard let items = value.arrayValue else { return nil }
        var result: [String] = []
        for item in items {
            guard let text = item.stringValue else { return nil }
            result.append(text)
        }
        return result
    }
}
