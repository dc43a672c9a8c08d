import ClusterDNS
import Foundation
import KubeAPI
import Logging
import NIOCore
import NIOPosix

/// `k3s-bench dns`: answers per second of the built-in cluster DNS server for a Service name
/// (`dns_qps`), on loopback, with the built-in UDP load generator in the same process on its own
/// event loop.
struct DNSBench {
    /// Services in the index (the answer is a hash lookup, so this is about memory, not speed).
    var services: Int
    /// Event loops of the server (one UDP socket each).
    var serverThreads: Int
    /// Sender sockets and queries in flight per socket.
    var senders: Int
    var window: Int
    var seconds: Int

    func run() async throws {
        let source = InMemoryDNSRecordSource()
        for number in 0..<services {
            var spec = CoreV1.ServiceSpec()
            let address = "10.43.\(number / 250).\(number % 250 + 1)"
            spec.clusterIP = address
            spec.clusterIPs = [address]
            spec.ports = [CoreV1.ServicePort(name: "http", port: 80, protocol: "TCP")]
            source.apply(CoreV1.Service(metadata: MetaV1.ObjectMeta(name: "svc-\(number)", namespace: "default"), spec: spec))
        }
        let serverGroup = MultiThreadedEventLoopGroup(numberOfThreads: serverThreads)
        let clientGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = ClusterDNSServer(
            configuration: .init(host: "127.0.0.1", port: 0), resolver: ClusterDNSResolver(), source: source, forwarder: nil,
            group: serverGroup, logger: Logger(label: "dns-bench"))
        let running = try await server.start()
        let generator = DNSLoadGenerator(
            server: running.udpAddress, question: DNSQuestion(name: try DNSName("svc-7.default.svc.cluster.local"), type: .a),
            senders: senders, window: window)
        let result = try await generator.run(duration: .seconds(seconds), group: clientGroup)
        await running.stop()
        try await serverGroup.shutdownGracefully()
        try await clientGroup.shutdownGracefully()
        let parameters: [(String, Figure.Parameter)] = [
            ("services", .int(services)), ("server_threads", .int(serverThreads)), ("senders", .int(senders)), ("window", .int(window)),
            ("cores", .int(ProcessInfo.processInfo.activeProcessorCount)),
        ]
        let figure = Figure(suite: "net", backend: "cluster-dns", name: "dns_qps", parameters: parameters, value: result.answersPerSecond.rounded(), unit: "answers/s")
        FileHandle.standardOutput.write(Data((figure.jsonLine + "\n").utf8))
        if result.errors > 0 { FileHandle.standardError.write(Data("dns bench: \(result.errors) answers were not NOERROR\n".utf8)) }
    }
}
