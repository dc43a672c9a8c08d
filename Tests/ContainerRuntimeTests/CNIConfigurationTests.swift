import FoundationEssentials
import NetOverlay
import Testing

@Suite("CNIConfiguration")
struct CNIConfigurationTests {
    /// The conflist as read back.
    struct ConfList: Decodable {
        struct Plugin: Decodable {
            struct IPAM: Decodable {
                var type: String
                var ranges: [[[String: String]]]
                var routes: [[String: String]]
            }
            var type: String
            var bridge: String?
            var isGateway: Bool?
            var ipMasq: Bool?
            var hairpinMode: Bool?
            var ipam: IPAM?
            var capabilities: [String: Bool]?
        }
        var cniVersion: String
        var name: String
        var plugins: [Plugin]
    }

    @Test func bridgeNetworkOfThePodCIDR() throws {
        let text = try CNIConfiguration(podCIDR: "10.42.3.0/24").render()
        let list = try JSONDecoder().decode(ConfList.self, from: Data(text.utf8))
        #expect(list.name == "k3s-swift")
        #expect(list.cniVersion == "1.0.0")
        #expect(list.plugins.map(\.type) == ["bridge", "portmap"])
        let bridge = list.plugins[0]
        #expect(bridge.bridge == "cni0")
        #expect(bridge.isGateway == true)
        #expect(bridge.ipMasq == true)
        #expect(bridge.hairpinMode == true)
        let ipam = try #require(bridge.ipam)
        #expect(ipam.type == "host-local")
        #expect(ipam.ranges == [[["subnet": "10.42.3.0/24", "gateway": "10.42.3.1"]]])
        #expect(ipam.routes == [["dst": "0.0.0.0/0"]])
        #expect(list.plugins[1].capabilities == ["portMappings": true])
    }

    @Test func dualStackAndUnmaskedCIDRs() throws {
        let configuration = try CNIConfiguration(podCIDR: "10.42.3.7/24, fd00:42::/64")
        #expect(configuration.podCIDRs.map(\.description) == ["10.42.3.0/24", "fd00:42::/64"])
        #expect(configuration.render().contains("\"gateway\" : \"fd00:42::1\""))
        #expect(configuration.render().contains("\"dst\" : \"::/0\""))
    }

    @Test func malformedCIDRsAreRejected() {
        for text in ["", "10.42.0.0/33", "not a cidr", "10.42.0.0/31"] {
            #expect(throws: CNIConfiguration.InvalidPodCIDR.self, "\(text)") { try CNIConfiguration(podCIDR: text) }
        }
    }

    @Test func writesTheConflistAtomically() throws {
        let directory = "/tmp/k3s-cni-test-\(UInt32.random(in: 0 ... .max))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let configuration = try CNIConfiguration(podCIDR: "10.42.0.0/24")
        let path = try configuration.write(toDirectory: directory)
        #expect(path == "\(directory)/10-k3s-swift.conflist")
        #expect(FileManager.default.contents(atPath: path) == Data(configuration.render().utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["10-k3s-swift.conflist"])
    }
}
