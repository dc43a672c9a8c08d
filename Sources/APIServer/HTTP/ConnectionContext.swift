import NIOCore
import NIOSSL
import X509

/// What the server knows about a connection once TLS is up, computed once per connection and
/// copied into every request on it: the verified client certificate's identity and the peer
/// address.
struct ConnectionContext: Sendable {
    /// CN and O's of the verified client certificate, if the client presented one.
    var clientCertificate: ClientCertificate?
    /// `host:port` of the peer (`[::1]:port` for IPv6).
    var remoteAddress: String?

    /// Reads the context off a channel whose TLS handshake has completed. Must run on the
    /// channel's event loop.
    init(channel: any Channel) {
        let certificate = try? channel.pipeline.syncOperations.handler(type: NIOSSLHandler.self).peerCertificate
        clientCertificate = certificate.flatMap { Self.identity(of: $0) }
        remoteAddress = channel.remoteAddress.flatMap { Self.format($0) }
    }

    init(clientCertificate: ClientCertificate?, remoteAddress: String?) {
        self.clientCertificate = clientCertificate
        self.remoteAddress = remoteAddress
    }

    /// The identity a certificate carries: the subject's (last) common name and its
    /// organizations in order; `nil` when the DER does not parse.
    static func identity(of certificate: NIOSSLCertificate) -> ClientCertificate? {
        guard let der = try? certificate.toDERBytes() else { return nil }
        return identity(ofDER: der)
    }

    /// The identity in a DER-encoded certificate; `nil` when it does not parse.
    static func identity(ofDER der: [UInt8]) -> ClientCertificate? {
        guard let parsed = try? Certificate(derEncoded: der) else { return nil }
        var commonName = ""
        var organizations: [String] = []
        for rdn in parsed.subject {
            for attribute in rdn {
                if attribute.type == .RDNAttributeType.commonName {
                    commonName = String(attribute.value) ?? ""
                } else if attribute.type == .RDNAttributeType.organizationName, let value = String(attribute.value) {
                    organizations.append(value)
                }
            }
        }
        return ClientCertificate(commonName: commonName, organizations: organizations)
    }

    /// `ip:port`, or `[ip]:port` for IPv6.
    static func format(_ address: SocketAddress) -> String? {
        guard let ip = address.ipAddress, let port = address.port else { return nil }
        if case .v6 = address { return "[\(ip)]:\(port)" }
        return "\(ip):\(port)"
    }
}
