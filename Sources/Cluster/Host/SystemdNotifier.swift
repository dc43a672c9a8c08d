#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Tells the service manager about this process's state over the `sd_notify` protocol: one
/// datagram of `KEY=value` lines to the Unix socket systemd names in `NOTIFY_SOCKET` (a path, or
/// an abstract address written with a leading `@`). It is how a `Type=notify` unit learns that
/// `k3s` is ready (`READY=1`) or stopping (`STOPPING=1`).
public struct SystemdNotifier: Sendable, Hashable {
    /// The socket address: a file path, or `@name` for the abstract namespace.
    public var address: String

    /// A notifier sending to `address`.
    public init(address: String) { self.address = address }

    /// The notifier `NOTIFY_SOCKET` asks for, or `nil` when the process was not started by a
    /// service manager expecting notifications. The variable is removed from the environment, so
    /// that the processes k3s starts (containerd speaks the same protocol) do not notify for it.
    public static func fromEnvironment() -> SystemdNotifier? {
        guard let value = getenv("NOTIFY_SOCKET").map({ String(cString: $0) }) else { return nil }
        unsetenv("NOTIFY_SOCKET")
        guard value.hasPrefix("/") || value.hasPrefix("@") else { return nil }
        return SystemdNotifier(address: value)
    }

    /// Sends `fields` (such as `["READY=1", "STATUS=serving"]`) as one message.
    ///
    /// - Throws: ``SystemdNotifierError`` when the socket cannot be reached.
    public func notify(_ fields: [String]) throws(SystemdNotifierError) {
        var socketAddress = sockaddr_un()
        socketAddress.sun_family = sa_family_t(AF_UNIX)
        var path = Array(address.utf8)
        if path.first == UInt8(ascii: "@") { path[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: socketAddress.sun_path)
        guard path.count < capacity else { throw SystemdNotifierError("socket address \(address) is too long") }
        withUnsafeMutableBytes(of: &socketAddress.sun_path) { buffer in
            for (index, byte) in path.enumerated() { buffer[index] = byte }
        }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path)! + path.count + (path.first == 0 ? 0 : 1))
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemdNotifierError("socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let message = Array(fields.joined(separator: "\n").utf8)
        let sent = withUnsafePointer(to: &socketAddress) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { target in
                message.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), target, length) }
            }
        }
        guard sent == message.count else { throw SystemdNotifierError("sending to \(address): \(String(cString: strerror(errno)))") }
    }
}

/// Why a notification could not be sent.
public struct SystemdNotifierError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public var description: String
    init(_ description: String) { self.description = description }
}
