import KubeAPI

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import KubeAPI

/// The admin kubeconfig K3s writes (`--write-kubeconfig`): one cluster, user and context,
/// all named `default`, with the CA and the client certificate embedded as base64 data.
public struct Kubeconfig: Sendable, Hashable {
    /// The API server URL (`https://127.0.0.1:6443`).
    public var server: String
    /// The PEM of the CA that signed the serving certificate.
    public var certificateAuthorityPEM: String
    /// The PEM of the client certificate.
    public var clientCertificatePEM: String
    /// The PEM of the client key.
    public var clientKeyPEM: String

    /// Creates a kubeconfig.
    public init(server: String, certificateAuthorityPEM: String, clientCertificatePEM: String, clientKeyPEM: String) {
        self.server = server
        self.certificateAuthorityPEM = certificateAuthorityPEM
        self.clientCertificatePEM = clientCertificatePEM
        self.clientKeyPEM = clientKeyPEM
    }

    /// The URL a local client reaches the API server at: loopback unless the server binds
    /// one specific address.
    public static func serverURL(for configuration: ServerConfiguration) -> String {
        let host: String
        let address = configuration.bindAddress
        if address.isUnspecified || address.isLoopback {
            host = "127.0.0.1"
        } else {
            host = address.family == .ipv4 ? address.description : "[\(address)]"
        }
        return "https://\(host):\(configuration.httpsListenPort)"
    }

    /// The YAML text, in the shape K3s writes.
    public var yaml: String {
        """
        apiVersion: v1
        clusters:
        - cluster:
            certificate-authority-data: \(Base64.encode(Array(certificateAuthorityPEM.utf8)))
            server: \(server)
          name: default
        contexts:
        - context:
            cluster: default
            user: default
          name: default
        current-context: default
        kind: Config
        preferences: {}
        users:
        - name: default
          user:
            client-certificate-data: \(Base64.encode(Array(clientCertificatePEM.utf8)))
            client-key-data: \(Base64.encode(Array(clientKeyPEM.utf8)))

        """
    }

    /// Writes the kubeconfig atomically with exactly `mode` as permissions, creating parent
    /// directories.
    public func write(to path: String, mode: UInt32) throws(FileSystemError) {
        try FileSystem.writeFile(yaml, to: path, mode: mode_t(mode))
    }
}
