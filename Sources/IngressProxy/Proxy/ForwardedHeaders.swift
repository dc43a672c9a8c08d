import NIOCore
import NIOHTTP1

/// The header rewriting of a reverse proxy: hop-by-hop headers removed in both directions, and
/// the `X-Forwarded-*` and `X-Real-IP` headers added to requests.
enum ForwardedHeaders {
    /// Headers that describe one connection, never forwarded (besides those `Connection`
    /// names).
    static let hopByHop: Set<String> = ["connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"]

    /// `headers` without hop-by-hop headers and those the `Connection` header names.
    static func stripped(_ headers: HTTPHeaders) -> HTTPHeaders {
        var named = hopByHop
        for value in headers[canonicalForm: "connection"] { named.insert(value.lowercased()) }
        var result = HTTPHeaders()
        for (name, value) in headers where !named.contains(name.lowercased()) { result.add(name: name, value: value) }
        return result
    }

    /// Whether a request asks to switch protocols (`Connection: upgrade` with an `Upgrade`).
    static func isUpgrade(_ head: HTTPRequestHead) -> Bool {
        head.headers.contains(name: "upgrade")
            && head.headers[canonicalForm: "connection"].contains { $0.lowercased() == "upgrade" }
    }

    /// The request to send to an endpoint: HTTP/1.1, hop-by-hop headers removed (`Upgrade`
    /// kept for an upgrade request), forwarding headers set. `X-Forwarded-For` gets the client
    /// appended; the others are replaced.
    static func request(_ head: HTTPRequestHead, client: SocketAddress?, scheme: String, port: Int?, upgrade: Bool) -> HTTPRequestHead {
        var headers = stripped(head.headers)
        if upgrade {
            for value in head.headers["upgrade"] { headers.add(name: "upgrade", value: value) }
            headers.add(name: "connection", value: "upgrade")
        }
        let clientIP = client?.ipAddress
        if let clientIP {
            let previous = head.headers[canonicalForm: "x-forwarded-for"].map(String.init)
            headers.replaceOrAdd(name: "x-forwarded-for", value: (previous + [clientIP]).joined(separator: ", "))
            headers.replaceOrAdd(name: "x-real-ip", value: clientIP)
        }
        headers.replaceOrAdd(name: "x-forwarded-proto", value: scheme)
        if let host = head.headers.first(name: "host") { headers.replaceOrAdd(name: "x-forwarded-host", value: host) }
        if let port { headers.replaceOrAdd(name: "x-forwarded-port", value: String(port)) }
        return HTTPRequestHead(version: .http1_1, method: head.method, uri: head.uri, headers: headers)
    }
}
