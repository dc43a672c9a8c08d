import ClusterTesting
import Foundation
import Testing

/// Under a `Type=notify` unit systemd learns from `k3s server` that it is ready and that it is
/// stopping, over the socket `NOTIFY_SOCKET` names.
@Suite("systemd notifications from k3s server")
struct ServiceNotifyTests {
    @Test("READY=1 once the API answers, STOPPING=1 on SIGTERM")
    func serverNotifies() async throws {
        let listener = try NotifySocketListener(name: "k3s-e2e-notify-\(UUID().uuidString.prefix(8))")
        let server = try await K3sServerProcess.start(environment: ["NOTIFY_SOCKET": listener.address])
        defer { server.stop() }
        let ready = listener.receive(timeout: 30)
        #expect(ready?.hasPrefix("READY=1\nSTATUS=API server ready on port ") == true, "\(ready ?? "nothing")\n\(server.log)")
        // The API answered before the notification.
        #expect(try await server.kubectlOK("get", "--raw", "/readyz") == "ok")
        server.stop()
        #expect(listener.receive(timeout: 30) == "STOPPING=1")
    }
}
