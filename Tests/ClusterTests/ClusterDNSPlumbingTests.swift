import Foundation
import KubeAPI
import Kubelet
import Logging
import Testing
@testable import Cluster

/// `k3s server --cluster-dns` reaches the kubelets of the nodes that join it: the server hands
/// the addresses out with each node's certificate, and the agent puts them into its kubelets'
/// configuration. `--cluster-cidr` and `--service-cidr` travel the same way, for the overlay.
@Suite struct ClusterDNSPlumbingTests {
    let logger = Logger(label: "test.cluster-dns", factory: { _ in SwiftLogNoOpLogHandler() })

    @Test func aServersClusterDNSReachesItsNodesKubelets() async throws {
        let tmp = try TemporaryDirectory()
        var options = ServerOptions()
        options.set("data-dir", tmp.path)
        options.set("https-listen-port", "0")
        options.set("bind-address", "127.0.0.1")
        options.set("advertise-address", "127.0.0.1")
        options.set("write-kubeconfig", tmp.file("kubeconfig.yaml"))
        options.set("cluster-dns", "10.43.0.99")
        options.set("cluster-domain", "example.internal")
        options.set("cluster-cidr", "10.244.0.0/16")
        options.set("disable-scheduler", flag: true)
        options.set("disable-controller-manager", flag: true)
        options.append("disable", ["traefik"])
        // The test joins by hand: no node of the server's own (containerd, overlay) on this host.
        options.set("disable-agent", flag: true)
        let configuration = try ServerConfiguration(options: options, host: testHost)
        #expect(configuration.clusterDNS.map(\.description) == ["10.43.0.99"])

        let (ports, portsContinuation) = AsyncStream.makeStream(of: Int.self)
        let logger = self.logger
        let server = Task {
            defer { portsContinuation.finish() }
            try await Server(configuration: configuration, logger: logger).run { _, port in portsContinuation.yield(port) }
        }
        var readyPorts = ports.makeAsyncIterator()
        guard let port = await readyPorts.next() else {
            let outcome = await server.result
            Issue.record("the server stopped before it was ready: \(outcome)")
            return
        }
        defer { server.cancel() }

        let token = try #require(Agent.readToken(file: configuration.nodeTokenPath))
        let joined = try await NodeJoiner(server: "https://127.0.0.1:\(port)", token: token, nodeName: "n1", logger: logger).join()
        #expect(joined.clusterDNS == ["10.43.0.99"])
        #expect(joined.clusterDomain == "example.internal")
        #expect(joined.disabledComponents == ["traefik"], "nodes learn what the server runs without")
        // The networks travel too, for the node's overlay.
        #expect(joined.clusterCIDRs == [IPPrefix("10.244.0.0/16")!])
        #expect(joined.serviceCIDRs == [IPPrefix("10.43.0.0/16")!])

        let kubelet = Agent.kubeletTemplate(nil, nodeName: "n1", joined: joined)
        #expect(kubelet.nodeName == "n1")
        #expect(kubelet.clusterDNS == ["10.43.0.99"])
        #expect(kubelet.clusterDomain == "example.internal")
    }

    @Test func theTemplateKeepsItsOwnSettingsWhereTheServerHandsNone() {
        let joined = NodeCredentials(server: "https://127.0.0.1:6443", nodeName: "n1", caBundlePEM: "", certificatePEM: "", privateKeyPEM: "")
        var template = KubeletConfiguration(nodeName: "ignored", clusterDNS: ["10.0.0.53"], clusterDomain: "corp.internal")
        template.capacity["pods"] = .init("7")
        let kubelet = Agent.kubeletTemplate(template, nodeName: "n1", joined: joined)
        #expect(kubelet.nodeName == "n1")
        #expect(kubelet.clusterDNS == ["10.0.0.53"])
        #expect(kubelet.clusterDomain == "corp.internal")
        #expect(kubelet.capacity["pods"] == .init("7"))
        #expect(KubeletConfiguration(nodeName: "n").clusterDNS.isEmpty)
    }
}
