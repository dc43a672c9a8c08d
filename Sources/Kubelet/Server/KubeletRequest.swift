import KubeAPI
import NIOHTTP1

/// One request to the kubelet API, read in full (bodies are small), with the identity of the
/// connection's verified client certificate.
struct KubeletRequest: Sendable {
    /// The request line and headers as received.
    var head: HTTPRequestHead
    /// The percent-decoded path segments (`["containerLogs", "default", "web", "nginx"]`).
    var segments: [String]
    /// The decoded path.
    var path: String
    /// The raw query (after `?`), empty when none.
    var rawQuery: String
    /// The decoded query parameters in order (a name may repeat).
    var query: [(name: String, value: String)]
    /// The body.
    var body: [UInt8]
    /// The user of the verified client certificate, if one was presented.
    var certificateUser: KubeletUser?

    /// Splits the request target; `nil` for a malformed percent escape.
    init?(head: HTTPRequestHead, body: [UInt8], certificateUser: KubeletUser?) {
        self.head = head
        self.body = body
        self.certificateUser = certificateUser
        let target = head.uri
        let mark = target.firstIndex(of: "?")
        let rawPath = mark.map { String(target[..<$0]) } ?? target
        rawQuery = mark.map { String(target[target.index(after: $0)...]) } ?? ""
        guard let path = Self.percentDecode(rawPath, plusIsSpace: false) else { return nil }
        self.path = path
        segments = rawPath.split(separator: "/").compactMap { Self.percentDecode(String($0), plusIsSpace: false) }
        var query: [(name: String, value: String)] = []
        for pair in rawQuery.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = Self.percentDecode(String(parts[0]), plusIsSpace: true),
                  let value = Self.percentDecode(parts.count > 1 ? String(parts[1]) : "", plusIsSpace: true)
            else { return nil }
            query.append((name, value))
        }
        self.query = query
    }

    /// The values of a query parameter, in order.
    func values(_ name: String) -> [String] { query.filter { $0.name == name }.map(\.value) }

    /// The last value of a query parameter.
    func value(_ name: String) -> String? { query.last { $0.name == name }?.value }

    /// Whether the request asks for a protocol upgrade (`Connection: Upgrade` and an `Upgrade`
    /// header), as SPDY and WebSocket clients do.
    var isUpgrade: Bool {
        let connection = head.headers[canonicalForm: "connection"].map { $0.lowercased() }
        return connection.contains("upgrade") && !head.headers["upgrade"].isEmpty
    }

    /// The bearer token of `Authorization: Bearer <token>`.
    var bearerToken: String? {
        guard let value = head.headers.first(name: "authorization") else { return nil }
        let parts = value.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingSpaces()
        return token.isEmpty ? nil : token
    }

    static func percentDecode(_ text: String, plusIsSpace: Bool) -> String? {
        guard text.utf8.contains(where: { $0 == UInt8(ascii: "%") || (plusIsSpace && $0 == UInt8(ascii: "+")) }) else { return text }
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8)[...]
        while let byte = iterator.popFirst() {
            if byte == UInt8(ascii: "+"), plusIsSpace {
                bytes.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%") {
                guard let high = iterator.popFirst().flatMap(hex), let low = iterator.popFirst().flatMap(hex) else { return nil }
                bytes.append(high << 4 | low)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
