import Crypto
import Logging
import X509

/// A node's certificates on disk, under `DATA_DIR/agent` with K3s's names:
/// `client-kubelet.crt/.key` (the node's client certificate, `system:node:<name>`),
/// `serving-kubelet.crt/.key` (the kubelet API's serving certificate), `server-ca.crt` and
/// `client-ca.crt`. Keys are written 0600.
///
/// The node asks the server for fresh certificates at every start (as K3s agents do), so a
/// certificate near expiry or signed by a CA the server no longer uses is replaced then; the
/// private key in `client-kubelet.key` is kept across starts unless removed
/// (`k3s certificate rotate --service kubelet`).
public struct NodeCertificateFiles: Sendable {
    /// `DATA_DIR/agent`.
    public let directory: String

    /// The client certificate's base name.
    public static let clientName = "client-kubelet"
    /// The kubelet serving certificate's base name.
    public static let servingName = "serving-kubelet"

    /// Files in `directory` (`DATA_DIR/agent`).
    public init(directory: String) {
        self.directory = directory.trimmingTrailingSlash()
    }

    /// The path of a file in the folder.
    public func path(_ name: String) -> String { directory + "/" + name }

    /// The stored private key (PEM), when it parses.
    public func existingKeyPEM() -> String? {
        guard let text = try? FileSystem.readTextFile(path(Self.clientName + ".key")),
              (try? P256.Signing.PrivateKey(pemRepresentation: text)) != nil
        else { return nil }
        return text
    }

    /// The stored client certificate, when it parses.
    public func clientCertificate() -> Certificate? {
        guard let text = try? FileSystem.readTextFile(path(Self.clientName + ".crt")) else { return nil }
        return try? Certificate(pemEncoded: text)
    }

    /// Writes what a join returned.
    public func write(_ credentials: NodeCredentials) throws(FileSystemError) {
        try FileSystem.makeDirectories(directory, mode: 0o700)
        try FileSystem.writeFile(credentials.privateKeyPEM, to: path(Self.clientName + ".key"), mode: 0o600)
        try FileSystem.writeFile(credentials.certificatePEM, to: path(Self.clientName + ".crt"), mode: 0o644)
        if let serving = credentials.servingCertificatePEM {
            try FileSystem.writeFile(credentials.privateKeyPEM, to: path(Self.servingName + ".key"), mode: 0o600)
            try FileSystem.writeFile(serving, to: path(Self.servingName + ".crt"), mode: 0o644)
        }
        try FileSystem.writeFile(credentials.caBundlePEM, to: path("server-ca.crt"), mode: 0o644)
        if let clientCA = credentials.clientCAPEM {
            try FileSystem.writeFile(clientCA, to: path("client-ca.crt"), mode: 0o644)
        }
    }

    /// Why the stored client certificate needs renewing (`nil` when it is fine or absent):
    /// within 90 days of expiry, or not signed by `clientCAPEM`.
    public func renewalReason(clientCAPEM: String?, now: Date) -> String? {
        guard let certificate = clientCertificate() else { return nil }
        if certificate.notValidAfter.timeIntervalSince(now) < ClusterPKI.renewalWindow { return "expires within 90 days" }
        if let clientCAPEM, let ca = try? Certificate(pemEncoded: clientCAPEM),
           !(ca.publicKey.isValidSignature(certificate.signature, for: certificate) && certificate.issuer == ca.subject) {
            return "not signed by the server's current CA"
        }
        return nil
    }
}

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
