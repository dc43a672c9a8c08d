import KubeAPI
import Logging
import NetOverlay
import NodeJoinAPI
import Testing
@testable import Cluster

/// The overlay's flags on `k3s server` and `k3s agent`, the cluster's networks in the join
/// answer, and what a ``ContainerNode`` makes of them.
@Suite struct NodeOverlayWiringTests {
    let logger = Logger(label: "test.overlay-wiring", factory: { _ in SwiftLogNoOpLogHandler() })

    @Test func flannelFlagsDefaultToAMasqueradingVXLAN() throws {
        let settings = try NodeSettings(options: ServerOptions())
        #expect(settings.overlay.backend == .vxlan)
        #expect(settings.overlay.interface == nil)
        #expect(settings.overlay.ipMasq)
        #expect(settings.overlay.clusterCIDRs == [IPPrefix("10.42.0.0/16")!])
        #expect(settings.overlay.serviceCIDRs == [IPPrefix("10.43.0.0/16")!])
    }

    @Test(arguments: [
        ("host-gw", OverlayBackend?.some(.hostGateway)), ("vxlan", .some(.vxlan)), ("none", nil),
    ])
    func flannelBackends(_ text: String, _ backend: OverlayBackend?) throws {
        var options = ServerOptions()
        options.set("flannel-backend", text)
        options.set("flannel-iface", "eth1")
        options.set("flannel-ipmasq", "false")
        let settings = try NodeSettings(options: options)
        #expect(settings.overlay.backend == backend)
        #expect(settings.overlay.interface == "eth1")
        #expect(!settings.overlay.ipMasq)
        // The server reads the same flags for its own node.
        #expect(try ServerConfiguration(options: options, host: testHost).node.overlay == settings.overlay)
    }

