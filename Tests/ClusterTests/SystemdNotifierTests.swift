import Foundation
import Testing
@testable import Cluster

/// The `sd_notify` messages reach a datagram socket as systemd would receive them.
@Suite("systemd notifications")
struct SystemdNotifierTests {
    /// A bound datagram socket standing in for systemd's notification socket.
    final class Listener {
        let fd: Int32
        let address: String
        private let path: String?

        init(abstract: Bool) throws {
            fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
            let name = "k3s-notify-test-\(UUID().uuidString.prefix(8))"
            path = abstract ? nil : NSTemporaryDirectory() + name
            address = abstract ? "@" + name : path!
            var socketAddress = sockaddr_un()
            socketAddress.sun_family = sa_family_t(AF_UNIX)
            var bytes = Array(address.utf8)
            if abstract { bytes[0] = 0 }
            withUnsafeMutableBytes(of: &socketAddress.sun_path) { for (index, byte) in bytes.enumerated() { $0[index] = byte } }
            let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path)! + bytes.count + (abstract ? 0 : 1))
            let bound = withUnsafePointer(to: &socketAddress) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
            guard bound == 0 else { throw POSIXError(.EADDRINUSE) }
            var timeout = timeval(tv_sec: 10, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }

        deinit {
            close(fd)
            if let path { unlink(path) }
        }

        /// The next message, or `nil` after ten seconds without one.
        func receive() -> String? {
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            return count < 0 ? nil : String(decoding: buffer[0..<count], as: UTF8.self)
        }
    }

    @Test("READY=1 and a status line arrive as one datagram on a socket file", arguments: [false, true])
    func notifiesOverASocket(abstract: Bool) throws {
        let listener = try Listener(abstract: abstract)
        try SystemdNotifier(address: listener.address).notify(["READY=1", "STATUS=API server ready"])
        #expect(listener.receive() == "READY=1\nSTATUS=API server ready")
        try SystemdNotifier(address: listener.address).notify(["STOPPING=1"])
        #expect(listener.receive() == "STOPPING=1")
    }

    @Test("a socket nobody listens on is an error, not a crash")
    func missingSocketIsAnError() {
        #expect(throws: SystemdNotifierError.self) {
            try SystemdNotifier(address: NSTemporaryDirectory() + "k3s-no-such-socket-\(UUID().uuidString)").notify(["READY=1"])
        }
        #expect(throws: SystemdNotifierError.self) {
            try SystemdNotifier(address: "/" + String(repeating: "x", count: 200)).notify(["READY=1"])
        }
    }
}
