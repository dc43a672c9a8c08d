import NIOSSL

/// Where a proxied request goes: host, port, and the TLS context when the backend speaks
/// HTTPS.
struct BackendEndpoint: Sendable {
    /// Host name or IP address.
    var host: String
    /// TCP port.
    var port: Int
    /// TLS client context (`nil`: plain HTTP).
    var tls: NIOSSLContext?

    /// `host:port` for the `Host` header (`[v6]:port` for IPv6 addresses).
    var authority: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// The name TLS checks the certificate against: `nil` for IP addresses (checked against
    /// the address connected to).
    var serverHostname: String? {
        if host.contains(":") { return nil }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        let numeric = labels.count == 4 && labels.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isNumber) }
        return numeric ? nil : host
    }
}
