import Datastore
import KubeAPI
import Testing
@testable import APIServer

/// Cluster IP and node port allocation through the registry.
@Suite struct ServiceAllocationTests {
    @Test func clusterIPComesFromTheRangeAndSkipsReservedAddresses() async throws {
        let fixture = try await AdmissionFixture()
        let created = try await fixture.create("services", AdmissionFixture.service("web"))
        let ip = try #require(created[path: "spec", "clusterIP"]?.stringValue)
        #expect(created[path: "spec", "clusterIPs"] == .array([.string(ip)]))
        let offset = try #require(fixture.services.offset(of: ip))
        #expect(offset > 1)
        #expect(ip.hasPrefix("10.43."))
        // Upper band first: the low addresses people pick by hand stay free.
        #expect(offset > 256)
        #expect(fixture.services.isAllocated(ip: ip))
    }

    @Test func parallelCreatesGetDistinctIPs() async throws {
        let fixture = try await AdmissionFixture(cidr: "10.96.0.0/24")
        let store = fixture.store("services")
        let ips = try await withThrowingTaskGroup(of: String.self) { group in
            for index in 0..<120 {
                group.addTask {
                    let object = try await store.create(namespace: "default", object: AdmissionFixture.service("s\(index)")).value
                    return object[path: "spec", "clusterIP"]?.stringValue ?? ""
                }
            }
            var all: [String] = []
            for try await ip in group { all.append(ip) }
            return all
        }
        #expect(ips.count == 120)
        #expect(Set(ips).count == 120)
        #expect(!ips.contains("10.96.0.1"))
        #expect(!ips.contains("10.96.0.0"))
        #expect(!ips.contains("10.96.0.255"))
        #expect(fixture.services.allocatedIPCount == 120)
    }

