import ClusterTesting
import KubeAPI
import Logging
import NetOverlay
import Testing

/// The real overlays between two namespace "nodes" (see ``KernelTestbed``): pod A pings pod B
/// across VXLAN and across host-gw, a second set-up (by a new overlay, as after a restart)
/// leaves the kernel exactly as it was, removing the peer breaks the path, tear-down removes
/// everything.
@Suite(.serialized) struct OverlayKernelTests {
    let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
    let masquerade = OverlayMasquerade(clusterCIDRs: [IPPrefix("10.244.0.0/16")!])

    /// The peer `node` is to the other, through its published annotations.
    func peer(_ node: KernelTestbed.Node, _ attributes: OverlayAttributes) throws -> OverlayPeer {
        var object = CoreV1.Node()
        object.metadata.name = node.namespace
        object.metadata.annotations = FlannelAnnotations.annotations(for: attributes)
        object.spec = CoreV1.NodeSpec(podCIDR: node.podCIDR.description)
        return try FlannelAnnotations.peer(from: object)
    }

    func expectPing(_ bed: KernelTestbed, from: KernelTestbed.Node, to: KernelTestbed.Node) async throws {
        try await eventually("\(from.podNamespace) pings \(to.podIP)", timeout: .seconds(15)) { await bed.ping(from: from, to: to) }
    }

    /// Sets up both nodes, checks there is no path yet, makes each the other's peer and waits
    /// until pod A pings pod B; returns what each published.
    func connect(_ bed: KernelTestbed, _ overlayA: any Overlay, _ overlayB: any Overlay) async throws -> (OverlayAttributes, OverlayAttributes) {
        let attributesA = try await overlayA.setUp(bed.a.local)
        let attributesB = try await overlayB.setUp(bed.b.local)
        #expect(await bed.ping(from: bed.a, to: bed.b) == false, "no path before the peers are known")
        try await overlayA.setPeers([try peer(bed.b, attributesB)])
        try await overlayB.setPeers([try peer(bed.a, attributesA)])
        try await expectPing(bed, from: bed.a, to: bed.b)
        return (attributesA, attributesB)
    }

