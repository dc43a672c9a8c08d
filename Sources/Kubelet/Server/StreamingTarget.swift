/// Where the runtime's streaming server serves one prepared exec, attach or port-forward: the
/// `http://host:port/path?query` URL CRI returns, split for the upgrade proxy.
struct StreamingTarget: Sendable, Hashable {
    var host: String
    var port: Int
    /// Path and query to request (`/exec/Zk3cTe1x?port=80`).
    var target: String

    /// Parses `url`; the client's query is passed on when the URL has none (WebSocket
    /// port-forward names its ports there).
    ///
    /// - Throws: ``KubeletServerError`` for a URL that is not `http://host[:port]/...`.
    init(url: String, clientQuery: String) throws(KubeletServerError) {
        guard url.hasPrefix("http://") else {
            throw KubeletServerError("only http:// streaming URLs are supported (got \(url))")
        }
        let rest = url.dropFirst("http://".count)
        let slash = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        let authority = rest[..<slash]
        var path = String(rest[slash...])
        if path.isEmpty || path.hasPrefix("?") { path = "/" + path }
        if !path.contains("?"), !clientQuery.isEmpty { path += "?" + clientQuery }
        var host = String(authority)
        var port = 80
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw KubeletServerError("malformed host in \(url)") }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") {
                guard let value = Int(after.dropFirst()) else { throw KubeletServerError("malformed port in \(url)") }
                port = value
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = String(authority[..<colon])
            guard let value = Int(authority[authority.index(after: colon)...]) else { throw KubeletServerError("malformed port in \(url)") }
            port = value
        }
        guard !host.isEmpty, (1...65535).contains(port) else { throw KubeletServerError("malformed host or port in \(url)") }
        self.host = host
        self.port = port
        self.target = path
    }

    /// The `Host` header value.
    var hostHeader: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
