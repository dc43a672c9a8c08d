/// Why the HTTPS transport could not carry a request (HTTP error statuses are not errors: they
/// are returned as responses).
public enum HTTPSTransportError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The server URL is not `https://host[:port][/path]`.
    case invalidServerURL(String)
    /// The TLS material (CA bundle, client certificate or key) cannot be read.
    case invalidTLSMaterial(String)
    /// The TCP connection or TLS handshake failed.
    case connectFailed(String)
    /// The TLS handshake failed (an untrusted or mismatching server certificate, a refused
    /// client certificate).
    case tlsHandshakeFailed(String)
    /// The connection closed (or failed) before the whole response arrived.
    case connectionClosed(String)
    /// The server's response could not be parsed.
    case invalidResponse(String)
    /// A kubeconfig could not be read or lacks what is needed.
    case invalidKubeconfig(String)

    /// A message naming the failure.
    public var description: String {
        switch self {
        case .invalidServerURL(let text): "invalid server URL: \(text)"
        case .invalidTLSMaterial(let text): "invalid TLS material: \(text)"
        case .connectFailed(let text): "cannot connect to the API server: \(text)"
        case .tlsHandshakeFailed(let text): "TLS handshake with the API server failed: \(text)"
        case .connectionClosed(let text): "connection to the API server lost: \(text)"
        case .invalidResponse(let text): "invalid response from the API server: \(text)"
        case .invalidKubeconfig(let text): "invalid kubeconfig: \(text)"
        }
    }

    /// Whether the request certainly did not reach the server (safe to retry for any method).
    var isConnectFailure: Bool {
        if case .connectFailed = self { return true }
        return false
    }
}
