import KubeAPI
import Testing

@testable import NetOverlay

@Suite struct HostGatewayRoutesTests {
    func route(_ destination: String, _ gateway: String, _ device: String = "eth0") -> KernelRoute {
        KernelRoute(destination: IPPrefix(destination)!, gateway: IPAddress(gateway)!, device: device)
    }

    @Test func missingRoutesAreAddedWithTheOverlaysProtocol() {
        #expect(HostGatewayOverlay.routeLines(wanted: [route("10.244.3.0/24", "10.0.0.3"), route("10.244.2.0/24", "10.0.0.2")], current: []) == [
            "route replace 10.244.2.0/24 via 10.0.0.2 dev eth0 proto 75",
            "route replace 10.244.3.0/24 via 10.0.0.3 dev eth0 proto 75",
        ])
    }

    @Test func routesInPlaceNeedNothingAndStaleOnesGo() {
        let current = [route("10.244.2.0/24", "10.0.0.2"), route("10.244.9.0/24", "10.0.0.9")]
        #expect(HostGatewayOverlay.routeLines(wanted: [route("10.244.2.0/24", "10.0.0.2")], current: current) == [
            "route delete 10.244.9.0/24 proto 75"
        ])
        #expect(HostGatewayOverlay.routeLines(wanted: [route("10.244.2.0/24", "10.0.0.20")], current: current) == [
            "route delete 10.244.9.0/24 proto 75",
            "route replace 10.244.2.0/24 via 10.0.0.20 dev eth0 proto 75",
        ])
        #expect(HostGatewayOverlay.routeLines(wanted: [], current: current).count == 2)
    }
}
