import KubeAPI
import NetOverlay
import Testing

/// Parsing the JSON iproute2 6.1 prints (samples taken from a VXLAN device in a namespace).
@Suite struct KernelStateParsingTests {
    @Test func aVXLANLinkWithItsAddresses() throws {
        let json = """
            [{"ifindex":4,"ifname":"flannel.1","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1450,"link_type":"ether",\
            "address":"02:11:22:33:44:55","linkinfo":{"info_kind":"vxlan","info_data":{"id":1,"local":"10.123.0.1","link":"v0",\
            "port_range":{"low":0,"high":0},"port":8472,"learning":false,"ttl":0}},"addr_info":[{"family":"inet","local":"10.244.1.0",\
            "prefixlen":32,"scope":"global","label":"flannel.1"},{"family":"inet6","local":"fe80::d81d:45ff:fe8e:2408","prefixlen":64,"scope":"link"}]}]
            """
        let links = try KernelLink.parse(json)
        #expect(links.count == 1)
        let link = try #require(links.first)
        #expect(link.name == "flannel.1")
        #expect(link.mtu == 1450)
        #expect(link.isUp)
        #expect(link.macAddress == MACAddress("02:11:22:33:44:55"))
        #expect(link.vxlan?.vni == 1)
        #expect(link.vxlan?.local == IPAddress("10.123.0.1"))
        #expect(link.vxlan?.port == 8472)
        #expect(link.vxlan?.learning == false)
        #expect(link.vxlan?.underlay == "v0")
        #expect(link.addresses.map(\.prefix) == [IPPrefix("10.244.1.0/32")!, IPPrefix("fe80::d81d:45ff:fe8e:2408/64")!])
    }

    @Test func routesSkipNonUnicastAndReadFlags() throws {
        let json = """
            [{"dst":"10.244.2.0/24","gateway":"10.244.2.0","flags":["onlink"]},{"type":"local","dst":"10.244.1.0","table":"local"},\
            {"dst":"10.244.9.5","gateway":"10.123.0.9","dev":"v0","protocol":"75","flags":[]},{"dst":"default","gateway":"10.0.0.1","flags":[]}]
            """
        let routes = try KernelRoute.parse(json, family: .ipv4)
        #expect(routes == [
            KernelRoute(destination: IPPrefix("10.244.2.0/24")!, gateway: IPAddress("10.244.2.0"), onLink: true),
            KernelRoute(destination: IPPrefix("10.244.9.5/32")!, gateway: IPAddress("10.123.0.9"), device: "v0", routingProtocol: "75"),
            KernelRoute(destination: IPPrefix("0.0.0.0/0")!, gateway: IPAddress("10.0.0.1")),
        ])
        #expect(try KernelRoute.parse("", family: .ipv4).isEmpty)
    }

    @Test func neighboursAndForwardingEntries() throws {
        let neighbours = try KernelNeighbour.parse(#"[{"dst":"10.244.2.0","lladdr":"aa:bb:cc:dd:ee:ff","state":["PERMANENT"]},{"dst":"10.244.3.0","state":["FAILED"]}]"#)
        #expect(neighbours == [
            KernelNeighbour(address: IPAddress("10.244.2.0")!, macAddress: MACAddress("aa:bb:cc:dd:ee:ff"), isPermanent: true),
            KernelNeighbour(address: IPAddress("10.244.3.0")!, macAddress: nil, isPermanent: false),
        ])
        let entries = try KernelFDBEntry.parse(
            #"[{"mac":"aa:bb:cc:dd:ee:fe","dst":"10.123.0.3","flags":["self"],"state":"permanent"},{"mac":"33:33:00:00:00:01","flags":["self"],"state":"permanent"}]"#)
        #expect(entries == [KernelFDBEntry(macAddress: MACAddress("aa:bb:cc:dd:ee:fe")!, destination: IPAddress("10.123.0.3")!)])
    }

    @Test func garbageIsAnErrorNotACrash() {
        #expect(throws: OverlayError.self) { try KernelRoute.parse("Error: nope", family: .ipv4) }
    }

    @Test func macAddresses() {
        #expect(MACAddress("AA:bb:0c:dd:ee:ff")?.description == "aa:bb:0c:dd:ee:ff")
        #expect(MACAddress("aa:bb:cc:dd:ee") == nil)
        #expect(MACAddress("aa:bb:cc:dd:ee:fg") == nil)
        #expect(MACAddress("aaa:bb:cc:dd:ee:ff") == nil)
        let stable = MACAddress.stable(seed: "x")
        #expect(stable == MACAddress.stable(seed: "x"))
        #expect(stable != MACAddress.stable(seed: "y"))
        #expect(stable.bytes[0] & 0b11 == 0b10, "locally administered unicast")
    }
}