    @Test func parallelCreatesOfOneNameKeepOneIP() async throws {
        let fixture = try await AdmissionFixture(cidr: "10.96.0.0/24")
        let store = fixture.store("services")
        let successes = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<20 {
                group.addTask { (try? await store.create(namespace: "default", object: AdmissionFixture.service("same"))) != nil }
            }
            var count = 0
            for await ok in group where ok { count += 1 }
            return count
        }
        #expect(successes == 1)
        #expect(fixture.services.allocatedIPCount == 1)
    }

    @Test func exhaustedRange() async throws {
        // A /29 has six usable addresses; the first is the kubernetes Service's.
        let fixture = try await AdmissionFixture(cidr: "10.96.0.0/29")
        for index in 0..<5 {
            _ = try await fixture.create("services", AdmissionFixture.service("s\(index)"))
        }
        let error = await fixture.createError("services", AdmissionFixture.service("full"))
        #expect(error?.code == 500)
        #expect(error?.message == "Internal error occurred: failed to allocate a serviceIP: range is full")
        // The reserved address can still be requested.
        let kubernetes = try await fixture.create("services", AdmissionFixture.service("kubernetes", clusterIP: "10.96.0.1"))
        #expect(kubernetes[path: "spec", "clusterIP"] == "10.96.0.1")
    }

    @Test func requestedIPIsHonouredOrRefused() async throws {
        let fixture = try await AdmissionFixture()
        let dns = try await fixture.create("services", AdmissionFixture.service("dns", clusterIP: "10.43.0.10"))
        #expect(dns[path: "spec", "clusterIP"] == "10.43.0.10")
        #expect(dns[path: "spec", "clusterIPs"] == ["10.43.0.10"])
        let taken = await fixture.createError("services", AdmissionFixture.service("dns2", clusterIP: "10.43.0.10"))
        #expect(taken?.code == 422)
        #expect(taken?.message == #"Service "dns2" is invalid: spec.clusterIPs: Invalid value: ["10.43.0.10"]: failed to allocate IP 10.43.0.10: provided IP is already allocated"#)
        let outside = await fixture.createError("services", AdmissionFixture.service("far", clusterIP: "1.1.1.1"))
        #expect(outside?.message == #"Service "far" is invalid: spec.clusterIPs: Invalid value: ["1.1.1.1"]: failed to allocate IP 1.1.1.1: the provided IP (1.1.1.1) is not in the valid range. The range of valid IPs is 10.43.0.0/16"#)
        let broadcast = await fixture.createError("services", AdmissionFixture.service("b", clusterIP: "10.43.255.255"))
        #expect(broadcast?.code == 422)
        let malformed = await fixture.createError("services", AdmissionFixture.service("m", clusterIP: "10.43.0.300"))
        #expect(malformed?.message == #"Service "m" is invalid: spec.clusterIPs[0]: Invalid value: "10.43.0.300": must be a valid IP address (e.g. 10.9.8.7 or 2001:db8::ffff)"#)
    }

    @Test func headlessAndExternalNameGetNoIP() async throws {
        let fixture = try await AdmissionFixture()
        let headless = try await fixture.create("services", AdmissionFixture.service("h", clusterIP: "None"))
        #expect(headless[path: "spec", "clusterIP"] == "None")
        #expect(headless[path: "spec", "clusterIPs"] == ["None"])
        let external = try await fixture.create("services", .json(#"{"apiVersion":"v1","kind":"Service","metadata":{"name":"e"},"spec":{"type":"ExternalName","externalName":"example.com"}}"#))
        #expect(external[path: "spec", "clusterIP"] == nil)
        #expect(fixture.services.allocatedIPCount == 0)
    }

    @Test func deleteReleasesAndAllowsReuse() async throws {
        let fixture = try await AdmissionFixture()
        _ = try await fixture.create("services", AdmissionFixture.service("a", type: "NodePort", clusterIP: "10.43.0.20", ports: [["port": 80, "nodePort": 30080]]))
        #expect(fixture.services.isAllocated(ip: "10.43.0.20"))
        #expect(fixture.services.isAllocated(nodePort: 30080))
        _ = try await fixture.store("services").delete(namespace: "default", name: "a")
        #expect(!fixture.services.isAllocated(ip: "10.43.0.20"))
        #expect(!fixture.services.isAllocated(nodePort: 30080))
        let again = try await fixture.create("services", AdmissionFixture.service("b", type: "NodePort", clusterIP: "10.43.0.20", ports: [["port": 80, "nodePort": 30080]]))
        #expect(again[path: "spec", "ports"]?[0]?["nodePort"] == 30080)
    }

    @Test func dryRunKeepsNothing() async throws {
        let fixture = try await AdmissionFixture()
        let dry = try await fixture.create("services", AdmissionFixture.service("d", type: "NodePort"), dryRun: true)
        #expect(dry[path: "spec", "clusterIP"]?.stringValue?.hasPrefix("10.43.") == true)
        #expect(dry[path: "spec", "ports"]?[0]?["nodePort"]?.intValue.map { (30000...32767).contains($0) } == true)
        #expect(fixture.services.allocatedIPCount == 0)
        #expect(fixture.services.allocatedNodePortCount == 0)
        // A dry run still refuses a taken address.
        _ = try await fixture.create("services", AdmissionFixture.service("x", clusterIP: "10.43.0.30"))
        await #expect(throws: StatusError.self) {
            _ = try await fixture.create("services", AdmissionFixture.service("y", clusterIP: "10.43.0.30"), dryRun: true)
        }
    }

    @Test func nodePorts() async throws {
        let fixture = try await AdmissionFixture(nodePorts: 30000...30004)
        let created = try await fixture.create("services", AdmissionFixture.service("np", type: "NodePort", ports: [
            ["name": "dns", "port": 53, "protocol": "UDP"], ["name": "dns-tcp", "port": 53, "protocol": "TCP"], ["name": "web", "port": 80],
        ]))
        let ports = (created[path: "spec", "ports"]?.arrayValue ?? []).compactMap { $0["nodePort"]?.intValue }
        #expect(ports.count == 3)
        #expect(ports[0] == ports[1], "the same service port shares one node port")
        #expect(ports[0] != ports[2])
        #expect(ports.allSatisfy { (30000...30004).contains($0) })
        #expect(fixture.services.allocatedNodePortCount == 2)

        let outside = await fixture.createError("services", AdmissionFixture.service("o", type: "NodePort", ports: [["port": 80, "nodePort": 31000]]))
        #expect(outside?.message == #"Service "o" is invalid: spec.ports[0].nodePort: Invalid value: 31000: provided port is not in the valid range. The range of valid ports is 30000-30004"#)
        let taken = await fixture.createError("services", AdmissionFixture.service("t", type: "NodePort", ports: [["port": 80, "nodePort": .int(ports[2])]]))
        #expect(taken?.message == #"Service "t" is invalid: spec.ports[0].nodePort: Invalid value: \#(ports[2]): provided port is already allocated"#)
        for index in 0..<3 {
            _ = try await fixture.create("services", AdmissionFixture.service("f\(index)", type: "NodePort"))
        }
        let full = await fixture.createError("services", AdmissionFixture.service("full", type: "NodePort"))
        #expect(full?.message == "Internal error occurred: failed to allocate a nodePort: range is full")
        // The failed create gave its cluster IP back.
        #expect(fixture.services.allocatedIPCount == 4)
    }

    @Test func typeChangesAllocateAndRelease() async throws {
        let fixture = try await AdmissionFixture()
        let store = fixture.store("services")
        _ = try await fixture.create("services", AdmissionFixture.service("s"))
        let toNodePort = try await store.guaranteedUpdate(namespace: "default", name: "s") { current in
            var object = try #require(current)
            var spec = object["spec"]!
            spec.setMember("type", "NodePort")
            object.setMember("spec", spec)
            return object
        }.object.value
        let nodePort = try #require(toNodePort[path: "spec", "ports"]?[0]?["nodePort"]?.intValue)
        #expect(fixture.services.isAllocated(nodePort: Int(nodePort)))
        let ip = try #require(toNodePort[path: "spec", "clusterIP"]?.stringValue)

        // Back to ClusterIP: the node port goes (the client kept the value; it is dropped).
        let back = try await store.guaranteedUpdate(namespace: "default", name: "s") { current in
            var object = try #require(current)
            var spec = object["spec"]!
            spec.setMember("type", "ClusterIP")
            object.setMember("spec", spec)
            return object
        }.object.value
        #expect(back[path: "spec", "ports"]?[0]?["nodePort"] == nil)
        #expect(!fixture.services.isAllocated(nodePort: Int(nodePort)))

        // To ExternalName: the cluster IP goes.
        _ = try await store.guaranteedUpdate(namespace: "default", name: "s") { current in
            var object = try #require(current)
            var spec = object["spec"]!
            spec.setMember("type", "ExternalName")
            spec.setMember("externalName", "example.com")
            object.setMember("spec", spec)
            return object
        }
        #expect(!fixture.services.isAllocated(ip: ip))
        // And back: a new address.
        let again = try await store.guaranteedUpdate(namespace: "default", name: "s") { current in
            var object = try #require(current)
            var spec = object["spec"]!
            spec.setMember("type", "ClusterIP")
            spec.setMember("externalName", nil)
            object.setMember("spec", spec)
            return object
        }.object.value
        let newIP = try #require(again[path: "spec", "clusterIP"]?.stringValue)
        #expect(fixture.services.isAllocated(ip: newIP))
        #expect(fixture.services.allocatedIPCount == 1)
    }

    @Test func concurrentTypeChangesLeakNothing() async throws {
        let fixture = try await AdmissionFixture()
        let store = fixture.store("services")
        _ = try await fixture.create("services", AdmissionFixture.service("s"))
        // Twenty writers each turn the Service into a NodePort one from the same old state (PUT
        // without a resourceVersion retries on conflict); only one node port may remain.
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    _ = try? await store.guaranteedUpdate(namespace: "default", name: "s") { current in
                        var object = try #require(current)
                        var spec = object["spec"]!
                        spec.setMember("type", "NodePort")
                        object.setMember("spec", spec)
                        object.updateMetadata { $0.removeValue(forKey: "resourceVersion") }
                        return object
                    }
                }
            }
        }
        let stored = try await store.get(namespace: "default", name: "s").value
        let port = try #require(stored[path: "spec", "ports"]?[0]?["nodePort"]?.intValue)
        #expect(fixture.services.allocatedNodePortCount == 1)
        #expect(fixture.services.isAllocated(nodePort: Int(port)))
        #expect(fixture.services.allocatedIPCount == 1)
    }

    @Test func dryRunUpdateKeepsNothing() async throws {
        let fixture = try await AdmissionFixture()
        let store = fixture.store("services")
        _ = try await fixture.create("services", AdmissionFixture.service("s", type: "NodePort"))
        let before = try await store.get(namespace: "default", name: "s").value
        let port = try #require(before[path: "spec", "ports"]?[0]?["nodePort"]?.intValue)
        let dry = try await store.guaranteedUpdate(namespace: "default", name: "s", dryRun: true) { current in
            var object = try #require(current)
            var spec = object["spec"]!
            spec.setMember("type", "ClusterIP")
            object.setMember("spec", spec)
            return object
        }.object.value
        #expect(dry[path: "spec", "ports"]?[0]?["nodePort"] == nil)
        // The dry run released nothing and the stored object is unchanged.
        #expect(fixture.services.isAllocated(nodePort: Int(port)))
        #expect(try await store.get(namespace: "default", name: "s").value == before)
    }

    @Test func malformedAllocationRequestsAreRefused() async throws {
        let fixture = try await AdmissionFixture()
        let negative = await fixture.createError("services", AdmissionFixture.service("n", type: "NodePort", ports: [["port": 80, "nodePort": -5]]))
        #expect(negative?.message == #"Service "n" is invalid: spec.ports[0].nodePort: Invalid value: -5: provided port is not in the valid range. The range of valid ports is 30000-32767"#)
        let v6 = await fixture.createError("services", AdmissionFixture.service("six", clusterIP: "fd00::5"))
        #expect(v6?.code == 422)
        #expect(fixture.services.allocatedIPCount == 0)
        #expect(fixture.services.allocatedNodePortCount == 0)
    }

    @Test func restartRebuildsFromStoredServices() async throws {
        let datastore = InMemoryDatastore(compaction: .disabled)
        let first = try await AdmissionFixture(cidr: "10.96.0.0/28", nodePorts: 30000...30001, datastore: datastore)
        var ips: Set<String> = []
        for index in 0..<5 {
            let object = try await first.create("services", AdmissionFixture.service("s\(index)"))
            ips.insert(object[path: "spec", "clusterIP"]?.stringValue ?? "")
        }
        _ = try await first.create("services", AdmissionFixture.service("np", type: "NodePort", ports: [["port": 1, "nodePort": 30001]]))
        first.registry.stop()

        let second = try await AdmissionFixture(cidr: "10.96.0.0/28", nodePorts: 30000...30001, datastore: datastore)
        #expect(second.services.allocatedIPCount == 6)
        for ip in ips { #expect(second.services.isAllocated(ip: ip)) }
        #expect(second.services.isAllocated(nodePort: 30001))
        let port = await second.createError("services", AdmissionFixture.service("p", type: "NodePort", ports: [["port": 1, "nodePort": 30001]]))
        #expect(port?.message.contains("provided port is already allocated") == true)
        // The remaining addresses are all new ones: 14 usable, 1 reserved, 6 taken → 7 left.
        var fresh: Set<String> = []
        for index in 0..<7 {
            let object = try await second.create("services", AdmissionFixture.service("t\(index)"))
            fresh.insert(object[path: "spec", "clusterIP"]?.stringValue ?? "")
        }
        #expect(fresh.isDisjoint(with: ips))
        #expect(fresh.count == 7)
        let full = await second.createError("services", AdmissionFixture.service("more"))
        #expect(full?.code == 500)
    }

    @Test(arguments: [
        ("10.43.0.0/16", "10.43.0.1", "10.43.255.254"), ("192.168.10.7/24", "192.168.10.1", "192.168.10.254"),
        ("fd00:43::/112", "fd00:43::1", "fd00:43::ffff"), ("10.0.0.0/30", "10.0.0.1", "10.0.0.2"),
        ("fd00::/127", "fd00::1", "fd00::1"),
        // Capped at 2^20 addresses: the last tracked one is not a broadcast address.
        ("10.0.0.0/8", "10.0.0.1", "10.15.255.255"), ("fd00::/64", "fd00::1", "fd00::f:ffff"),
    ])
    func ranges(cidr: String, first: String, last: String) throws {
        let range = try ServiceIPRange(IPPrefix(parsing: cidr))
        #expect(range.address(at: 1).description == first)
        #expect(range.apiServerServiceIP.description == first)
        #expect(range.address(at: range.lastUsableOffset).description == last)
        #expect(range.offset(of: IPAddress(first)!) == 1)
        #expect(range.offset(of: IPAddress(last)!) == range.lastUsableOffset)
        #expect(range.offset(of: range.prefix.network) == nil)
        #expect(range.offset(of: IPAddress(cidr.contains(":") ? "10.43.0.1" : "fd00:43::1")!) == nil)
    }

    @Test(arguments: [
        ("10.43.0.0/16", "10.43.0.1", "10.43.0.10"), ("10.96.0.0/12", "10.96.0.1", "10.96.0.10"),
        ("172.16.5.0/28", "172.16.5.1", "172.16.5.10"), ("fd00:43::/112", "fd00:43::1", "fd00:43::a"),
    ])
    func reservedAddresses(cidr: String, apiServer: String, dns: String) throws {
        let range = try ServiceIPRange(IPPrefix(parsing: cidr))
        #expect(range.apiServerServiceIP == IPAddress(apiServer))
        #expect(range.dnsServiceIP == IPAddress(dns))
    }

    @Test func addressesOutsideTheUsableRangeHaveNoOffset() throws {
        let range = try ServiceIPRange(IPPrefix(parsing: "10.96.0.0/24"))
        #expect(range.offset(of: IPAddress("10.96.0.255")!) == nil)
        #expect(range.offset(of: IPAddress("10.96.1.1")!) == nil)
        let capped = try ServiceIPRange(IPPrefix(parsing: "10.0.0.0/8"))
        #expect(capped.offset(of: IPAddress("10.16.0.0")!) == nil)
        #expect(range.dnsServiceIP == IPAddress("10.96.0.10"))
        #expect(try ServiceIPRange(IPPrefix(parsing: "10.0.0.0/29")).dnsServiceIP == nil)
        #expect(ServiceIPRange.default.description == "10.43.0.0/16")
    }

    @Test(arguments: ["10.43.0.0/32", "10.43.0.0/31", "fd00::/128"])
    func tooSmallRanges(text: String) throws {
        let prefix = try IPPrefix(parsing: text)
        #expect(throws: ServiceIPRange.TooSmall(prefix: prefix)) { try ServiceIPRange(prefix) }
    }

    @Test func kubernetesServiceIP() {
        #expect(ServiceAllocator().serviceIPRange.apiServerServiceIP == IPAddress("10.43.0.1"))
    }
}
