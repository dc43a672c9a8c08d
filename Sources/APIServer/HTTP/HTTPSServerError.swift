/// Why an ``HTTPSServer`` could not be set up or started.
public enum HTTPSServerError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The certificate chain PEM holds no usable certificate.
    case invalidCertificateChain(String)
    /// The private key PEM could not be read.
    case invalidPrivateKey(String)
    /// The client CA bundle PEM holds no usable certificate.
    case invalidClientCA(String)
    /// The TLS context could not be built from the credentials (a key that does not match the
    /// certificate, for instance).
    case invalidTLSConfiguration(String)
    /// `run()` was called while the server was already running, or after it stopped.
    case alreadyStarted
    /// The server was shut down before it could bind.
    case shutDown
    /// The server was configured without TLS credentials, so it has no listener.
    case notConfigured

    /// A readable explanation.
    public var description: String {
        switch self {
        case .invalidCertificateChain(let detail): "invalid serving certificate chain: \(detail)"
        case .invalidPrivateKey(let detail): "invalid serving private key: \(detail)"
        case .invalidClientCA(let detail): "invalid client CA bundle: \(detail)"
        case .invalidTLSConfiguration(let detail): "invalid TLS configuration: \(detail)"
        case .alreadyStarted: "the HTTPS server is already running or has stopped"
        case .shutDown: "the HTTPS server was shut down"
        case .notConfigured: "the API server has no TLS credentials, so it serves in-process clients only"
        }
    }
}
