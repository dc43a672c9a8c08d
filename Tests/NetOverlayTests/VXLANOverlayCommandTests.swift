import KubeAPI
import Logging
import NetOverlay
import Testing

/// The exact commands ``VXLANOverlay`` runs, against canned kernel state (no root needed).
@Suite struct VXLANOverlayCommandTests {
    let node = OverlayLocalNode(name: "a", podCIDRs: [IPPrefix("10.244.1.0/24")!], publicIPs: [IPAddress("10.123.0.1")!])
    let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
    var mac: MACAddress { VXLANOverlay.vtepMAC(publicIP: IPAddress("10.123.0.1")!) }

    func runner() -> RecordingRunner {
        let runner = RecordingRunner()
        runner.answer(
            "ip -json address show",
            with: #"[{"ifname":"lo","mtu":65536,"flags":["UP"],"addr_info":[{"local":"127.0.0.1","prefixlen":8}]},{"ifname":"eth0","mtu":1500,"flags":["UP"],"addr_info":[{"local":"10.123.0.1","prefixlen":24,"scope":"global"}]}]"#)
        return runner
    }

    func deviceJSON() -> String {
        """
        [{"ifname":"flannel.1","flags":["BROADCAST","UP"],"mtu":1450,"address":"\(mac)","linkinfo":{"info_kind":"vxlan",\
        "info_data":{"id":1,"local":"10.123.0.1","link":"eth0","port":8472,"learning":false}},\
        "addr_info":[{"family":"inet","local":"10.244.1.0","prefixlen":32,"scope":"global"}]}]
        """
    }

    @Test func setUpCreatesTheDeviceOnceAndPublishesItsMAC() async throws {
        let runner = runner()
        let overlay = VXLANOverlay(runner: runner, masquerade: OverlayMasquerade(clusterCIDRs: [IPPrefix("10.244.0.0/16")!]), logger: logger)
        let attributes = try await overlay.setUp(node)
        #expect(attributes.backend == .vxlan)
        #expect(attributes.backendData[.ipv4] == OverlayBackendData(vni: 1, vtepMAC: mac))
        #expect(attributes.podMTU == 1450)
        let writes = runner.writes
        #expect(writes.count == 3)
        #expect(writes[0] == """
            ip -batch - <<<
            link add flannel.1 address \(mac) type vxlan id 1 local 10.123.0.1 dev eth0 dstport 8472 nolearning
            link set flannel.1 mtu 1450
            address add 10.244.1.0/32 dev flannel.1
            link set flannel.1 up

            """)
        #expect(writes[1] == "sysctl -q -w net.ipv4.ip_forward=1")
        #expect(writes[2].hasPrefix("nft -f - <<<\ntable ip k3s-swift-overlay\ndelete table ip k3s-swift-overlay\n"))
        #expect(writes[2].contains("ip saddr 10.244.0.0/16 masquerade fully-random"))

        // Restart: the device is there as wanted; nothing but the idempotent sysctl and the
        // from-scratch nft table is written.
        runner.answer("ip -details -json address show dev flannel.1", with: deviceJSON())
        runner.reset()
        _ = try await overlay.setUp(node)
        #expect(runner.writes.count == 2)
        #expect(runner.writes.allSatisfy { !$0.hasPrefix("ip ") })
    }

    @Test func peersAreReconciledAgainstWhatTheKernelHolds() async throws {
        let runner = runner()
        runner.answer("ip -details -json address show dev flannel.1", with: deviceJSON())
        let overlay = VXLANOverlay(runner: runner, masquerade: nil, logger: logger)
        _ = try await overlay.setUp(node)
        // A stale peer from an earlier run is in the kernel.
        runner.answer("ip -4 -json route show dev flannel.1", with: #"[{"dst":"10.244.9.0/24","gateway":"10.244.9.0","flags":["onlink"],"protocol":"75"}]"#)
        runner.answer("ip -4 -json neigh show dev flannel.1", with: #"[{"dst":"10.244.9.0","lladdr":"0e:00:00:00:00:09","state":["PERMANENT"]}]"#)
        runner.answer("bridge -json fdb show dev flannel.1", with: #"[{"mac":"0e:00:00:00:00:09","dst":"10.123.0.9","flags":["self"],"state":"permanent"}]"#)
        runner.reset()
        let peerMAC = MACAddress("0e:00:00:00:00:02")!
        try await overlay.setPeers([
            OverlayPeer(name: "a", podCIDRs: [IPPrefix("10.244.1.0/24")!], publicIPs: [IPAddress("10.123.0.1")!], backend: .vxlan, backendData: [.ipv4: .init(vtepMAC: mac)]),
            OverlayPeer(name: "b", podCIDRs: [IPPrefix("10.244.2.0/24")!], publicIPs: [IPAddress("10.123.0.2")!], backend: .vxlan, backendData: [.ipv4: .init(vni: 1, vtepMAC: peerMAC)]),
            OverlayPeer(name: "c", podCIDRs: [IPPrefix("10.244.3.0/24")!], publicIPs: [IPAddress("10.123.0.3")!], backend: .hostGateway),
            OverlayPeer(name: "d", podCIDRs: [IPPrefix("10.244.4.0/24")!], publicIPs: [IPAddress("10.123.0.4")!], backend: .vxlan),
            OverlayPeer(name: "e", podCIDRs: [IPPrefix("10.244.5.0/24")!], publicIPs: [IPAddress("10.123.0.5")!], backend: .vxlan, backendData: [.ipv4: .init(vni: 2, vtepMAC: peerMAC)]),
            OverlayPeer(name: "f", podCIDRs: [IPPrefix("10.244.1.0/25")!], publicIPs: [IPAddress("10.123.0.6")!], backend: .vxlan, backendData: [.ipv4: .init(vtepMAC: peerMAC)]),
        ])
        #expect(runner.writes == [
            """
            ip -batch - <<<
            route delete 10.244.9.0/24 dev flannel.1
            neigh delete 10.244.9.0 dev flannel.1
            neigh replace 10.244.2.0 lladdr 0e:00:00:00:00:02 dev flannel.1 nud permanent
            route replace 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink proto 75

            """,
            """
            bridge -batch - <<<
            fdb delete 0e:00:00:00:00:09 dev flannel.1 dst 10.123.0.9 self
            fdb replace 0e:00:00:00:00:02 dev flannel.1 dst 10.123.0.2 self permanent

            """,
        ])
    }

    @Test func setPeersBeforeSetUpAndNodesWithoutAFamilyAreErrors() async throws {
        let overlay = VXLANOverlay(runner: runner(), masquerade: nil, logger: logger)
        await #expect(throws: OverlayError.self) { try await overlay.setPeers([]) }
        let v6Only = OverlayLocalNode(name: "a", podCIDRs: [IPPrefix("10.244.1.0/24")!], publicIPs: [IPAddress("fd00::1")!])
        await #expect(throws: OverlayError.self) { _ = try await overlay.setUp(v6Only) }
    }

    @Test func aFailingCommandSurfacesWithItsOutput() async throws {
        let runner = runner()
        runner.fail("ip -batch -")
        let overlay = VXLANOverlay(runner: runner, masquerade: nil, logger: logger)
        let error = await #expect(throws: LinkCommandError.self) { _ = try await overlay.setUp(node) }
        #expect(error?.description.contains("injected failure") == true)
    }

    @Test func tearDownRemovesTheDeviceAndTheTables() async throws {
        let runner = runner()
        runner.answer("ip -details -json address show dev flannel.1", with: deviceJSON())
        let overlay = VXLANOverlay(runner: runner, masquerade: nil, logger: logger)
        try await overlay.tearDown()
        #expect(runner.writes == [
            "ip -batch - <<<\nlink delete flannel.1\n",
            "nft -f - <<<\n" + OverlayMasquerade.removalScript,
        ])
    }
}
