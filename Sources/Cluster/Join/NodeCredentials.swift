import KubeAPI
import KubeClient

/// What a node holds after joining: where the API server is, the CA to trust, its own client
/// certificate (`system:node:<name>` in `system:nodes`) with the private key, the cluster
/// DNS settings the server hands its kubelets, and the cluster's networks for the overlay.
public struct NodeCredentials: Sendable, Hashable {
    /// The API server URL.
    public var server: String
    /// The node's name.
    public var nodeName: String
    /// The server CA bundle (PEM).
    public var caBundlePEM: String
    /// The node's client certificate (PEM).
    public var certificatePEM: String
    /// The node's private key (PEM, PKCS#8).
    public var privateKeyPEM: String
    /// The cluster DNS service addresses the server handed out (`k3s server --cluster-dns`);
    /// empty when it handed none.
    public var clusterDNS: [String]
    /// The cluster DNS domain the server handed out; `nil` when it handed none.
    public var clusterDomain: String?
    /// The kubelet serving certificate (PEM, signed by the server CA, for ``privateKeyPEM``),
    /// when one was asked for.
    public var servingCertificatePEM: String?
    /// The client CA bundle the kubelet verifies client certificates with, sent with the
    /// serving certificate.
    public var clientCAPEM: String?
    /// The pod networks the server handed out (`k3s server --cluster-cidr`); empty when it
    /// handed none (an older server).
    public var clusterCIDRs: [IPPrefix] = []
    /// The Service networks the server handed out (`k3s server --service-cidr`); empty when it
    /// handed none.
    public var serviceCIDRs: [IPPrefix] = []
    /// The packaged components the server runs without (`k3s server --disable`): the node
    /// leaves out its part of them.
    public var disabledComponents: Set<String> = []

    /// Creates credentials.
    public init(
        server: String, nodeName: String, caBundlePEM: String, certificatePEM: String, privateKeyPEM: String,
        clusterDNS: [String] = [], clusterDomain: String? = nil
    ) {
        self.server = server
        self.nodeName = nodeName
        self.caBundlePEM = caBundlePEM
        self.certificatePEM = certificatePEM
        self.privateKeyPEM = privateKeyPEM
        self.clusterDNS = clusterDNS
        self.clusterDomain = clusterDomain
    }

    /// The HTTPS transport configuration these credentials describe.
    ///
    /// - Throws: ``HTTPSTransportError/invalidServerURL(_:)``.
    public func transportConfiguration() throws(HTTPSTransportError) -> HTTPSTransport.Configuration {
        HTTPSTransport.Configuration(
            endpoint: try ServerEndpoint(url: server),
            trust: .certificateAuthorities(caBundlePEM),
            clientCertificate: ClientCertificateCredentials(certificatePEM: certificatePEM, privateKeyPEM: privateKeyPEM))
    }

    /// A kubeconfig for the node (what the kubelet reads).
    public var kubeconfig: Kubeconfig {
        Kubeconfig(server: server, certificateAuthorityPEM: caBundlePEM, clientCertificatePEM: certificatePEM, clientKeyPEM: privateKeyPEM)
    }
}
