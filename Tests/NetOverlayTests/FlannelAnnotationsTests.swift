import KubeAPI
import NetOverlay
import Testing

@Suite struct FlannelAnnotationsTests {
    let mac = MACAddress("0e:aa:bb:cc:dd:ee")!

    @Test func vxlanNodesPublishWhatFlannelPublishes() {
        let attributes = OverlayAttributes(backend: .vxlan, publicIPs: [IPAddress("10.0.0.1")!], backendData: [.ipv4: .init(vni: 1, vtepMAC: mac)])
        #expect(FlannelAnnotations.annotations(for: attributes) == [
            "flannel.alpha.coreos.com/backend-type": "vxlan",
            "flannel.alpha.coreos.com/backend-data": #"{"VNI":1,"VtepMAC":"0e:aa:bb:cc:dd:ee"}"#,
            "flannel.alpha.coreos.com/public-ip": "10.0.0.1",
            "flannel.alpha.coreos.com/kube-subnet-manager": "true",
        ])
    }

    @Test func hostGatewayAndDualStack() {
        let attributes = OverlayAttributes(backend: .hostGateway, publicIPs: [IPAddress("10.0.0.1")!, IPAddress("fd00::1")!])
        let annotations = FlannelAnnotations.annotations(for: attributes)
        #expect(annotations[FlannelAnnotations.backendType] == "host-gw")
        #expect(annotations[FlannelAnnotations.backendData] == "null")
        #expect(annotations[FlannelAnnotations.backendV6Data] == "null")
        #expect(annotations["flannel.alpha.coreos.com/public-ipv6"] == "fd00::1")
    }

    func node(_ name: String = "b", podCIDR: String? = "10.42.2.0/24", podCIDRs: [String]? = nil, annotations: [String: String]) -> CoreV1.Node {
        var node = CoreV1.Node()
        node.metadata.name = name
        node.metadata.annotations = annotations
        node.spec = CoreV1.NodeSpec(podCIDR: podCIDR, podCIDRs: podCIDRs)
        return node
    }

    var published: [String: String] {
        FlannelAnnotations.annotations(
            for: OverlayAttributes(backend: .vxlan, publicIPs: [IPAddress("10.0.0.2")!], backendData: [.ipv4: .init(vni: 1, vtepMAC: mac)]))
    }

    @Test func aPeerRoundTrips() throws {
        let peer = try FlannelAnnotations.peer(from: node(annotations: published))
        #expect(peer == OverlayPeer(
            name: "b", podCIDRs: [IPPrefix("10.42.2.0/24")!], publicIPs: [IPAddress("10.0.0.2")!], backend: .vxlan,
            backendData: [.ipv4: .init(vni: 1, vtepMAC: mac)]))
    }

    @Test func dualStackPeersAndTheOverwrite() throws {
        var annotations = published
        annotations[FlannelAnnotations.publicIPv6] = "fd00::2"
        annotations[FlannelAnnotations.backendV6Data] = #"{"VNI":1,"VtepMAC":"0e:00:00:00:00:06"}"#
        annotations[FlannelAnnotations.publicIPOverwrite] = "192.168.9.9"
        let peer = try FlannelAnnotations.peer(from: node(podCIDRs: ["10.42.2.0/24", "fd00:42:0:2::/64"], annotations: annotations))
        #expect(peer.publicIPs == [IPAddress("192.168.9.9")!, IPAddress("fd00::2")!])
        #expect(peer.podCIDR(.ipv6) == IPPrefix("fd00:42:0:2::/64"))
        #expect(peer.backendData[.ipv6]?.vtepMAC == MACAddress("0e:00:00:00:00:06"))
    }

    @Test func flannelsOwnHostGatewayAnnotationsParse() throws {
        let peer = try FlannelAnnotations.peer(from: node(annotations: [
            "flannel.alpha.coreos.com/backend-data": "null", "flannel.alpha.coreos.com/backend-type": "host-gw",
            "flannel.alpha.coreos.com/kube-subnet-manager": "true", "flannel.alpha.coreos.com/public-ip": "192.168.139.2",
        ]))
        #expect(peer.backend == .hostGateway)
        #expect(peer.backendData.isEmpty)
    }

    @Test(arguments: [
        ("no pod CIDR", nil, [:], "no pod CIDR yet"),
        ("bad pod CIDR", "10.42.2.0/33", ["flannel.alpha.coreos.com/backend-type": "vxlan"], "pod CIDR"),
        ("no annotations", "10.42.2.0/24", [:], "no flannel.alpha.coreos.com/backend-type annotation"),
        ("unknown backend", "10.42.2.0/24", ["flannel.alpha.coreos.com/backend-type": "wireguard-native"], "is not one of vxlan, host-gw"),
        ("no public IP", "10.42.2.0/24", ["flannel.alpha.coreos.com/backend-type": "vxlan"], "no flannel.alpha.coreos.com/public-ip"),
        ("bad public IP", "10.42.2.0/24", ["flannel.alpha.coreos.com/backend-type": "vxlan", "flannel.alpha.coreos.com/public-ip": "10.0.0"], "is not an IP address"),
        ("no data", "10.42.2.0/24", ["flannel.alpha.coreos.com/backend-type": "vxlan", "flannel.alpha.coreos.com/public-ip": "10.0.0.2"], "no flannel.alpha.coreos.com/backend-data"),
        ("bad JSON", "10.42.2.0/24", ["flannel.alpha.coreos.com/backend-type": "vxlan", "flannel.alpha.coreos.com/public-ip": "10.0.0.2", "flannel.alpha.coreos.com/backend-data": "{"], "is not a JSON object"),
        ("null data", "10.42.2.0/24", ["flannel.alpha.coreos.com/backend-type": "vxlan", "flannel.alpha.coreos.com/public-ip": "10.0.0.2", "flannel.alpha.coreos.com/backend-data": "null"], "is not a JSON object"),
        ("bad MAC", "10.42.2.0/24", ["flannel.alpha.coreos.com/backend-type": "vxlan", "flannel.alpha.coreos.com/public-ip": "10.0.0.2", "flannel.alpha.coreos.com/backend-data": #"{"VtepMAC":"zz"}"#], "no valid VtepMAC"),
        ("bad VNI", "10.42.2.0/24", ["flannel.alpha.coreos.com/backend-type": "vxlan", "flannel.alpha.coreos.com/public-ip": "10.0.0.2", "flannel.alpha.coreos.com/backend-data": #"{"VNI":"one","VtepMAC":"0e:00:00:00:00:01"}"#], "VNI that is not a whole number"),
    ] as [(String, String?, [String: String], String)])
    func badNodesAreSkippedWithAReason(_ label: String, podCIDR: String?, annotations: [String: String], reason: String) {
        #expect(throws: FlannelAnnotations.Rejection.self, "\(label)") {
            _ = try FlannelAnnotations.peer(from: node(podCIDR: podCIDR, annotations: annotations))
        }
        do {
            _ = try FlannelAnnotations.peer(from: node(podCIDR: podCIDR, annotations: annotations))
        } catch {
            #expect(error.description.contains(reason), "\(label): \(error)")
            #expect(error.node == "b")
        }
    }
}
