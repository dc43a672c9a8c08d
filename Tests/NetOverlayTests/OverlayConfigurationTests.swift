import KubeAPI
import Logging
import NetOverlay
import Testing

@Suite struct OverlayConfigurationTests {
    @Test func defaultsAreK3ss() throws {
        let configuration = try OverlayConfiguration(flags: [:])
        #expect(configuration.backend == .vxlan)
        #expect(configuration.ipMasq)
        #expect(configuration.interface == nil)
        #expect(configuration.clusterCIDRs == [IPPrefix("10.42.0.0/16")!])
        #expect(configuration.serviceCIDRs == [IPPrefix("10.43.0.0/16")!])
        #expect(configuration.masquerade == OverlayMasquerade(clusterCIDRs: [IPPrefix("10.42.0.0/16")!]))
    }

    @Test func everyFlagIsRead() throws {
        let configuration = try OverlayConfiguration(flags: [
            "flannel-backend": "host-gw", "flannel-iface": "eth1", "flannel-ipmasq": "false",
            "cluster-cidr": "10.100.7.0/16, fd00:100::/56", "service-cidr": "10.200.0.0/16",
        ])
        #expect(configuration.backend == .hostGateway)
        #expect(configuration.interface == "eth1")
        #expect(!configuration.ipMasq)
        #expect(configuration.masquerade == nil)
        #expect(configuration.clusterCIDRs == [IPPrefix("10.100.0.0/16")!, IPPrefix("fd00:100::/56")!])
        #expect(try OverlayConfiguration(flags: ["flannel-backend": "none"]).backend == nil)
    }

    @Test func overlappingClusterAndServiceNetworksAreRefused() {
        #expect(throws: OverlayConfigurationError(
            flag: "service-cidr", value: "10.42.0.0/24",
            reason: "overlaps --cluster-cidr 10.42.0.0/16: pod IPs and service IPs need separate networks")
        ) {
            _ = try OverlayConfiguration(flags: ["service-cidr": "10.42.0.0/24"])
        }
        let error = OverlayConfigurationError(flag: "service-cidr", value: "10.42.0.0/24", reason: "overlaps --cluster-cidr 10.42.0.0/16")
        #expect(error.description == #"invalid --service-cidr "10.42.0.0/24": overlaps --cluster-cidr 10.42.0.0/16"#)
    }

    @Test(arguments: [
        (["flannel-backend": "wireguard"], "flannel-backend"),
        (["flannel-ipmasq": "maybe"], "flannel-ipmasq"),
        (["cluster-cidr": "10.42.0.0"], "cluster-cidr"),
        (["cluster-cidr": "10.42.0.0/16,10.44.0.0/16"], "cluster-cidr"),
        (["service-cidr": "fd00::/200"], "service-cidr"),
    ])
    func badValuesNameTheirFlag(_ flags: [String: String], flag: String) {
        #expect {
            _ = try OverlayConfiguration(flags: flags)
        } throws: { error in
            (error as? OverlayConfigurationError)?.flag == flag
        }
    }

    @Test func theConfigurationMakesItsOverlay() throws {
        let logger = Logger(label: "test")
        #expect(try OverlayConfiguration(flags: [:]).makeOverlay(logger: logger)?.backend == .vxlan)
        #expect(try OverlayConfiguration(flags: ["flannel-backend": "host-gw"]).makeOverlay(logger: logger)?.backend == .hostGateway)
        #expect(try OverlayConfiguration(flags: ["flannel-backend": "none"]).makeOverlay(logger: logger) == nil)
    }

    @Test func theCNIBridgeMasqueradeCanBeTurnedOff() throws {
        #expect(try CNIConfiguration(podCIDR: "10.42.1.0/24").render().contains(#""ipMasq" : true"#))
        #expect(try CNIConfiguration(podCIDR: "10.42.1.0/24", ipMasq: false).render().contains(#""ipMasq" : false"#))
    }
}
