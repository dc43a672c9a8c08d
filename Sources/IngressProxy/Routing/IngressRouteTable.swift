import NIOCore

/// The compiled routes of every served Ingress: hosts to path rules to backends, the default
/// backend, and the TLS certificate for each host. A value: the proxy reads a snapshot per
/// request.
///
/// Host matching: an exact host first, then a wildcard (`*.example.com` matches one extra
/// label, `a.example.com` but not `example.com` or `a.b.example.com`), then rules with no host.
/// Within a host, the longest matching path wins and `Exact` beats `Prefix` at equal length;
/// when nothing of that host matches, the next, less specific host group is tried, and then
/// the default backend.
public struct IngressRouteTable: Sendable {
    /// One path rule with its backend.
    public struct Route: Sendable {
        /// The path and how it matches.
        public var path: IngressPathRule
        /// Where matching requests go.
        public var backend: IngressBackendTarget
    }

    /// The certificate of a TLS host: a `kubernetes.io/tls` Secret's PEM data.
    public struct Certificate: Sendable, Hashable {
        /// `namespace/name` of the Secret.
        public var secret: String
        /// The Secret's resource version (certificates are cached by it).
        public var version: String
        /// `tls.crt`: the certificate chain, PEM.
        public var certificatePEM: [UInt8]
        /// `tls.key`: the private key, PEM.
        public var privateKeyPEM: [UInt8]

        /// Creates a certificate entry.
        public init(secret: String, version: String, certificatePEM: [UInt8], privateKeyPEM: [UInt8]) {
            self.secret = secret
            self.version = version
            self.certificatePEM = certificatePEM
            self.privateKeyPEM = privateKeyPEM
        }
    }

    /// Routes of exact hosts (lowercased).
    public var exactHosts: [String: [Route]] = [:]
    /// Routes of wildcard hosts, by the suffix after `*.` (lowercased).
    public var wildcardHosts: [String: [Route]] = [:]
    /// Routes of rules with no host.
    public var anyHost: [Route] = []
    /// The backend of requests nothing else matches (the oldest Ingress's `defaultBackend`).
    public var defaultBackend: IngressBackendTarget?
    /// Certificates of exact TLS hosts.
    public var exactCertificates: [String: Certificate] = [:]
    /// Certificates of wildcard TLS hosts, by the suffix after `*.`.
    public var wildcardCertificates: [String: Certificate] = [:]
    /// `namespace/name` of every Ingress this table serves.
    public var servedIngresses: [String] = []

    /// An empty table: every request is answered 404.
    public init() {}

    /// The backend for a request to `host` (the `Host` header, any port removed) and `path`
    /// (the request target; a query is ignored), or `nil` (404).
    public func backend(host: String, path target: String) -> IngressBackendTarget? {
        let path = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? "/"
        let name = Self.normalizedHost(host)
        if let routes = exactHosts[name], let match = Self.bestMatch(routes, path) { return match }
        if let suffix = Self.wildcardSuffix(of: name), let routes = wildcardHosts[suffix], let match = Self.bestMatch(routes, path) {
            return match
        }
        if let match = Self.bestMatch(anyHost, path) { return match }
        return defaultBackend
    }

    /// The certificate to present for a TLS server name, or `nil` (the default certificate).
    public func certificate(serverName: String) -> Certificate? {
        let name = Self.normalizedHost(serverName)
        if let exact = exactCertificates[name] { return exact }
        if let suffix = Self.wildcardSuffix(of: name) { return wildcardCertificates[suffix] }
        return nil
    }

    /// The best route of `routes` for `path`: routes are kept sorted most specific first.
    static func bestMatch(_ routes: [Route], _ path: Substring) -> IngressBackendTarget? {
        routes.first { $0.path.matches(path) }?.backend
    }

    /// A host name lowercased, without a port or a trailing dot (`[::1]:80` keeps its brackets).
    static func normalizedHost(_ host: String) -> String {
        var name = Substring(host)
        if name.hasPrefix("[") {
            if let close = name.firstIndex(of: "]") { name = name[...close] }
        } else if let colon = name.lastIndex(of: ":") {
            name = name[..<colon]
        }
        if name.hasSuffix(".") { name = name.dropLast() }
        return name.lowercased()
    }

    /// The part of `host` a wildcard covering it names (`a.example.com` → `example.com`).
    static func wildcardSuffix(of host: String) -> String? {
        guard let dot = host.firstIndex(of: "."), dot != host.startIndex else { return nil }
        let suffix = host[host.index(after: dot)...]
        return suffix.isEmpty ? nil : String(suffix)
    }
}
