#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import KubeAPI

/// Facts about the machine the server runs on, read from the operating system.
public enum HostNetwork {
    /// The host name (`gethostname`), lower-cased as Kubernetes node names must be; `localhost`
    /// if the system reports none.
    public static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        let name = String(decoding: bytes, as: UTF8.self).lowercased()
        return name.isEmpty ? "localhost" : name
    }

    /// Every IPv4 address of an interface that is up, in the order the system lists them.
    public static func interfaceIPv4Addresses() -> [IPAddress] {
        var head: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&head) == 0, let first = head else { return [] }
        defer { freeifaddrs(head) }
        var result: [IPAddress] = []
        var cursor: UnsafeMutablePointer<ifaddrs>? = first
        while let entry = cursor {
            defer { cursor = entry.pointee.ifa_next }
            guard let address = entry.pointee.ifa_addr,
                  address.pointee.sa_family == sa_family_t(AF_INET),
                  entry.pointee.ifa_flags & UInt32(IFF_UP) != 0
            else { continue }
            let value = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                UInt32(bigEndian: $0.pointee.sin_addr.s_addr)
            }
            result.append(IPAddress(ipv4: value))
        }
        return result
    }

    /// The first non-loopback IPv4 address of the host, else `127.0.0.1`: K3s's default for
    /// `--advertise-address`.
    public static func defaultAdvertiseAddress() -> IPAddress {
        interfaceIPv4Addresses().first { !$0.isLoopback && !$0.isUnspecified } ?? .ipv4Loopback
    }
}
