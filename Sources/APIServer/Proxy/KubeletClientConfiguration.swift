import NIOSSL

/// How the API server reaches kubelets for `pods/log`, `exec`, `attach`, `portforward` and
/// `nodes/proxy`: the CA their serving certificates chain to, the client certificate the API
/// server presents (CN `kube-apiserver-kubelet-client`, O `system:masters` in this
/// distribution), which node address to dial and which WebSocket subprotocols the nodes'
/// streaming servers speak.
public struct KubeletClientConfiguration: Sendable {
    /// The CA bundle (PEM) kubelet serving certificates must chain to; the certificate must also
    /// name the address dialled. `nil` skips verification (upstream's behaviour without
    /// `--kubelet-certificate-authority`).
    public var certificateAuthorityPEM: String?
    /// The client certificate chain presented to kubelets (PEM).
    public var clientCertificatePEM: String
    /// Its private key (PEM).
    public var clientKeyPEM: String
    /// Node address types in order of preference (`--kubelet-preferred-address-types`).
    public var preferredAddressTypes: [String]
    /// The port used when a node does not report `status.daemonEndpoints.kubeletEndpoint.Port`.
    public var defaultPort: Int
    /// WebSocket subprotocols the nodes' streaming servers accept. A WebSocket upgrade offering
    /// none of them (kubectl's `v5.channel.k8s.io` exec, its `SPDY/3.1+portforward.k8s.io`
    /// tunnel) is refused with 400 before reaching the node, so the client falls back to SPDY.
    public var webSocketProtocols: Set<String>

    /// The subprotocols a CRI streaming server of the containerd 1.6 era speaks: the channel
    /// protocols up to v4 and port forwarding.
    public static let legacyWebSocketProtocols: Set<String> = [
        "channel.k8s.io", "base64.channel.k8s.io", "v4.channel.k8s.io", "v4.base64.channel.k8s.io",
        "portforward.k8s.io", "v4.portforward.k8s.io",
    ]

    /// Creates a configuration.
    public init(
        certificateAuthorityPEM: String?, clientCertificatePEM: String, clientKeyPEM: String,
        preferredAddressTypes: [String] = ["InternalIP", "ExternalIP", "Hostname"], defaultPort: Int = 10250,
        webSocketProtocols: Set<String> = Self.legacyWebSocketProtocols
    ) {
        self.certificateAuthorityPEM = certificateAuthorityPEM
        self.clientCertificatePEM = clientCertificatePEM
        self.clientKeyPEM = clientKeyPEM
        self.preferredAddressTypes = preferredAddressTypes
        self.defaultPort = defaultPort
        self.webSocketProtocols = webSocketProtocols
    }

    /// The TLS client context for kubelet connections.
    func makeTLSContext() throws -> NIOSSLContext {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        tls.applicationProtocols = ["http/1.1"]
        if let certificateAuthorityPEM {
            tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(certificateAuthorityPEM.utf8)))
            tls.certificateVerification = .fullVerification
        } else {
            tls.certificateVerification = .none
        }
        tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(Array(clientCertificatePEM.utf8)).map { .certificate($0) }
        tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(clientKeyPEM.utf8), format: .pem))
        return try NIOSSLContext(configuration: tls)
    }

    /// The TLS context for `https` pod and service backends, whose certificates upstream does
    /// not verify either.
    static func makeUnverifiedTLSContext() throws -> NIOSSLContext {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .none
        tls.applicationProtocols = ["http/1.1"]
        return try NIOSSLContext(configuration: tls)
    }
}
