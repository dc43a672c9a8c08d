import KubeAPI

/// Where an API server listens: host, port and an optional path prefix, from an
/// `https://host[:port][/prefix]` URL.
public struct ServerEndpoint: Sendable, Hashable, CustomStringConvertible {
    /// The host name or IP address (IPv6 without brackets).
    public var host: String
    /// The TCP port (443 when the URL names none).
    public var port: Int
    /// A path prefix every request path is appended to (empty or `/something` without a
    /// trailing slash).
    public var pathPrefix: String

    /// Creates an endpoint.
    public init(host: String, port: Int, pathPrefix: String = "") {
        self.host = host
        self.port = port
        self.pathPrefix = pathPrefix
    }

    /// Parses an `https://` URL.
    ///
    /// - Throws: ``HTTPSTransportError/invalidServerURL(_:)``.
    public init(url: String) throws(HTTPSTransportError) {
        guard url.hasPrefix("https://") else { throw .invalidServerURL("\(url) (only https:// is supported)") }
        var rest = Substring(url.dropFirst("https://".count))
        var prefix = ""
        if let slash = rest.firstIndex(of: "/") {
            prefix = String(rest[slash...])
            rest = rest[..<slash]
        }
        while prefix.hasSuffix("/") { prefix.removeLast() }
        var host: Substring
        var portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw .invalidServerURL("\(url) (unclosed IPv6 bracket)") }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if after.hasPrefix(":") { portText = after.dropFirst() } else if !after.isEmpty {
                throw .invalidServerURL(url)
            }
        } else if let colon = rest.lastIndex(of: ":") {
            host = rest[..<colon]
            portText = rest[rest.index(after: colon)...]
        } else {
            host = rest
        }
        guard !host.isEmpty else { throw .invalidServerURL("\(url) (no host)") }
        var port = 443
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value) else { throw .invalidServerURL("\(url) (bad port)") }
            port = value
        }
        self.init(host: String(host), port: port, pathPrefix: prefix)
    }

    /// Whether the host is an IP address literal (no SNI, verified against IP SANs).
    public var hostIsIPAddress: Bool { IPAddress(host) != nil }

    /// The `Host` header value.
    var hostHeader: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port == 443 ? name : "\(name):\(port)"
    }

    /// `https://host:port/prefix`.
    public var description: String { "https://\(host.contains(":") ? "[\(host)]" : host):\(port)\(pathPrefix)" }
}
