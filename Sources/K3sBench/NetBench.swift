import Foundation
import ServiceProxy

/// `k3s-bench net`: the service proxy's sync times (`service_sync_ms`) for N Services × M
/// endpoints, a full sync into an empty table and the sync after one endpoint changed, applied
/// by the real `nft` inside a network namespace the bench makes and removes (root).
struct NetBench {
    var serviceCounts: [Int]
    var endpointsPerService: Int

    func run() async throws {
        let netns = "k3sbench-net-\(UUID().uuidString.lowercased().prefix(8))"
        let made = try runCommand("/usr/sbin/ip", ["netns", "add", netns])
        guard made.status == 0 else { throw BenchError("cannot make the namespace \(netns): \(made.stderr)") }
        defer { _ = try? runCommand("/usr/sbin/ip", ["netns", "delete", netns]) }
        for services in serviceCounts {
            FileHandle.standardError.write(Data("net: \(services) services × \(endpointsPerService) endpoints\n".utf8))
            let result = try await ServiceProxyBench.run(
                services: services, endpointsPerService: endpointsPerService, runner: CommandNFTablesRunner(networkNamespace: netns))
            for (change, took, bytes) in [("full", result.fullSync, result.fullScriptBytes),
                                          ("one_endpoint", result.oneEndpointChange, result.changeScriptBytes)] {
                let figure = Figure(
                    suite: "net", backend: "nftables", name: "service_sync_ms",
                    parameters: [("services", .int(services)), ("endpoints", .int(endpointsPerService)), ("change", .string(change)),
                                 ("script_bytes", .int(bytes))],
                    value: Double(took.components.seconds) * 1000 + Double(took.components.attoseconds) / 1e15, unit: "ms")
                FileHandle.standardOutput.write(Data((figure.jsonLine + "\n").utf8))
            }
        }
    }
}
