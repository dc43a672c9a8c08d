import Foundation
import ClusterTesting
import Testing
@testable import Cluster

/// The `sd_notify` messages reach a datagram socket as systemd would receive them.
@Suite("systemd notifications")
struct SystemdNotifierTests {
    @Test("READY=1 and a status line arrive as one datagram on a socket file", arguments: [false, true])
    func notifiesOverASocket(abstract: Bool) throws {
        let listener = try NotifySocketListener(name: "k3s-notify-\(UUID().uuidString.prefix(8))", directory: NSTemporaryDirectory(), abstract: abstract)
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
