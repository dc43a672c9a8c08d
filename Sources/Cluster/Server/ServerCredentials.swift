import Logging

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What a starting server needs before it can serve: its PKI and its join token, created on
/// first start under `DATA_DIR/server/` and reused afterwards.
public struct ServerCredentials: Sendable {
    /// The certificates and keys (for the transport: ``ClusterPKI/servingCertificateChainPEM``,
    /// ``ClusterPKI/servingKeyPEM``, ``ClusterPKI/clientCAPEM``; for the token signer:
    /// ``ClusterPKI/serviceAccountKey``).
    public let pki: ClusterPKI
    /// The server token (also in `DATA_DIR/server/token` and `node-token`).
    public let nodeToken: NodeToken

    /// Creates or loads the PKI under `DATA_DIR/server/tls/` with the serving names the
    /// configuration implies, then the server token.
    public static func prepare(
        configuration: ServerConfiguration,
        now: Date = Date(),
        logger: Logger
    ) throws(PKIError) -> ServerCredentials {
        let pki = try ClusterPKI.loadOrCreate(
            directory: configuration.tlsDirectory,
            serving: ServingIdentity(configuration: configuration),
            now: now,
            logger: logger
        )
        let token = try NodeToken.loadOrCreate(
            serverDirectory: configuration.serverDirectory,
            configured: configuration.token,
            serverCAPEM: pki.serverCAPEM,
            logger: logger
        )
        return ServerCredentials(pki: pki, nodeToken: token)
    }

    /// The admin kubeconfig for this server (admin client certificate, server CA).
    public func kubeconfig(for configuration: ServerConfiguration) -> Kubeconfig {
        Kubeconfig(
            server: Kubeconfig.serverURL(for: configuration),
            certificateAuthorityPEM: pki.serverCAPEM,
            clientCertificatePEM: pki.admin.certificatePEM,
            clientKeyPEM: pki.admin.privateKeyPEM
        )
    }

    /// Writes the admin kubeconfig to `--write-kubeconfig` with `--write-kubeconfig-mode`.
    public func writeKubeconfig(for configuration: ServerConfiguration) throws(FileSystemError) {
        try kubeconfig(for: configuration).write(to: configuration.writeKubeconfig, mode: configuration.writeKubeconfigMode)
    }
}
