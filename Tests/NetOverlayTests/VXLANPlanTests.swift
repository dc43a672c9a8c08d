import KubeAPI
import Testing

@testable import NetOverlay

@Suite struct VXLANPlanTests {
    let mac = MACAddress("0e:01:02:03:04:05")!
    var device: VXLANPlan.Device {
        VXLANPlan.Device(
            name: "flannel.1", vni: 1, port: 8472, local: IPAddress("10.123.0.1")!, underlay: "eth0", macAddress: mac, mtu: 1450,
            address: IPPrefix("10.244.1.0/32")!)
    }
    var existing: KernelLink {
        KernelLink(
            name: "flannel.1", mtu: 1450, macAddress: mac, isUp: true, kind: "vxlan",
            vxlan: .init(vni: 1, local: IPAddress("10.123.0.1")!, underlay: "eth0", port: 8472, learning: false),
            addresses: [.init(prefix: IPPrefix("10.244.1.0/32")!, scope: "global"), .init(prefix: IPPrefix("fe80::1/64")!, scope: "link")])
    }

    @Test func aMissingDeviceIsCreatedWithFlannelsSettings() {
        #expect(VXLANPlan.deviceLines(current: nil, desired: device) == [
            "link add flannel.1 address 0e:01:02:03:04:05 type vxlan id 1 local 10.123.0.1 dev eth0 dstport 8472 nolearning",
            "link set flannel.1 mtu 1450",
            "address add 10.244.1.0/32 dev flannel.1",
            "link set flannel.1 up",
        ])
    }

    @Test func aDeviceAsWantedNeedsNothing() {
        #expect(VXLANPlan.deviceLines(current: existing, desired: device) == [])
    }

    @Test func anIncompatibleDeviceIsRecreated() {
        var link = existing
        link.vxlan?.port = 4789
        let lines = VXLANPlan.deviceLines(current: link, desired: device)
        #expect(lines.first == "link delete flannel.1")
        #expect(lines.count == 5)
        var learning = existing
        learning.vxlan?.learning = true
        #expect(VXLANPlan.deviceLines(current: learning, desired: device).first == "link delete flannel.1")
        var other = existing
        other.kind = "bridge"
        #expect(VXLANPlan.deviceLines(current: other, desired: device).first == "link delete flannel.1")
    }

    @Test func driftIsFixedInPlace() {
        var link = existing
        link.macAddress = MACAddress("0e:00:00:00:00:01")
        link.mtu = 1500
        link.isUp = false
        link.addresses = [.init(prefix: IPPrefix("10.244.7.0/32")!, scope: "global")]
        #expect(VXLANPlan.deviceLines(current: link, desired: device) == [
            "link set flannel.1 address 0e:01:02:03:04:05",
            "link set flannel.1 mtu 1450",
            "address delete 10.244.7.0/32 dev flannel.1",
            "address add 10.244.1.0/32 dev flannel.1",
            "link set flannel.1 up",
        ])
    }

    let peerB = VXLANPlan.PeerEntry(podCIDR: IPPrefix("10.244.2.0/24")!, macAddress: MACAddress("0e:00:00:00:00:02")!, publicIP: IPAddress("10.123.0.2")!)
    let peerC = VXLANPlan.PeerEntry(podCIDR: IPPrefix("10.244.3.0/24")!, macAddress: MACAddress("0e:00:00:00:00:03")!, publicIP: IPAddress("10.123.0.3")!)

    @Test func newPeersGetARouteANeighbourAndAForwardingEntry() {
        let (ip, bridge) = VXLANPlan.peerLines(device: "flannel.1", peers: [peerC, peerB], routes: [], neighbours: [], forwarding: [])
        #expect(ip == [
            "neigh replace 10.244.2.0 lladdr 0e:00:00:00:00:02 dev flannel.1 nud permanent",
            "neigh replace 10.244.3.0 lladdr 0e:00:00:00:00:03 dev flannel.1 nud permanent",
            "route replace 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink proto 75",
            "route replace 10.244.3.0/24 via 10.244.3.0 dev flannel.1 onlink proto 75",
        ])
        #expect(bridge == [
            "fdb replace 0e:00:00:00:00:02 dev flannel.1 dst 10.123.0.2 self permanent",
            "fdb replace 0e:00:00:00:00:03 dev flannel.1 dst 10.123.0.3 self permanent",
        ])
    }

    /// What the kernel shows after `peerB` was applied.
    func kernelState(for peers: [VXLANPlan.PeerEntry]) -> ([KernelRoute], [KernelNeighbour], [KernelFDBEntry]) {
        (
            peers.map { KernelRoute(destination: $0.podCIDR, gateway: $0.gateway, onLink: true, routingProtocol: "75") }
                + [KernelRoute(destination: IPPrefix("fe80::/64")!, routingProtocol: "kernel")],
            peers.map { KernelNeighbour(address: $0.gateway, macAddress: $0.macAddress, isPermanent: true) },
            peers.map { KernelFDBEntry(macAddress: $0.macAddress, destination: $0.publicIP) }
        )
    }

    @Test func peersAlreadyInPlaceNeedNothing() {
        let (routes, neighbours, forwarding) = kernelState(for: [peerB, peerC])
        let (ip, bridge) = VXLANPlan.peerLines(device: "flannel.1", peers: [peerB, peerC], routes: routes, neighbours: neighbours, forwarding: forwarding)
        #expect(ip.isEmpty)
        #expect(bridge.isEmpty)
    }

    @Test func stalePeersAreRemovedAndChangedOnesReplaced() {
        let (routes, neighbours, forwarding) = kernelState(for: [peerB, peerC])
        var moved = peerB
        moved.macAddress = MACAddress("0e:00:00:00:00:22")!
        moved.publicIP = IPAddress("10.123.0.22")!
        let (ip, bridge) = VXLANPlan.peerLines(device: "flannel.1", peers: [moved], routes: routes, neighbours: neighbours, forwarding: forwarding)
        #expect(ip == [
            "route delete 10.244.3.0/24 dev flannel.1",
            "neigh delete 10.244.3.0 dev flannel.1",
            "neigh replace 10.244.2.0 lladdr 0e:00:00:00:00:22 dev flannel.1 nud permanent",
        ])
        #expect(bridge == [
            "fdb delete 0e:00:00:00:00:02 dev flannel.1 dst 10.123.0.2 self",
            "fdb delete 0e:00:00:00:00:03 dev flannel.1 dst 10.123.0.3 self",
            "fdb replace 0e:00:00:00:00:22 dev flannel.1 dst 10.123.0.22 self permanent",
        ])
    }

    @Test func ipv6PeersUseTheSameShape() {
        let peer = VXLANPlan.PeerEntry(podCIDR: IPPrefix("fd00:42:0:2::/64")!, macAddress: MACAddress("0e:00:00:00:00:06")!, publicIP: IPAddress("fd00:123::2")!)
        let (ip, bridge) = VXLANPlan.peerLines(device: "flannel-v6.1", peers: [peer], routes: [], neighbours: [], forwarding: [])
        #expect(ip.last == "route replace fd00:42:0:2::/64 via fd00:42:0:2:: dev flannel-v6.1 onlink proto 75")
        #expect(bridge == ["fdb replace 0e:00:00:00:00:06 dev flannel-v6.1 dst fd00:123::2 self permanent"])
    }
}
