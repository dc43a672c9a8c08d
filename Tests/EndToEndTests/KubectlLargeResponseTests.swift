import Foundation
import Testing

/// Responses larger than a Go client's first HTTP/2 flow-control window (4 MiB).
@Suite(.enabled(if: K3sServerProcess.kubectlAvailable, "needs kubectl on PATH"))
struct KubectlLargeResponseTests {
    @Test func aListLargerThanTheClientsFirstWindowArrivesWhole() async throws {
        let server = try await K3sServerProcess.start()
        defer { server.stop() }
        let count = 1_200
        let filler = String(repeating: "x", count: 5_000)
        let items = (0..<count).map { i in
            #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"big-\#(i)","namespace":"default"},"data":{"d":"\#(filler)"}}"#
        }
        let list = #"{"apiVersion":"v1","kind":"List","items":["# + items.joined(separator: ",") + "]}"
        _ = try await server.kubectlOK("create", "-f", "-", "--validate=false", stdin: list)

        // kubectl speaks HTTP/2 and opens a 4 MiB window per stream; this body is about 6 MB,
        // so its end waits in the stream for the window to open again.
        let raw = try await server.kubectl("get", "--raw", "/api/v1/namespaces/default/configmaps")
        #expect(raw.status == 0, "get --raw failed: \(raw.stderr)")
        #expect(raw.stdout.utf8.count > 6_000_000)
        let decoded = try JSONSerialization.jsonObject(with: Data(raw.stdout.utf8)) as? [String: Any]
        let names = (decoded?["items"] as? [[String: Any]] ?? []).compactMap { ($0["metadata"] as? [String: Any])?["name"] as? String }
        #expect(names.filter { $0.hasPrefix("big-") }.count == count)

        let unpaged = try await server.kubectlOK("get", "configmaps", "--chunk-size=0", "-o", "name")
        #expect(unpaged.split(separator: "\n").filter { $0.hasPrefix("configmap/big-") }.count == count)
    }
}
