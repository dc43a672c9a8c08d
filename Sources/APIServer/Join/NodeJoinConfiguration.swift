/// What the API server needs to let nodes join: the CA bundle it serves at `/cacerts`, the
/// server token, the signer of node certificates, and the cluster settings handed to nodes.
public struct NodeJoinConfiguration: Sendable {
    /// The server CA bundle (PEM) clients verify the serving certificate with; served verbatim
    /// at `/cacerts`, so its SHA-256 is the hash in K10 tokens.
    public var caBundlePEM: String
    /// The server token (K10 form or bare secret); `nil` accepts only bootstrap tokens.
    public var serverToken: String?
    /// Issues node client certificates.
    public var signer: any NodeCertificateSigner
    /// The cluster DNS service addresses handed to joining nodes for their kubelets
    /// (`--cluster-dns`); empty hands none.
    public var clusterDNS: [String]
    /// The cluster DNS domain handed to joining nodes (`--cluster-domain`); `nil` hands none.
    public var clusterDomain: String?
    /// The pod networks handed to joining nodes (`--cluster-cidr`); empty hands none.
    public var clusterCIDRs: [String]
    /// The Service networks handed to joining nodes (`--service-cidr`); empty hands none.
    public var serviceCIDRs: [String]
    /// The packaged components the server runs without (`--disable`), handed to joining nodes.
    public var disabledComponents: [String]

    /// Creates a configuration.
    public init(
        caBundlePEM: String, serverToken: String?, signer: any NodeCertificateSigner, clusterDNS: [String] = [],
        clusterDomain: String? = nil, clusterCIDRs: [String] = [], serviceCIDRs: [String] = [],
        disabledComponents: [String] = []
    ) {
        self.caBundlePEM = caBundlePEM
        self.serverToken = serverToken
        self.signer = signer
        self.clusterDNS = clusterDNS
        self.clusterDomain = clusterDomain
        self.clusterCIDRs = clusterCIDRs
        self.serviceCIDRs = serviceCIDRs
        self.disabledComponents = disabledComponents
    }
}
