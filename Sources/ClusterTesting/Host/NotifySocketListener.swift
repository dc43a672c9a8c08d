#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A bound Unix datagram socket standing in for systemd's notification socket in tests: hand
/// ``address`` to a process as `NOTIFY_SOCKET` and read what it reports with ``receive(timeout:)``.
public final class NotifySocketListener: @unchecked Sendable {
    /// What to put in `NOTIFY_SOCKET`: the socket file's path, or `@name` for an abstract socket.
    public let address: String
    private let fd: Int32
    private let path: String?

    /// Binds a socket named `name`: a file in `directory`, or with `abstract` one in the abstract
    /// namespace (no file).
    public init(name: String, directory: String = "/tmp", abstract: Bool = false) throws(NotifySocketError) {
        path = abstract ? nil : directory + "/" + name
        address = abstract ? "@" + name : directory + "/" + name
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw NotifySocketError(description: "socket: errno \(errno)") }
        var socketAddress = sockaddr_un()
        socketAddress.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(address.utf8)
        if abstract { bytes[0] = 0 }
        guard bytes.count < MemoryLayout.size(ofValue: socketAddress.sun_path) else {
            close(fd)
            throw NotifySocketError(description: "address \(address) is too long")
        }
        withUnsafeMutableBytes(of: &socketAddress.sun_path) { for (index, byte) in bytes.enumerated() { $0[index] = byte } }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path)! + bytes.count + (abstract ? 0 : 1))
        let bound = withUnsafePointer(to: &socketAddress) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard bound == 0 else {
            let code = errno
            close(fd)
            throw NotifySocketError(description: "bind \(address): errno \(code)")
        }
    }

    deinit {
        close(fd)
        if let path { unlink(path) }
    }

    /// The next message, or `nil` when none comes within `timeout` seconds.
    public func receive(timeout seconds: Int = 10) -> String? {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, Int32(seconds * 1000)) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        return count < 0 ? nil : String(decoding: buffer[0..<count], as: UTF8.self)
    }
}

/// Why a notification socket could not be made.
public struct NotifySocketError: Error, CustomStringConvertible {
    /// What went wrong.
    public var description: String
}
