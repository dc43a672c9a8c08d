import KubeAPI
import Testing
@testable import Cluster

@Suite struct HostNetworkTests {
    @Test func hostFactsAreSane() {
        let name = HostNetwork.hostName()
        #expect(!name.isEmpty)
        #expect(name == name.lowercased())
        let interfaces = HostNetwork.interfaceIPv4Addresses()
        #expect(interfaces.allSatisfy { $0.family == .ipv4 })
        let advertise = HostNetwork.defaultAdvertiseAddress()
        #expect(advertise.family == .ipv4)
        let usable = interfaces.filter { !$0.isLoopback && !$0.isUnspecified }
        #expect(advertise == usable.first ?? .ipv4Loopback)
        #expect(HostIdentity.current().defaultAdvertiseAddress == advertise)
    }
}
