import Kubelet

extension NodeCredentials {
    /// The settings of the kubelet's HTTPS API (``KubeletServer``) from the join: its serving
    /// certificate chain and key, and the client CA; `nil` when the join brought no serving
    /// certificate.
    public func kubeletServerConfiguration(host: String = "0.0.0.0", port: Int = 10250) -> KubeletServer.Configuration? {
        guard let servingCertificateChainPEM, let servingPrivateKeyPEM else { return nil }
        return KubeletServer.Configuration(
            nodeName: nodeName, host: host, port: port, certificateChainPEM: servingCertificateChainPEM,
            privateKeyPEM: servingPrivateKeyPEM, clientCAPEM: clientCAPEM)
    }
}
