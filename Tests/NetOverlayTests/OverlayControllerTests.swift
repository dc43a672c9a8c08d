import ClusterTesting
import KubeAPI
import KubeClient
import Logging
import NetOverlay
import Testing

/// The controller against a real (in-process) API server and the fake overlay.
@Suite struct OverlayControllerTests {
    let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    func node(_ name: String, podCIDR: String?, annotations: [String: String]? = nil) -> CoreV1.Node {
        var node = CoreV1.Node()
        node.metadata.name = name
        node.metadata.annotations = annotations
        node.spec = CoreV1.NodeSpec(podCIDR: podCIDR, podCIDRs: podCIDR.map { [$0] })
        return node
    }

    func flannel(_ ip: String, mac: String) -> [String: String] {
        FlannelAnnotations.annotations(
            for: OverlayAttributes(backend: .vxlan, publicIPs: [IPAddress(ip)!], backendData: [.ipv4: .init(vni: 1, vtepMAC: MACAddress(mac)!)]))
    }

    /// Runs a controller for node `a` (10.0.0.1) with the fake overlay while `body` runs.
    func withController(
        _ server: TestAPIServer, overlay: FakeOverlay, resyncPeriod: Duration = .zero, _ body: (OverlayController) async throws -> Void
    ) async throws {
        let client = server.client()
        let controller = OverlayController(
            client: client, informers: InformerFactory(client: client, logger: logger), overlay: overlay,
            settings: .init(nodeName: "a", publicIPs: [IPAddress("10.0.0.1")!], debounce: .zero, resyncPeriod: resyncPeriod), logger: logger)
        let task = Task { await controller.run() }
        do {
            try await body(controller)
        } catch {
            task.cancel()
            await task.value
            throw error
        }
        task.cancel()
        await task.value
    }

    @Test func setsUpPublishesAndFollowsThePeers() async throws {
        try await TestAPIServer.with { server in
            let nodes = server.client().resource(CoreV1.Node.self)
            _ = try await nodes.create(node("a", podCIDR: nil))
            _ = try await nodes.create(node("b", podCIDR: "10.42.2.0/24", annotations: flannel("10.0.0.2", mac: "0e:00:00:00:00:02")))
            _ = try await nodes.create(node("c", podCIDR: "10.42.3.0/24"))
            let overlay = FakeOverlay()
            try await withController(server, overlay: overlay) { controller in
                // No pod CIDR on the local node yet: nothing is set up.
                try await eventually("a first reconcile") { controller.reconcileCount > 0 }
                #expect(overlay.calls.isEmpty)

                let waiting = Task { try await controller.setUpAttributes() }
                var own = try await nodes.get("a")
                own.spec = CoreV1.NodeSpec(podCIDR: "10.42.1.0/24", podCIDRs: ["10.42.1.0/24"])
                _ = try await nodes.update(own)
                // A caller waiting for the set-up gets its attributes; a later one at once.
                #expect(try await waiting.value == overlay.attributes(for: overlay.node!))
                #expect(try await controller.setUpAttributes() == controller.attributes)
                try await eventually("peer b") { overlay.peerNames == ["b"] }
                #expect(overlay.node == OverlayLocalNode(name: "a", podCIDRs: [IPPrefix("10.42.1.0/24")!], publicIPs: [IPAddress("10.0.0.1")!]))
                #expect(overlay.peers["b"]?.backendData[.ipv4]?.vtepMAC == MACAddress("0e:00:00:00:00:02"))

                // The local node's annotations are published, as Flannel writes them.
                let published = try await eventually("annotations on a") {
                    try await nodes.get("a").metadata.annotations?[FlannelAnnotations.backendType]
                }
                #expect(published == "vxlan")
                let annotations = try await nodes.get("a").metadata.annotations ?? [:]
                let expected = FlannelAnnotations.annotations(for: overlay.attributes(for: overlay.node!))
                #expect(expected.allSatisfy { annotations[$0.key] == $0.value })

                // c publishes its annotations: it becomes a peer; b goes: it stops being one.
                var c = try await nodes.get("c")
                c.metadata.annotations = flannel("10.0.0.3", mac: "0e:00:00:00:00:03")
                _ = try await nodes.update(c)
                try await eventually("peers b and c") { overlay.peerNames == ["b", "c"] }
                try await nodes.delete("b")
                try await eventually("peer c only") { overlay.peerNames == ["c"] }

                // A change that moves no peer does not call the overlay.
                let calls = overlay.calls.count
                let reconciles = controller.reconcileCount
                c = try await nodes.get("c")
                c.metadata.labels = ["unrelated": "change"]
                _ = try await nodes.update(c)
                try await eventually("a reconcile after the label change") { controller.reconcileCount > reconciles }
                #expect(overlay.calls.count == calls)
                #expect(overlay.calls.filter { if case .setUp = $0 { true } else { false } }.count == 1)
            }
            #expect(overlay.calls.contains(.tearDown) == false, "stopping the controller leaves the overlay in place")
        }
    }

    @Test func aCancelledWaitForTheSetUpThrows() async throws {
        try await TestAPIServer.with { server in
            _ = try await server.client().resource(CoreV1.Node.self).create(node("a", podCIDR: nil))
            try await withController(server, overlay: FakeOverlay()) { controller in
                // The local Node has no pod CIDR: the set-up never happens.
                let waiting = Task { try await controller.setUpAttributes() }
                try await eventually("a first reconcile") { controller.reconcileCount > 0 }
                waiting.cancel()
                await #expect(throws: CancellationError.self) { try await waiting.value }
            }
        }
    }

    @Test func aFailedStepIsRetried() async throws {
        try await TestAPIServer.with { server in
            let nodes = server.client().resource(CoreV1.Node.self)
            _ = try await nodes.create(node("a", podCIDR: "10.42.1.0/24"))
            _ = try await nodes.create(node("b", podCIDR: "10.42.2.0/24", annotations: flannel("10.0.0.2", mac: "0e:00:00:00:00:02")))
            let overlay = FakeOverlay()
            overlay.failNextCall(with: OverlayError("injected"))
            try await withController(server, overlay: overlay) { _ in
                try await eventually("peer b after a retry") { overlay.peerNames == ["b"] }
                #expect(overlay.calls.count == 3, "the failed set-up, the retried one, then the peers")
            }
        }
    }

    @Test func peersAreSetAgainEachResyncPeriod() async throws {
        try await TestAPIServer.with { server in
            let nodes = server.client().resource(CoreV1.Node.self)
            _ = try await nodes.create(node("a", podCIDR: "10.42.1.0/24"))
            _ = try await nodes.create(node("b", podCIDR: "10.42.2.0/24", annotations: flannel("10.0.0.2", mac: "0e:00:00:00:00:02")))
            let overlay = FakeOverlay()
            try await withController(server, overlay: overlay, resyncPeriod: .milliseconds(20)) { _ in
                try await eventually("three setPeers with nothing changed") {
                    overlay.calls.filter { $0 == .setPeers(overlay.peers.values.sorted { $0.name < $1.name }) }.count >= 3
                }
                #expect(overlay.peerNames == ["b"])
            }
        }
    }
}
