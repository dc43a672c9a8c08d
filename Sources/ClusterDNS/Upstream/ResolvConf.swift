import FoundationEssentials
import NIOCore

/// The upstream resolvers of a `resolv.conf` file: its `nameserver` lines, port 53.
public enum ResolvConf {
    /// The `nameserver` addresses of `text`, in order (comments and other lines ignored, at most
    /// `limit` servers, as the C library keeps three by default).
    public static func nameservers(in text: String, limit: Int = 15) -> [SocketAddress] {
        var servers: [SocketAddress] = []
        for line in text.split(whereSeparator: \.isNewline) {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 2, fields[0] == "nameserver", !fields[1].hasPrefix("#") else { continue }
            // A zone index (`fe80::1%eth0`) is dropped.
            let host = String(fields[1].split(separator: "%").first ?? fields[1])
            if let address = try? SocketAddress(ipAddress: host, port: 53) { servers.append(address) }
            if servers.count == limit { break }
        }
        return servers
    }

    /// The `nameserver` addresses of the file at `path`.
    public static func nameservers(atPath path: String) throws -> [SocketAddress] {
        let data = try Data(contentsOf: URL(filePath: path))
        return nameservers(in: String(decoding: data, as: UTF8.self))
    }
}