    @Test(.enabled(if: HostTools.canRunKernelTests, "needs root, iproute2, nft, sysctl and busybox"))
    func vxlanCarriesPodTrafficBetweenNodes() async throws {
        try await KernelTestbed.with { bed in
            func overlay(_ node: KernelTestbed.Node) -> VXLANOverlay {
                VXLANOverlay(runner: node.runner, masquerade: masquerade, logger: logger)
            }
            let (attributesA, attributesB) = try await connect(bed, overlay(bed.a), overlay(bed.b))
            #expect(attributesA.podMTU == 1450)
            try await expectPing(bed, from: bed.b, to: bed.a)
            let exchange = try await bed.tcp(from: bed.a, to: bed.b)
            #expect(exchange.client == "hello from \(bed.b.podNamespace)\n")
            #expect(exchange.server == "hello from \(bed.a.podNamespace)\n")

            // The kernel holds Flannel's objects.
            let link = try await bed.ip(bed.a.namespace, "-details", "link", "show", "flannel.1")
            #expect(link.contains("vxlan id 1 local 10.123.0.1 dev eth0"))
            #expect(link.contains("dstport 8472"))
            #expect(link.contains("nolearning"))
            #expect(link.contains("mtu 1450"))
            let macB = attributesB.backendData[.ipv4]!.vtepMAC!
            #expect(try await bed.ip(bed.a.namespace, "route", "show", "dev", "flannel.1").contains("10.244.2.0/24 via 10.244.2.0 proto 75 onlink"))
            #expect(try await bed.ip(bed.a.namespace, "neigh", "show", "dev", "flannel.1").contains("10.244.2.0 lladdr \(macB) PERMANENT"))
            #expect(try await bed.ip(bed.a.namespace, "address", "show", "dev", "flannel.1").contains("inet 10.244.1.0/32"))
            let fdb = try await bed.a.runner.run(LinkCommand(.bridge, ["fdb", "show", "dev", "flannel.1"]))
            #expect(fdb.contains("\(macB) dst 10.123.0.2 self permanent"))

            // A restart: a new overlay sets up and sets the same peers; nothing changes.
            let before = try await bed.snapshot(bed.a, device: "flannel.1")
            let restarted = overlay(bed.a)
            #expect(try await restarted.setUp(bed.a.local) == attributesA)
            try await restarted.setPeers([try peer(bed.b, attributesB)])
            #expect(try await bed.snapshot(bed.a, device: "flannel.1") == before)
            try await expectPing(bed, from: bed.a, to: bed.b)

            // Without the peer, the path is gone.
            try await restarted.setPeers([])
            #expect(try await bed.ip(bed.a.namespace, "route", "show", "dev", "flannel.1").isEmpty)
            #expect(await bed.ping(from: bed.a, to: bed.b) == false)
            try await restarted.setPeers([try peer(bed.b, attributesB)])
            try await expectPing(bed, from: bed.a, to: bed.b)

            // Tear-down removes the device and the table.
            try await restarted.tearDown()
            await #expect(throws: LinkCommandError.self) { try await bed.ip(bed.a.namespace, "link", "show", "flannel.1") }
            await #expect(throws: LinkCommandError.self) {
                try await bed.a.runner.run(LinkCommand(.nft, ["list", "table", "ip", OverlayMasquerade.tableName]))
            }
            #expect(await bed.ping(from: bed.a, to: bed.b) == false)
            try await restarted.tearDown()
        }
    }

    @Test(.enabled(if: HostTools.canRunKernelTests, "needs root, iproute2, nft, sysctl and busybox"))
    func hostGatewayRoutesPodTrafficBetweenNodes() async throws {
        try await KernelTestbed.with { bed in
            func overlay(_ node: KernelTestbed.Node) -> HostGatewayOverlay {
                HostGatewayOverlay(runner: node.runner, masquerade: masquerade, logger: logger)
            }
            let (attributesA, attributesB) = try await connect(bed, overlay(bed.a), overlay(bed.b))
            #expect(attributesA.podMTU == 1500)
            #expect(try await bed.ip(bed.a.namespace, "route", "show", "proto", "75").contains("10.244.2.0/24 via 10.123.0.2 dev eth0"))

            let before = try await bed.snapshot(bed.a, device: nil)
            let restarted = overlay(bed.a)
            _ = try await restarted.setUp(bed.a.local)
            try await restarted.setPeers([try peer(bed.b, attributesB)])
            #expect(try await bed.snapshot(bed.a, device: nil) == before)

            try await restarted.setPeers([])
            #expect(await bed.ping(from: bed.a, to: bed.b) == false)
            try await restarted.setPeers([try peer(bed.b, attributesB)])
            try await expectPing(bed, from: bed.a, to: bed.b)

            try await restarted.tearDown()
            #expect(try await bed.ip(bed.a.namespace, "route", "show", "proto", "75").isEmpty)
            #expect(await bed.ping(from: bed.a, to: bed.b) == false)
        }
    }

    @Test(.enabled(if: HostTools.canRunKernelTests, "needs root, iproute2, nft, sysctl and busybox"))
    func podEgressLeavingTheClusterIsMasqueraded() async throws {
        try await KernelTestbed.with { bed in
            // An "outside" address on node B's side of the link; pod-to-pod keeping the pod IP
            // is what the other tests' pings show (node B routes replies to pod A's network).
            try await bed.ip(bed.b.namespace, "address", "add", "10.123.0.99/24", "dev", "eth0")
            let outside = LinkCommand(.ip, ["netns", "exec", bed.a.podNamespace, "/bin/busybox", "ping", "-c", "1", "-W", "1", "10.123.0.99"])
            // Node B has no route back to pod A's network: without masquerading, no reply.
            _ = try await VXLANOverlay(runner: bed.a.runner, masquerade: nil, logger: logger).setUp(bed.a.local)
            #expect((try? await bed.host.run(outside)) == nil)
            // With it, the source is node A's address and the reply comes back.
            _ = try await VXLANOverlay(runner: bed.a.runner, masquerade: masquerade, logger: logger).setUp(bed.a.local)
            try await eventually("pod A reaches 10.123.0.99", timeout: .seconds(15)) { (try? await bed.host.run(outside)) != nil }
            let table = try await bed.a.runner.run(LinkCommand(.nft, ["list", "table", "ip", OverlayMasquerade.tableName]))
            #expect(table.contains("masquerade"))
        }
    }

    @Test(.enabled(if: HostTools.canRunKernelTests, "needs root, iproute2, nft, sysctl and busybox"))
    func manyPeersGoInOneBatchAndAReconcileWithoutChangesWritesNothing() async throws {
        try await KernelTestbed.with { bed in
            let tap = TapRunner(bed.a.runner)
            let overlay = VXLANOverlay(runner: tap, masquerade: masquerade, logger: logger)
            _ = try await overlay.setUp(bed.a.local)
            let peers = (0..<250).map { index in
                OverlayPeer(
                    name: "peer-\(index)", podCIDRs: [IPPrefix("10.245.\(index).0/24")!], publicIPs: [IPAddress("10.123.1.\(index + 1)")!],
                    backend: .vxlan, backendData: [.ipv4: .init(vni: 1, vtepMAC: .stable(seed: "peer-\(index)"))])
            }
            let clock = ContinuousClock()
            tap.reset()
            let added = try await clock.measure { try await overlay.setPeers(peers) }
            #expect(tap.writes.map(\.tool) == [.ip, .bridge], "one ip batch and one bridge batch")
            let routes = try await bed.ip(bed.a.namespace, "route", "show", "dev", "flannel.1")
            #expect(routes.split(separator: "\n").count == 250)
            tap.reset()
            let unchanged = try await clock.measure { try await overlay.setPeers(peers.reversed()) }
            #expect(tap.writes.isEmpty)
            #expect(try await bed.ip(bed.a.namespace, "route", "show", "dev", "flannel.1") == routes)
            let removed = try await clock.measure { try await overlay.setPeers(Array(peers.prefix(10))) }
            #expect(try await bed.ip(bed.a.namespace, "route", "show", "dev", "flannel.1").split(separator: "\n").count == 10)
            let fdb = try await bed.a.runner.run(LinkCommand(.bridge, ["fdb", "show", "dev", "flannel.1"]))
            #expect(fdb.split(separator: "\n").count == 10)
            print("vxlan_set_peers_ms 250 added: \(added.milliseconds), unchanged: \(unchanged.milliseconds), 240 removed: \(removed.milliseconds)")
        }
    }
}

extension Duration {
    /// Whole milliseconds.
    var milliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
}