    @Test(arguments: [
        ("flannel-backend", "wireguard", "must be vxlan, host-gw or none"),
        ("flannel-ipmasq", "maybe", "must be true or false"),
    ])
    func badFlannelFlagsAreRefused(_ flag: String, _ value: String, _ reason: String) {
        var options = ServerOptions()
        options.set(flag, value)
        #expect(throws: ServerConfigurationError(flag: flag, value: value, reason: reason)) { try NodeSettings(options: options) }
        #expect(throws: ServerConfigurationError(flag: flag, value: value, reason: reason)) {
            try ServerConfiguration(options: options, host: testHost)
        }
    }

    @Test func theServersNetworksComeFromTheOverlayConfiguration() throws {
        var options = ServerOptions()
        options.set("cluster-cidr", "10.244.7.0/16")
        options.set("service-cidr", "10.96.0.0/12")
        options.set("cluster-dns", "10.96.0.10")
        let server = try ServerConfiguration(options: options, host: testHost)
        #expect(server.clusterCIDRs == [IPPrefix("10.244.0.0/16")!])
        #expect(server.serviceCIDRs == [IPPrefix("10.96.0.0/12")!])
        #expect(server.node.overlay.clusterCIDRs == server.clusterCIDRs)
        #expect(server.node.overlay.serviceCIDRs == server.serviceCIDRs)
    }

    @Test func overlappingNetworksAreRefusedWithTheOverlaysMessage() {
        var options = ServerOptions()
        options.set("cluster-cidr", "10.0.0.0/8")
        #expect(throws: ServerConfigurationError(
            flag: "service-cidr", value: "10.43.0.0/16",
            reason: "overlaps --cluster-cidr 10.0.0.0/8: pod IPs and service IPs need separate networks"
        )) {
            try ServerConfiguration(options: options, host: testHost)
        }
    }

    @Test func theJoinAnswerCarriesTheNetworksAndOldAnswersStillRead() throws {
        let full = NodeCertificateResponse(
            certificatePEM: "C", serverCAPEM: "A", clusterCIDRs: ["10.42.0.0/16", "fd00:42::/56"], serviceCIDRs: ["10.43.0.0/16"])
        #expect(full.json["clusterCIDRs"] == ["10.42.0.0/16", "fd00:42::/56"])
        #expect(full.json["serviceCIDRs"] == ["10.43.0.0/16"])
        #expect(NodeCertificateResponse(json: full.json) == full)
        var disabling = full
        disabling.disabledComponents = ["coredns", "traefik"]
        #expect(disabling.json["disabledComponents"] == ["coredns", "traefik"])
        #expect(NodeCertificateResponse(json: disabling.json) == disabling)
        #expect(NodeCertificateResponse(json: ["certificatePEM": "C", "serverCAPEM": "A", "disabledComponents": "coredns"]) == nil)
        // An answer from a server that does not send them.
        let old: JSONValue = ["certificatePEM": "C", "serverCAPEM": "A", "clusterDNS": ["10.43.0.10"]]
        let read = try #require(NodeCertificateResponse(json: old))
        #expect(read.clusterCIDRs.isEmpty && read.serviceCIDRs.isEmpty)
        #expect(read.clusterDNS == ["10.43.0.10"])
        #expect(NodeCertificateResponse(certificatePEM: "C", serverCAPEM: "A").json["clusterCIDRs"] == nil)
        #expect(NodeCertificateResponse(json: ["certificatePEM": "C", "serverCAPEM": "A", "clusterCIDRs": "10.42.0.0/16"]) == nil)
        #expect(NodeCertificateResponse(json: ["certificatePEM": "C", "serverCAPEM": "A", "serviceCIDRs": [43]]) == nil)
    }

    @Test func theJoinerReadsTheNetworksAndRefusesMalformedOnes() throws {
        #expect(try NodeJoiner.networks(["10.42.3.0/16", "fd00:42::/56"], field: "clusterCIDRs") == [
            IPPrefix("10.42.0.0/16")!, IPPrefix("fd00:42::/56")!,
        ])
        #expect(try NodeJoiner.networks([], field: "clusterCIDRs").isEmpty)
        #expect(throws: NodeJoinFailure.invalidResponse("the node certificate answer's clusterCIDRs holds \"10.42.0.0\", not a network")) {
            try NodeJoiner.networks(["10.42.0.0"], field: "clusterCIDRs")
        }
    }

    func node(_ overlay: OverlayConfiguration, nodeIPs: [IPAddress] = []) -> ContainerNode {
        ContainerNode(
            configuration: .init(
                dataDir: "/tmp/unused", nodeName: "n1", settings: NodeSettings(nodeIPs: nodeIPs, overlay: overlay),
                defaultNodeIP: IPAddress("192.0.2.10")!, isServer: false),
            logger: logger)
    }

    func joined(clusterCIDRs: [IPPrefix] = [], serviceCIDRs: [IPPrefix] = []) -> NodeCredentials {
        var credentials = NodeCredentials(server: "https://127.0.0.1:6443", nodeName: "n1", caBundlePEM: "", certificatePEM: "", privateKeyPEM: "")
        credentials.clusterCIDRs = clusterCIDRs
        credentials.serviceCIDRs = serviceCIDRs
        return credentials
    }

    @Test func aNodeTakesTheClustersNetworksFromItsJoinAnswer() throws {
        let vxlan = node(OverlayConfiguration(backend: .vxlan, interface: "eth1"))
        let configured = try #require(vxlan.overlayConfiguration(
            joined: joined(clusterCIDRs: [IPPrefix("10.244.0.0/16")!], serviceCIDRs: [IPPrefix("10.96.0.0/12")!])))
        #expect(configured.backend == .vxlan)
        #expect(configured.interface == "eth1")
        #expect(configured.clusterCIDRs == [IPPrefix("10.244.0.0/16")!])
        #expect(configured.serviceCIDRs == [IPPrefix("10.96.0.0/12")!])
        #expect(configured.masquerade == OverlayMasquerade(clusterCIDRs: [IPPrefix("10.244.0.0/16")!]))
        // An older server's answer: K3s's defaults.
        let defaults = try #require(vxlan.overlayConfiguration(joined: joined()))
        #expect(defaults.clusterCIDRs == [OverlayConfiguration.defaultClusterCIDR])
        // --flannel-backend none runs no overlay.
        #expect(node(OverlayConfiguration(backend: nil)).overlayConfiguration(joined: joined()) == nil)
    }

    @Test func theOverlaysPublicIPsAreTheNodeIPs() {
        let dual = node(OverlayConfiguration(interface: "eth1"), nodeIPs: [
            IPAddress("10.0.0.5")!, IPAddress("fd00::5")!, IPAddress("10.0.0.6")!,
        ]).overlaySettings
        #expect(dual.nodeName == "n1")
        #expect(dual.publicIPs == [IPAddress("10.0.0.5")!, IPAddress("fd00::5")!])
        #expect(dual.interface == "eth1")
        // Without --node-ip: the node's default address.
        #expect(node(OverlayConfiguration()).overlaySettings.publicIPs == [IPAddress("192.0.2.10")!])
    }

    @Test func theCNIBridgeLeavesMasqueradingToTheOverlayAndTakesItsMTU() throws {
        let attributes = OverlayAttributes(backend: .vxlan, publicIPs: [IPAddress("10.0.0.5")!], podMTU: 1450)
        let overlaid = try ContainerNode.cniConfiguration(podCIDR: "10.42.1.0/24", overlay: OverlayConfiguration(), attributes: attributes)
        #expect(!overlaid.ipMasq)
        #expect(overlaid.mtu == 1450)
        // --flannel-ipmasq=false: the overlay does not masquerade, the bridge does (as Flannel's CNI).
        let unmasked = try ContainerNode.cniConfiguration(
            podCIDR: "10.42.1.0/24", overlay: OverlayConfiguration(ipMasq: false), attributes: attributes)
        #expect(unmasked.ipMasq)
        // --flannel-backend none: the bridge alone, at its default MTU.
        let plain = try ContainerNode.cniConfiguration(podCIDR: "10.42.1.0/24", overlay: nil, attributes: nil)
        #expect(plain.ipMasq)
        #expect(plain.mtu == nil)
    }
}
