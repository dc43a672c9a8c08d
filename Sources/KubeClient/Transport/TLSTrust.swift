/// How the transport checks the server's certificate.
public enum TLSTrust: Sendable, Hashable {
    /// Trust only certificates chaining to these CA certificates (PEM); the certificate must
    /// name the host (or the IP address) connected to.
    case certificateAuthorities(String)
    /// Accept any certificate. Only for fetching the CA itself during a join (whose hash is then
    /// checked by the caller) or when the operator explicitly asks for it.
    case insecureSkipVerify
}

/// A client certificate and its private key, both PEM.
public struct ClientCertificateCredentials: Sendable, Hashable {
    /// The certificate chain, leaf first.
    public var certificatePEM: String
    /// The private key.
    public var privateKeyPEM: String

    /// Creates credentials.
    public init(certificatePEM: String, privateKeyPEM: String) {
        self.certificatePEM = certificatePEM
        self.privateKeyPEM = privateKeyPEM
    }
}
