/// The paths of the node-join endpoints, served by the API server on its own port and called by
/// joining nodes (`k3s agent`). This module is the contract both sides import; neither side
/// needs the other's code.
public enum NodeJoinPaths {
    /// `GET`, no authentication: the server CA bundle (PEM), byte for byte, whose SHA-256 is the
    /// CA hash in K10 join tokens.
    public static let caCertificates = "/cacerts"
    /// `POST` with a join token: a ``NodeCertificateRequest`` in, a ``NodeCertificateResponse`` out.
    public static let nodeCertificate = "/v1-k3s/node-certificate"
}
