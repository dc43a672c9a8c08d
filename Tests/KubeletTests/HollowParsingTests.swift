import ContainerImages
import KubeAPI
import Testing
@testable import Kubelet

@Suite("Hollow annotations, image references, pod IP pools")
struct HollowParsingTests {
    @Test(arguments: [
        ("main=3s:1,sidecar=forever", "main", HollowBehavior.Run.exits(after: .seconds(3), exitCode: 1)),
        ("main=3s:1,sidecar=forever", "sidecar", .forever),
        ("main=250ms", "main", .exits(after: .milliseconds(250), exitCode: 0)),
        (" *=1m30s:2 , web=forever", "other", .exits(after: .seconds(90), exitCode: 2)),
        ("*=1h", "x", .exits(after: .seconds(3600), exitCode: 0)),
        ("a=1.5s", "a", .exits(after: .milliseconds(1500), exitCode: 0)),
        ("a=0:255", "a", .exits(after: .zero, exitCode: 255)),
    ])
    func runEntriesParse(text: String, container: String, expected: HollowBehavior.Run) throws {
        let behavior = try HollowBehavior(annotations: [HollowBehavior.runAnnotation: text])
        #expect(behavior.run(for: container) == expected)
    }

    @Test(arguments: [
        "main", "main=", "=3s", "main=3", "main=3s:256", "main=3s:-1", "main=3s:x", "main=3s:1:2", "main=-3s",
        "main=3d", "main=soon", "main=1s,main=2s", "main=forever:1",
    ])
    func badRunEntriesAreRejected(text: String) {
        #expect(throws: RuntimeError.self) {
            try HollowBehavior(annotations: [HollowBehavior.runAnnotation: text])
        }
        do {
            _ = try HollowBehavior(annotations: [HollowBehavior.runAnnotation: text])
        } catch {
            #expect(error.code == .invalidArgument)
            #expect(error.message.contains(HollowBehavior.runAnnotation))
        }
    }

    @Test func stopDelaysParseWithAWildcard() throws {
        let behavior = try HollowBehavior(annotations: [HollowBehavior.stopAnnotation: "main=5s,*=1s"])
        #expect(behavior.stopDelay(for: "main") == .seconds(5))
        #expect(behavior.stopDelay(for: "other") == .seconds(1))
        #expect(HollowBehavior().stopDelay(for: "x") == .zero)
        #expect(throws: RuntimeError.self) { try HollowBehavior(annotations: [HollowBehavior.stopAnnotation: "main=later"]) }
    }

    @Test(arguments: [
        ("nginx", "docker.io/library/nginx:latest"),
        ("nginx:1.27", "docker.io/library/nginx:1.27"),
        ("bitnami/redis:7", "docker.io/bitnami/redis:7"),
        ("registry.k8s.io/pause:3.10", "registry.k8s.io/pause:3.10"),
        ("localhost:5000/app", "localhost:5000/app:latest"),
        ("ghcr.io/a/b@sha256:" + String(repeating: "a", count: 64), "ghcr.io/a/b@sha256:" + String(repeating: "a", count: 64)),
    ])
    func imageReferencesNormalize(text: String, normalized: String) throws {
        #expect(try ImageReference(validating: text).normalized == normalized)
    }

    @Test(arguments: ["", "Nginx", "bad image", "a//b", "nginx:", "nginx@sha256:short", "docker.io/Library/x"])
    func badImageReferencesAreRejected(text: String) {
        #expect(throws: RuntimeError.self) { try ImageReference(validating: text) }
    }

    @Test func poolsHandOutTheLowestFreeAddress() throws {
        var pool = try PodIPPool(cidr: "10.42.3.0/24")
        #expect(pool.capacity == 253)
        #expect(pool.gateway == IPAddress("10.42.3.1"))
        #expect(try pool.allocate() == IPAddress("10.42.3.2"))
        #expect(try pool.allocate() == IPAddress("10.42.3.3"))
        pool.release(IPAddress("10.42.3.2")!)
        #expect(try pool.allocate() == IPAddress("10.42.3.2"))
        #expect(pool.contains(IPAddress("10.42.3.254")!))
        #expect(!pool.contains(IPAddress("10.42.4.1")!))
        #expect(pool.allocatedCount == 2)
    }

    @Test func reservingSkipsAddressesThePoolNeverHandsOut() throws {
        var pool = try PodIPPool(cidr: "10.42.3.7/24")
        #expect(pool.cidr.description == "10.42.3.0/24")
        for text in ["10.42.3.0", "10.42.3.1", "10.42.3.255", "10.42.4.2", "fd00::2"] { pool.reserve(IPAddress(text)!) }
        #expect(pool.allocatedCount == 0)
        pool.reserve(IPAddress("10.42.3.2")!)
        #expect(try pool.allocate() == IPAddress("10.42.3.3"))
    }

    @Test func aSmallPoolRunsOutWithAnUnavailableError() throws {
        var pool = try PodIPPool(cidr: "10.0.0.4/30")
        #expect(try pool.allocate() == IPAddress("10.0.0.6"))
        do {
            _ = try pool.allocate()
            Issue.record("expected exhaustion")
        } catch {
            #expect(error.code == .unavailable)
        }
    }

    @Test func hollowNodesGetDistinctDefaultAddresses() {
        let configuration = HollowNodePool.Configuration(count: 1000)
        #expect(configuration.podCIDR(0) == "10.42.0.0/24")
        #expect(configuration.podCIDR(257) == "10.43.1.0/24")
        #expect(configuration.podCIDR(999) == "10.45.231.0/24")
        #expect(configuration.nodeIP(0) == "10.128.0.1")
        #expect(configuration.nodeIP(300) == "10.128.1.45")
    }

    @Test func dualStackListsUseTheIPv4Range() throws {
        var pool = try PodIPPool(cidr: "fd00:42::/64, 10.42.9.0/24")
        #expect(try pool.allocate() == IPAddress("10.42.9.2"))
    }

    @Test(arguments: ["", "10.42.0.0", "10.42.0.0/31", "10.42.0.0/x", "300.1.1.0/24", "fd00::/64", "10.42.0/24"])
    func badCIDRsAreRejected(text: String) {
        #expect(throws: RuntimeError.self) { try PodIPPool(cidr: text) }
    }
}
