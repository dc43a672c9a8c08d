/// What the API server needs to let nodes join: the CA bundle it serves at `/cacerts`, the
/// server token, and the signer of node certificates.
public struct NodeJoinConfiguration: Sendable {
    /// The server CA bundle (PEM) clients verify the serving certificate with; served verbatim
    /// at `/cacerts`, so its SHA-256 is the hash in K10 tokens.
    public var caBundlePEM: String
    /// The server token (K10 form or bare secret); `nil` accepts only bootstrap tokens.
    public var serverToken: String?
    /// Issues node client certificates.
    public var signer: any NodeCertificateSigner

    /// Creates a configuration.
    public init(caBundlePEM: String, serverToken: String?, signer: any NodeCertificateSigner) {
        self.caBundlePEM = caBundlePEM
        self.serverToken = serverToken
        self.signer = signer
    }
}
